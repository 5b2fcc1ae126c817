//! `sleep(duration)`, `wait_until(#{ timeout, interval, message }, || condition)` and
//! `retry(#{ attempts, backoff, max_backoff, on }, || ...)`: the bindings call the script's
//! closures; how long to wait and whether to go on is `runtime::waiting`. A plan or
//! dry-run does not wait: `sleep` is skipped and `wait_until` asks its condition once.

use std::sync::Arc;
use std::time::Duration;

use rhai::{Dynamic, Engine, EvalAltResult, FnPtr, FuncRegistration, Map, NativeCallContext};
use serde::Deserialize;

use super::{call_in, options, scope_of, Bound};
use crate::failure::FailureKind;
use crate::report::{Event, LogLevel};
use crate::run::RunScope;
use crate::runtime::journal::Record;
use crate::runtime::waiting::{pause, Backoff, Stopped};
use crate::script::{bad_input, raise};

/// The options of `wait_until`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct WaitOptions {
    /// How long to wait for the condition at most (`"5m"`).
    /// Default: `"5m"`.
    timeout: Option<String>,
    /// How long between two asks.
    /// Default: `"5s"`.
    interval: Option<String>,
    /// What is waited for, for progress and the timeout's error (`"superset answers"`).
    /// Default: `"the condition"`.
    message: Option<String>,
}

/// The options of `retry`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RetryOptions {
    /// Attempts in all, the first included, 1 to 100.
    /// Default: 3.
    attempts: Option<i64>,
    /// The wait before the second attempt, doubling after each (with ±20% jitter).
    /// Default: `"2s"`.
    backoff: Option<String>,
    /// The longest wait between two attempts.
    /// Default: `"1m"`.
    max_backoff: Option<String>,
    /// Retry only errors whose message matches this regular expression (`"timeout|429"`);
    /// any other error fails at once. Default: every error is retried.
    on: Option<String>,
}

fn duration(function: &str, what: &str, text: Option<&str>, default: &str) -> Result<Duration, Box<EvalAltResult>> {
    crate::duration::parse(text.unwrap_or(default)).map_err(|e| bad_input(format!("{function}: `{what}`: {e}")))
}

/// What a pause that ended early is as a script error.
fn stopped(function: &str, stop: Stopped) -> Box<EvalAltResult> {
    match stop {
        Stopped::Interrupted => raise(format!("{function}: interrupted"), FailureKind::Interrupted),
        deadline => raise(format!("{function}: {deadline}"), FailureKind::Failed),
    }
}

pub fn register(engine: &mut Engine, host: &Arc<Bound>) {
    let h = host.clone();
    FuncRegistration::new("sleep").with_volatility(true).register_into_engine(
        engine,
        move |ctx: NativeCallContext, text: &str| -> Result<(), Box<EvalAltResult>> {
            let wait = duration("sleep", "duration", Some(text), "0s")?;
            let here = scope_of(&ctx, &h.run);
            if !h.run.policy.waits {
                here.emit(Event::Progress { message: format!("would wait {}", humantime::format_duration(wait)) });
                return Ok(());
            }
            pause(wait, here.at.deadline.as_ref()).map_err(|stop| stopped("sleep", stop))
        },
    );

    let h = host.clone();
    FuncRegistration::new("wait_until").with_volatility(true).register_into_engine(
        engine,
        move |ctx: NativeCallContext, opts: Map, condition: FnPtr| -> Result<Dynamic, Box<EvalAltResult>> {
            let opts: WaitOptions = options("wait_until", &opts)?;
            wait_until(&h, &ctx, &opts, &condition)
        },
    );

    let h = host.clone();
    FuncRegistration::new("retry").with_volatility(true).register_into_engine(
        engine,
        move |ctx: NativeCallContext, opts: Map, body: FnPtr| -> Result<Dynamic, Box<EvalAltResult>> {
            let opts: RetryOptions = options("retry", &opts)?;
            retry(&h, &ctx, &opts, &body)
        },
    );
}

