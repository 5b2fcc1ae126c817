//! `scripts/detect_drift.rhai` end to end with real terraform 1.11.4 on the `test`
//! environment (null and terraform_data stand-ins from the offline mirror): a clean
//! environment reports nothing; a root applied with other values directly with terraform
//! (behind auto's back) is drift, with its address and attribute; a root whose code changed
//! without an apply is pending, not drift; a root that cannot be planned is failed, not
//! drift; a root whose lock an apply holds is waited for. Only kubectl is a fake (no
//! Kubernetes API server can exist here: `support::FAKE_KUBECTL`), for the onboarding that
//! sets the environment up.

#![allow(clippy::disallowed_methods)] // tests run terraform by hand, and a lock holder

mod support;

use std::path::Path;

use support::{Outcome, TestRepo};

fn auto(repo: &TestRepo, args: &[&str]) -> Outcome {
    support::auto_with_tools(repo, args, &[])
}

/// The `test` environment with its infra root and customer `demo` applied by auto.
fn applied_environment() -> TestRepo {
    let repo = support::test_environment_repo();
    let infra = auto(
        &repo,
        &[
            "run",
            "terraform_root",
            "--set",
            "env=test",
            "--set",
            "root=environments/test/infra",
            "--set",
            "action=apply",
        ],
    );
    assert_eq!(infra.code, 0, "{}", infra.stderr);
    let onboarded = auto(&repo, &["run", "onboard_customer", "--set", "env=test", "--set", "customer=demo"]);
    assert_eq!(onboarded.code, 0, "{}", onboarded.stderr);
    repo
}

fn detect(repo: &TestRepo, extra: &[&str]) -> (Outcome, serde_json::Value, String) {
    let mut args = vec!["run", "detect_drift", "--set", "env=test", "--set", "out=drift-out"];
    args.extend_from_slice(extra);
    let summary = repo.path().join("step-summary.md");
    let _ = std::fs::remove_file(&summary);
    let out = support::auto_with_tools(repo, &args, &[("GITHUB_STEP_SUMMARY", summary.as_os_str())]);
    let markdown = std::fs::read_to_string(repo.path().join("drift-out/drift.md")).unwrap_or_default();
    assert_eq!(std::fs::read_to_string(&summary).unwrap_or_default(), markdown, "the step summary is drift.md");
    let json = std::fs::read_to_string(repo.path().join("drift-out/drift.json")).unwrap_or_default();
    let report = serde_json::from_str(&json).unwrap_or_else(|e| panic!("drift.json: {e}: {json}\n{}", out.stderr));
    (out, report, markdown)
}

fn root<'a>(report: &'a serde_json::Value, label: &str) -> &'a serde_json::Value {
    report["roots"].as_array().unwrap().iter().find(|r| r["root"] == label).unwrap_or_else(|| panic!("{label}"))
}

fn terraform(repo: &TestRepo, root: &str, args: &[&str]) {
    let (bin, config) = support::pinned_tools();
    let status = std::process::Command::new(bin.join("terraform"))
        .arg(format!("-chdir={root}"))
        .args(args)
        .current_dir(repo.path())
        .env("TF_CLI_CONFIG_FILE", config)
        .env("TF_IN_AUTOMATION", "1")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("terraform runs");
    assert!(status.success(), "terraform {args:?} in {root}");
}

