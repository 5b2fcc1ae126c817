//! The Rhai engine as `auto` configures it: strict, bounded, interruptible, with the host
//! modules registered and imports confined to `scripts/`.

use std::sync::Arc;

use rhai::{Dynamic, Engine};

use super::limits::Limits;
use super::resolver::ScriptsResolver;
use crate::report::{emit, Event, LogLevel};
use crate::runtime::host::Host;
use crate::runtime::interrupt;

/// The termination token of Ctrl-C (other tokens are timeout messages).
pub const INTERRUPTED: &str = "interrupted";

pub fn build(host: &Arc<Host>, limits: &Limits) -> Engine {
    let mut engine = Engine::new();
    // A typo in a variable name is a compile error, not a silent `()`.
    engine.set_strict_variables(true);
    // `eval` would let a script run code no `auto check` has seen.
    engine.disable_symbol("eval");
    engine.set_fail_on_invalid_map_property(true);
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_levels);
    // No Rhai size limits: with any of them set, Rhai re-measures a whole array after each
    // call that may change it (a `push` loop costs its length squared). The heap is
    // watched instead, between operations (`memory.rs`).
    engine.set_max_string_size(0);
    engine.set_max_array_size(0);
    engine.set_max_map_size(0);
    engine.set_max_expr_depths(128, 64);
    engine.set_max_modules(256);
    engine.set_module_resolver(ScriptsResolver::new(host.repo.clone()));
    engine.on_print(|text| emit(Event::Log { level: LogLevel::Info, message: text.to_string() }));
    engine.on_debug(|text, source, position| {
        let at = match (source, position.line()) {
            (Some(source), Some(line)) => format!("{source}:{line}: "),
            (None, Some(line)) => format!("line {line}: "),
            _ => String::new(),
        };
        emit(Event::Log { level: LogLevel::Debug, message: format!("{at}{text}") })
    });
    // Checked between operations, so Ctrl-C stops even `loop {}`.
    let max_memory = limits.max_memory;
    engine.on_progress(move |_| {
        if interrupt::is_interrupted() {
            return Some(Dynamic::from(INTERRUPTED));
        }
        let held = crate::memory::in_use();
        if held > max_memory {
            return Some(Dynamic::from(format!(
                "the script holds {} MiB, more than the {} MiB it may: is a loop growing an array, a map or a string without end?",
                held >> 20,
                max_memory >> 20
            )));
        }
        let deadline = crate::report::context::current_deadline()?;
        (std::time::Instant::now() >= deadline.at).then(|| {
            Dynamic::from(format!(
                "step `{}` exceeded its timeout of {}",
                deadline.step,
                humantime::format_duration(deadline.timeout)
            ))
        })
    });
    super::bindings::register_all(&mut engine, host);
    engine
}
