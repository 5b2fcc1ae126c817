//! Rhai bindings: adapters only. Each converts Rhai values to typed requests, calls a
//! primitive or the runtime, and converts the result back. None of them spawns a process.
//!
//! Every side-effecting function is registered volatile, so the optimizer never folds a
//! call away or reuses its result.

mod core;
mod docker;
mod exec;
mod flow;
mod fs;
mod kubectl;
mod repo;
mod template;
mod terraform;

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

    /// Renders a script error (with file:line) the way the run's final report would.
    pub fn diagnose(&self, error: &EvalAltResult) -> Diagnostic {
        diagnose(error, &SourceContext { repo_root: self.run.repo.root(), main: &self.script, limits: &self.limits })
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
    fs::register(engine, host);
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
