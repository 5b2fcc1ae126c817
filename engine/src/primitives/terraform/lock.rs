//! A state lock held by someone else: terraform's "Lock Info" block, parsed into who holds
//! it and since when, so the message says whether to wait or to force-unlock.

use std::time::Duration;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Terraform's summary when it cannot take the lock. Never retried: waiting is what
/// `lock_timeout` is for, and a dead holder needs a person.
pub const LOCK_ERROR: &str = "Error acquiring the state lock";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockInfo {
    pub id: String,
    pub path: String,
    pub operation: String,
    pub who: String,
    pub version: String,
    /// As terraform prints it: `2026-11-25 13:46:45.052447989 +0000 UTC`.
    pub created: String,
}

/// Finds the `Lock Info:` block in terraform's error text.
pub fn parse(text: &str) -> Option<LockInfo> {
    let start = text.find("Lock Info:")?;
    let mut info = LockInfo::default();
    for line in text[start..].lines().skip(1) {
        let Some((key, value)) = line.split_once(':') else { break };
        let value = value.trim().to_string();
        match key.trim() {
            "ID" => info.id = value,
            "Path" => info.path = value,
            "Operation" => info.operation = value,
            "Who" => info.who = value,
            "Version" => info.version = value,
            "Created" => info.created = value,
            "Info" => {}
            _ => break,
        }
    }
    (!info.id.is_empty()).then_some(info)
}

/// Go's `time.Time.String()`: `2026-11-25 13:46:45.052447989 +0000 UTC`.
pub fn parse_created(text: &str) -> Option<OffsetDateTime> {
    let mut parts = text.split_whitespace();
    let (date, clock, offset) = (parts.next()?, parts.next()?, parts.next()?);
    let mut ymd = date.split('-');
    let year: i32 = ymd.next()?.parse().ok()?;
    let month = Month::try_from(ymd.next()?.parse::<u8>().ok()?).ok()?;
    let day: u8 = ymd.next()?.parse().ok()?;
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let mut hms = hms.split(':');
    let (hour, minute, second): (u8, u8, u8) =
        (hms.next()?.parse().ok()?, hms.next()?.parse().ok()?, hms.next()?.parse().ok()?);
    let digits: String = fraction.chars().take(9).collect();
    let nanos: u32 = format!("{digits:0<9}").parse().ok()?;
    let sign: i8 = if offset.starts_with('-') { -1 } else { 1 };
    let offset = offset.trim_start_matches(['+', '-']);
    let (oh, om): (i8, i8) = (offset.get(0..2)?.parse().ok()?, offset.get(2..4)?.parse().ok()?);
    let local = PrimitiveDateTime::new(
        Date::from_calendar_date(year, month, day).ok()?,
        Time::from_hms_nano(hour, minute, second, nanos).ok()?,
    );
    Some(local.assume_offset(UtcOffset::from_hms(sign * oh, sign * om, 0).ok()?))
}

impl LockInfo {
    /// "state of `dev/acme/infra` is locked by ci@runner since ... (3m 2s ago), lock ID ...".
    pub fn describe(&self, root_label: &str, root_path: &str, now: OffsetDateTime) -> String {
        let created = parse_created(&self.created);
        let since = match created {
            Some(at) => {
                let utc = at.to_offset(UtcOffset::UTC);
                format!(
                    "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
                    utc.year(),
                    utc.month() as u8,
                    utc.day(),
                    utc.hour(),
                    utc.minute(),
                    utc.second()
                )
            }
            None => self.created.clone(),
        };
        let age = created
            .map(|at| {
                let seconds = (now - at).whole_seconds().max(0) as u64;
                format!(" ({} ago)", humantime::format_duration(Duration::from_secs(seconds)))
            })
            .unwrap_or_default();
        let who = if self.who.is_empty() { "an unknown holder" } else { &self.who };
        format!(
            "state of `{root_label}` is locked by {who} since {since}{age}, lock ID {id}: wait, or `terraform force-unlock {id}` (in `{root_path}`) if that run is dead",
            id = self.id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from terraform 1.0.3 (local backend, another apply running).
    const HELD: &str = "Error message: resource temporarily unavailable\nLock Info:\n  ID:        9eaba727-f752-1d19-90b7-350f449663fd\n  Path:      terraform.tfstate\n  Operation: OperationTypeApply\n  Who:       root@vm\n  Version:   1.0.3\n  Created:   2026-11-25 13:46:45.052447989 +0000 UTC\n  Info:      \n\n\nTerraform acquires a state lock to protect the state from being written\nby multiple users at the same time.";

    #[test]
    fn lock_info_is_parsed() {
        let info = parse(HELD).unwrap();
        assert_eq!(
            info,
            LockInfo {
                id: "9eaba727-f752-1d19-90b7-350f449663fd".into(),
                path: "terraform.tfstate".into(),
                operation: "OperationTypeApply".into(),
                who: "root@vm".into(),
                version: "1.0.3".into(),
                created: "2026-11-25 13:46:45.052447989 +0000 UTC".into(),
            }
        );
        assert_eq!(parse("Error: something else"), None);
    }

    #[test]
    fn the_message_says_who_since_when_and_what_to_do() {
        let now = parse_created("2026-11-25 13:49:47.5 +0000 UTC").unwrap();
        expect_test::expect!["state of `dev/acme/infra` is locked by root@vm since 2026-11-25 13:46:45 UTC (3m 2s ago), lock ID 9eaba727-f752-1d19-90b7-350f449663fd: wait, or `terraform force-unlock 9eaba727-f752-1d19-90b7-350f449663fd` (in `environments/dev/acme/infra`) if that run is dead"]
            .assert_eq(&parse(HELD).unwrap().describe("dev/acme/infra", "environments/dev/acme/infra", now));
    }

    #[test]
    fn offsets_and_odd_dates() {
        let at = parse_created("2026-11-25 15:46:45 +0200 CEST").unwrap();
        assert_eq!(at.unix_timestamp(), parse_created("2026-11-25 13:46:45.0 +0000 UTC").unwrap().unix_timestamp());
        assert_eq!(parse_created("yesterday"), None);
        let info = LockInfo { id: "x".into(), created: "yesterday".into(), ..LockInfo::default() };
        expect_test::expect!["state of `r` is locked by an unknown holder since yesterday, lock ID x: wait, or `terraform force-unlock x` (in `environments/r`) if that run is dead"]
            .assert_eq(&info.describe("r", "environments/r", OffsetDateTime::UNIX_EPOCH));
    }
}
