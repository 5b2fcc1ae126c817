//! Review a plan, then apply exactly that plan (issue 21), with real terraform 1.11 on the
//! `test` environment: `auto run … --plan --out FILE` writes a bundle, `auto apply FILE`
//! applies it once, and stops (exit 5) before any effect that is not the reviewed one.
//! Nothing is faked but kubectl (no Kubernetes API server can exist here: a fake on PATH
//! records its arguments, `support::FAKE_KUBECTL`): the stand-in roots use the null
//! provider from the offline mirror and terraform's built-in terraform_data.

mod support;

use std::path::{Path, PathBuf};

use support::{Outcome, TestRepo};

const KEY: &str = "correct horse battery staple";
/// The secret of the first test: only that test looks for it (the others run at the same
/// time with their own, so a folder another test's apply is using cannot hold it).
const CANARY: &str = "bundle-canary-5f1d77a0";
const CANARY_ROOT: &str = "environments/test/demo/canary";

fn platform_repo() -> TestRepo {
    platform_repo_with(&format!("other-canary-{}", std::process::id()))
}

fn platform_repo_with(canary: &str) -> TestRepo {
    let repo = support::test_environment_repo();
    // A root with a sensitive variable: its saved plan holds the value in clear text.
    repo.write(
        &format!("{CANARY_ROOT}/main.tf"),
        r#"variable "token" {
  type      = string
  sensitive = true
}

variable "tag" {
  type = string
}

resource "terraform_data" "uses_token" {
  input = { tag = var.tag, token_hash = sha256(var.token) }
}
"#,
    );
    repo.script(
        "canary",
        &format!(
            r#"//! Applies the canary root, and writes a file.
param("tag", #{{ help: "the tag" }});
fs::write("environments/test/demo/canary/applied.txt", `tag ${{params.tag}}`);
terraform::apply("{CANARY_ROOT}", #{{ vars: #{{ token: secret("{canary}"), tag: params.tag }} }});
"#
        ),
    );
    repo
}

fn auto(repo: &TestRepo, args: &[&str], key: Option<&str>) -> Outcome {
    match key {
        Some(key) => support::auto_with_tools(repo, args, &[("AUTO_PLAN_KEY", key.as_ref())]),
        None => support::auto_with_tools(repo, args, &[]),
    }
}

fn serial(repo: &TestRepo, root: &str) -> Option<u64> {
    let state = std::fs::read_to_string(repo.path().join(root).join("terraform.tfstate")).ok()?;
    serde_json::from_str::<serde_json::Value>(&state).ok()?["serial"].as_u64()
}

fn plan(repo: &TestRepo, bundle: &Path, tag: &str) -> Outcome {
    let out = auto(
        repo,
        &["run", "canary", "--set", &format!("tag={tag}"), "--plan", "--out", bundle.to_str().unwrap()],
        Some(KEY),
    );
    assert_eq!(out.code, 3, "the plan has changes: {}", out.stderr);
    assert!(out.stderr.contains("plan bundle written to"), "{}", out.stderr);
    out
}

fn apply(repo: &TestRepo, bundle: &Path, key: Option<&str>) -> Outcome {
    auto(repo, &["apply", bundle.to_str().unwrap()], key)
}

/// Every file under `dir` (recursively) that holds `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if meta.is_file()
            && std::fs::read(&path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_reviewed_plan_is_applied_exactly_and_only_once() {
    let repo = platform_repo_with(CANARY);
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("plan.bundle");
    plan(&repo, &bundle, "v1");
    assert_eq!(serial(&repo, CANARY_ROOT), None, "the plan changed nothing");
    assert!(!repo.path().join(CANARY_ROOT).join("applied.txt").exists());

    // Nothing of the bundle, the temp folders or the journal holds the secret in clear.
    assert!(files_holding(dir.path(), CANARY).is_empty(), "the bundle is encrypted");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&bundle).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);

    let applied = apply(&repo, &bundle, Some(KEY));
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let state = std::fs::read_to_string(repo.path().join(CANARY_ROOT).join("terraform.tfstate")).unwrap();
    assert!(state.contains(r#""tag": "v1""#), "the state is what was planned: {state}");
    assert_eq!(std::fs::read_to_string(repo.path().join(CANARY_ROOT).join("applied.txt")).unwrap(), "tag v1");
    let journals = files_holding(&repo.path().join(".auto"), CANARY);
    assert!(journals.is_empty(), "the journal holds the secret: {journals:?}");
    // The private folders saved plans live in while they are applied are gone, or hold
    // no copy of the value (another test's run may be using one).
    for entry in std::fs::read_dir(std::env::temp_dir()).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with("auto-tfplan-") {
            assert!(files_holding(&entry.path(), CANARY).is_empty(), "{:?} holds the secret", entry.path());
        }
    }

    let again = apply(&repo, &bundle, Some(KEY));
    assert_eq!(again.code, 5, "{}", again.stderr);
    assert!(again.stderr.contains("it was applied already"), "{}", again.stderr);
}

#[test]
fn a_change_between_plan_and_apply_stops_the_apply_before_it_touches_anything() {
    let repo = platform_repo();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("plan.bundle");
    plan(&repo, &bundle, "v1");

    // Someone applies the root another way after the review.
    let other = auto(&repo, &["run", "canary", "--set", "tag=v9"], None);
    assert_eq!(other.code, 0, "{}", other.stderr);
    let before = serial(&repo, CANARY_ROOT);

    let stopped = apply(&repo, &bundle, Some(KEY));
    assert_eq!(stopped.code, 5, "{}", stopped.stderr);
    assert!(
        stopped
            .stderr
            .contains("terraform apply of test/demo/canary differs from the reviewed plan: its state is now serial"),
        "{}",
        stopped.stderr
    );
    assert!(stopped.stderr.contains("the plan was made against no state"), "{}", stopped.stderr);
    assert_eq!(serial(&repo, CANARY_ROOT), before, "the state was not touched");
    let written = std::fs::read_to_string(repo.path().join(CANARY_ROOT).join("applied.txt")).unwrap();
    assert_eq!(written, "tag v9", "the script's first effect (a file write) did not run either");
    assert!(stopped.stderr.contains("(nothing was applied)"), "{}", stopped.stderr);
}

#[test]
fn a_tampered_bundle_a_wrong_key_and_a_changed_script_are_refused_before_anything_runs() {
    let repo = platform_repo();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("plan.bundle");
    plan(&repo, &bundle, "v1");

    let wrong = apply(&repo, &bundle, Some("not the key"));
    assert_eq!(wrong.code, 5, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("the key is wrong, or the file was changed"), "{}", wrong.stderr);
    let missing = apply(&repo, &bundle, None);
    assert_eq!(missing.code, 5);
    assert!(missing.stderr.contains("is encrypted: set AUTO_PLAN_KEY"), "{}", missing.stderr);

    let tampered = dir.path().join("tampered.bundle");
    let mut bytes = std::fs::read(&bundle).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&tampered, bytes).unwrap();
    let refused = apply(&repo, &tampered, Some(KEY));
    assert_eq!(refused.code, 5, "{}", refused.stderr);
    assert!(refused.stderr.contains("the key is wrong, or the file was changed"), "{}", refused.stderr);

    let script = repo.path().join("scripts/canary.rhai");
    let source = std::fs::read_to_string(&script).unwrap();
    std::fs::write(&script, format!("{source}info(\"one more line\");\n")).unwrap();
    let changed = apply(&repo, &bundle, Some(KEY));
    assert_eq!(changed.code, 5, "{}", changed.stderr);
    assert!(changed.stderr.contains("`scripts/canary.rhai` changed since it was planned"), "{}", changed.stderr);
    assert_eq!(serial(&repo, CANARY_ROOT), None, "nothing ran");
    assert!(!repo.path().join(CANARY_ROOT).join("applied.txt").exists());
}

