//! Rhai bindings: adapters only. Each converts Rhai values to typed requests, calls a
//! primitive or the runtime, and converts the result back. None of them spawns a process.
//!
//! Every side-effecting function is registered volatile, so the optimizer never folds a
//! call away or reuses its result.

mod core;
mod data;
mod docker;
mod exec;
mod flow;
mod fs;
mod http;
mod kubectl;
mod repo;
mod template;
mod terraform;
mod waiting;

use std::sync::Arc;

use rhai::{Dynamic, Engine, EvalAltResult, Map, NativeCallContext};

use crate::run::{Run, RunScope};
use crate::runtime::data::{from_data, Data};
use crate::script::convert::to_data;
use crate::script::declarations::Declarations;
use crate::script::diagnostics::{diagnose, Diagnostic, SourceContext};
use crate::script::limits::Limits;

/// What every binding shares: the run, the script's parameter declarations, and what
/// rendering an error from inside a step or parallel task needs.
pub struct Bound {
    pub run: Arc<Run>,
    pub declarations: Declarations,
    /// Repository-relative path of the main script.
    pub script: String,
    pub limits: Limits,
}

impl Bound {
    pub fn new(run: Arc<Run>, script: String, limits: Limits) -> Arc<Bound> {
        Arc::new(Bound { run, declarations: Declarations::default(), script, limits })
    }

    /// The bindings over a dry-run that reports nowhere (`auto check`, `auto docs`, `auto lsp`):
    /// evaluating declarations (which may call `environments()`) records what it would do
    /// and changes nothing.
    pub fn inspecting(repo: &crate::repo::Repo, run_id: &str, script: String, limits: Limits) -> Arc<Bound> {
        Bound::new(Run::inspecting(repo.clone(), run_id), script, limits)
    }

    /// Renders a script error (with file:line) the way the run's final report would.
    pub fn diagnose(&self, error: &EvalAltResult) -> Diagnostic {
        let context = SourceContext {
            repo_root: self.run.repo.root(),
            main: &self.script,
            main_source: None,
            limits: &self.limits,
        };
        diagnose(error, &context)
    }
}

/// Where in the run the calling script code is: the scope the innermost step or parallel
/// task put in the call's tag (the engine's default tag is the run's top scope).
pub(crate) fn scope_of(ctx: &NativeCallContext, run: &Arc<Run>) -> RunScope {
    ctx.tag().and_then(|tag| tag.read_lock::<RunScope>().map(|scope| scope.clone())).unwrap_or_else(|| run.root_scope())
}

/// Runs `body` with a call context whose tag is `scope`: script code called from it (a
/// step's closure) and every binding it calls see that scope.
#[allow(deprecated)] // `store_data`/`create_context` are rhai's volatile API, used here and in `flow`.
pub(crate) fn call_in<T>(ctx: &NativeCallContext, scope: &RunScope, body: impl FnOnce(&NativeCallContext) -> T) -> T {
    let mut store = ctx.store_data();
    store.global.tag = Dynamic::from(scope.clone());
    let inner = store.create_context(ctx.engine());
    body(&inner)
}

pub fn register_all(engine: &mut Engine, host: &Arc<Bound>) {
    core::register(engine, host);
    repo::register(engine, host);
    exec::register(engine, host);
    flow::register(engine, host);
    waiting::register(engine, host);
    fs::register(engine, host);
    data::register(engine, host);
    http::register(engine, host);
    kubectl::register(engine, host);
    template::register(engine, host);
    docker::register(engine, host);
    terraform::register(engine, host);
}

/// Converts an options map to a typed request, rejecting unknown keys at the script line.
pub(crate) fn options<T: serde::de::DeserializeOwned>(function: &str, map: &Map) -> Result<T, Box<EvalAltResult>> {
    let data =
        to_data(&Dynamic::from_map(map.clone())).map_err(|e| crate::script::bad_input(format!("{function}: {e}")))?;
    from_data(&data).map_err(|e| crate::script::bad_input(format!("{function}: {e}")))
}

