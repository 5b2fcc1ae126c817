//! kubectl command lines as data (pure; snapshot-tested). Every invocation starts
//! `kubectl --context <pinned>`; waits get kubectl's own `--timeout` plus a grace period
//! after which the runner kills it.

use std::time::Duration;

use super::{ApplyOptions, FIELD_MANAGER, PROGRAM};
use super::{Cluster, DeleteOptions, ExecOptions, KubectlError, LogsOptions, Manifests, RolloutOptions, WaitOptions};
use crate::process::{Effect, Invocation, Stdin};
use crate::runtime::data::Data;

/// Extra time kubectl gets beyond its own `--timeout` before the runner kills it.
const GRACE: Duration = Duration::from_secs(60);
const DEFAULT_WAIT: &str = "5m";

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
    crate::primitives::exec::parse_duration(text).map_err(|e| KubectlError::BadRequest(format!("{function}: {e}")))
}

/// kubectl's own `--timeout`, plus a grace period after which the runner kills it.
fn timeouts(function: &str, timeout: Option<&str>, default: &str) -> Result<(String, Duration), KubectlError> {
    // kubectl gets a Go duration, never the script's text ("5 minutes" is no Go duration).
    let duration = parse_duration(function, timeout.unwrap_or(default))?;
    Ok((crate::duration::go(duration), duration + GRACE))
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;
    use crate::primitives::kubectl::{secret_manifest, SecretOptions};
    use crate::process::Value;
    use crate::secret::Secret;
    use expect_test::expect;

    fn cluster() -> Cluster {
        Cluster { env: "dev".into(), context: "dev-aks".into() }
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
            [Read] kubectl --context dev-aks wait job/migrate '--for=condition=complete' '--timeout=120s'
            [Read] kubectl --context dev-aks rollout status deployment/hive '--timeout=300s'
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
            kubectl::wait: invalid duration `soon`: expected number at 0; use a number and a unit, e.g. "500ms", "30s", "5m", "1h", "1h 30m" (units: ms, s, m, h, d)
            kubectl::exec: command item 2 is a secret: secrets must not be on a command line; pass it with `stdin`
            kubectl::exec needs a command, e.g. ["sh", "-c", "…"]
            kubectl::create_secret: `Bad_Name` is not a valid Secret name: lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit
            kubectl::create_secret: key `a b` may only contain letters, digits, `-`, `_` and `.`
            kubectl::create_secret: value of `a` must be a string or a secret, not array"#]]
        .assert_eq(&text);
    }
}
