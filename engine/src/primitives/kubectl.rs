//! kubectl: invocations with the environment's context pinned on every call, server-side
//! apply preceded by a server-side diff, secrets only on stdin, and kubectl's stderr turned
//! into messages that say what to do. No Rhai here and no spawning: the runner runs
//! everything.
//!
//! Every invocation starts `kubectl --context <pinned>`. The context comes from the
//! environment's `env.toml` (`[kubernetes] context`), or `AUTO_KUBE_CONTEXT` when set, and
//! must be one of `allowed_contexts`; it is resolved once per environment per run, so
//! switching `kubectl config current-context` mid-run changes nothing.
//!
//! `apply` runs `kubectl diff --server-side` (a read) first and applies only when the diff
//! found differences: `changed` is then accurate (server-side apply prints
//! `serverside-applied` whether or not anything changed), `--plan` runs the diff for real
//! and records only the applies that would change something, and a run that changes
//! nothing sends no writes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;

use crate::process::{
    describe_failure, Completion, Effect, Invocation, LineObserver, Output, RunError, Runner, Stdin, Value,
};
use crate::repo::Environment;
use crate::runtime::data::Data;
use crate::runtime::secret::{redact, Secret};

pub const PROGRAM: &str = "kubectl";
/// Server-side apply's field manager: objects `auto` owns show `auto` in `managedFields`.
pub const FIELD_MANAGER: &str = "auto";
/// Extra time kubectl gets beyond its own `--timeout` before the runner kills it.
const GRACE: Duration = Duration::from_secs(60);
const DEFAULT_WAIT: &str = "5m";

// ---------------------------------------------------------------------------------------
// Errors

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KubectlError {
    #[error("`kubectl` was not found on PATH: install kubectl 1.29+ or run `auto doctor`")]
    NotInstalled,
    #[error(
        "AUTO_KUBE_CONTEXT=`{context}` is not allowed for environment `{env}`: allowed contexts are {}; \
         unset AUTO_KUBE_CONTEXT or add the context to `kubernetes.allowed_contexts` in environments/{env}/env.toml",
        list(.allowed)
    )]
    ContextNotAllowed { env: String, context: String, allowed: Vec<String> },
    #[error(
        "context `{context}` (environment `{env}`) is not in your kubeconfig: fetch it with \
         `az aks get-credentials --resource-group <group> --name <cluster> --context {context}`"
    )]
    UnknownContext { env: String, context: String },
    #[error(
        "cannot reach the Kubernetes API server of context `{context}` (environment `{env}`): {detail}\n\
         hint: check your network or VPN; if the cluster's address or credentials changed, run \
         `az aks get-credentials --resource-group <group> --name <cluster> --context {context}`"
    )]
    Unreachable { env: String, context: String, detail: String },
    #[error(
        "the credentials of context `{context}` (environment `{env}`) were rejected: {detail}\n\
         hint: log in again (`az login`, then `az aks get-credentials --resource-group <group> --name <cluster> --context {context}`)"
    )]
    Unauthorized { env: String, context: String, detail: String },
    #[error(
        "kubectl may not {verb} {resource}{} in context `{context}`: {detail}\n\
         hint: check the RBAC role bindings of your identity: `kubectl auth can-i {verb} {resource}{} --context {context}`",
        in_namespace(.namespace), namespace_flag(.namespace)
    )]
    Forbidden { context: String, verb: String, resource: String, namespace: Option<String>, detail: String },
    #[error(
        "{what} was not found{} in context `{context}`\n\
         hint: check the name, and pass the namespace it lives in (`#{{ namespace: \"...\" }}`)",
        in_namespace(.namespace)
    )]
    NotFound { context: String, what: String, namespace: Option<String> },
    #[error("{0}")]
    Failed(String),
    #[error("{0}")]
    BadRequest(String),
}

fn list(items: &[String]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

fn in_namespace(namespace: &Option<String>) -> String {
    namespace.as_ref().map(|ns| format!(" in namespace `{ns}`")).unwrap_or_default()
}

fn namespace_flag(namespace: &Option<String>) -> String {
    namespace.as_ref().map(|ns| format!(" -n {ns}")).unwrap_or_default()
}

impl KubectlError {
    /// Bad options and refused contexts are the script author's to fix (exit 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, KubectlError::BadRequest(_) | KubectlError::ContextNotAllowed { .. })
    }
}

// ---------------------------------------------------------------------------------------
// The pinned context

/// The cluster of one environment, as every invocation addresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub env: String,
    pub context: String,
}

/// The context for `environment`: its configured one, or `override_context`
/// (`AUTO_KUBE_CONTEXT`) — either way refused unless it is in `allowed_contexts`.
pub fn pin_context(environment: &Environment, override_context: Option<&str>) -> Result<Cluster, KubectlError> {
    let config = &environment.config.kubernetes;
    let context = override_context.filter(|c| !c.is_empty()).unwrap_or(&config.context);
    if !config.allowed_contexts.iter().any(|allowed| allowed == context) {
        return Err(KubectlError::ContextNotAllowed {
            env: environment.name.clone(),
            context: context.to_string(),
            allowed: config.allowed_contexts.clone(),
        });
    }
    Ok(Cluster { env: environment.name.clone(), context: context.to_string() })
}

/// Per-run state: the context pinned for each environment at its first use, and the
/// contexts with writes that were only recorded (dry-run, plan).
#[derive(Default)]
pub struct Session {
    pinned: Mutex<HashMap<String, Cluster>>,
    pending: Mutex<HashSet<String>>,
}

