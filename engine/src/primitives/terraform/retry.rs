//! Which terraform failures are worth another attempt, and how long to wait.
//!
//! Azure throttles, leases blobs and times out downloads; none of that means the
//! configuration is wrong, so those errors are retried (3 attempts, 5s then 10s by
//! default). A held state lock is never retried here: it is reported with its holder.

use std::time::Duration;

use regex::Regex;

use super::lock::{self, LockInfo, LOCK_ERROR};
use super::options::RetryOptions;

pub const DEFAULT_ATTEMPTS: u32 = 3;
pub const DEFAULT_DELAY: Duration = Duration::from_secs(5);
const MAX_ATTEMPTS: i64 = 10;

/// Regular expressions for transient errors (documented in docs/terraform.md; keep both
/// in sync).
pub const DEFAULT_PATTERNS: &[&str] = &[
    // Azure Resource Manager throttling.
    r"(StatusCode|Status|status code)[=: ]*429\b|\b429 Too Many Requests",
    "TooManyRequests",
    // The azurerm provider's own "try again" wrapper.
    "RetryableError",
    r"(?i)another operation is in progress",
    r"StatusCode=409[^\n]*Conflict",
    // State blob leases (a held lock says "Error acquiring the state lock" instead).
    "failed to retrieve lease",
    "LeaseAlreadyPresent",
    // Provider and registry downloads.
    "timeout while waiting for plugin",
    "TLS handshake timeout",
    "connection reset by peer",
    "i/o timeout",
    r"Client\.Timeout exceeded",
];

static DEFAULT_COMPILED: std::sync::LazyLock<Vec<(String, Regex)>> =
    std::sync::LazyLock::new(|| compile(DEFAULT_PATTERNS.iter().map(|p| p.to_string()).collect()).unwrap_or_default());

fn compile(sources: Vec<String>) -> Result<Vec<(String, Regex)>, String> {
    sources
        .into_iter()
        .map(|source| match Regex::new(&source) {
            Ok(regex) => Ok((source, regex)),
            Err(e) => Err(format!("`retries.patterns`: `{source}` is not a valid regular expression: {e}")),
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub delay: Duration,
    patterns: Vec<(String, Regex)>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::from_options(None).unwrap_or(RetryPolicy {
            attempts: 1,
            delay: DEFAULT_DELAY,
            patterns: Vec::new(),
        })
    }
}

impl RetryPolicy {
    pub fn from_options(options: Option<&RetryOptions>) -> Result<RetryPolicy, String> {
        let options = options.cloned().unwrap_or_default();
        let attempts = match options.attempts {
            None => DEFAULT_ATTEMPTS,
            Some(n) if (1..=MAX_ATTEMPTS).contains(&n) => n as u32,
            Some(n) => return Err(format!("`retries.attempts` must be between 1 and {MAX_ATTEMPTS}, not {n}")),
        };
        let delay = match options.delay.as_deref() {
            None => DEFAULT_DELAY,
            Some(text) => crate::duration::parse(text).map_err(|e| format!("`retries.delay`: {e}"))?,
        };
        let patterns = match options.patterns {
            // Compiled once per process: every terraform call builds a policy.
            None => DEFAULT_COMPILED.clone(),
            Some(sources) => compile(sources)?,
        };
        Ok(RetryPolicy { attempts, delay, patterns })
    }

    /// The first pattern that matches `text`.
    pub fn transient(&self, text: &str) -> Option<&str> {
        self.patterns.iter().find(|(_, regex)| regex.is_match(text)).map(|(source, _)| source.as_str())
    }

    /// The wait before retry number `retry` (1-based): the delay, doubled each time.
    pub fn delay_before(&self, retry: u32) -> Duration {
        self.delay.saturating_mul(1u32 << retry.saturating_sub(1).min(16))
    }
}

/// What a failure's text says about what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// Someone else holds the state lock.
    Locked(LockInfo),
    /// The lock could not be taken, and terraform did not say by whom.
    LockFailed,
    /// Worth another attempt: the pattern that matched.
    Transient(String),
    Fatal,
}

