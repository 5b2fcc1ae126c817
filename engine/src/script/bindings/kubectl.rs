//! `kubectl::…(env, …)`: the first argument is always the environment name, whose pinned
//! context every invocation passes as `--context`.
//!
//! - `apply(env, #{ file | dir | manifest, namespace, prune, applyset, force_conflicts, timeout })`
//!   → `#{ changed, diff, output }`
//! - `diff(env, #{ file | dir | manifest, namespace })` → `#{ changed, diff }`
//! - `get(env, target, #{ namespace, optional })` → map, or `()` when absent and optional
//! - `wait(env, target, #{ condition, timeout, namespace })`, `rollout_status(env, target, #{ namespace, timeout })`,
//!   `rollout_restart(env, target, #{ namespace })`, `delete(env, target, #{ namespace, ignore_not_found, timeout })`
//!   → kubectl's output
//! - `logs(env, target, #{ namespace, container, tail, since, previous })` → string
//! - `exec(env, target, ["cmd", ..], #{ namespace, container, stdin, timeout })` → `#{ code, stdout, stderr, recorded }`
//! - `create_secret(env, name, #{ key: value }, #{ namespace, type })` → `#{ changed, diff, output }`
//!
//! In dry-run, results are "known after apply" values.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, FuncRegistration, Map, Module, NativeCallContext};

use super::{at_call, data_of, options, scope_of, Bound};
use crate::primitives::kubectl::{
    self, ApplyOptions, ApplyRequest, ApplyResult, DeleteOptions, DiffOptions, ExecOptions, GetOptions, Kubectl,
    KubectlError, LogsOptions, Manifests, NamespaceOptions, Outcome, RolloutOptions, SecretOptions, Session,
    WaitOptions,
};
use crate::process::{Stream, Value};
use crate::report::Event;
use crate::run::RunScope;
use crate::runtime::data::Data;
use crate::runtime::review::Reviewed;
use crate::runtime::steps::{self, Outcome as _, Target};
use crate::script::convert::{to_dynamic, Unknown};
use crate::script::{bad_input, failure};

type Fallible<T> = Result<T, Box<rhai::EvalAltResult>>;

/// Overrides the environment's context for a run (still checked against
/// `allowed_contexts`), e.g. to use an admin context for one run.
pub const CONTEXT_OVERRIDE: &str = "AUTO_KUBE_CONTEXT";

struct State {
    host: Arc<Bound>,
    session: Session,
}

impl State {
    fn with<R>(
        &self,
        here: &RunScope,
        env: &str,
        body: impl FnOnce(&Kubectl<'_>) -> Result<R, KubectlError>,
    ) -> Fallible<R> {
        let cluster = self
            .session
            .cluster(env, || {
                let environment =
                    self.host.run.repo.environment(env).map_err(|e| KubectlError::BadRequest(e.to_string()))?;
                let override_context = std::env::var(CONTEXT_OVERRIDE).ok();
                kubectl::pin_context(&environment, override_context.as_deref())
            })
            .map_err(error)?;
        let observer = |_: Stream, line: &str| here.emit(Event::ToolOutput { line: line.to_string() });
        let runner = here.runner();
        let kubectl = Kubectl { runner: &runner, session: &self.session, cluster, observer: &observer };
        body(&kubectl).map_err(error)
    }

    fn here(&self, ctx: &NativeCallContext) -> RunScope {
        scope_of(ctx, &self.host.run)
    }

    fn resolver(&self) -> impl Fn(&str) -> Result<std::path::PathBuf, String> + '_ {
        |path| self.host.run.repo.resolve(path).map_err(|e| e.to_string())
    }
}

fn error(error: KubectlError) -> Box<rhai::EvalAltResult> {
    if let KubectlError::NotReviewed(message) = &error {
        crate::script::raise(message.clone(), crate::failure::FailureKind::NotReviewed)
    } else if error.is_bad_input() {
        bad_input(error.to_string())
    } else {
        failure(error.to_string())
    }
}

