//! The terraform version check: older releases lack `-chdir`, the JSON UI and the exit
//! codes the primitive relies on, and fail in confusing ways, so a run stops up front.

use std::path::PathBuf;

use super::invocation::PROGRAM;

pub const MIN_TERRAFORM_VERSION: &str = "1.0.0";

/// `1.0.3` from `terraform version -json`, or from the plain `Terraform v0.12.31` that
/// releases before 0.13 print (they ignore `-json`).
pub fn parse(stdout: &str) -> Option<String> {
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(stdout) {
        if let Some(version) = value.get("terraform_version").and_then(|v| v.as_str()) {
            return Some(version.to_string());
        }
    }
    let line = stdout.lines().find(|l| l.trim_start().starts_with("Terraform v"))?;
    Some(line.trim().trim_start_matches("Terraform v").split_whitespace().next()?.to_string())
}

/// Numeric `major.minor.patch`, ignoring a pre-release suffix (`1.6.0-beta1` → 1.6.0).
fn numbers(version: &str) -> Option<(u64, u64, u64)> {
    let core = version.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    Some((parts.next()??, parts.next().flatten().unwrap_or(0), parts.next().flatten().unwrap_or(0)))
}

pub fn check(version: &str) -> Result<(), String> {
    let found = numbers(version).ok_or_else(|| format!("cannot understand terraform version `{version}`"))?;
    let minimum = numbers(MIN_TERRAFORM_VERSION).unwrap_or_default();
    if found < minimum {
        let binary =
            on_path().map(|p| format!("`{}`", p.display())).unwrap_or_else(|| "the `terraform` on PATH".to_string());
        return Err(format!(
            "terraform {version} at {binary} is too old: auto needs terraform >= {MIN_TERRAFORM_VERSION}; install a newer one or put it first on PATH (CI: `bash .ci/install-tools.sh && source .ci/env.sh`)"
        ));
    }
    Ok(())
}

/// Whether `version` meets one `required_version` constraint list (`">= 1.11.0, < 2.0"`),
/// with terraform's operators: `=`, `!=`, `>`, `>=`, `<`, `<=` and `~>` (only the last
/// given part may grow: `~> 1.11.0` is `>= 1.11.0, < 1.12.0`, `~> 1.11` is `< 2.0`).
pub fn satisfies(version: &str, constraints: &str) -> Result<bool, String> {
    let found = numbers(version).ok_or_else(|| format!("cannot understand terraform version `{version}`"))?;
    for constraint in constraints.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let operator_end = constraint.find(|c: char| c.is_ascii_digit() || c == 'v').unwrap_or(0);
        let (operator, wanted) = constraint.split_at(operator_end);
        let wanted = wanted.trim().trim_start_matches('v');
        let want = numbers(wanted)
            .ok_or_else(|| format!("cannot understand the version constraint `{constraint}` of required_version"))?;
        let given_parts = wanted.split(['-', '+']).next().unwrap_or_default().split('.').count();
        let holds = match operator.trim() {
            "" | "=" => found == want,
            "!=" => found != want,
            ">" => found > want,
            ">=" => found >= want,
            "<" => found < want,
            "<=" => found <= want,
            "~>" => {
                found >= want
                    && match given_parts {
                        0 | 1 => true,
                        2 => found.0 == want.0,
                        _ => (found.0, found.1) == (want.0, want.1),
                    }
            }
            other => return Err(format!("unknown operator `{other}` in the version constraint `{constraint}`")),
        };
        if !holds {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The `terraform` the runner will start: the first executable of that name on PATH.
pub fn on_path() -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(PROGRAM))
        .find(|candidate| candidate.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_json_or_plain_text() {
        let json = "{\n  \"terraform_version\": \"1.0.3\",\n  \"platform\": \"linux_amd64\",\n  \"provider_selections\": {},\n  \"terraform_outdated\": false\n}\n";
        assert_eq!(parse(json).as_deref(), Some("1.0.3"));
        assert_eq!(
            parse("Terraform v0.12.31\n\nYour version of Terraform is out of date!").as_deref(),
            Some("0.12.31")
        );
        assert_eq!(parse("garbage"), None);
    }

    #[test]
    fn constraints_use_terraforms_operators() {
        let cases = [
            ("1.11.4", ">= 1.11.0", true),
            ("1.0.3", ">= 1.11.0", false),
            ("1.11.4", ">= 1.0.0, < 1.11.0", false),
            ("1.11.4", "~> 1.11.0", true),
            ("1.12.0", "~> 1.11.0", false),
            ("1.12.0", "~> 1.11", true),
            ("2.0.0", "~> 1.11", false),
            ("1.11.4", "= 1.11.4", true),
            ("1.11.4", "1.11.4", true),
            ("1.11.4", "!= 1.11.4", false),
            ("1.11.4", "> 1.11.4", false),
            ("1.11.4", "<= 1.11.4", true),
        ];
        for (version, constraint, expected) in cases {
            assert_eq!(satisfies(version, constraint), Ok(expected), "{version} against {constraint}");
        }
        assert!(satisfies("1.11.4", ">= x").is_err());
    }

    #[test]
    fn old_versions_are_refused() {
        assert!(check("1.0.0").is_ok());
        assert!(check("1.11.4").is_ok());
        assert!(check("1.6.0-beta1").is_ok());
        let message = check("0.15.5").unwrap_err();
        let message = regex::Regex::new("at `[^`]*`").unwrap().replace(&message, "at `[PATH]`").into_owned();
        expect_test::expect!["terraform 0.15.5 at `[PATH]` is too old: auto needs terraform >= 1.0.0; install a newer one or put it first on PATH (CI: `bash .ci/install-tools.sh && source .ci/env.sh`)"]
            .assert_eq(&message);
    }
}