/// Rhai does not fill in the call position for errors of namespaced functions
/// (`terraform::apply(...)`), so module functions take the call context and use this to
/// point the error at the script line.
pub(crate) fn at_call(ctx: &rhai::NativeCallContext) -> impl Fn(Box<EvalAltResult>) -> Box<EvalAltResult> {
    let position = ctx.call_position();
    move |mut error| {
        if error.position().is_none() {
            error.set_position(position);
        }
        error
    }
}

pub(crate) fn data_of(function: &str, what: &str, value: &Dynamic) -> Result<Data, Box<EvalAltResult>> {
    to_data(value).map_err(|e| crate::script::bad_input(format!("{function}: {what}: {e}")))
}

/// The script API reference, section by section in the order docs/script-api.md shows them
/// (`auto docs`). Each section's text is the Markdown beside the binding that registers its
/// functions (`terraform.md` beside `terraform.rs`; `params.md`, `secrets.md` and `run.md`
/// beside `core.rs`). Each function that takes an option map is given the struct its
/// binding deserialises the map into: the struct's fields (doc comments, keys, types,
/// defaults) are the function's option table. `auto docs` fails when a function taking
/// `options: map` has no struct here.
pub fn reference() -> Vec<crate::script::reference::Section> {
    use crate::primitives::docker::{self, auth::AuthOptions, compose};
    use crate::primitives::kubectl;
    use crate::primitives::terraform::options as tf;
    use crate::script::reference::{Section, WithOptions};
    macro_rules! section {
        ($file:literal) => {
            Section::parse(concat!("engine/src/script/bindings/", $file), include_str!($file))
        };
    }
    [
        section!("params.md").options::<crate::script::params::ParamOptions>("param"),
        section!("flow.md")
            .options::<flow::StepOptions>("step")
            .options::<flow::ParallelOptions>("parallel")
            .options::<flow::ParallelOptions>("parallel_map"),
        section!("waiting.md").options::<waiting::WaitOptions>("wait_until").options::<waiting::RetryOptions>("retry"),
        section!("secrets.md"),
        section!("repo.md"),
        section!("run.md").options::<http::NotifyOptions>("notify"),
        section!("terraform.md")
            .options::<tf::InitOptions>("terraform::init")
            .options::<tf::PlanOptions>("terraform::plan")
            .options::<tf::ApplyOptions>("terraform::apply")
            .options::<tf::OutputOptions>("terraform::output")
            .options::<tf::OutputOptions>("terraform::state")
            .options::<tf::DestroyOptions>("terraform::destroy"),
        section!("docker.md")
            .options::<docker::BuildOptions>("docker::build")
            .options::<docker::ContentTagOptions>("docker::content_tag")
            .options::<AuthOptions>("docker::push")
            .options::<AuthOptions>("docker::pull")
            .options::<docker::ExistsOptions>("docker::exists")
            .options::<docker::RemoveOptions>("docker::remove")
            .options::<docker::RunOptions>("docker::run")
            .options::<compose::UpOptions>("docker::compose_up")
            .options::<compose::DownOptions>("docker::compose_down"),
        section!("kubectl.md")
            .options::<kubectl::ApplyOptions>("kubectl::apply")
            .options::<kubectl::DiffOptions>("kubectl::diff")
            .options::<kubectl::GetOptions>("kubectl::get")
            .options::<kubectl::WaitOptions>("kubectl::wait")
            .options::<kubectl::RolloutOptions>("kubectl::rollout_status")
            .options::<kubectl::NamespaceOptions>("kubectl::rollout_restart")
            .options::<kubectl::DeleteOptions>("kubectl::delete")
            .options::<kubectl::LogsOptions>("kubectl::logs")
            .options::<kubectl::ExecOptions>("kubectl::exec")
            .options::<kubectl::SecretOptions>("kubectl::create_secret"),
        section!("template.md"),
        section!("data.md").options::<data::JsonOptions>("to_json"),
        section!("ci.md"),
        section!("fs.md"),
        section!("exec.md").options::<crate::primitives::exec::ExecOptions>("exec::run"),
        section!("http.md")
            .options::<crate::primitives::http::HttpOptions>("http::get")
            .options::<crate::primitives::http::HttpOptions>("http::post")
            .options::<crate::primitives::http::HttpOptions>("http::request"),
    ]
    .into_iter()
    .flatten()
    .collect()
}