impl Session {
    /// The cluster of `env`, pinned at the first call of the run.
    pub fn cluster(
        &self,
        env: &str,
        resolve: impl FnOnce() -> Result<Cluster, KubectlError>,
    ) -> Result<Cluster, KubectlError> {
        let mut pinned = self.pinned.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cluster) = pinned.get(env) {
            return Ok(cluster.clone());
        }
        let cluster = resolve()?;
        pinned.insert(env.to_string(), cluster.clone());
        Ok(cluster)
    }

    fn note_recorded_write(&self, cluster: &Cluster) {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).insert(cluster.context.clone());
    }

    /// A wait observes what earlier writes did. When those writes were only recorded, the
    /// wait has nothing real to observe: it is recorded too (a write) instead of run.
    fn observation_effect(&self, cluster: &Cluster) -> Effect {
        if self.pending.lock().unwrap_or_else(|e| e.into_inner()).contains(&cluster.context) {
            Effect::Write
        } else {
            Effect::Read
        }
    }
}

// ---------------------------------------------------------------------------------------
// Options (typed maps from scripts)

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

// ---------------------------------------------------------------------------------------
// Invocation builders (pure)

/// What to apply or diff.
#[derive(Debug, Clone)]
pub enum Manifests {
    File(PathBuf),
    Dir(PathBuf),
    /// Sent on stdin (`-f -`).
    Stdin(Value),
    /// Rendered from values only an apply would produce (dry-run, plan): nothing can be
    /// diffed; the apply is recorded with a placeholder. Such values exist only when the
    /// runner records writes, so this never reaches a real kubectl.
    Unknown(String),
}

impl Manifests {
    /// From the `file`/`dir`/`manifest` options: exactly one must be given. `resolve`
    /// confines paths to the repository.
    pub fn from_options(
        function: &str,
        file: Option<&str>,
        dir: Option<&str>,
        manifest: Option<&Data>,
        resolve: impl Fn(&str) -> Result<PathBuf, String>,
    ) -> Result<Manifests, KubectlError> {
        let bad = |m: String| KubectlError::BadRequest(format!("{function}: {m}"));
        match (file, dir, manifest) {
            (Some(file), None, None) => Ok(Manifests::File(resolve(file).map_err(bad)?)),
            (None, Some(dir), None) => Ok(Manifests::Dir(resolve(dir).map_err(bad)?)),
            (None, None, Some(manifest)) => Ok(Manifests::Stdin(match manifest {
                Data::Str(text) => Value::Plain(text.clone()),
                Data::Secret(secret) => Value::Secret(secret.clone()),
                Data::Unknown(what) => return Ok(Manifests::Unknown(what.clone())),
                Data::Map(_) | Data::List(_) => {
                    let json = manifest.to_json_exposed().to_string();
                    if manifest.contains_secret() {
                        Value::Secret(Secret::new(json))
                    } else {
                        Value::Plain(json)
                    }
                }
                other => return Err(bad(format!("`manifest` must be text, a secret or a map, not {}", other.kind()))),
            })),
            _ => Err(bad("give exactly one of `file`, `dir` or `manifest`".into())),
        }
    }

    fn add_to(&self, invocation: Invocation) -> Invocation {
        match self {
            Manifests::File(path) => invocation.args(["-f".to_string(), path.display().to_string()]),
            // Rendered trees keep their subfolders.
            Manifests::Dir(path) => {
                invocation.args(["-f".to_string(), path.display().to_string(), "--recursive".into()])
            }
            Manifests::Stdin(Value::Plain(text)) => {
                invocation.args(["-f", "-"]).stdin(Stdin::Plain(text.clone().into_bytes()))
            }
            Manifests::Stdin(Value::Secret(secret)) => {
                invocation.args(["-f", "-"]).stdin(Stdin::Secret(secret.clone()))
            }
            Manifests::Unknown(what) => {
                invocation.args(["-f", "-"]).stdin(Stdin::Plain(format!("(known after apply: {what})").into_bytes()))
            }
        }
    }

    /// Whether a diff can say anything: not for unknown manifests, nor for files that do
    /// not exist yet (rendered by an earlier step whose writes `--plan` only recorded).
    fn diffable(&self) -> bool {
        match self {
            Manifests::File(path) | Manifests::Dir(path) => path.exists(),
            Manifests::Stdin(_) => true,
            Manifests::Unknown(_) => false,
        }
    }

    fn describe(&self) -> String {
        match self {
            Manifests::File(path) | Manifests::Dir(path) => path.display().to_string(),
            Manifests::Stdin(_) => "the manifest".to_string(),
            Manifests::Unknown(what) => format!("the manifest ({what})"),
        }
    }

    fn is_secret(&self) -> bool {
        matches!(self, Manifests::Stdin(Value::Secret(_)))
    }
}

/// `kubectl --context <pinned>`: the start of every invocation.
fn base(cluster: &Cluster, effect: Effect) -> Invocation {
    Invocation::new(PROGRAM, effect).args(["--context", &cluster.context])
}

fn with_namespace(invocation: Invocation, namespace: Option<&str>) -> Invocation {
    match namespace {
        Some(ns) => invocation.args(["--namespace", ns]),
        None => invocation,
    }
}

pub fn parse_duration(function: &str, text: &str) -> Result<Duration, KubectlError> {
    super::exec::parse_duration(text).map_err(|e| KubectlError::BadRequest(format!("{function}: {e}")))
}

/// kubectl's own `--timeout`, plus a grace period after which the runner kills it.
fn timeouts(function: &str, timeout: Option<&str>, default: &str) -> Result<(String, Duration), KubectlError> {
    let text = timeout.unwrap_or(default);
    Ok((text.to_string(), parse_duration(function, text)? + GRACE))
}

pub fn diff_invocation(cluster: &Cluster, manifests: &Manifests, namespace: Option<&str>) -> Invocation {
    let invocation =
        base(cluster, Effect::Read).args(["diff", "--server-side", &format!("--field-manager={FIELD_MANAGER}")]);
    manifests.add_to(with_namespace(invocation, namespace))
}

pub struct ApplyRequest {
    pub manifests: Manifests,
    pub namespace: Option<String>,
    /// `Some(applyset)` to prune.
    pub prune: Option<String>,
    pub force_conflicts: bool,
    pub timeout: Option<Duration>,
}

