//! Terraform command lines as data (pure; snapshot-tested).
//!
//! Every root command is `terraform -chdir=<root> <cmd> ...` run from the repository root,
//! so the pasteable form shows the repo-relative root, with `TF_IN_AUTOMATION=1` (terraform
//! then stops suggesting next commands to a human who is not there).

use std::path::Path;

use crate::process::{AttachedFile, Effect, Invocation};
use crate::repo::BackendConfig;

pub const PROGRAM: &str = "terraform";

/// The name of the generated variables file (the runner writes it 0600 in a private dir).
pub const VAR_FILE: &str = "auto.tfvars.json";

/// Where an invocation runs: the repository root, and the root folder relative to it.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub repo_root: &'a Path,
    pub chdir: &'a str,
}

fn base(place: Place<'_>, effect: Effect, workspace: Option<&str>) -> Invocation {
    let mut invocation = Invocation::new(PROGRAM, effect).cwd(place.repo_root).env("TF_IN_AUTOMATION", "1");
    // TF_WORKSPACE rather than `workspace select`: no shared `.terraform/environment`
    // file, so two workspaces of one root can run side by side.
    if let Some(workspace) = workspace {
        invocation = invocation.env("TF_WORKSPACE", workspace);
    }
    invocation.reads(place.repo_root.join(place.chdir)).arg(format!("-chdir={}", place.chdir))
}

/// How `init` configures the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitBackend {
    /// `-backend-config=` pairs (empty for the local backend).
    Configured(Vec<String>),
    /// `-backend=false`: enough for `validate`, touches no state.
    Disabled,
}

