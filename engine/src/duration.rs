//! Durations as scripts write them (`"30s"`, `"5m"`, `"1h 30m"`, `"500ms"`), parsed in
//! one place for every option that takes one (step timeouts, kubectl waits, retries,
//! `sleep`, `wait_until`, terraform's lock timeout), and written back in the form a tool
//! takes: kubectl and terraform get Go durations, never the script's own text.

use std::time::Duration;

/// The forms a duration may take, for errors.
pub const FORMS: &str = r#"a number and a unit, e.g. "500ms", "30s", "5m", "1h", "1h 30m" (units: ms, s, m, h, d)"#;

/// Parses `text`; the error names the text and the accepted forms.
pub fn parse(text: &str) -> Result<Duration, String> {
    let duration =
        humantime::parse_duration(text.trim()).map_err(|e| format!("invalid duration `{text}`: {e}; use {FORMS}"))?;
    Ok(duration)
}

/// `duration` as a Go duration (`"300s"`, `"1500ms"`): what kubectl's `--timeout` and
/// terraform's `-lock-timeout` read.
pub fn go(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_once_and_written_back_for_tools() {
        assert_eq!(parse("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse("1h 30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(go(parse("5 minutes").unwrap_or(Duration::from_secs(300))), "300s");
        assert_eq!(go(Duration::from_millis(1500)), "1500ms");
        expect_test::expect![[r#"invalid duration `soon`: expected number at 0; use a number and a unit, e.g. "500ms", "30s", "5m", "1h", "1h 30m" (units: ms, s, m, h, d)"#]]
            .assert_eq(&parse("soon").unwrap_err());
    }
}