#[test]
fn a_clean_environment_reports_nothing_and_a_change_behind_autos_back_is_drift() {
    let repo = applied_environment();
    let (clean, report, _) = detect(&repo, &[]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    assert_eq!(report["format"], "auto.drift/v1");
    assert_eq!(report["summary"]["roots"], 5, "{report}");
    assert_eq!(report["summary"]["clean"], 5, "{report}");
    assert_eq!(report["groups"], serde_json::json!([]));

    // Someone applies the Trino root by hand with another worker count.
    terraform(&repo, "environments/test/trino", &["apply", "-auto-approve", "-input=false", "-var", "workers=5"]);
    let (drifted, report, markdown) = detect(&repo, &[]);
    assert_eq!(drifted.code, 3, "{}", drifted.stderr);
    let trino = root(&report, "test/trino");
    assert_eq!(trino["status"], "drifted", "{report}");
    assert_eq!(trino["pending"], serde_json::json!([]), "what was changed behind auto's back is not pending");
    let change = &trino["drift"][0];
    assert_eq!(change["address"], "terraform_data.trino");
    assert_eq!(change["action"], "update");
    let attribute = change["attributes"].as_array().unwrap().iter().find(|a| a["path"] == r#"input["workers"]"#);
    let attribute = attribute.unwrap_or_else(|| panic!("no workers row: {change}"));
    assert_eq!((attribute["before"].as_str(), attribute["after"].as_str()), (Some(r#""5""#), Some(r#""2""#)));
    assert!(change["cause"].as_str().unwrap().contains("written outside auto"), "{change}");
    assert_eq!(report["summary"]["drifted"], 1);
    assert_eq!(report["summary"]["clean"], 4);
    assert!(markdown.contains("| drift | `terraform_data` | `input[\"workers\"]` | 1: `test/trino` |"), "{markdown}");
    assert!(markdown.contains("- drift: `terraform_data.trino` update"), "{markdown}");
}

#[test]
fn code_changed_without_an_apply_is_pending_and_a_root_that_cannot_plan_is_failed() {
    let repo = applied_environment();
    // The hive stand-in's replica count changes in the code, and is not applied.
    let variables = repo.path().join("environments/test/demo/hive/variables.tf");
    let text = std::fs::read_to_string(&variables).unwrap();
    let replicas = text.find("variable \"replicas\"").expect("replicas variable");
    let (before, after) = text.split_at(replicas);
    std::fs::write(&variables, format!("{before}{}", after.replacen("default     = 2", "default     = 3", 1))).unwrap();
    let (pending, report, _) = detect(&repo, &[]);
    assert_eq!(pending.code, 3, "{}", pending.stderr);
    let hive = root(&report, "test/demo/hive");
    assert_eq!(hive["status"], "pending", "{report}");
    assert_eq!(hive["drift"], serde_json::json!([]), "a code change is not drift");
    assert_eq!(hive["pending"][0]["address"], "terraform_data.hive");
    assert_eq!(hive["pending"][0]["attributes"][0]["path"], r#"input["replicas"]"#);
    assert_eq!(report["groups"][0]["kind"], "pending");

    // A root whose configuration is broken cannot be planned: failed, and exit 1.
    std::fs::write(repo.path().join("environments/test/demo/superset/broken.tf"), "resource \"x\" {\n").unwrap();
    let (failed, report, markdown) = detect(&repo, &[]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    let superset = root(&report, "test/demo/superset");
    assert_eq!(superset["status"], "failed");
    assert_eq!(superset["drift"], serde_json::json!([]), "a failed plan is no drift");
    let error = superset["error"].as_str().unwrap();
    assert!(error.contains("failed in `environments/test/demo/superset`") && error.contains("broken.tf"), "{superset}");
    assert!(failed.stderr.contains("1 root(s) could not be planned"), "{}", failed.stderr);
    assert!(markdown.contains("#### `test/demo/superset`: failed"), "{markdown}");
}

#[test]
fn a_root_whose_lock_an_apply_holds_is_waited_for_not_failed() {
    let repo = applied_environment();
    // A live process holds the customer's scope lock, as a running apply would.
    let mut holder = std::process::Command::new("sleep").arg("3").spawn().expect("sleep");
    let locks = repo.path().join(".auto/locks");
    std::fs::create_dir_all(&locks).unwrap();
    let lock = serde_json::json!({
        "run_id": "20261204T000000.000Z-apply", "pid": holder.id(), "host": hostname(),
        "user": "someone", "since": "2026-12-04T00:00:00Z", "tool_groups": []
    });
    std::fs::write(locks.join("test__demo.lock"), lock.to_string()).unwrap();
    let (waited, report, _) = detect(&repo, &["--set", "lock_wait=2m"]);
    let _ = holder.wait();
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    assert!(waited.stderr.contains("waiting up to 2m for the lock: `test/demo` is locked by run"), "{}", waited.stderr);
    assert_eq!(report["summary"]["clean"], 5, "{report}");
    assert!(!Path::new(&locks.join("test__demo.lock")).exists(), "the plan gave the lock back");
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default().trim().to_string()
}