pub fn register(engine: &mut Engine, host: &Arc<Bound>) {
    let state = Arc::new(State { host: host.clone(), session: Session::default() });
    let mut module = Module::new();

    let s = state.clone();
    FuncRegistration::new("apply").with_volatility(true).set_into_module(
        &mut module,
        move |ctx: NativeCallContext, env: &str, opts: Map| -> Fallible<Map> {
            apply(&s, &s.here(&ctx), env, opts).map_err(at_call(&ctx))
        },
    );
    let s = state.clone();
    FuncRegistration::new("diff").with_volatility(true).set_into_module(
        &mut module,
        move |ctx: NativeCallContext, env: &str, opts: Map| -> Fallible<Map> {
            diff(&s, &s.here(&ctx), env, opts).map_err(at_call(&ctx))
        },
    );
    let s = state.clone();
    let get = move |ctx: NativeCallContext, env: &str, target: &str, opts: Map| -> Fallible<Dynamic> {
        let opts: GetOptions = options("kubectl::get", &opts).map_err(at_call(&ctx))?;
        let outcome = s.with(&s.here(&ctx), env, |k| k.get(target, &opts)).map_err(at_call(&ctx))?;
        Ok(match outcome {
            Outcome::Done(Some(object)) => to_dynamic(object),
            Outcome::Done(None) => Dynamic::UNIT,
            Outcome::Recorded => Dynamic::from(Unknown(format!("kubectl get {target}"))),
        })
    };
    let get2 = get.clone();
    FuncRegistration::new("get").with_volatility(true).set_into_module(&mut module, get);
    FuncRegistration::new("get")
        .with_volatility(true)
        .set_into_module(&mut module, move |ctx: NativeCallContext, env: &str, target: &str| {
            get2(ctx, env, target, Map::new())
        });

    register_text::<WaitOptions>(&mut module, &state, "wait", Changes::None, |k, target, opts| k.wait(target, opts));
    register_text::<RolloutOptions>(&mut module, &state, "rollout_status", Changes::None, |k, target, opts| {
        k.rollout_status(target, opts)
    });
    register_text::<NamespaceOptions>(&mut module, &state, "rollout_restart", Changes::Always, |k, target, opts| {
        k.rollout_restart(target, opts)
    });
    // `--ignore-not-found` on an absent object prints nothing: nothing changed.
    register_text::<DeleteOptions>(&mut module, &state, "delete", Changes::WhenOutput, |k, target, opts| {
        k.delete(target, opts)
    });
    register_text::<LogsOptions>(&mut module, &state, "logs", Changes::None, |k, target, opts| k.logs(target, opts));

    let s = state.clone();
    let exec = move |ctx: NativeCallContext, env: &str, target: &str, command: Array, opts: Map| -> Fallible<Map> {
        exec(&s, &s.here(&ctx), env, target, command, opts).map_err(at_call(&ctx))
    };
    let exec2 = exec.clone();
    FuncRegistration::new("exec").with_volatility(true).set_into_module(&mut module, exec);
    FuncRegistration::new("exec").with_volatility(true).set_into_module(
        &mut module,
        move |ctx: NativeCallContext, env: &str, target: &str, command: Array| {
            exec2(ctx, env, target, command, Map::new())
        },
    );

    let s = state.clone();
    let create_secret = move |ctx: NativeCallContext, env: &str, name: &str, data: Map, opts: Map| -> Fallible<Map> {
        create_secret(&s, &s.here(&ctx), env, name, data, opts).map_err(at_call(&ctx))
    };
    let create_secret2 = create_secret.clone();
    FuncRegistration::new("create_secret").with_volatility(true).set_into_module(&mut module, create_secret);
    FuncRegistration::new("create_secret").with_volatility(true).set_into_module(
        &mut module,
        move |ctx: NativeCallContext, env: &str, name: &str, data: Map| {
            create_secret2(ctx, env, name, data, Map::new())
        },
    );

    engine.register_static_module("kubectl", module.into());
}

/// Whether a successful call changed the cluster (marks the enclosing steps changed).
#[derive(Clone, Copy)]
enum Changes {
    None,
    Always,
    WhenOutput,
}

