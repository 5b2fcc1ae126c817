//! The workflows in scripts/ end to end.
//!
//! - Dry-run plans of `onboard_customer` for `dev` (Azure backend; nothing can reach Azure
//!   here, and nothing needs to) — for `demo` and for a brand-new customer.
//! - Environment `test`, whose roots use only terraform's null provider: onboarding runs
//!   for real with terraform 1.11. No Kubernetes API server can exist here, so kubectl is
//!   a FAKE on PATH that records its arguments (and fails on demand); everything else is
//!   real.
#![allow(clippy::disallowed_methods)] // tests start the binary under test directly

mod support;

use std::process::Command;

use support::{copy_from_workspace, Outcome, TestRepo};

/// A copy of the real repository's scripts, templates and environments.
fn platform_repo() -> TestRepo {
    let repo = TestRepo::new();
    std::fs::remove_dir_all(repo.path().join("environments/dev")).unwrap();
    for folder in ["scripts", "templates", "environments/dev", "environments/test"] {
        copy_from_workspace(&repo, folder);
    }
    repo
}

fn auto(repo: &TestRepo, args: &[&str]) -> Outcome {
    support::auto_with_tools(repo, args, &[])
}

fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn dry_run_of_onboarding_shows_the_whole_plan_and_changes_nothing() {
    let repo = platform_repo();
    let before = support::tree_digest(repo.path());
    let outcome = auto(&repo, &["run", "onboard_customer", "--set", "env=dev", "--set", "customer=demo", "--dry-run"]);
    assert_eq!(outcome.code, 3, "it would change everything: {}", outcome.stderr);
    let plan = &outcome.stderr;
    for expected in [
        "terraform '-chdir=environments/dev/demo/infra' init",
        "'-backend-config=key=dev/demo/infra.tfstate'",
        "terraform '-chdir=environments/dev/demo/infra' apply",
        "terraform '-chdir=environments/dev/demo/hive' apply",
        "terraform '-chdir=environments/dev/demo/superset' apply",
        "terraform '-chdir=environments/dev/trino' apply",
        "kubectl --context aks-anl-dev rollout status deployment/hive-metastore",
        "kubectl --context aks-anl-dev wait job/hive-schema-init '--for=condition=complete'",
        "kubectl --context aks-anl-dev exec deployment/trino-coordinator",
    ] {
        assert!(plan.contains(expected), "missing `{expected}` in the plan:\n{plan}");
    }
    assert!(plan.contains("dry-run: "), "{plan}");
    assert_eq!(support::tree_digest(repo.path()), before, "a dry-run wrote files");
    assert!(!repo.path().join(".auto").exists());
}

#[test]
fn dry_run_of_a_new_customer_shows_the_scaffolding_without_writing_it() {
    let repo = platform_repo();
    let outcome = auto(&repo, &["run", "onboard_customer", "--set", "env=dev", "--set", "customer=newco", "--dry-run"]);
    assert_eq!(outcome.code, 3, "{}", outcome.stderr);
    let scaffold = lines_with(&outcome.stderr, "[scaffold] would");
    for file in ["customer.toml", "infra/main.tf", "hive/main.tf", "superset/main.tf"] {
        assert!(
            scaffold.iter().any(|l| l.contains(&format!("create environments/dev/newco/{file}"))),
            "scaffolding of {file} not in the plan:\n{}",
            outcome.stderr
        );
    }
    assert!(outcome.stderr.contains("terraform '-chdir=environments/dev/newco/infra' apply"), "{}", outcome.stderr);
    assert!(!repo.path().join("environments/dev/newco").exists(), "the dry-run wrote the scaffold");
}

