//! The option maps scripts pass to `terraform::*`, as typed requests. Unknown keys are
//! rejected (`deny_unknown_fields`), so `#{ workspce: "x" }` fails at the script line
//! instead of planning the default workspace. The field docs are the reference's option
//! tables (`JsonSchema`, engine/src/script/reference/options.rs): a last line `Default: …`
//! is the default column.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::runtime::data::Data;

/// The options of `terraform::init`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitOptions {
    /// `-upgrade`: the newest provider versions the constraints allow.
    /// Default: `false`.
    pub upgrade: Option<bool>,
    /// `-reconfigure`: forget the previous backend configuration.
    /// Default: `false`.
    pub reconfigure: Option<bool>,
    /// Transient errors (the default patterns, docs/terraform.md) are retried.
    /// Default: 3 attempts, 5s delay doubling, the default patterns.
    pub retries: Option<RetryOptions>,
}

/// The options of `terraform::plan`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanOptions {
    /// Variable values (strings, numbers, bools, lists, maps, secrets); every name must be a
    /// `variable` of the root.
    #[serde(default)]
    pub vars: BTreeMap<String, Data>,
    /// Terraform workspace, created on first use.
    /// Default: the default workspace.
    pub workspace: Option<String>,
    /// Plan the destruction of everything in the root (`plan -destroy`).
    /// Default: `false`.
    pub destroy: Option<bool>,
    /// How long to wait for the state lock (`"0s"`: report its holder at once).
    /// Default: `"0s"`, or `wait_for_locks` when that is given.
    pub lock_timeout: Option<String>,
    /// Transient errors are retried.
    /// Default: 3 attempts, 5s doubling.
    pub retries: Option<RetryOptions>,
    /// Plan only what changed outside terraform: the state against the real
    /// infrastructure (`plan -refresh-only`), not the configuration against the state.
    /// Default: `false`.
    pub refresh_only: Option<bool>,
    /// Plan under the root's scope lock, as an apply would hold it: wait up to this long
    /// for a run that holds it (and for terraform's state lock), then plan and give it
    /// back (`"10m"`). Default: no scope lock.
    pub wait_for_locks: Option<String>,
}

/// The options of `terraform::apply`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyOptions {
    /// Variable values (strings, numbers, bools, lists, maps, secrets); every name must be a
    /// `variable` of the root.
    #[serde(default)]
    pub vars: BTreeMap<String, Data>,
    /// Terraform workspace, created on first use.
    /// Default: the default workspace.
    pub workspace: Option<String>,
    /// Plan, never apply, even in a real run. Outputs are returned when nothing would
    /// change, and are "known after apply" otherwise.
    /// Default: `false`.
    pub plan_only: Option<bool>,
    /// Lets this call destroy or replace without asking: `true` for everything that
    /// does not hold data, or the addresses (`["azurerm_storage_account.this"]`), the only
    /// way to let a resource of a `protected_types` type go.
    /// Default: ask (a terminal prompt, or `--allow-destroy`; docs/guide/run-modes.md).
    pub allow_destroy: Option<AllowDestroy>,
    /// How long to wait for the state lock (`"0s"`: report its holder at once).
    /// Default: `"0s"`.
    pub lock_timeout: Option<String>,
    /// Transient errors are re-planned and retried.
    /// Default: 3 attempts, 5s doubling.
    pub retries: Option<RetryOptions>,
}

/// The options of `terraform::destroy`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DestroyOptions {
    /// Variable values (strings, numbers, bools, lists, maps, secrets); every name must be a
    /// `variable` of the root.
    #[serde(default)]
    pub vars: BTreeMap<String, Data>,
    /// Terraform workspace.
    /// Default: the default workspace.
    pub workspace: Option<String>,
    /// Lets this call destroy or replace without asking: `true` for everything that
    /// does not hold data, or the addresses (`["azurerm_storage_account.this"]`), the only
    /// way to let a resource of a `protected_types` type go.
    /// Default: ask (a terminal prompt, or `--allow-destroy`; docs/guide/run-modes.md).
    pub allow_destroy: Option<AllowDestroy>,
    /// How long to wait for the state lock (`"0s"`: report its holder at once).
    /// Default: `"0s"`.
    pub lock_timeout: Option<String>,
    /// Transient errors are re-planned and retried.
    /// Default: 3 attempts, 5s doubling.
    pub retries: Option<RetryOptions>,
}

/// `allow_destroy: true` or `allow_destroy: ["<resource address>", ...]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AllowDestroy {
    All(bool),
    Only(Vec<String>),
}

/// The options of `terraform::output`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputOptions {
    /// Terraform workspace.
    /// Default: the default workspace.
    pub workspace: Option<String>,
}

/// `retries: #{ attempts: 3, delay: "5s", patterns: ["TooManyRequests"] }`.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryOptions {
    /// Total attempts, including the first (1 = never retry).
    /// Default: `3`.
    pub attempts: Option<i64>,
    /// Wait before the first retry; doubled before each further one.
    /// Default: `"5s"`.
    pub delay: Option<String>,
    /// Regular expressions that mark an error as transient. They replace the default list
    /// (docs/terraform.md); `[]` retries nothing.
    /// Default: the default list.
    pub patterns: Option<Vec<String>>,
}

/// Terraform's own default: fail at once when the state is locked, so the holder is
/// reported instead of a CI job hanging silently.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(0);

/// `"30s"`, `"5m"` → the `-lock-timeout=` value terraform expects (`30s`, `300s`).
pub fn lock_timeout(text: Option<&str>) -> Result<String, String> {
    let duration = match text {
        None => DEFAULT_LOCK_TIMEOUT,
        Some(text) => crate::duration::parse(text).map_err(|e| format!("`lock_timeout`: {e}"))?,
    };
    Ok(crate::duration::go(duration))
}

/// Workspace names terraform accepts and that are safe in a state key.
pub fn workspace(name: Option<&str>) -> Result<Option<String>, String> {
    let Some(name) = name else { return Ok(None) };
    let valid = !name.is_empty()
        && name.len() <= 90
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !valid {
        return Err(format!(
            "`workspace`: `{name}` is not a valid workspace name: use letters, digits, `-` and `_`, starting with a letter or digit"
        ));
    }
    Ok(Some(name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_timeout_is_converted_to_seconds() {
        assert_eq!(lock_timeout(None).unwrap(), "0s");
        assert_eq!(lock_timeout(Some("5m")).unwrap(), "300s");
        expect_test::expect![[r#"`lock_timeout`: invalid duration `soon`: expected number at 0; use a number and a unit, e.g. "500ms", "30s", "5m", "1h", "1h 30m" (units: ms, s, m, h, d)"#]]
        .assert_eq(&lock_timeout(Some("soon")).unwrap_err());
    }

    #[test]
    fn workspace_names_are_checked() {
        assert_eq!(workspace(Some("blue-2")).unwrap().as_deref(), Some("blue-2"));
        expect_test::expect!["`workspace`: `../x` is not a valid workspace name: use letters, digits, `-` and `_`, starting with a letter or digit"]
            .assert_eq(&workspace(Some("../x")).unwrap_err());
    }
}