/// Functions `(env, target[, opts])` that return kubectl's output.
fn register_text<T: serde::de::DeserializeOwned + 'static>(
    module: &mut Module,
    state: &Arc<State>,
    name: &'static str,
    changes: Changes,
    run: fn(&Kubectl<'_>, &str, &T) -> Result<Outcome<String>, KubectlError>,
) {
    let s = state.clone();
    let full = move |ctx: NativeCallContext, env: &str, target: &str, opts: Map| -> Fallible<Dynamic> {
        let opts: T = options(&format!("kubectl::{name}"), &opts).map_err(at_call(&ctx))?;
        let here = s.here(&ctx);
        let outcome = s.with(&here, env, |k| run(k, target, &opts)).map_err(at_call(&ctx))?;
        Ok(match outcome {
            Outcome::Done(text) => {
                here.settle(steps::Changes::changed_if(
                    matches!(changes, Changes::Always)
                        || (matches!(changes, Changes::WhenOutput) && !text.trim().is_empty()),
                ));
                Dynamic::from(text)
            }
            Outcome::Recorded => Dynamic::from(Unknown(format!("kubectl {name} {target}"))),
        })
    };
    let short = full.clone();
    FuncRegistration::new(name).with_volatility(true).set_into_module(module, full);
    FuncRegistration::new(name)
        .with_volatility(true)
        .set_into_module(module, move |ctx: NativeCallContext, env: &str, target: &str| {
            short(ctx, env, target, Map::new())
        });
}

fn apply(s: &State, here: &RunScope, env: &str, opts: Map) -> Fallible<Map> {
    let opts: ApplyOptions = options("kubectl::apply", &opts)?;
    let manifests = Manifests::from_options(
        "kubectl::apply",
        opts.file.as_deref(),
        opts.dir.as_deref(),
        opts.manifest.as_ref(),
        s.resolver(),
    )
    .map_err(error)?;
    let request = ApplyRequest::from_options(&opts, manifests).map_err(error)?;
    let gate = reviewed_apply(here, env, &request);
    let result = s.with(here, env, |k| k.apply(&request, &gate))?;
    here.settle_on(&Target::Cluster(env.to_string()), result.changes());
    Ok(apply_result(here, result, "kubectl apply"))
}

/// What lets an apply of `request` through: in a `--plan --out` run the diff is kept for
/// the bundle; in `auto apply` it must be the reviewed diff.
fn reviewed_apply<'a>(
    here: &'a RunScope,
    env: &str,
    request: &ApplyRequest,
) -> impl Fn(Option<&kubectl::DiffResult>) -> Result<(), KubectlError> + 'a {
    // By repository path: the bundle is applied in another checkout (CI).
    let what = match &request.manifests {
        Manifests::File(path) | Manifests::Dir(path) => here.run.repo.relative(path),
        Manifests::Stdin(_) | Manifests::Unknown(_) => "a manifest".to_string(),
    };
    let target = format!("kubectl apply of {what} in {env}");
    move |diff| {
        use sha2::Digest as _;
        let diff_sha256 = diff.map(|d| crate::runtime::hex::hex(&sha2::Sha256::digest(d.stable_text().as_bytes())));
        let effect = Reviewed::KubectlApply { target: target.clone(), diff_sha256 };
        here.run.review.keep(effect.clone());
        here.run.review.check(&effect).map_err(|d| KubectlError::NotReviewed(d.to_string()))
    }
}

/// One progress line per object that differs, then the diff itself (kubectl masks a
/// Secret's data; a Secret manifest of the script's own is not diffed at all), so a plan
/// shows what would change.
fn report_diff(here: &RunScope, diff: &kubectl::DiffResult) {
    let objects = diff.objects();
    for object in &objects {
        here.emit(Event::Progress { message: format!("kubectl diff: {object} differs") });
    }
    if diff.changed && !diff.diff.trim().is_empty() {
        here.emit(Event::Progress { message: kubectl::shown_diff(&diff.diff) });
    }
}