pub fn classify(text: &str, policy: &RetryPolicy) -> Class {
    if text.contains(LOCK_ERROR) {
        return lock::parse(text).map(Class::Locked).unwrap_or(Class::LockFailed);
    }
    match policy.transient(text) {
        Some(pattern) => Class::Transient(pattern.to_string()),
        None => Class::Fatal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_match_the_default_patterns() {
        let policy = RetryPolicy::default();
        let cases = [
            "autorest/azure: Service returned an error. Status=429 Code=\"TooManyRequests\"",
            "storage: service returned error: StatusCode=429",
            "GET https://registry.terraform.io/v1/providers: 429 Too Many Requests",
            "retrying: RetryableError: the resource group is being deleted",
            "Another operation is in progress with the resource",
            "original error: StatusCode=409 -- Original Error: Code=\"Conflict\"",
            "Error loading state: failed to retrieve lease: context deadline exceeded",
            "ErrorCode=LeaseAlreadyPresent, ErrorMessage=There is already a lease present.",
            "timeout while waiting for plugin to start",
            "net/http: TLS handshake timeout",
            "read tcp 10.0.0.1:443: read: connection reset by peer",
            "dial tcp: i/o timeout",
            "(Client.Timeout exceeded while awaiting headers)",
        ];
        let matched: Vec<String> = cases.iter().map(|c| format!("{:?}", classify(c, &policy))).collect();
        expect_test::expect![[r#"
            Transient("(StatusCode|Status|status code)[=: ]*429\\b|\\b429 Too Many Requests")
            Transient("(StatusCode|Status|status code)[=: ]*429\\b|\\b429 Too Many Requests")
            Transient("(StatusCode|Status|status code)[=: ]*429\\b|\\b429 Too Many Requests")
            Transient("RetryableError")
            Transient("(?i)another operation is in progress")
            Transient("StatusCode=409[^\\n]*Conflict")
            Transient("failed to retrieve lease")
            Transient("LeaseAlreadyPresent")
            Transient("timeout while waiting for plugin")
            Transient("TLS handshake timeout")
            Transient("connection reset by peer")
            Transient("i/o timeout")
            Transient("Client\\.Timeout exceeded")"#]]
        .assert_eq(&matched.join("\n"));
    }

    #[test]
    fn real_errors_and_held_locks_are_not_retried() {
        let policy = RetryPolicy::default();
        assert_eq!(classify("Invalid value for variable\nThe size must be between 1 and 9.", &policy), Class::Fatal);
        assert_eq!(classify("resource id 14290 not found", &policy), Class::Fatal);
        // An azurerm lock held by another run mentions LeaseAlreadyPresent too: the lock wins.
        let held = "Error acquiring the state lock\nError message: StatusCode=409 ErrorCode=LeaseAlreadyPresent\nLock Info:\n  ID:        abc\n  Who:       ci@runner\n";
        assert!(matches!(classify(held, &policy), Class::Locked(info) if info.id == "abc" && info.who == "ci@runner"));
        assert_eq!(classify("Error acquiring the state lock\nfailed to retrieve lease", &policy), Class::LockFailed);
    }

    #[test]
    fn options_override_attempts_delay_and_patterns() {
        let options =
            RetryOptions { attempts: Some(5), delay: Some("2s".into()), patterns: Some(vec!["flaky".into()]) };
        let policy = RetryPolicy::from_options(Some(&options)).unwrap();
        assert_eq!(policy.attempts, 5);
        assert_eq!(
            (policy.delay_before(1), policy.delay_before(2), policy.delay_before(3)),
            (Duration::from_secs(2), Duration::from_secs(4), Duration::from_secs(8))
        );
        assert_eq!(policy.transient("a flaky network"), Some("flaky"));
        assert_eq!(policy.transient("TooManyRequests"), None);
        let default = RetryPolicy::default();
        assert_eq!(
            (default.attempts, default.delay_before(1), default.delay_before(2)),
            (3, Duration::from_secs(5), Duration::from_secs(10))
        );
    }

    #[test]
    fn bad_retry_options() {
        let error = |options: RetryOptions| RetryPolicy::from_options(Some(&options)).unwrap_err();
        expect_test::expect!["`retries.attempts` must be between 1 and 10, not 0"]
            .assert_eq(&error(RetryOptions { attempts: Some(0), ..Default::default() }));
        expect_test::expect![[r#"`retries.delay`: invalid duration `later`: expected number at 0; use a number and a unit, e.g. "500ms", "30s", "5m", "1h", "1h 30m" (units: ms, s, m, h, d)"#]]
        .assert_eq(&error(RetryOptions { delay: Some("later".into()), ..Default::default() }));
        expect_test::expect![[r#"
            `retries.patterns`: `(` is not a valid regular expression: regex parse error:
                (
                ^
            error: unclosed group"#]]
        .assert_eq(&error(RetryOptions { patterns: Some(vec!["(".into()]), ..Default::default() }));
    }
}