/// Asks `condition` until it returns `true`, `interval` apart, for at most `timeout`.
fn wait_until(
    host: &Bound,
    ctx: &NativeCallContext,
    opts: &WaitOptions,
    condition: &FnPtr,
) -> Result<Dynamic, Box<EvalAltResult>> {
    let timeout = duration("wait_until", "timeout", opts.timeout.as_deref(), "5m")?;
    let interval = duration("wait_until", "interval", opts.interval.as_deref(), "5s")?;
    let message = opts.message.clone().unwrap_or_else(|| "the condition".to_string());
    let here = scope_of(ctx, &host.run);
    let started = std::time::Instant::now();
    let mut asked = 0u32;
    loop {
        asked += 1;
        let value = call_in(ctx, &here, |ctx| condition.call_within_context::<Dynamic>(ctx, ()))?;
        if value.as_bool() == Ok(true) {
            if asked > 1 {
                here.emit(Event::Progress {
                    message: format!("{message}: after {}", humantime::format_duration(rounded(started.elapsed()))),
                });
            }
            return Ok(Dynamic::TRUE);
        }
        if !host.run.policy.waits {
            // Nothing was done for the condition to become true: the plan goes on.
            here.emit(Event::Progress {
                message: format!("would wait up to {} for {message}", humantime::format_duration(timeout)),
            });
            return Ok(value);
        }
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(raise(
                format!(
                    "wait_until: timed out after {} waiting for {message} (asked {asked} time(s); the last answer was {})",
                    humantime::format_duration(rounded(waited)),
                    shown(&value)
                ),
                FailureKind::Failed,
            ));
        }
        if asked == 1 {
            here.emit(Event::Progress {
                message: format!("waiting up to {} for {message}", humantime::format_duration(timeout)),
            });
        }
        pause(interval.min(timeout - waited), here.at.deadline.as_ref()).map_err(|stop| stopped("wait_until", stop))?;
    }
}

/// Calls `body` until it does not throw, at most `attempts` times.
fn retry(
    host: &Bound,
    ctx: &NativeCallContext,
    opts: &RetryOptions,
    body: &FnPtr,
) -> Result<Dynamic, Box<EvalAltResult>> {
    let attempts = match opts.attempts {
        None => 3,
        Some(n) if (1..=100).contains(&n) => n as u32,
        Some(n) => return Err(bad_input(format!("retry: `attempts` must be between 1 and 100, not {n}"))),
    };
    let backoff = Backoff {
        first: duration("retry", "backoff", opts.backoff.as_deref(), "2s")?,
        max: duration("retry", "max_backoff", opts.max_backoff.as_deref(), "1m")?,
    };
    let on = match &opts.on {
        Some(pattern) => Some(
            regex::Regex::new(pattern)
                .map_err(|e| bad_input(format!("retry: `on` is not a regular expression: {e}")))?,
        ),
        None => None,
    };
    let here = scope_of(ctx, &host.run);
    let mut attempt = 1;
    loop {
        let outcome = call_in(ctx, &here, |ctx| body.call_within_context::<Dynamic>(ctx, ()));
        let error = match outcome {
            Ok(value) => {
                journal_attempts(host, &here, attempt, None);
                return Ok(value);
            }
            Err(error) => error,
        };
        let crate::error::Diagnostic { message, kind, .. } = host.diagnose(&error);
        let retried = kind != FailureKind::Interrupted && on.as_ref().is_none_or(|on| on.is_match(&message));
        if !retried || attempt >= attempts {
            journal_attempts(host, &here, attempt, Some(&message));
            if retried && attempts > 1 {
                return Err(raise(format!("{message}\n(gave up after {attempts} attempts)"), kind));
            }
            return Err(error);
        }
        attempt += 1;
        let wait = if host.run.policy.waits { backoff.before(attempt) } else { Duration::ZERO };
        here.emit(Event::Log {
            level: LogLevel::Warn,
            message: format!(
                "attempt {} of {attempts} failed: {}; retrying in {}",
                attempt - 1,
                one_line(&message),
                humantime::format_duration(rounded(wait))
            ),
        });
        pause(wait, here.at.deadline.as_ref()).map_err(|stop| stopped("retry", stop))?;
    }
}

/// The journal keeps how many attempts a `retry` took, when it took more than one.
fn journal_attempts(host: &Bound, here: &RunScope, attempts: u32, error: Option<&str>) {
    if attempts > 1 || error.is_some() {
        let _ = host.run.steps.record(&Record::Attempts {
            ts: crate::clock::now_rfc3339(),
            scope: here.at.label().unwrap_or_default(),
            attempts,
            error: error.map(|e| crate::secret::redact(e.lines().next().unwrap_or_default())),
        });
    }
}

/// A value as the timeout's error shows it (secrets masked, unknowns said).
fn shown(value: &Dynamic) -> String {
    match crate::script::convert::to_data(value) {
        Ok(data) => data.to_json_redacted().to_string(),
        Err(_) => value.type_name().to_string(),
    }
}

/// A tool's error on one line: its lines joined, empty ones left out.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines.join(" ")
}

/// To the millisecond: what a person reads.
fn rounded(duration: Duration) -> Duration {
    Duration::from_millis(duration.as_millis() as u64)
}