impl ApplyRequest {
    pub fn from_options(options: &ApplyOptions, manifests: Manifests) -> Result<ApplyRequest, KubectlError> {
        let prune = match (options.prune, &options.applyset, &options.namespace) {
            (false, None, _) => None,
            (true, Some(applyset), Some(_)) => Some(applyset.clone()),
            (false, Some(_), _) => {
                return Err(KubectlError::BadRequest(
                    "kubectl::apply: `applyset` only matters with `prune: true`".into(),
                ))
            }
            (true, None, _) | (true, Some(_), None) => {
                return Err(KubectlError::BadRequest(
                    "kubectl::apply: `prune: true` needs `applyset` (the name of the set whose old members are \
                     deleted) and `namespace`: server-side apply only prunes through an ApplySet"
                        .into(),
                ))
            }
        };
        Ok(ApplyRequest {
            manifests,
            namespace: options.namespace.clone(),
            prune,
            force_conflicts: options.force_conflicts,
            timeout: options.timeout.as_deref().map(|t| parse_duration("kubectl::apply", t)).transpose()?,
        })
    }
}

pub fn apply_invocation(cluster: &Cluster, request: &ApplyRequest) -> Invocation {
    let mut invocation =
        base(cluster, Effect::Write).args(["apply", "--server-side", &format!("--field-manager={FIELD_MANAGER}")]);
    if request.force_conflicts {
        invocation = invocation.arg("--force-conflicts");
    }
    invocation = with_namespace(invocation, request.namespace.as_deref());
    if let Some(applyset) = &request.prune {
        // ApplySets are alpha behind this variable; it is the only pruning that works with
        // server-side apply.
        invocation = invocation.env("KUBECTL_APPLYSET", "true").args(["--prune", &format!("--applyset={applyset}")]);
    }
    request.manifests.add_to(invocation).timeout(request.timeout)
}

pub fn get_invocation(cluster: &Cluster, target: &str, namespace: Option<&str>) -> Invocation {
    with_namespace(base(cluster, Effect::Read).args(["get", target]), namespace).args(["--output", "json"])
}

pub fn wait_invocation(
    cluster: &Cluster,
    effect: Effect,
    target: &str,
    options: &WaitOptions,
) -> Result<Invocation, KubectlError> {
    let condition = options.condition.as_deref().ok_or_else(|| {
        KubectlError::BadRequest(
            "kubectl::wait needs `condition`, e.g. #{ condition: \"complete\" } or #{ condition: \"delete\" }".into(),
        )
    })?;
    let condition = if condition.contains('=') || matches!(condition, "delete" | "create") {
        condition.to_string()
    } else {
        format!("condition={condition}")
    };
    let (timeout, kill_after) = timeouts("kubectl::wait", options.timeout.as_deref(), DEFAULT_WAIT)?;
    let invocation =
        base(cluster, effect).args(["wait", target, &format!("--for={condition}"), &format!("--timeout={timeout}")]);
    Ok(with_namespace(invocation, options.namespace.as_deref()).timeout(Some(kill_after)))
}

pub fn rollout_status_invocation(
    cluster: &Cluster,
    effect: Effect,
    target: &str,
    options: &RolloutOptions,
) -> Result<Invocation, KubectlError> {
    let (timeout, kill_after) = timeouts("kubectl::rollout_status", options.timeout.as_deref(), DEFAULT_WAIT)?;
    let invocation = base(cluster, effect).args(["rollout", "status", target, &format!("--timeout={timeout}")]);
    Ok(with_namespace(invocation, options.namespace.as_deref()).timeout(Some(kill_after)))
}

pub fn rollout_restart_invocation(cluster: &Cluster, target: &str, namespace: Option<&str>) -> Invocation {
    with_namespace(base(cluster, Effect::Write).args(["rollout", "restart", target]), namespace)
}

pub fn delete_invocation(cluster: &Cluster, target: &str, options: &DeleteOptions) -> Result<Invocation, KubectlError> {
    let mut invocation =
        with_namespace(base(cluster, Effect::Write).args(["delete", target]), options.namespace.as_deref());
    if options.ignore_not_found {
        invocation = invocation.arg("--ignore-not-found");
    }
    if let Some(timeout) = &options.timeout {
        let (timeout, kill_after) = timeouts("kubectl::delete", Some(timeout), DEFAULT_WAIT)?;
        invocation = invocation.arg(format!("--timeout={timeout}")).timeout(Some(kill_after));
    }
    Ok(invocation)
}

pub fn logs_invocation(cluster: &Cluster, target: &str, options: &LogsOptions) -> Result<Invocation, KubectlError> {
    let mut invocation =
        with_namespace(base(cluster, Effect::Read).args(["logs", target]), options.namespace.as_deref());
    if let Some(container) = &options.container {
        invocation = invocation.args(["--container", container]);
    }
    if let Some(tail) = options.tail {
        invocation = invocation.arg(format!("--tail={tail}"));
    }
    if let Some(since) = &options.since {
        parse_duration("kubectl::logs", since)?;
        invocation = invocation.arg(format!("--since={since}"));
    }
    if options.previous {
        invocation = invocation.arg("--previous");
    }
    Ok(invocation)
}

pub fn exec_invocation(
    cluster: &Cluster,
    target: &str,
    command: &[Data],
    options: &ExecOptions,
) -> Result<Invocation, KubectlError> {
    if command.is_empty() {
        return Err(KubectlError::BadRequest("kubectl::exec needs a command, e.g. [\"sh\", \"-c\", \"…\"]".into()));
    }
    let mut argv = Vec::new();
    for (i, item) in command.iter().enumerate() {
        match item {
            Data::Str(s) => argv.push(s.clone()),
            Data::Int(_) | Data::Float(_) | Data::Bool(_) => argv.push(item.to_string()),
            Data::Secret(_) => {
                return Err(KubectlError::BadRequest(format!(
                    "kubectl::exec: command item {} is a secret: secrets must not be on a command line; pass it with `stdin`",
                    i + 1
                )))
            }
            other => {
                return Err(KubectlError::BadRequest(format!(
                    "kubectl::exec: command item {} must be a string, not {}",
                    i + 1,
                    other.kind()
                )))
            }
        }
    }
    let effect = match options.effect {
        Some(crate::primitives::exec::EffectName::Read) => Effect::Read,
        _ => Effect::Write,
    };
    let mut invocation = with_namespace(base(cluster, effect).args(["exec", target]), options.namespace.as_deref());
    if let Some(container) = &options.container {
        invocation = invocation.args(["--container", container]);
    }
    if let Some(stdin) = &options.stdin {
        invocation = invocation.arg("--stdin").stdin(match stdin {
            Data::Secret(secret) => Stdin::Secret(secret.clone()),
            Data::Str(text) => Stdin::Plain(text.clone().into_bytes()),
            other => Stdin::Plain(other.to_json_exposed().to_string().into_bytes()),
        });
    }
    let timeout = options.timeout.as_deref().map(|t| parse_duration("kubectl::exec", t)).transpose()?;
    Ok(invocation.arg("--").args(argv).timeout(timeout))
}