#[test]
fn without_a_key_the_bundle_is_private_checksummed_and_said_to_be_unencrypted() {
    let repo = platform_repo();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("plan.bundle");
    let out = auto(&repo, &["run", "canary", "--set", "tag=v1", "--plan", "--out", bundle.to_str().unwrap()], None);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("AUTO_PLAN_KEY is not set: the plan bundle is written unencrypted (0600)"));
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&bundle).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(&bundle).unwrap();
    std::fs::write(&bundle, text.replace(r#""tag":"v1""#, r#""tag":"v2""#)).unwrap();
    let changed = apply(&repo, &bundle, None);
    assert_eq!(changed.code, 5, "{}", changed.stderr);
    assert!(changed.stderr.contains("was changed after it was written"), "{}", changed.stderr);
}

/// Onboards `newco` as a plan with `--out` and returns the bundle's folder and path.
fn plan_onboarding(repo: &TestRepo) -> (tempfile::TempDir, PathBuf, Outcome) {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("onboard.bundle");
    let markdown = dir.path().join("plan.md");
    let out = auto(
        repo,
        &[
            "run",
            "onboard_customer",
            "--set",
            "env=test",
            "--set",
            "customer=newco",
            "--plan",
            "--out",
            bundle.to_str().unwrap(),
            "--plan-md",
            markdown.to_str().unwrap(),
        ],
        Some(KEY),
    );
    assert_eq!(out.code, 3, "the plan has changes: {}", out.stderr);
    (dir, bundle, out)
}

#[test]
fn a_new_customers_onboarding_goes_through_with_its_provisional_roots_matched() {
    let repo = support::test_environment_repo();
    let (dir, bundle, planned) = plan_onboarding(&repo);
    // The roots that need the customer's infra outputs, or files the plan writes, are
    // predicted, and said to be.
    for root in ["test/newco/infra", "test/newco/hive", "test/newco/superset", "test/trino"] {
        let line = format!("{root}: ");
        let said = planned.stderr.lines().find(|l| l.contains(&line) && l.contains("to add")).unwrap_or_default();
        assert!(said.ends_with("(provisional: predicted on values known after apply)"), "{root}: {}", planned.stderr);
    }
    assert!(planned.stderr.contains("+ terraform_data.hive  create"), "{}", planned.stderr);
    assert!(planned.stderr.contains(r#"+ null_resource.catalog["newco"]  create"#), "{}", planned.stderr);
    let markdown = std::fs::read_to_string(dir.path().join("plan.md")).unwrap();
    assert!(markdown.contains("| `test/newco/hive` | **provisional**"), "{markdown}");
    assert!(!repo.path().join("environments/test/newco").exists(), "the plan scaffolded nothing");

    // What a reviewer reads comes from the bundle itself.
    let shown = auto(&repo, &["show", bundle.to_str().unwrap()], Some(KEY));
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    for expected in [
        "| `test/newco/hive` | **provisional** (predicted: inputs known after apply) | 1 | 0 | 0 | 0 |",
        "+ terraform_data.hive  create",
        "- write of `environments/test/trino/catalogs.auto.tfvars.json` (with values known after apply)",
    ] {
        assert!(shown.stdout.contains(expected), "{expected} not in:\n{}", shown.stdout);
    }
    let json = auto(&repo, &["show", bundle.to_str().unwrap(), "--output", "json"], Some(KEY));
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(value["format"], "auto.plan-show/v1");
    assert!(value["effects"].as_array().unwrap().iter().all(|e| e.get("plan").is_none()), "no saved plan in it");

    let applied = apply(&repo, &bundle, Some(KEY));
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    for root in ["newco/infra", "newco/hive", "newco/superset", "trino"] {
        assert!(serial(&repo, &format!("environments/test/{root}")).is_some(), "{root} applied: {}", applied.stderr);
    }
    let trino = std::fs::read_to_string(repo.path().join("environments/test/trino/terraform.tfstate")).unwrap();
    assert!(trino.contains(r#""index_key": "newco""#), "the catalog planned on unknowns: {trino}");
    let again = apply(&repo, &bundle, Some(KEY));
    assert_eq!(again.code, 5, "{}", again.stderr);
}

#[test]
fn a_provisional_root_whose_plan_now_has_another_resource_stops_before_it_is_applied() {
    let repo = support::test_environment_repo();
    let (_dir, bundle, _) = plan_onboarding(&repo);
    let _ = std::fs::remove_file(repo.path().join("kubectl.log")); // the plan's reads
                                                                   // After the review, the trino root gains a resource nobody reviewed.
    let main = repo.path().join("environments/test/trino/main.tf");
    let source = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, format!("{source}\nresource \"terraform_data\" \"unreviewed\" {{}}\n")).unwrap();

    let stopped = apply(&repo, &bundle, Some(KEY));
    assert_eq!(stopped.code, 5, "{}", stopped.stderr);
    assert!(
        stopped.stderr.contains(
            "terraform apply of test/trino differs from the reviewed plan: it was provisional, and its plan now has `terraform_data.unreviewed create`, which was not predicted; plan and review again"
        ),
        "{}",
        stopped.stderr
    );
    assert_eq!(serial(&repo, "environments/test/trino"), None, "trino was not applied");
    assert!(serial(&repo, "environments/test/newco/hive").is_some(), "what came before it was applied");
    let calls = std::fs::read_to_string(repo.path().join("kubectl.log")).unwrap_or_default();
    assert!(!calls.contains("SHOW SCHEMAS"), "the run stopped there: {calls}");
}

#[test]
fn a_failed_apply_is_resumed_with_the_bundles_remaining_effects_and_then_used_up() {
    let repo = support::test_environment_repo();
    let (_dir, bundle, _) = plan_onboarding(&repo);
    repo.write("break-superset", "");
    let failed = apply(&repo, &bundle, Some(KEY));
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(failed.stderr.contains(r#"deployment "superset" exceeded its progress deadline"#), "{}", failed.stderr);
    assert_eq!(serial(&repo, "environments/test/trino"), None, "the run stopped before the catalog");
    let failed_run = support::run_ids(&repo).pop().unwrap();
    let journal = support::journal_text(&repo);
    assert!(journal.contains(r#""target":"terraform apply of test/newco/superset""#), "{journal}");

    std::fs::remove_file(repo.path().join("break-superset")).unwrap();
    let resumed = auto(&repo, &["run", "--resume", &failed_run], Some(KEY));
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert!(resumed.stderr.contains("↷ hive metastore"), "a finished step is skipped: {}", resumed.stderr);
    let trino = std::fs::read_to_string(repo.path().join("environments/test/trino/terraform.tfstate")).unwrap();
    assert!(trino.contains(r#""index_key": "newco""#), "the rest of the bundle was applied: {trino}");

    let again = apply(&repo, &bundle, Some(KEY));
    assert_eq!(again.code, 5, "the resumed apply used the bundle up: {}", again.stderr);
    assert!(again.stderr.contains("it was applied already"), "{}", again.stderr);
    let without_key = auto(&repo, &["run", "--resume", &failed_run], None);
    assert_eq!(without_key.code, 5, "{}", without_key.stderr);
}