/// The `-backend-config=` pairs for a root's backend. Identity only — never an access
/// key: the azurerm backend authenticates with Azure AD (`use_azuread_auth`).
pub fn backend_config(backend: &BackendConfig, state_key: &str) -> Vec<String> {
    match backend {
        BackendConfig::Local => Vec::new(),
        BackendConfig::Azurerm { resource_group, storage_account, container } => vec![
            format!("resource_group_name={resource_group}"),
            format!("storage_account_name={storage_account}"),
            format!("container_name={container}"),
            format!("key={state_key}"),
            "use_azuread_auth=true".to_string(),
        ],
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InitFlags {
    pub upgrade: bool,
    pub reconfigure: bool,
}

/// `init` only changes the local `.terraform/` folder, never state, so it is a read:
/// `--plan` must run it for the plan that follows to work.
/// `plugin_cache`: the shared provider cache (`plugin_cache.rs`), when auto sets one.
pub fn init(place: Place<'_>, backend: &InitBackend, flags: InitFlags, plugin_cache: Option<&Path>) -> Invocation {
    let mut invocation = base(place, Effect::Read, None);
    if let Some(cache) = plugin_cache {
        invocation = invocation.env("TF_PLUGIN_CACHE_DIR", cache.display().to_string());
    }
    // -input=false: a prompt (e.g. "migrate state?") would hang CI forever.
    let mut invocation = invocation.args(["init", "-input=false", "-no-color"]);
    if flags.upgrade {
        invocation = invocation.arg("-upgrade");
    }
    if flags.reconfigure {
        invocation = invocation.arg("-reconfigure");
    }
    match backend {
        InitBackend::Disabled => invocation.arg("-backend=false"),
        InitBackend::Configured(pairs) => invocation.args(pairs.iter().map(|pair| format!("-backend-config={pair}"))),
    }
}

#[derive(Debug, Clone)]
pub struct PlanSpec<'a> {
    pub workspace: Option<&'a str>,
    pub destroy: bool,
    /// `-refresh-only`: the state against the real infrastructure, not the configuration.
    pub refresh_only: bool,
    pub lock_timeout: &'a str,
    /// `-out=`: the exact plan a following apply executes.
    pub out: Option<&'a Path>,
    pub vars: Option<AttachedFile>,
    /// Read normally; a write when the variables are not known yet (dry-run, plan), so the
    /// plan runner records it instead of planning with placeholders.
    pub effect: Effect,
}

/// `plan -json -detailed-exitcode`: exit 0 no changes, 2 changes, 1 error.
pub fn plan(place: Place<'_>, spec: PlanSpec<'_>) -> Invocation {
    let mut invocation = base(place, spec.effect, spec.workspace)
        .args(["plan", "-input=false", "-no-color", "-json"])
        .arg(format!("-lock-timeout={}", spec.lock_timeout))
        .arg("-detailed-exitcode");
    if spec.destroy {
        invocation = invocation.arg("-destroy");
    }
    if spec.refresh_only {
        invocation = invocation.arg("-refresh-only");
    }
    if let Some(out) = spec.out {
        invocation = invocation.arg(format!("-out={}", out.display()));
    }
    if let Some(file) = spec.vars {
        invocation = invocation.file_arg("-var-file=", file);
    }
    invocation
}

/// Applies the saved plan `plan_file`: exactly what was planned, with the variable values
/// it was planned with (they are in the plan; terraform refuses a different value here).
/// Ephemeral variables (`ephemeral = true`, terraform >= 1.10) are the exception: kept out
/// of plan files, they must be given again, so `ephemeral_vars` is a 0600 variables file
/// (`-var-file=`, like the plan's) holding only the ephemeral variables the script passed.
pub fn apply(
    place: Place<'_>,
    workspace: Option<&str>,
    lock_timeout: &str,
    plan_file: &Path,
    ephemeral_vars: Option<AttachedFile>,
) -> Invocation {
    let mut invocation = base(place, Effect::Write, workspace)
        .args(["apply", "-input=false", "-no-color", "-json"])
        .arg(format!("-lock-timeout={lock_timeout}"));
    if let Some(file) = ephemeral_vars {
        invocation = invocation.file_arg("-var-file=", file);
    }
    invocation.arg(plan_file.display().to_string())
}

/// `show -json <plan file>`: what a saved plan would change, attribute by attribute
/// (`changes.rs`). Its stdout holds every planned value in clear text, sensitive ones
/// too: the session never shows it.
pub fn show_plan(place: Place<'_>, workspace: Option<&str>, plan_file: &Path) -> Invocation {
    base(place, Effect::Read, workspace).args(["show", "-no-color", "-json"]).arg(plan_file.display().to_string())
}

/// `state pull`: the state as JSON, for its lineage and serial (a plan bundle records
/// which state its plan was made against). Its stdout holds every value: never shown.
pub fn state_pull(place: Place<'_>, workspace: Option<&str>) -> Invocation {
    base(place, Effect::Read, workspace).args(["state", "pull"])
}

pub fn output(place: Place<'_>, workspace: Option<&str>) -> Invocation {
    base(place, Effect::Read, workspace).args(["output", "-no-color", "-json"])
}

pub fn validate(place: Place<'_>) -> Invocation {
    base(place, Effect::Read, None).args(["validate", "-no-color", "-json"])
}

/// `fmt` takes the path as an argument (run from the repository root) so the files it
/// lists come back repository-relative.
pub fn fmt_check(repo_root: &Path, path: &str) -> Invocation {
    Invocation::new(PROGRAM, Effect::Read).cwd(repo_root).env("TF_IN_AUTOMATION", "1").args([
        "fmt",
        "-check",
        "-recursive",
        "-list=true",
        "-no-color",
        path,
    ])
}

pub fn version() -> Invocation {
    Invocation::new(PROGRAM, Effect::Read).env("TF_IN_AUTOMATION", "1").args(["version", "-json"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::Value;
    use crate::secret::Secret;

    fn lines(invocations: &[Invocation]) -> String {
        invocations.iter().map(|i| format!("{i}\n")).collect()
    }

    #[test]
    fn command_lines() {
        let place = Place { repo_root: Path::new("/repo"), chdir: "environments/dev/acme/infra" };
        let azure = BackendConfig::Azurerm {
            resource_group: "rg-state".into(),
            storage_account: "ststate".into(),
            container: "tfstate".into(),
        };
        let vars = AttachedFile {
            name: VAR_FILE.into(),
            contents: Value::Secret(Secret::new("{\"password\":\"hunter2-canary\"}")),
        };
        let all = [
            version(),
            init(
                place,
                &InitBackend::Configured(backend_config(&azure, "dev/acme/infra.tfstate")),
                InitFlags::default(),
                None,
            ),
            init(
                place,
                &InitBackend::Configured(backend_config(&BackendConfig::Local, "x")),
                InitFlags { upgrade: true, reconfigure: true },
                Some(Path::new("/repo/.auto/terraform-plugin-cache")),
            ),
            init(place, &InitBackend::Disabled, InitFlags::default(), None),
            plan(
                place,
                PlanSpec {
                    workspace: None,
                    destroy: false,
                    refresh_only: false,
                    lock_timeout: "0s",
                    out: Some(Path::new("/tmp/p/plan.tfplan")),
                    vars: Some(vars),
                    effect: Effect::Read,
                },
            ),
            plan(
                place,
                PlanSpec {
                    workspace: Some("blue"),
                    destroy: true,
                    refresh_only: false,
                    lock_timeout: "300s",
                    out: None,
                    vars: None,
                    effect: Effect::Read,
                },
            ),
            apply(place, Some("blue"), "0s", Path::new("/tmp/p/plan.tfplan"), None),
            apply(
                place,
                None,
                "0s",
                Path::new("/tmp/p/plan.tfplan"),
                Some(AttachedFile {
                    name: VAR_FILE.into(),
                    contents: Value::Secret(Secret::new("{\"pw\":\"hunter2-canary\"}")),
                }),
            ),
            show_plan(place, Some("blue"), Path::new("/tmp/p/plan.tfplan")),
            output(place, None),
            validate(place),
            fmt_check(Path::new("/repo"), "environments/dev"),
        ];
        expect_test::expect![[r#"
            TF_IN_AUTOMATION=1 terraform version -json
            cd /repo && TF_IN_AUTOMATION=1 terraform '-chdir=environments/dev/acme/infra' init '-input=false' -no-color '-backend-config=resource_group_name=rg-state' '-backend-config=storage_account_name=ststate' '-backend-config=container_name=tfstate' '-backend-config=key=dev/acme/infra.tfstate' '-backend-config=use_azuread_auth=true'
            cd /repo && TF_IN_AUTOMATION=1 TF_PLUGIN_CACHE_DIR=/repo/.auto/terraform-plugin-cache terraform '-chdir=environments/dev/acme/infra' init '-input=false' -no-color -upgrade -reconfigure
            cd /repo && TF_IN_AUTOMATION=1 terraform '-chdir=environments/dev/acme/infra' init '-input=false' -no-color '-backend=false'
            cd /repo && TF_IN_AUTOMATION=1 terraform '-chdir=environments/dev/acme/infra' plan '-input=false' -no-color -json '-lock-timeout=0s' -detailed-exitcode '-out=/tmp/p/plan.tfplan' '-var-file=@auto.tfvars.json'
            cd /repo && TF_IN_AUTOMATION=1 TF_WORKSPACE=blue terraform '-chdir=environments/dev/acme/infra' plan '-input=false' -no-color -json '-lock-timeout=300s' -detailed-exitcode -destroy
            cd /repo && TF_IN_AUTOMATION=1 TF_WORKSPACE=blue terraform '-chdir=environments/dev/acme/infra' apply '-input=false' -no-color -json '-lock-timeout=0s' /tmp/p/plan.tfplan
            cd /repo && TF_IN_AUTOMATION=1 terraform '-chdir=environments/dev/acme/infra' apply '-input=false' -no-color -json '-lock-timeout=0s' '-var-file=@auto.tfvars.json' /tmp/p/plan.tfplan
            cd /repo && TF_IN_AUTOMATION=1 TF_WORKSPACE=blue terraform '-chdir=environments/dev/acme/infra' show -no-color -json /tmp/p/plan.tfplan
            cd /repo && TF_IN_AUTOMATION=1 terraform '-chdir=environments/dev/acme/infra' output -no-color -json
            cd /repo && TF_IN_AUTOMATION=1 terraform '-chdir=environments/dev/acme/infra' validate -no-color -json
            cd /repo && TF_IN_AUTOMATION=1 terraform fmt -check -recursive '-list=true' -no-color environments/dev
        "#]]
        .assert_eq(&lines(&all));
        let effects: Vec<Effect> = all.iter().map(|i| i.effect).collect();
        use Effect::{Read, Write};
        assert_eq!(effects, [Read, Read, Read, Read, Read, Read, Write, Write, Read, Read, Read, Read]);
    }
}