/// The Secret object for `create_secret`, as JSON with base64 data: built in memory and
/// sent on stdin, so the values never appear on a command line.
pub fn secret_manifest(
    name: &str,
    data: &BTreeMap<String, Data>,
    options: &SecretOptions,
) -> Result<Secret, KubectlError> {
    let bad = |m: String| KubectlError::BadRequest(format!("kubectl::create_secret: {m}"));
    if !is_dns_subdomain(name) {
        return Err(bad(format!(
            "`{name}` is not a valid Secret name: lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit"
        )));
    }
    let mut encoded = serde_json::Map::new();
    for (key, value) in data {
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(bad(format!("key `{key}` may only contain letters, digits, `-`, `_` and `.`")));
        }
        let plain = match value {
            Data::Secret(secret) => secret.expose().to_string(),
            Data::Str(text) => text.clone(),
            Data::Int(_) | Data::Float(_) | Data::Bool(_) | Data::Unknown(_) => value.to_string(),
            other => return Err(bad(format!("value of `{key}` must be a string or a secret, not {}", other.kind()))),
        };
        encoded.insert(key.clone(), base64::engine::general_purpose::STANDARD.encode(plain).into());
    }
    let mut metadata = serde_json::Map::new();
    metadata.insert("name".into(), name.into());
    if let Some(namespace) = &options.namespace {
        metadata.insert("namespace".into(), namespace.clone().into());
    }
    let manifest = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": options.secret_type.as_deref().unwrap_or("Opaque"),
        "data": encoded,
    });
    Ok(Secret::new(manifest.to_string()))
}

fn is_dns_subdomain(name: &str) -> bool {
    let bytes = name.as_bytes();
    !name.is_empty()
        && name.len() <= 253
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'.')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

// ---------------------------------------------------------------------------------------
// Running and interpreting

/// What an operation produced: real output, or "known after apply" (recorded).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    Done(T),
    Recorded,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DiffResult {
    pub changed: bool,
    pub diff: String,
}

impl DiffResult {
    /// The objects that differ, as kubectl names its diff files
    /// (`apps.v1.Deployment.acme.hive-metastore`), from the `+++ /tmp/MERGED-…/<object>` lines.
    pub fn objects(&self) -> Vec<String> {
        self.diff
            .lines()
            .filter_map(|line| line.strip_prefix("+++ "))
            .filter_map(|rest| rest.split_whitespace().next())
            .filter_map(|path| path.rsplit('/').next())
            .map(str::to_string)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApplyResult {
    /// `None` when nothing ran (dry-run): known after apply.
    pub diff: Option<DiffResult>,
    /// kubectl apply's output; `None` when the apply was skipped (no differences) or only
    /// recorded.
    pub output: Option<String>,
    pub applied: Outcome<()>,
}

impl ApplyResult {
    /// Whether the apply changed (or, when recorded, would change) something; `None` when
    /// unknown (dry-run). Without a diff (pruning) a real apply counts as a change:
    /// server-side apply reports `serverside-applied` whether or not anything changed.
    pub fn changed(&self) -> Option<bool> {
        match (&self.diff, &self.applied) {
            (Some(diff), _) => Some(diff.changed),
            (None, Outcome::Done(())) => Some(true),
            (None, Outcome::Recorded) => None,
        }
    }
}

/// Runs kubectl invocations for one cluster and maps failures to [`KubectlError`].
pub struct Kubectl<'a> {
    pub runner: &'a dyn Runner,
    pub session: &'a Session,
    pub cluster: Cluster,
    pub observer: &'a dyn LineObserver,
}

impl Kubectl<'_> {
    fn run(&self, invocation: &Invocation) -> Result<Completion, KubectlError> {
        let completion = self.runner.run(invocation, self.observer).map_err(|e| match e {
            RunError::NotFound { .. } => KubectlError::NotInstalled,
            other => KubectlError::Failed(other.to_string()),
        })?;
        if matches!(completion, Completion::Recorded) && invocation.effect == Effect::Write {
            self.session.note_recorded_write(&self.cluster);
        }
        Ok(completion)
    }

    /// Runs and requires exit 0; `Ok(None)` when recorded.
    fn run_checked(&self, invocation: &Invocation, namespace: Option<&str>) -> Result<Option<Output>, KubectlError> {
        match self.run(invocation)? {
            Completion::Recorded => Ok(None),
            Completion::Ran(output) if output.success() => Ok(Some(output)),
            Completion::Ran(output) => Err(classify(&self.cluster, invocation, &output, namespace)),
        }
    }

    /// `kubectl diff --server-side`: exit 0 = no differences, 1 = differences, more = error.
    pub fn diff(&self, manifests: &Manifests, namespace: Option<&str>) -> Result<Outcome<DiffResult>, KubectlError> {
        // Placeholders would only make kubectl fail to parse: known after apply.
        if matches!(manifests, Manifests::Unknown(_)) {
            return Ok(Outcome::Recorded);
        }
        let invocation = diff_invocation(&self.cluster, manifests, namespace);
        match self.run(&invocation)? {
            Completion::Recorded => Ok(Outcome::Recorded),
            Completion::Ran(output) => match output.code {
                Some(0) => Ok(Outcome::Done(DiffResult { changed: false, diff: String::new() })),
                Some(1) => Ok(Outcome::Done(DiffResult { changed: true, diff: redact(&output.stdout_text()) })),
                _ => Err(classify(&self.cluster, &invocation, &output, namespace)),
            },
        }
    }

