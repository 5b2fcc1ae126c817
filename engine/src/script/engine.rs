//! The Rhai engine as `auto` configures it: strict, bounded, interruptible, with the host
//! modules registered and imports confined to `scripts/`.

use std::sync::Arc;

use rhai::{Dynamic, Engine, ImmutableString, NativeCallContext};

use super::bindings::{scope_of, Bound};
use super::resolver::ScriptsResolver;
use super::script_error::Stop;
use crate::report::{Event, LogLevel};
use crate::runtime::interrupt;

pub fn build(bound: &Arc<Bound>) -> Engine {
    let limits = &bound.limits;
    let mut engine = Engine::new();
    // A typo in a variable name is a compile error, not a silent `()`.
    engine.set_strict_variables(true);
    syntax(&mut engine);
    engine.set_fail_on_invalid_map_property(true);
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_levels);
    // No Rhai size limits: with any of them set, Rhai re-measures a whole array after each
    // call that may change it (a `push` loop costs its length squared). The heap is
    // watched instead, between operations (`memory.rs`).
    engine.set_max_string_size(0);
    engine.set_max_array_size(0);
    engine.set_max_map_size(0);
    engine.set_max_modules(256);
    engine.set_module_resolver(ScriptsResolver::new(bound.run.repo.clone()));
    // Where code outside any step reports: steps and parallel tasks call their closures
    // with their own scope in the tag (`bindings::call_in`).
    engine.set_default_tag(Dynamic::from(bound.run.root_scope()));
    register_print(&mut engine, bound);
    // Checked between operations, so Ctrl-C stops even `loop {}`.
    let max_memory = limits.max_memory;
    let run = bound.run.clone();
    engine.on_progress(move |_| {
        if interrupt::is_interrupted() {
            return Some(Dynamic::from(Stop::Interrupted));
        }
        let held = crate::memory::in_use();
        if held > max_memory {
            return Some(Dynamic::from(Stop::Limit(format!(
                "the script holds {} MiB, more than the {} MiB it may: is a loop growing an array, a map or a string without end?",
                held >> 20,
                max_memory >> 20
            ))));
        }
        let deadline = run.current_deadline()?;
        (std::time::Instant::now() >= deadline.at).then(|| {
            Dynamic::from(Stop::Limit(format!(
                "step `{}` exceeded its timeout of {}",
                deadline.step,
                humantime::format_duration(deadline.timeout)
            )))
        })
    });
    super::bindings::register_all(&mut engine, bound);
    engine
}

/// An engine that only parses, the language exactly as [`build`]'s, without optimising:
/// the syntax tree `script::lint` reads keeps literal maps as written, where the optimiser
/// folds a constant map into a value and loses where its keys are. Nothing is registered
/// and imports are not resolved (compiling does not resolve them).
pub fn parser() -> Engine {
    let mut engine = Engine::new_raw();
    syntax(&mut engine);
    engine.set_optimization_level(rhai::OptimizationLevel::None);
    engine
}

/// What the language is, for [`build`] and [`parser`] alike.
fn syntax(engine: &mut Engine) {
    // `eval` would let a script run code no `auto check` has seen.
    engine.disable_symbol("eval");
    engine.set_max_expr_depths(128, 64);
}

/// `print` and `debug` report into the scope they are called from (a line printed inside a
/// step is labelled with it). Rhai hands `on_print`/`on_debug` no call context, so the
/// functions themselves are replaced, for every type Rhai's own have an overload for; each
/// reports and returns an empty text. `on_print`/`on_debug` only see a non-empty text from
/// an overload added in a later Rhai, which is still reported, at the run's top scope.
fn register_print(engine: &mut Engine, bound: &Arc<Bound>) {
    let run = bound.run.clone();
    let report = move |ctx: &NativeCallContext, level: LogLevel, message: String| -> ImmutableString {
        // `print` says what the script did: marked in a plan or dry-run (`debug` is not).
        let message = if level == LogLevel::Info { run.script_says(&message) } else { message };
        scope_of(ctx, &run).emit(Event::Log { level, message });
        ImmutableString::new()
    };
    let text_of = |ctx: &NativeCallContext, function: &str, value: Dynamic| -> String {
        if function == "to_string" && value.is_string() {
            return value.into_immutable_string().map(|s| s.to_string()).unwrap_or_default();
        }
        ctx.call_native_fn::<ImmutableString>(function, (value.clone(),))
            .map(|s| s.to_string())
            .unwrap_or_else(|_| value.to_string())
    };

    let r = report.clone();
    engine.register_fn("print", move |ctx: NativeCallContext| r(&ctx, LogLevel::Info, String::new()));
    macro_rules! print_and_debug {
        ($($ty:ty),*) => {$(
            let r = report.clone();
            engine.register_fn("print", move |ctx: NativeCallContext, value: $ty| {
                let text = text_of(&ctx, "to_string", Dynamic::from(value));
                r(&ctx, LogLevel::Info, text)
            });
            let r = report.clone();
            engine.register_fn("debug", move |ctx: NativeCallContext, value: $ty| {
                let text = text_of(&ctx, "to_debug", Dynamic::from(value));
                let message = format!("{}{text}", located(ctx.call_source(), ctx.call_position().line()));
                r(&ctx, LogLevel::Debug, message)
            });
        )*};
    }
    print_and_debug!(Dynamic, ImmutableString, char, bool, (), rhai::FLOAT, rhai::FnPtr);

    let top = bound.run.root_scope();
    engine.on_print(move |text| {
        if !text.is_empty() {
            top.emit(Event::Log { level: LogLevel::Info, message: text.to_string() })
        }
    });
    let top = bound.run.root_scope();
    engine.on_debug(move |text, source, position| {
        if text.is_empty() {
            return;
        }
        let at = located(source, position.line());
        top.emit(Event::Log { level: LogLevel::Debug, message: format!("{at}{text}") })
    });
}

/// `scripts/x.rhai:12: `, or `line 12: ` without a source: where a `debug` line came from.
fn located(source: Option<&str>, line: Option<usize>) -> String {
    match (source, line) {
        (Some(source), Some(line)) => format!("{source}:{line}: "),
        (None, Some(line)) => format!("line {line}: "),
        _ => String::new(),
    }
}
