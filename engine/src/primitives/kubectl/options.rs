//! The option maps scripts pass to `kubectl::*`, as typed structs. Unknown keys are
//! rejected (`deny_unknown_fields`), so a misspelt key fails at the script line. The field
//! docs are the reference's option tables (`JsonSchema`, engine/src/script/reference/):
//! a last line `Default: …` is the default column.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::runtime::data::Data;

/// The options of `kubectl::apply`: exactly one of `file`, `dir` and `manifest`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyOptions {
    /// A manifest file (repository path).
    pub file: Option<String>,
    /// A folder of manifests, applied recursively (repository path).
    pub dir: Option<String>,
    /// Manifest text (a rendered template; a secret goes on stdin), or a map or array of
    /// objects sent as JSON.
    #[schemars(extend("x-rhai-type" = "string, Secret, map or array"))]
    pub manifest: Option<Data>,
    /// `--namespace`.
    /// Default: the manifests'.
    pub namespace: Option<String>,
    /// Delete objects of the ApplySet `applyset` that are no longer in the manifests (needs
    /// `applyset` and `namespace`).
    #[serde(default)]
    pub prune: bool,
    /// The ApplySet (a Secret of that name in `namespace`) that tracks what to prune.
    pub applyset: Option<String>,
    /// Take over fields another manager owns instead of failing with a conflict.
    #[serde(default)]
    pub force_conflicts: bool,
    /// E.g. `"2m"`: the process is stopped after this long.
    pub timeout: Option<String>,
}

/// The options of `kubectl::diff`: exactly one of `file`, `dir` and `manifest`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffOptions {
    /// A manifest file (repository path).
    pub file: Option<String>,
    /// A folder of manifests, diffed recursively (repository path).
    pub dir: Option<String>,
    /// Manifest text (a secret goes on stdin), or a map or array of objects sent as JSON.
    #[schemars(extend("x-rhai-type" = "string, Secret, map or array"))]
    pub manifest: Option<Data>,
    /// `--namespace`.
    /// Default: the manifests'.
    pub namespace: Option<String>,
}

/// The options of `kubectl::get`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetOptions {
    /// `--namespace`.
    /// Default: the context's.
    pub namespace: Option<String>,
    /// Return `()` instead of failing when the object does not exist.
    #[serde(default)]
    pub optional: bool,
}

/// The options of `kubectl::wait`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitOptions {
    /// What to wait for (kubectl's `--for`): a condition name (`"complete"`, `"Available"`)
    /// or kubectl's own form (`"condition=Ready=false"`, `"delete"`,
    /// `"jsonpath={.status.phase}=Running"`). `for` is a Rhai keyword, so the key is
    /// `condition`; a quoted `"for"` key works too.
    /// Required.
    #[serde(alias = "for")]
    pub condition: Option<String>,
    /// kubectl's `--timeout`; the process is stopped a minute later.
    /// Default: `"5m"`.
    pub timeout: Option<String>,
    /// `--namespace`.
    /// Default: the context's.
    pub namespace: Option<String>,
}

/// The options of `kubectl::rollout_status`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RolloutOptions {
    /// `--namespace`.
    /// Default: the context's.
    pub namespace: Option<String>,
    /// kubectl's `--timeout`; the process is stopped a minute later.
    /// Default: `"5m"`.
    pub timeout: Option<String>,
}

/// The options of `kubectl::rollout_restart`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamespaceOptions {
    /// `--namespace`.
    /// Default: the context's.
    pub namespace: Option<String>,
}

/// The options of `kubectl::delete`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteOptions {
    /// `--namespace`.
    /// Default: the context's.
    pub namespace: Option<String>,
    /// An absent object is not an error.
    #[serde(default)]
    pub ignore_not_found: bool,
    /// kubectl's `--timeout`; the process is stopped a minute later.
    pub timeout: Option<String>,
}

/// The options of `kubectl::logs`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogsOptions {
    /// `--namespace`.
    /// Default: the context's.
    pub namespace: Option<String>,
    /// `--container`.
    /// Default: the default container.
    pub container: Option<String>,
    /// Lines from the end (kubectl's `--tail`).
    /// Default: all.
    pub tail: Option<i64>,
    /// E.g. `"10m"`: only newer lines.
    /// Default: all.
    pub since: Option<String>,
    /// The logs of the previous (crashed) container instance.
    #[serde(default)]
    pub previous: bool,
}

/// The options of `kubectl::exec`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecOptions {
    /// `--namespace`.
    /// Default: the context's.
    pub namespace: Option<String>,
    /// `--container`.
    /// Default: the default container.
    pub container: Option<String>,
    /// Sent to the command's stdin (a secret stays secret).
    pub stdin: Option<Data>,
    /// E.g. `"30s"`: the process is stopped after this long.
    pub timeout: Option<String>,
    /// `"read"` for a command that changes nothing (a query, a smoke check): it runs under
    /// `--plan` and does not mark the step changed.
    /// Default: `"write"`.
    pub effect: Option<crate::primitives::exec::EffectName>,
}

/// The options of `kubectl::create_secret`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretOptions {
    /// Where the Secret lives.
    /// Default: the context's.
    pub namespace: Option<String>,
    /// The Secret's type, e.g. `"kubernetes.io/dockerconfigjson"`.
    /// Default: `"Opaque"`.
    #[serde(rename = "type")]
    pub secret_type: Option<String>,
}