    pub fn apply(&self, request: &ApplyRequest) -> Result<ApplyResult, KubectlError> {
        let namespace = request.namespace.as_deref();
        // Pruning deletes what the diff does not show: always apply. Without something to
        // diff, apply too: for real the apply reports the problem, in a plan it is recorded.
        let diff = if request.prune.is_some() || !request.manifests.diffable() {
            None
        } else {
            match self.diff(&request.manifests, namespace) {
                Ok(Outcome::Done(diff)) => Some(diff),
                Ok(Outcome::Recorded) => None,
                // The namespace (or a CRD) the manifests need may be created by this very
                // apply, or by an earlier one the plan only recorded: the diff cannot tell.
                Err(KubectlError::NotFound { .. }) => Some(DiffResult {
                    changed: true,
                    diff: format!("(no diff: {} needs objects that do not exist yet)", request.manifests.describe()),
                }),
                Err(other) => return Err(other),
            }
        };
        if diff.as_ref().is_some_and(|d| !d.changed) {
            return Ok(ApplyResult { diff, output: None, applied: Outcome::Done(()) });
        }
        let invocation = apply_invocation(&self.cluster, request);
        let output = self.run_checked(&invocation, namespace)?;
        let applied = if output.is_some() { Outcome::Done(()) } else { Outcome::Recorded };
        let output = output.map(|o| redact(&o.stdout_text()));
        let diff = diff.map(|d| {
            if request.manifests.is_secret() {
                DiffResult { diff: "(secret: diff not shown)".into(), ..d }
            } else {
                d
            }
        });
        Ok(ApplyResult { diff, output, applied })
    }

    /// `kubectl get -o json`; `Ok(Done(None))` when absent and `optional`.
    pub fn get(&self, target: &str, options: &GetOptions) -> Result<Outcome<Option<Data>>, KubectlError> {
        let invocation = get_invocation(&self.cluster, target, options.namespace.as_deref());
        match self.run(&invocation)? {
            Completion::Recorded => Ok(Outcome::Recorded),
            Completion::Ran(output) if output.success() => {
                let json: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| {
                    KubectlError::Failed(format!("`{invocation}` printed something that is not JSON: {e}"))
                })?;
                Ok(Outcome::Done(Some(Data::from_json(json))))
            }
            Completion::Ran(output) => {
                match classify(&self.cluster, &invocation, &output, options.namespace.as_deref()) {
                    KubectlError::NotFound { .. } if options.optional => Ok(Outcome::Done(None)),
                    other => Err(other),
                }
            }
        }
    }

    pub fn wait(&self, target: &str, options: &WaitOptions) -> Result<Outcome<String>, KubectlError> {
        let effect = self.session.observation_effect(&self.cluster);
        let invocation = wait_invocation(&self.cluster, effect, target, options)?;
        self.text(&invocation, options.namespace.as_deref())
    }

    pub fn rollout_status(&self, target: &str, options: &RolloutOptions) -> Result<Outcome<String>, KubectlError> {
        let effect = self.session.observation_effect(&self.cluster);
        let invocation = rollout_status_invocation(&self.cluster, effect, target, options)?;
        self.text(&invocation, options.namespace.as_deref())
    }

    pub fn rollout_restart(&self, target: &str, options: &NamespaceOptions) -> Result<Outcome<String>, KubectlError> {
        let invocation = rollout_restart_invocation(&self.cluster, target, options.namespace.as_deref());
        self.text(&invocation, options.namespace.as_deref())
    }

    pub fn delete(&self, target: &str, options: &DeleteOptions) -> Result<Outcome<String>, KubectlError> {
        let invocation = delete_invocation(&self.cluster, target, options)?;
        self.text(&invocation, options.namespace.as_deref())
    }

    pub fn logs(&self, target: &str, options: &LogsOptions) -> Result<Outcome<String>, KubectlError> {
        let invocation = logs_invocation(&self.cluster, target, options)?;
        self.text(&invocation, options.namespace.as_deref())
    }

    /// The command's exit code is returned, not judged; kubectl's own failures (cannot
    /// reach the cluster, pod not found, forbidden) are errors.
    pub fn exec(&self, target: &str, command: &[Data], options: &ExecOptions) -> Result<Outcome<Output>, KubectlError> {
        let invocation = exec_invocation(&self.cluster, target, command, options)?;
        match self.run(&invocation)? {
            Completion::Recorded => Ok(Outcome::Recorded),
            Completion::Ran(output) => {
                if !output.success() && kubectl_itself_failed(&output) {
                    return Err(classify(&self.cluster, &invocation, &output, options.namespace.as_deref()));
                }
                Ok(Outcome::Done(output))
            }
        }
    }

    fn text(&self, invocation: &Invocation, namespace: Option<&str>) -> Result<Outcome<String>, KubectlError> {
        Ok(match self.run_checked(invocation, namespace)? {
            Some(output) => Outcome::Done(output.stdout_text()),
            None => Outcome::Recorded,
        })
    }
}

/// kubectl's own error lines, as opposed to the output of a command run by `exec`.
fn kubectl_itself_failed(output: &Output) -> bool {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr.lines().any(|line| {
        line.starts_with("Error from server")
            || line.starts_with("error: ")
            || line.starts_with("Unable to connect to the server")
            || line.starts_with("Error in configuration")
    })
}