#[test]
fn onboarding_runs_for_real_is_idempotent_and_resumes_after_a_failure() {
    let repo = platform_repo();
    repo.write("break-superset", "");

    // First run: everything applies until the superset rollout fails.
    let first = auto(&repo, &["run", "onboard_customer", "--set", "env=test", "--set", "customer=newco"]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert!(first.stderr.contains(r#"deployment "superset" exceeded its progress deadline"#), "{}", first.stderr);
    assert!(repo.path().join("environments/test/newco/customer.toml").is_file(), "scaffolded");
    assert!(repo.path().join("environments/test/newco/infra/terraform.tfstate").is_file(), "customer infra applied");
    let failed_run = support::run_ids(&repo).pop().unwrap();

    // Resume: completed steps are skipped, the failed one and the rest run.
    std::fs::remove_file(repo.path().join("break-superset")).unwrap();
    let resumed = auto(&repo, &["run", "--resume", &failed_run]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert!(resumed.stderr.contains("↷ scaffold"), "{}", resumed.stderr);
    assert!(resumed.stderr.contains("↷ hive metastore"), "{}", resumed.stderr);
    assert!(resumed.stderr.contains("✔ superset"), "{}", resumed.stderr);
    let catalogs =
        std::fs::read_to_string(repo.path().join("environments/test/trino/catalogs.auto.tfvars.json")).unwrap();
    assert!(catalogs.contains("newco") && catalogs.contains("demo"), "{catalogs}");

    // Second full run: nothing changes.
    let second = auto(&repo, &["run", "onboard_customer", "--set", "env=test", "--set", "customer=newco"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stderr.contains("changed=0 failed=0"), "{}", second.stderr);
    assert!(!second.stderr.contains(" apply '-input=false'"), "{}", second.stderr);
    // And a plan agrees: exit 0, nothing pending.
    let plan = auto(&repo, &["run", "onboard_customer", "--set", "env=test", "--set", "customer=newco", "--plan"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);

    // The fake kubectl saw the pinned context on every call.
    let calls = std::fs::read_to_string(repo.path().join("kubectl.log")).unwrap();
    assert!(calls.lines().all(|l| l.starts_with("kubectl --context auto-test ")), "{calls}");
}

#[test]
fn every_script_passes_check() {
    let repo = platform_repo();
    let outcome = Outcome::from(
        Command::new(env!("CARGO_BIN_EXE_auto")).arg("check").current_dir(repo.path()).output().unwrap(),
        repo.path(),
    );
    assert_eq!(outcome.code, 0, "{}", outcome.transcript());
}

#[test]
fn offboarding_refuses_without_allow_destroy_then_destroys_in_reverse_order() {
    let repo = platform_repo();
    assert_eq!(auto(&repo, &["run", "onboard_customer", "--set", "env=test", "--set", "customer=demo"]).code, 0);
    let serial = |root: &str| {
        let state = std::fs::read_to_string(repo.path().join(root).join("terraform.tfstate")).expect("state");
        serde_json::from_str::<serde_json::Value>(&state).expect("json")["serial"].clone()
    };
    let before = serial("environments/test/trino");

    // No terminal, no --allow-destroy: the first destroy (the catalog) stops the run.
    let refused = auto(&repo, &["run", "offboard_customer", "--set", "env=test", "--set", "customer=demo"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains(r#"- null_resource.catalog["demo"]  destroy"#), "{}", refused.stderr);
    assert!(refused.stderr.contains("re-run with --allow-destroy"), "{}", refused.stderr);
    assert_eq!(serial("environments/test/trino"), before, "nothing was applied");
    assert!(repo.path().join("environments/test/demo/superset/terraform.tfstate").is_file());

    let gone = auto(
        &repo,
        &["run", "offboard_customer", "--set", "env=test", "--set", "customer=demo", "--allow-destroy", "-v"],
    );
    assert_eq!(gone.code, 0, "{}", gone.stderr);
    let order: Vec<&str> = gone.stderr.lines().filter_map(|l| l.split("▶ ").nth(1)).collect();
    assert_eq!(order, ["trino catalog", "superset", "hive metastore", "customer infra"]);
    let catalogs =
        std::fs::read_to_string(repo.path().join("environments/test/trino/catalogs.auto.tfvars.json")).unwrap();
    assert!(!catalogs.contains("demo"), "{catalogs}");
    assert!(
        repo.path().join("environments/test/demo/customer.toml").is_file(),
        "the folder is kept for the pull request"
    );
}

#[test]
fn plan_environment_plans_every_root_and_prints_one_summary() {
    let repo = platform_repo();
    let outcome = auto(&repo, &["run", "plan_environment", "--set", "env=test", "--plan"]);
    // Nothing was ever applied: changes are pending (exit 3).
    assert_eq!(outcome.code, 3, "{}", outcome.stderr);
    for root in ["test/infra", "test/demo/infra", "test/trino"] {
        assert!(outcome.stderr.contains(&format!("{root}: ")), "{root} not planned:\n{}", outcome.stderr);
    }
    // The app roots need outputs of a customer infra that was never applied: their plans
    // are recorded, not run with made-up values, and predicted with those values unknown.
    for root in ["hive", "superset"] {
        assert!(
            outcome.stderr.contains(&format!("[demo/{root}] would run cd [REPO] && TF_IN_AUTOMATION=1 terraform '-chdir=environments/test/demo/{root}' plan")),
            "{}",
            outcome.stderr
        );
        assert!(
            outcome.stderr.contains(&format!("[demo/{root}] test/demo/{root}: 1 to add, 0 to change, 0 to replace, 0 to destroy (provisional: predicted on values known after apply)")),
            "{}",
            outcome.stderr
        );
    }
    assert!(
        outcome.stderr.contains("test: 6 to add, 0 to change, 0 to destroy across 5 root(s)"),
        "{}",
        outcome.stderr
    );

    // Once onboarded, the environment's plan is clean.
    assert_eq!(auto(&repo, &["run", "onboard_customer", "--set", "env=test", "--set", "customer=demo"]).code, 0);
    let clean = auto(&repo, &["run", "plan_environment", "--set", "env=test", "--plan"]);
    assert!(
        clean.stderr.contains("test: 1 to add, 0 to change, 0 to destroy across 5 root(s)"),
        "only the environment root is new: {}",
        clean.stderr
    );
}

#[test]
fn deploy_app_rolls_out_in_parallel_and_stops_or_continues_on_failure() {
    let repo = platform_repo();
    for customer in ["demo", "beta"] {
        let onboarded =
            auto(&repo, &["run", "onboard_customer", "--set", "env=test", "--set", &format!("customer={customer}")]);
        assert_eq!(onboarded.code, 0, "{}", onboarded.stderr);
    }
    repo.write("break-superset", "");
    let base =
        ["run", "deploy_app", "--set", "env=test", "--set", "app=superset", "--set", "version=v2", "--set", "limit=1"];
    let continued = auto(&repo, &[&base[..], &["--set", "on_failure=continue"]].concat());
    assert_eq!(continued.code, 1);
    assert!(continued.stderr.contains("2 of 2 parallel tasks failed"), "both were attempted: {}", continued.stderr);
    let stopped = auto(&repo, &[&base[..], &["--set", "on_failure=stop"]].concat());
    assert_eq!(stopped.code, 1);
    assert!(stopped.stderr.contains("not started (an earlier task failed and fail_fast is set)"), "{}", stopped.stderr);

    std::fs::remove_file(repo.path().join("break-superset")).unwrap();
    let ok = auto(&repo, &base);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stderr.contains("superset v2 rolled out to 2 customer(s) in test"), "{}", ok.stderr);
}

#[test]
fn build_images_dry_run_records_content_tagged_builds_and_pushes() {
    let repo = platform_repo();
    copy_from_workspace(&repo, "apps");
    let outcome = auto(&repo, &["run", "build_images", "--set", "env=test", "--dry-run"]);
    assert_eq!(outcome.code, 3, "{}", outcome.stderr);
    for app in ["hive", "trino", "superset"] {
        assert!(
            outcome.stderr.contains(&format!("[{app}/image {app}] would run docker build apps/{app}/docker")),
            "{}",
            outcome.stderr
        );
    }
}

#[test]
fn local_stack_renders_config_and_a_matching_tls_keystore() {
    let repo = platform_repo();
    copy_from_workspace(&repo, "docker_compose");
    // Compose cannot pull the base images here: render and generate only (`up=false`).
    let outcome = auto(&repo, &["run", "local_stack", "--set", "tls=true", "--set", "up=false"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let generated = repo.path().join("docker_compose/generated");
    for file in [
        "metastore-site.xml",
        "core-site.xml",
        "trino/catalog/hive.properties",
        ".env",
        "tls/keystore.p12",
        "tls/truststore.p12",
    ] {
        assert!(generated.join(file).is_file(), "{file} missing");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(generated.join(".secrets.json")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let secrets: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(generated.join(".secrets.json")).unwrap()).unwrap();
    let metastore = std::fs::read_to_string(generated.join("metastore-site.xml")).unwrap();
    assert!(metastore.contains("metastore.use.SSL"), "{metastore}");
    // The keystore opens with the password the config carries: they match.
    let keystore_password = secrets["keystore_password"].as_str().unwrap();
    assert!(metastore.contains(keystore_password));
    let listed = Command::new("keytool")
        .args(["-list", "-storetype", "PKCS12", "-keystore"])
        .arg(generated.join("tls/keystore.p12"))
        .args(["-storepass", keystore_password])
        .output()
        .expect("keytool runs");
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    assert!(!outcome.stderr.contains(keystore_password), "a password was printed");
    // Re-running reuses the passwords and changes nothing.
    let again = auto(&repo, &["run", "local_stack", "--set", "tls=true", "--set", "up=false"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let again_secrets: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(generated.join(".secrets.json")).unwrap()).unwrap();
    assert_eq!(secrets, again_secrets);
}

#[test]
fn terraform_root_plans_one_root_and_exits_3_when_it_would_change() {
    let repo = platform_repo();
    let base = ["run", "terraform_root", "--params-json", r#"{"env":"test","root":"environments/test/demo/infra"}"#];
    let pending = auto(&repo, &[&base[..], &["--set", "action=plan", "--plan"]].concat());
    assert_eq!(pending.code, 3, "a plan with changes is pending changes: {}", pending.stderr);
    assert!(
        pending.stderr.contains("test/demo/infra: 1 to add, 0 to change, 0 to replace, 0 to destroy"),
        "{}",
        pending.stderr
    );
    let applied = auto(&repo, &[&base[..], &["--set", "action=apply"]].concat());
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let clean = auto(&repo, &[&base[..], &["--set", "action=plan", "--plan"]].concat());
    assert_eq!(clean.code, 0, "nothing pending after the apply: {}", clean.stderr);
    let outside =
        auto(&repo, &["run", "terraform_root", "--set", "env=dev", "--set", "root=environments/test/demo/infra"]);
    assert_eq!(outside.code, 1);
    assert!(
        outside.stderr.contains("root environments/test/demo/infra is not in environment dev"),
        "{}",
        outside.stderr
    );
}
