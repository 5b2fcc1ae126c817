//! `step(name, || ...)`, `parallel([|| ..., || ...], #{ limit })`, `lock(scope)`.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use rhai::{Array, Dynamic, Engine, EvalAltResult, FnPtr, FuncRegistration, Map, NativeCallContext};
use serde::Deserialize;

use super::{call_in, options, scope_of, Bound};
use crate::report::context::Deadline;
use crate::report::Event;
use crate::run::RunScope;
use crate::runtime::steps::Decision;
use crate::script::convert::to_data;
use crate::script::{bad_input, failure, raise};

/// The options of `step`; the field docs are its option table in the reference.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct StepOptions {
    /// E.g. `"10m"`: the step fails when it runs longer; a tool still running is stopped.
    timeout: Option<String>,
}

/// The options of `parallel` and `parallel_map`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ParallelOptions {
    /// Tasks running at once, 1 to 1024.
    /// Default: the `runtime.parallelism` of the environment named by the `env` parameter, else 4.
    limit: Option<i64>,
    /// Stop starting new tasks after the first failure (else run all, report all).
    /// Default: `false`.
    fail_fast: Option<bool>,
}

pub fn register(engine: &mut Engine, host: &Arc<Bound>) {
    let h = host.clone();
    FuncRegistration::new("step").with_volatility(true).register_into_engine(
        engine,
        move |ctx: NativeCallContext, name: &str, body: FnPtr| -> Result<Dynamic, Box<EvalAltResult>> {
            run_step(&h, &ctx, name, &StepOptions::default(), &body)
        },
    );
    let h = host.clone();
    FuncRegistration::new("step").with_volatility(true).register_into_engine(
        engine,
        move |ctx: NativeCallContext, name: &str, opts: Map, body: FnPtr| -> Result<Dynamic, Box<EvalAltResult>> {
            let opts: StepOptions = options("step", &opts)?;
            run_step(&h, &ctx, name, &opts, &body)
        },
    );

    let h = host.clone();
    let parallel = move |ctx: NativeCallContext, tasks: Dynamic, opts: Map| -> Result<Dynamic, Box<EvalAltResult>> {
        let opts: ParallelOptions = options("parallel", &opts)?;
        let limit = limit_of("parallel", opts.limit, &h)?;
        run_parallel(&h, &ctx, tasks, limit, opts.fail_fast.unwrap_or(false))
    };
    let parallel_default = parallel.clone();
    FuncRegistration::new("parallel").with_volatility(true).register_into_engine(engine, parallel);
    FuncRegistration::new("parallel")
        .with_volatility(true)
        .register_into_engine(engine, move |ctx: NativeCallContext, tasks: Dynamic| {
            parallel_default(ctx, tasks, Map::new())
        });

    // `parallel_map(customers(env), |id| ..., #{ limit })`: one task per item, labelled with
    // the item. Safer than building closures in a `for` loop, where Rhai shares the loop
    // variable between all closures.
    let h = host.clone();
    let map =
        move |ctx: NativeCallContext, items: Array, body: FnPtr, opts: Map| -> Result<Dynamic, Box<EvalAltResult>> {
            let opts: ParallelOptions = options("parallel_map", &opts)?;
            let limit = limit_of("parallel_map", opts.limit, &h)?;
            let tasks = items
                .into_iter()
                .map(|item| Task { name: Some(item.to_string()), body: body.clone(), item: Some(item) })
                .collect();
            run_tasks(&h, &ctx, tasks, false, limit, opts.fail_fast.unwrap_or(false))
        };
    let map_default = map.clone();
    FuncRegistration::new("parallel_map").with_volatility(true).register_into_engine(engine, map);
    FuncRegistration::new("parallel_map")
        .with_volatility(true)
        .register_into_engine(engine, move |ctx: NativeCallContext, items: Array, body: FnPtr| {
            map_default(ctx, items, body, Map::new())
        });

    let h = host.clone();
    FuncRegistration::new("lock").with_volatility(true).register_into_engine(
        engine,
        move |ctx: NativeCallContext, scope: &str| -> Result<(), Box<EvalAltResult>> {
            for part in scope.split('/') {
                crate::repo::names::validate("lock scope", part).map_err(|e| bad_input(e.to_string()))?;
            }
            let here = scope_of(&ctx, &h.run);
            h.run.locks.acquire(scope, &here.at).map_err(|e| raise(e.to_string(), e.failure_kind()))
        },
    );
}

