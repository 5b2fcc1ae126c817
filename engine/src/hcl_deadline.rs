//! Parsing terraform files with a deadline.
//!
//! Fuzzing found `.tf` inputs of a few hundred bytes on which the HCL parser backtracks
//! for minutes (fuzz/RESULTS.md). A file like that in a pull request must not stall
//! `auto affected`, `auto lint-terraform` or a run's static reads of a root: parsing runs
//! on a worker thread and gives up after [`PARSE_DEADLINE`]. A worker that overruns is left
//! to finish on its own (a parser cannot be interrupted); the caller reports the file as
//! unparsable and moves on.

use std::sync::mpsc;
use std::time::Duration;

/// Real terraform files parse in milliseconds; this is generous on a loaded CI machine.
pub const PARSE_DEADLINE: Duration = Duration::from_secs(10);

/// Runs `parse` with the deadline; `None` when it did not finish in time.
pub fn within_deadline<T: Send + 'static>(parse: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (sender, receiver) = mpsc::channel();
    let spawned = std::thread::Builder::new().name("auto-hcl-parse".into()).spawn(move || {
        let _ = sender.send(parse());
    });
    match spawned {
        Ok(_) => receiver.recv_timeout(PARSE_DEADLINE).ok(),
        Err(_) => None,
    }
}

/// The message for a file that did not parse in time.
pub fn too_slow_message() -> String {
    format!(
        "the file did not parse within {}s: it is malformed in a way that makes the HCL parser backtrack (unterminated strings or template directives?)",
        PARSE_DEADLINE.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pathological_input_is_abandoned_not_waited_for() {
        let input = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fuzz/regressions/hcl_lint/slow-unit-e77b07791be5e9790a68ef2900f103bfed09a1c1"
        ))
        .unwrap_or_default();
        let started = std::time::Instant::now();
        let parsed = within_deadline(move || hcl::edit::parser::parse_body(&input).is_ok());
        // Either it parsed (a faster parser version) or it was abandoned at the deadline.
        assert!(parsed.is_some() || started.elapsed() >= PARSE_DEADLINE);
        assert!(started.elapsed() < PARSE_DEADLINE + Duration::from_secs(5));
    }
}