/// Turns a failed kubectl's stderr into an error that says what to do.
pub fn classify(cluster: &Cluster, invocation: &Invocation, output: &Output, namespace: Option<&str>) -> KubectlError {
    let stderr = redact(&String::from_utf8_lossy(&output.stderr));
    // klog lines (`E1125 13:56:42.641294 ... memcache.go:381] ...`) repeat the real error.
    let meaningful: Vec<&str> = stderr.lines().filter(|l| !is_klog(l) && !l.trim().is_empty()).collect();
    let detail = meaningful.last().map(|l| l.trim().to_string()).unwrap_or_default();
    let has = |needle: &str| stderr.contains(needle);
    let env = cluster.env.clone();
    let context = cluster.context.clone();

    if has("failed to run \"diff\"") {
        return KubectlError::Failed(
            "`kubectl diff` needs the `diff` program on PATH: install GNU diffutils (`apt-get install diffutils`)"
                .into(),
        );
    }
    let missing_context =
        meaningful.iter().any(|l| l.starts_with("error: context \"") && l.ends_with("does not exist"));
    if missing_context || has("context was not found for specified context") || has("no context exists with the name") {
        return KubectlError::UnknownContext { env, context };
    }
    if has("Unable to connect to the server")
        || has("The connection to the server")
        || has("connection refused")
        || has("no such host")
        || has("i/o timeout")
        || has("TLS handshake timeout")
    {
        return KubectlError::Unreachable { env, context, detail };
    }
    if has("(Unauthorized)") || has("You must be logged in to the server") {
        return KubectlError::Unauthorized { env, context, detail };
    }
    if let Some(line) = meaningful.iter().find(|l| l.contains("(Forbidden)")) {
        let (verb, resource, ns) = forbidden_parts(line);
        return KubectlError::Forbidden {
            context,
            verb: verb.unwrap_or_else(|| "access".into()),
            resource: resource.unwrap_or_else(|| "this resource".into()),
            namespace: ns.or(namespace.map(str::to_string)),
            detail: line.trim().to_string(),
        };
    }
    if let Some(line) = meaningful.iter().find(|l| l.contains("(NotFound)")) {
        let what = line
            .split_once("(NotFound):")
            .map(|(_, rest)| rest.trim().trim_end_matches("not found").trim().to_string())
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| "the object".into());
        return KubectlError::NotFound { context, what: format!("`{what}`"), namespace: namespace.map(str::to_string) };
    }
    KubectlError::Failed(describe_failure(invocation, output))
}

fn is_klog(line: &str) -> bool {
    let mut chars = line.chars();
    matches!(chars.next(), Some('E' | 'W' | 'I' | 'F'))
        && line.len() > 5
        && line[1..5].chars().all(|c| c.is_ascii_digit())
        && line[5..].starts_with(' ')
}