/// What a step's inputs are, for resume: the values its closure captured.
fn step_inputs(body: &FnPtr) -> Vec<u8> {
    // Not the closure's name: Rhai derives `anon$<hash>` with a per-process seed. The step's
    // key already says which step this is; what changes between runs is what it captured.
    let mut bytes = Vec::new();
    for value in body.curry() {
        let value = value.flatten_clone();
        let text = match to_data(&value) {
            Ok(data) => data.to_json_exposed().to_string(),
            Err(_) => format!("{}:{value:?}", value.type_name()),
        };
        bytes.push(0);
        bytes.extend_from_slice(text.as_bytes());
    }
    bytes
}

fn run_step(
    host: &Bound,
    ctx: &NativeCallContext,
    name: &str,
    opts: &StepOptions,
    body: &FnPtr,
) -> Result<Dynamic, Box<EvalAltResult>> {
    if name.trim().is_empty() || name.contains('/') {
        return Err(bad_input(format!("step name `{name}` must be non-empty and must not contain `/`")));
    }
    let timeout =
        opts.timeout.as_deref().map(crate::primitives::exec::parse_duration).transpose().map_err(bad_input)?;
    let outer = scope_of(ctx, &host.run);
    let steps = &host.run.steps;
    let running = match steps.begin(name, &step_inputs(body), &outer.at).map_err(failure)? {
        Decision::Skip(data) => return Ok(crate::script::convert::to_dynamic(data)),
        Decision::Run(running) => running,
    };
    let mut inner = outer.in_step(&running);
    if let Some(timeout) = timeout {
        inner =
            inner.with_deadline(Deadline { at: std::time::Instant::now() + timeout, step: name.to_string(), timeout });
    }
    inner.emit(crate::report::Event::StepStarted { step: running.name.clone() });
    let result = {
        let _deadline = inner.enter();
        call_in(ctx, &inner, |ctx| body.call_within_context::<Dynamic>(ctx, ()))
    };
    match result {
        Ok(value) => {
            let recorded = inner.recorded_writes_here();
            steps.finish(running, Ok(to_data(&value).ok()), recorded, &outer.at).map_err(failure)?;
            Ok(value)
        }
        Err(error) => {
            let message = host.diagnose(&error).message;
            // The journal failure (if any) is secondary to the step's own error.
            let _ = steps.finish(running, Err(message), false, &outer.at);
            Err(error)
        }
    }
}

/// The `limit` option of `parallel`/`parallel_map`, or the environment's default.
fn limit_of(function: &str, limit: Option<i64>, host: &Bound) -> Result<usize, Box<EvalAltResult>> {
    match limit {
        Some(limit) if !(1..=1024).contains(&limit) => {
            Err(bad_input(format!("{function}: `limit` must be between 1 and 1024, not {limit}")))
        }
        Some(limit) => Ok(limit as usize),
        None => Ok(host.run.default_parallelism()),
    }
}

type TaskOutcome = Result<Dynamic, Box<EvalAltResult>>;

/// A task of `parallel`: its closure and, for the map form, its name.
struct Task {
    name: Option<String>,
    body: FnPtr,
    /// The item `parallel_map` passes to the closure.
    item: Option<Dynamic>,
}

impl Task {
    fn call(&self, context: &NativeCallContext) -> TaskOutcome {
        match &self.item {
            Some(item) => self.body.call_within_context::<Dynamic>(context, (item.clone(),)),
            None => self.body.call_within_context::<Dynamic>(context, ()),
        }
    }
}

fn tasks_of(tasks: Dynamic) -> Result<Vec<Task>, Box<EvalAltResult>> {
    let not_closure = |what: String| bad_input(format!("parallel: {what} is not a closure (write `|| ...`)"));
    if tasks.is_array() {
        let array: Array = tasks.cast();
        return array
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                item.try_cast::<FnPtr>()
                    .map(|body| Task { name: None, body, item: None })
                    .ok_or_else(|| not_closure(format!("item {}", i + 1)))
            })
            .collect();
    }
    if tasks.is_map() {
        let map: Map = tasks.cast();
        return map
            .into_iter()
            .map(|(name, item)| {
                item.try_cast::<FnPtr>()
                    .map(|body| Task { name: Some(name.to_string()), body, item: None })
                    .ok_or_else(|| not_closure(format!("`{name}`")))
            })
            .collect();
    }
    Err(bad_input("parallel: expects an array of closures or a map of name → closure"))
}