fn apply_result(here: &RunScope, result: ApplyResult, what: &str) -> Map {
    if let Some(diff) = &result.diff {
        report_diff(here, diff);
    }
    let changed = result.changed();
    let mut map = Map::new();
    map.insert(
        "changed".into(),
        changed.map(Dynamic::from).unwrap_or_else(|| Dynamic::from(Unknown(format!("{what}.changed")))),
    );
    map.insert(
        "diff".into(),
        result.diff.map(|d| Dynamic::from(d.diff)).unwrap_or_else(|| Dynamic::from(Unknown(format!("{what}.diff")))),
    );
    map.insert(
        "output".into(),
        match (result.output, result.applied) {
            (Some(output), _) => Dynamic::from(output),
            (None, Outcome::Done(())) => Dynamic::from(String::new()),
            (None, Outcome::Recorded) => Dynamic::from(Unknown(format!("{what}.output"))),
        },
    );
    map
}

fn diff(s: &State, here: &RunScope, env: &str, opts: Map) -> Fallible<Map> {
    let opts: DiffOptions = options("kubectl::diff", &opts)?;
    let manifests = Manifests::from_options(
        "kubectl::diff",
        opts.file.as_deref(),
        opts.dir.as_deref(),
        opts.manifest.as_ref(),
        s.resolver(),
    )
    .map_err(error)?;
    let outcome = s.with(here, env, |k| k.diff(&manifests, opts.namespace.as_deref()))?;
    let mut map = Map::new();
    match outcome {
        Outcome::Done(diff) => {
            report_diff(here, &diff);
            here.settle_on(&Target::Cluster(env.to_string()), diff.changes());
            map.insert("changed".into(), diff.changed.into());
            map.insert("diff".into(), diff.diff.into());
        }
        Outcome::Recorded => {
            map.insert("changed".into(), Dynamic::from(Unknown("kubectl diff.changed".into())));
            map.insert("diff".into(), Dynamic::from(Unknown("kubectl diff.diff".into())));
        }
    }
    Ok(map)
}

fn exec(s: &State, here: &RunScope, env: &str, target: &str, command: Array, opts: Map) -> Fallible<Map> {
    let command = command.iter().map(|a| data_of("kubectl::exec", "command", a)).collect::<Result<Vec<_>, _>>()?;
    let opts: ExecOptions = options("kubectl::exec", &opts)?;
    let writes = opts.effect != Some(crate::primitives::exec::EffectName::Read);
    let outcome = s.with(here, env, |k| k.exec(target, &command, &opts))?;
    let mut map = Map::new();
    match outcome {
        Outcome::Done(output) => {
            // A command that may write ran: auto cannot see what it changed, so it did.
            here.settle(steps::Changes::changed_if(writes));
            map.insert("code".into(), output.code.map(|c| Dynamic::from(c as i64)).unwrap_or(Dynamic::UNIT));
            // Given a secret on stdin: what the command prints may be derived from it.
            let given_a_secret = opts.stdin.as_ref().is_some_and(Data::contains_secret);
            let text = |text: String| to_dynamic(crate::primitives::exec::tool_output(text, given_a_secret));
            map.insert("stdout".into(), text(output.stdout_text()));
            map.insert("stderr".into(), text(String::from_utf8_lossy(&output.stderr).into_owned()));
            map.insert("recorded".into(), false.into());
        }
        Outcome::Recorded => {
            for field in ["code", "stdout", "stderr"] {
                map.insert(field.into(), Dynamic::from(Unknown(format!("kubectl exec {target}.{field}"))));
            }
            map.insert("recorded".into(), true.into());
        }
    }
    Ok(map)
}

fn create_secret(s: &State, here: &RunScope, env: &str, name: &str, data: Map, opts: Map) -> Fallible<Map> {
    let data = match data_of("kubectl::create_secret", "data", &Dynamic::from_map(data))? {
        Data::Map(map) => map,
        _ => return Err(bad_input("kubectl::create_secret: data must be a map")),
    };
    let opts: SecretOptions = options("kubectl::create_secret", &opts)?;
    let manifest = kubectl::secret_manifest(name, &data, &opts).map_err(error)?;
    let request = ApplyRequest {
        manifests: Manifests::Stdin(Value::Secret(manifest)),
        namespace: opts.namespace.clone(),
        prune: None,
        force_conflicts: false,
        timeout: None,
    };
    let gate = reviewed_apply(here, env, &request);
    let result = s.with(here, env, |k| k.apply(&request, &gate))?;
    here.settle(result.changes());
    Ok(apply_result(here, result, &format!("kubectl create_secret {name}")))
}
