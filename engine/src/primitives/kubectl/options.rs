//! The option maps scripts pass to `kubectl::*`, as typed structs. Unknown keys are
//! rejected (`deny_unknown_fields`), so a misspelt key fails at the script line.

use serde::Deserialize;

use crate::runtime::data::Data;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyOptions {
    /// A manifest file (repository path).
    pub file: Option<String>,
    /// A folder of manifests, applied recursively (repository path).
    pub dir: Option<String>,
    /// Manifest text (a rendered template; a secret stays on stdin), or a map/array of
    /// objects sent as JSON.
    pub manifest: Option<Data>,
    pub namespace: Option<String>,
    /// Delete objects of the ApplySet `applyset` that are no longer in the manifests.
    #[serde(default)]
    pub prune: bool,
    /// The ApplySet (a Secret of that name in `namespace`) that tracks what to prune.
    pub applyset: Option<String>,
    /// Take over fields another manager owns instead of failing with a conflict.
    #[serde(default)]
    pub force_conflicts: bool,
    pub timeout: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffOptions {
    pub file: Option<String>,
    pub dir: Option<String>,
    pub manifest: Option<Data>,
    pub namespace: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetOptions {
    pub namespace: Option<String>,
    /// Return `()` instead of failing when the object does not exist.
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitOptions {
    /// What to wait for (kubectl's `--for`): a condition name (`"complete"`, `"Available"`)
    /// or kubectl's own form (`"condition=Ready=false"`, `"delete"`, `"jsonpath={…}=x"`).
    /// `for` is a Rhai keyword, so the key is `condition` (`"for"` quoted also works).
    #[serde(alias = "for")]
    pub condition: Option<String>,
    pub timeout: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolloutOptions {
    pub namespace: Option<String>,
    pub timeout: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceOptions {
    pub namespace: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteOptions {
    pub namespace: Option<String>,
    #[serde(default)]
    pub ignore_not_found: bool,
    pub timeout: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsOptions {
    pub namespace: Option<String>,
    pub container: Option<String>,
    /// Lines from the end (kubectl's `--tail`).
    pub tail: Option<i64>,
    /// E.g. `"10m"`: only newer lines.
    pub since: Option<String>,
    /// Logs of the previous (crashed) container instance.
    #[serde(default)]
    pub previous: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecOptions {
    pub namespace: Option<String>,
    pub container: Option<String>,
    /// Sent to the command's stdin (a secret stays secret).
    pub stdin: Option<Data>,
    pub timeout: Option<String>,
    /// `"read"` for a command that changes nothing (a query, a smoke check): it runs under
    /// `--plan` and does not mark the step changed. Default `"write"`.
    pub effect: Option<crate::primitives::exec::EffectName>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretOptions {
    pub namespace: Option<String>,
    /// The Secret's `type` (default `Opaque`), e.g. `kubernetes.io/dockerconfigjson`.
    #[serde(rename = "type")]
    pub secret_type: Option<String>,
}
