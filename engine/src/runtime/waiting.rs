//! Waiting, as scripts do it (`sleep`, `wait_until`, `retry`): pauses that end at once on
//! Ctrl-C and at the step's deadline, and the backoff between attempts. No Rhai here: the
//! bindings call closures; this decides how long and whether to go on.

use std::time::{Duration, Instant};

use crate::report::context::Deadline;

/// Why a pause ended early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    Interrupted,
    /// The step's timeout came first.
    Deadline {
        step: String,
        timeout: Duration,
    },
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::Interrupted => f.write_str("interrupted"),
            Stopped::Deadline { step, timeout } => {
                write!(f, "step `{step}` exceeded its timeout of {}", humantime::format_duration(*timeout))
            }
        }
    }
}

/// Waits `duration`, or less: Ctrl-C and the step's deadline end it at once.
pub fn pause(duration: Duration, deadline: Option<&Deadline>) -> Result<(), Stopped> {
    let end = Instant::now() + duration;
    loop {
        if crate::runtime::interrupt::is_interrupted() {
            return Err(Stopped::Interrupted);
        }
        let now = Instant::now();
        if let Some(deadline) = deadline {
            if now >= deadline.at {
                return Err(Stopped::Deadline { step: deadline.step.clone(), timeout: deadline.timeout });
            }
        }
        if now >= end {
            return Ok(());
        }
        std::thread::sleep((end - now).min(Duration::from_millis(50)));
    }
}

/// Exponential backoff: `first`, doubling, at most `max`, each spread by ±20% so parallel
/// customers retrying one flaky service do not all come back at the same moment.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The wait before attempt `next` (2 for the first retry).
    pub fn before(&self, next: u32) -> Duration {
        let doubled = self.first.saturating_mul(2u32.saturating_pow(next.saturating_sub(2)));
        let capped = doubled.min(self.max);
        let jitter = 0.8 + 0.4 * random_fraction();
        capped.mul_f64(jitter).min(self.max)
    }
}

/// A number in [0, 1), different each call: std's hasher keys are random per instance,
/// which is all jitter needs (no crate for it).
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new().build_hasher().finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_with_jitter() {
        let backoff = Backoff { first: Duration::from_secs(1), max: Duration::from_secs(5) };
        for (next, base) in [(2, 1.0), (3, 2.0), (4, 4.0), (5, 5.0), (9, 5.0)] {
            let wait = backoff.before(next).as_secs_f64();
            assert!(wait >= base * 0.8 - 1e-9 && wait <= (base * 1.2f64).min(5.0) + 1e-9, "{next}: {wait}");
        }
    }

    #[test]
    fn a_deadline_ends_a_pause() {
        let deadline = Deadline { at: Instant::now(), step: "wait".into(), timeout: Duration::from_secs(1) };
        assert_eq!(
            pause(Duration::from_secs(60), Some(&deadline)),
            Err(Stopped::Deadline { step: "wait".into(), timeout: Duration::from_secs(1) })
        );
        assert_eq!(pause(Duration::from_millis(1), None), Ok(()));
    }
}