fn run_parallel(
    host: &Bound,
    ctx: &NativeCallContext,
    tasks: Dynamic,
    limit: usize,
    fail_fast: bool,
) -> Result<Dynamic, Box<EvalAltResult>> {
    let is_map = tasks.is_map();
    let tasks = tasks_of(tasks)?;
    run_tasks(host, ctx, tasks, is_map, limit, fail_fast)
}

#[allow(deprecated)] // `create_context` is rhai's volatile API: used here and in `bindings::call_in` only.
fn run_tasks(
    host: &Bound,
    ctx: &NativeCallContext,
    tasks: Vec<Task>,
    is_map: bool,
    limit: usize,
    fail_fast: bool,
) -> Result<Dynamic, Box<EvalAltResult>> {
    // Calling a closure from another thread needs the caller's context (its imports);
    // the stored context recreates it per worker.
    let store = ctx.store_data();
    let engine = ctx.engine();
    let here = scope_of(ctx, &host.run);
    let next = Mutex::new(0usize);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let results: Vec<Mutex<Option<TaskOutcome>>> = tasks.iter().map(|_| Mutex::new(None)).collect();
    let workers = limit.min(tasks.len()).max(1);
    // More tasks than the limit: some wait for a slot, and the live view and the events
    // say how many (`queued`).
    let queueing = tasks.len() > workers;
    let queued_since = std::time::Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                // The worker's one copy of where it runs: the caller's scope (its step flags,
                // deadline and label), which every task of this worker starts from.
                let here: RunScope = here.clone();
                let _deadline = here.enter();
                let mut worker_store = store.clone();
                loop {
                    let taken = {
                        // Taking a task and telling how many still wait is one act: told
                        // apart, workers could tell in another order than they took, and
                        // the last word would be a count already past.
                        let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
                        let index = *next;
                        *next += 1;
                        let taken = tasks.get(index).filter(|_| !(fail_fast && failed.load(Ordering::SeqCst)));
                        if queueing && taken.is_some() {
                            here.emit(Event::Queued { waiting: tasks.len() - (index + 1) });
                        }
                        taken.map(|task| (index, task))
                    };
                    let Some((index, task)) = taken else { break };
                    let task_scope = match &task.name {
                        Some(name) => here.within(name),
                        None => here.clone(),
                    };
                    // A task that waited for a slot says so (the timeline draws the wait).
                    let waited = queued_since.elapsed();
                    if queueing && waited >= std::time::Duration::from_millis(5) {
                        task_scope.emit(Event::Waited {
                            reason: format!("a slot of the parallel limit ({workers})"),
                            elapsed_ms: waited.as_millis() as u64,
                        });
                    }
                    worker_store.global.tag = Dynamic::from(task_scope);
                    let outcome = task.call(&worker_store.create_context(engine));
                    if outcome.is_err() {
                        failed.store(true, Ordering::SeqCst);
                    }
                    *results[index].lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
                }
            });
        }
    });
    if queueing {
        // Workers tell in any order: the last word is that none waits.
        here.emit(Event::Queued { waiting: 0 });
    }

    let mut values = Vec::with_capacity(tasks.len());
    let mut failures = Vec::new();
    let mut first_error = None;
    for (index, (task, slot)) in tasks.iter().zip(results).enumerate() {
        let label = task.name.clone().unwrap_or_else(|| format!("task {}", index + 1));
        match slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(Ok(value)) => values.push((task.name.clone(), value)),
            Some(Err(error)) => {
                let diagnostic = host.diagnose(&error);
                let at = diagnostic.location().map(|f| format!(" ({}:{})", f.file, f.line)).unwrap_or_default();
                failures.push(format!("{label}: {}{at}", diagnostic.message));
                first_error.get_or_insert((error, diagnostic.kind));
            }
            None => failures.push(format!("{label}: not started (an earlier task failed and fail_fast is set)")),
        }
    }
    if !failures.is_empty() {
        let (error, kind) = first_error.expect("a failure was recorded");
        if failures.len() == 1 && tasks.len() == 1 {
            return Err(error);
        }
        let message =
            format!("{} of {} parallel tasks failed:\n  - {}", failures.len(), tasks.len(), failures.join("\n  - "));
        return Err(raise(message, kind));
    }
    if is_map {
        Ok(Dynamic::from_map(
            values.into_iter().map(|(name, value)| (name.unwrap_or_default().into(), value)).collect(),
        ))
    } else {
        Ok(Dynamic::from_array(values.into_iter().map(|(_, value)| value).collect()))
    }
}