/// `… User "bob" cannot list resource "pods" in API group "" in the namespace "dev"`.
fn forbidden_parts(line: &str) -> (Option<String>, Option<String>, Option<String>) {
    let after = |marker: &str| line.split_once(marker).map(|(_, rest)| rest);
    let verb = after(" cannot ").and_then(|rest| rest.split_whitespace().next()).map(str::to_string);
    let quoted = |marker: &str| after(marker).and_then(|rest| rest.split('"').nth(1)).map(str::to_string);
    let resource = quoted(" resource ");
    let group = quoted(" in API group ").filter(|g| !g.is_empty());
    let resource = match (resource, group) {
        (Some(resource), Some(group)) => Some(format!("{resource}.{group}")),
        (resource, _) => resource,
    };
    (verb, resource, quoted(" in the namespace "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::{BackendConfig, EnvironmentConfig};
    use expect_test::expect;

    fn cluster() -> Cluster {
        Cluster { env: "dev".into(), context: "dev-aks".into() }
    }

    fn environment(context: &str, allowed: &[&str]) -> Environment {
        let toml = format!(
            "[azure]\nsubscription_id = \"s\"\ntenant_id = \"t\"\nlocation = \"westeurope\"\n[naming]\nprefix = \"anl\"\n\
             [backend]\nkind = \"local\"\n[kubernetes]\ncontext = \"{context}\"\nallowed_contexts = {allowed:?}\n\
             [registry]\nserver = \"r\"\n"
        );
        let config: EnvironmentConfig = toml::from_str(&toml).expect("env.toml");
        assert_eq!(config.backend, BackendConfig::Local);
        Environment { name: "dev".into(), dir: PathBuf::from("environments/dev"), config }
    }

    fn failed(stderr: &str) -> Output {
        Output { code: Some(1), stdout: Vec::new(), stderr: stderr.as_bytes().to_vec(), elapsed: Duration::ZERO }
    }

    fn message(stderr: &str, namespace: Option<&str>) -> String {
        let invocation = get_invocation(&cluster(), "deployment/hive-metastore", namespace);
        classify(&cluster(), &invocation, &failed(stderr), namespace).to_string()
    }

    #[test]
    fn the_context_is_pinned_and_guarded() {
        let env = environment("dev-aks", &["dev-aks", "dev-aks-admin"]);
        assert_eq!(pin_context(&env, None).unwrap().context, "dev-aks");
        assert_eq!(pin_context(&env, Some("dev-aks-admin")).unwrap().context, "dev-aks-admin");
        assert_eq!(pin_context(&env, Some("")).unwrap().context, "dev-aks");
        expect!["AUTO_KUBE_CONTEXT=`prod-aks` is not allowed for environment `dev`: allowed contexts are `dev-aks`, `dev-aks-admin`; unset AUTO_KUBE_CONTEXT or add the context to `kubernetes.allowed_contexts` in environments/dev/env.toml"]
            .assert_eq(&pin_context(&env, Some("prod-aks")).unwrap_err().to_string());

        let session = Session::default();
        let first = session.cluster("dev", || Ok(cluster())).unwrap();
        let second = session.cluster("dev", || panic!("resolved twice")).unwrap();
        assert_eq!(first, second);
    }

    #[test]
    fn invocations_pin_the_context_and_keep_secrets_off_argv() {
        let c = cluster();
        let apply = ApplyRequest::from_options(
            &ApplyOptions { namespace: Some("acme".into()), ..Default::default() },
            Manifests::Dir(PathBuf::from("/repo/.auto/rendered/acme")),
        )
        .unwrap();
        let secret = secret_manifest(
            "db",
            &BTreeMap::from([("password".to_string(), Data::Secret(Secret::new("hunter2-db-pw")))]),
            &SecretOptions { namespace: Some("acme".into()), secret_type: None },
        )
        .unwrap();
        let secret_apply =
            ApplyRequest::from_options(&ApplyOptions::default(), Manifests::Stdin(Value::Secret(secret))).unwrap();
        let prune = ApplyRequest::from_options(
            &ApplyOptions {
                prune: true,
                applyset: Some("hive".into()),
                namespace: Some("acme".into()),
                ..Default::default()
            },
            Manifests::File(PathBuf::from("/repo/m.yaml")),
        )
        .unwrap();
        let lines = [
            apply_invocation(&c, &apply),
            apply_invocation(&c, &secret_apply),
            apply_invocation(&c, &prune),
            diff_invocation(&c, &Manifests::Stdin(Value::Plain("kind: X".into())), Some("acme")),
            get_invocation(&c, "deployment/hive-metastore", Some("acme")),
            wait_invocation(
                &c,
                Effect::Read,
                "job/migrate",
                &WaitOptions {
                    condition: Some("condition=complete".into()),
                    timeout: Some("2m".into()),
                    namespace: None,
                },
            )
            .unwrap(),
            rollout_status_invocation(&c, Effect::Read, "deployment/hive", &RolloutOptions::default()).unwrap(),
            rollout_restart_invocation(&c, "deployment/hive", Some("acme")),
            delete_invocation(&c, "job/migrate", &DeleteOptions { ignore_not_found: true, ..Default::default() })
                .unwrap(),
            logs_invocation(
                &c,
                "pod/x",
                &LogsOptions { container: Some("main".into()), tail: Some(50), ..Default::default() },
            )
            .unwrap(),
            exec_invocation(
                &c,
                "pod/x",
                &[Data::Str("psql".into()), Data::Str("-c".into()), Data::Str("select 1".into())],
                &ExecOptions { stdin: Some(Data::Secret(Secret::new("stdin-secret-1"))), ..Default::default() },
            )
            .unwrap(),
        ]
        .iter()
        .map(|i| format!("[{:?}] {i}", i.effect))
        .collect::<Vec<_>>()
        .join("\n");
        expect![[r#"
            [Write] kubectl --context dev-aks apply --server-side '--field-manager=auto' --namespace acme -f /repo/.auto/rendered/acme --recursive
            [Write] kubectl --context dev-aks apply --server-side '--field-manager=auto' -f - < (stdin: ***)
            [Write] KUBECTL_APPLYSET=true kubectl --context dev-aks apply --server-side '--field-manager=auto' --namespace acme --prune '--applyset=hive' -f /repo/m.yaml
            [Read] kubectl --context dev-aks diff --server-side '--field-manager=auto' --namespace acme -f - < (stdin: 7 bytes)
            [Read] kubectl --context dev-aks get deployment/hive-metastore --namespace acme --output json
            [Read] kubectl --context dev-aks wait job/migrate '--for=condition=complete' '--timeout=2m'
            [Read] kubectl --context dev-aks rollout status deployment/hive '--timeout=5m'
            [Write] kubectl --context dev-aks rollout restart deployment/hive --namespace acme
            [Write] kubectl --context dev-aks delete job/migrate --ignore-not-found
            [Read] kubectl --context dev-aks logs pod/x --container main '--tail=50'
            [Write] kubectl --context dev-aks exec pod/x --stdin -- psql -c 'select 1' < (stdin: ***)"#]]
        .assert_eq(&lines);
    }

    #[test]
    fn option_problems_are_explained() {
        let file = || Manifests::File(PathBuf::from("m.yaml"));
        let errors = [
            ApplyRequest::from_options(&ApplyOptions { prune: true, ..Default::default() }, file()).err(),
            ApplyRequest::from_options(&ApplyOptions { applyset: Some("x".into()), ..Default::default() }, file())
                .err(),
            Manifests::from_options("kubectl::apply", Some("a"), Some("b"), None, |p| Ok(PathBuf::from(p))).err(),
            Manifests::from_options("kubectl::diff", None, None, Some(&Data::Int(1)), |p| Ok(PathBuf::from(p))).err(),
            wait_invocation(&cluster(), Effect::Read, "job/x", &WaitOptions::default()).err(),
            wait_invocation(
                &cluster(),
                Effect::Read,
                "job/x",
                &WaitOptions { condition: Some("delete".into()), timeout: Some("soon".into()), namespace: None },
            )
            .err(),
            exec_invocation(
                &cluster(),
                "pod/x",
                &[Data::Str("sh".into()), Data::Secret(Secret::new("argv-secret"))],
                &ExecOptions::default(),
            )
            .err(),
            exec_invocation(&cluster(), "pod/x", &[], &ExecOptions::default()).err(),
            secret_manifest("Bad_Name", &BTreeMap::new(), &SecretOptions::default()).err(),
            secret_manifest(
                "ok",
                &BTreeMap::from([("a b".to_string(), Data::Str("v".into()))]),
                &SecretOptions::default(),
            )
            .err(),
            secret_manifest("ok", &BTreeMap::from([("a".to_string(), Data::List(vec![]))]), &SecretOptions::default())
                .err(),
        ];
        let text = errors
            .iter()
            .map(|e| e.as_ref().map(ToString::to_string).unwrap_or("(no error)".into()))
            .collect::<Vec<_>>()
            .join("\n");
        expect![[r#"
            kubectl::apply: `prune: true` needs `applyset` (the name of the set whose old members are deleted) and `namespace`: server-side apply only prunes through an ApplySet
            kubectl::apply: `applyset` only matters with `prune: true`
            kubectl::apply: give exactly one of `file`, `dir` or `manifest`
            kubectl::diff: `manifest` must be text, a secret or a map, not int
            kubectl::wait needs `condition`, e.g. #{ condition: "complete" } or #{ condition: "delete" }
            kubectl::wait: invalid duration `soon`: expected number at 0 (use e.g. "30s", "5m")
            kubectl::exec: command item 2 is a secret: secrets must not be on a command line; pass it with `stdin`
            kubectl::exec needs a command, e.g. ["sh", "-c", "…"]
            kubectl::create_secret: `Bad_Name` is not a valid Secret name: lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit
            kubectl::create_secret: key `a b` may only contain letters, digits, `-`, `_` and `.`
            kubectl::create_secret: value of `a` must be a string or a secret, not array"#]]
        .assert_eq(&text);
    }

    #[test]
    fn secret_manifest_is_base64_json() {
        let secret = secret_manifest(
            "hive-db",
            &BTreeMap::from([
                ("password".to_string(), Data::Secret(Secret::new("p@ss word"))),
                ("user".to_string(), Data::Str("hive".into())),
            ]),
            &SecretOptions { namespace: Some("acme".into()), secret_type: None },
        )
        .unwrap();
        assert_eq!(secret.to_string(), "***");
        expect![[r#"{"apiVersion":"v1","data":{"password":"cEBzcyB3b3Jk","user":"aGl2ZQ=="},"kind":"Secret","metadata":{"name":"hive-db","namespace":"acme"},"type":"Opaque"}"#]]
            .assert_eq(secret.expose());
    }

    #[test]
    fn kubectl_missing_says_how_to_install_it() {
        expect!["`kubectl` was not found on PATH: install kubectl 1.29+ or run `auto doctor`"]
            .assert_eq(&KubectlError::NotInstalled.to_string());
    }

    #[test]
    fn unreachable_cluster_names_the_context_and_suggests_credentials() {
        let stderr = "E1125 13:56:49.195316    5203 memcache.go:381] \"Couldn't get current server API group list\" err=\"...\"\n\
                      Unable to connect to the server: dial tcp: lookup dev-aks-dns.hcp.westeurope.azmk8s.io: no such host\n";
        expect![[r#"
            cannot reach the Kubernetes API server of context `dev-aks` (environment `dev`): Unable to connect to the server: dial tcp: lookup dev-aks-dns.hcp.westeurope.azmk8s.io: no such host
            hint: check your network or VPN; if the cluster's address or credentials changed, run `az aks get-credentials --resource-group <group> --name <cluster> --context dev-aks`"#]]
        .assert_eq(&message(stderr, None));
        let refused = "error: unable to recognize \"m.yaml\": Get \"https://127.0.0.1:1/api?timeout=32s\": dial tcp 127.0.0.1:1: connect: connection refused\n";
        assert!(message(refused, None).starts_with("cannot reach the Kubernetes API server of context `dev-aks`"));
    }

    #[test]
    fn unknown_context_says_how_to_fetch_it() {
        expect!["context `dev-aks` (environment `dev`) is not in your kubeconfig: fetch it with `az aks get-credentials --resource-group <group> --name <cluster> --context dev-aks`"]
            .assert_eq(&message("Error in configuration: context was not found for specified context: dev-aks\n", None));
    }

    #[test]
    fn a_missing_context_in_the_kubeconfig_is_named() {
        let expected = expect!["context `dev-aks` (environment `dev`) is not in your kubeconfig: fetch it with `az aks get-credentials --resource-group <group> --name <cluster> --context dev-aks`"];
        expected.assert_eq(&message("error: context \"dev-aks\" does not exist\n", None));
    }

    #[test]
    fn diff_names_the_objects_that_differ() {
        let diff = DiffResult {
            changed: true,
            diff: "diff -u -N /tmp/LIVE-1/v1.ConfigMap.acme.x /tmp/MERGED-2/v1.ConfigMap.acme.x\n\
                   --- /tmp/LIVE-1/v1.ConfigMap.acme.x\t2026-01-01 00:00:00\n\
                   +++ /tmp/MERGED-2/v1.ConfigMap.acme.x\t2026-01-01 00:00:00\n\
                   @@ -1 +1 @@\n-a\n+b\n"
                .into(),
        };
        assert_eq!(diff.objects(), ["v1.ConfigMap.acme.x"]);
    }

    #[test]
    fn unauthorized_says_to_log_in_again() {
        expect![[r#"
            the credentials of context `dev-aks` (environment `dev`) were rejected: error: You must be logged in to the server (Unauthorized)
            hint: log in again (`az login`, then `az aks get-credentials --resource-group <group> --name <cluster> --context dev-aks`)"#]]
        .assert_eq(&message("error: You must be logged in to the server (Unauthorized)\n", None));
    }

    #[test]
    fn forbidden_names_verb_and_resource_and_suggests_rbac() {
        let stderr = "Error from server (Forbidden): deployments.apps \"hive-metastore\" is forbidden: User \"bob@example.com\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"acme\"\n";
        expect![[r#"
            kubectl may not get deployments.apps in namespace `acme` in context `dev-aks`: Error from server (Forbidden): deployments.apps "hive-metastore" is forbidden: User "bob@example.com" cannot get resource "deployments" in API group "apps" in the namespace "acme"
            hint: check the RBAC role bindings of your identity: `kubectl auth can-i get deployments.apps -n acme --context dev-aks`"#]]
        .assert_eq(&message(stderr, Some("acme")));
    }

    #[test]
    fn not_found_names_the_object_and_suggests_the_namespace() {
        expect![[r#"
            `deployments.apps "hive-metastore"` was not found in namespace `acme` in context `dev-aks`
            hint: check the name, and pass the namespace it lives in (`#{ namespace: "..." }`)"#]]
        .assert_eq(&message(
            "Error from server (NotFound): deployments.apps \"hive-metastore\" not found\n",
            Some("acme"),
        ));
    }

    #[test]
    fn other_failures_show_the_command_and_stderr() {
        expect![[r#"
            `kubectl --context dev-aks get deployment/hive-metastore --output json` failed with exit code 1:
            error: the server doesn't have a resource type "deploymentz""#]]
        .assert_eq(&message("error: the server doesn't have a resource type \"deploymentz\"\n", None));
    }
}
