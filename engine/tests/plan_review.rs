//! Plans a reviewer can trust (issue 20), with real terraform 1.11 on the `test`
//! environment (null and terraform_data stand-ins, the null provider from the offline
//! mirror): what a plan shows, that every summary carries the same numbers, and that a
//! real run never destroys or replaces without a yes. Nothing is faked here: the runs that
//! must not ask have no terminal (stdin is null); the terminal prompt is tested with tmux
//! in terminal_prompt.rs.

mod support;

use std::path::Path;

use support::{Outcome, TestRepo};

fn platform_repo() -> TestRepo {
    support::test_environment_repo()
}

fn auto_with(repo: &TestRepo, args: &[&str], env: &[(&str, &Path)]) -> Outcome {
    let env: Vec<(&str, &std::ffi::OsStr)> = env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
    support::auto_with_tools(repo, args, &env)
}

fn auto(repo: &TestRepo, args: &[&str]) -> Outcome {
    auto_with(repo, args, &[])
}

const HIVE: &str = "environments/test/demo/hive";

fn root_args(root: &str, action: &str) -> Vec<String> {
    [
        "run",
        "terraform_root",
        "--set",
        "env=test",
        "--set",
        &format!("root={root}"),
        "--set",
        &format!("action={action}"),
    ]
    .map(String::from)
    .to_vec()
}

fn run_root(repo: &TestRepo, root: &str, action: &str, extra: &[&str]) -> Outcome {
    let mut args = root_args(root, action);
    args.extend(extra.iter().map(|s| s.to_string()));
    auto(repo, &args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The demo customer's infra and hive applied, then the hive root changed so that one
/// attribute (`triggers_replace["filesystem"]`) forces its replacement.
fn hive_needing_a_replacement() -> TestRepo {
    let repo = platform_repo();
    for root in ["environments/test/demo/infra", HIVE] {
        let applied = run_root(&repo, root, "apply", &[]);
        assert_eq!(applied.code, 0, "{}", applied.stderr);
    }
    let main = repo.path().join(HIVE).join("main.tf");
    let text = std::fs::read_to_string(&main).unwrap();
    let changed =
        text.replace("filesystem      = var.filesystem_name", "filesystem      = \"${var.filesystem_name}-v2\"");
    assert_ne!(text, changed, "the hive stand-in has the filesystem trigger");
    std::fs::write(&main, changed).unwrap();
    repo
}

fn serial(repo: &TestRepo, root: &str) -> u64 {
    let state = std::fs::read_to_string(repo.path().join(root).join("terraform.tfstate")).expect("state");
    serde_json::from_str::<serde_json::Value>(&state).expect("json")["serial"].as_u64().expect("serial")
}

#[test]
fn a_forced_replacement_is_shown_marked_and_every_summary_has_the_same_numbers() {
    let repo = hive_needing_a_replacement();
    let out = tempfile::tempdir().unwrap();
    let (md, events, step_summary) =
        (out.path().join("plan.md"), out.path().join("events.jsonl"), out.path().join("step-summary.md"));
    let mut args = root_args(HIVE, "plan");
    args.extend(["--plan", "--plan-md", md.to_str().unwrap(), "--events", events.to_str().unwrap()].map(String::from));
    let plan = auto_with(
        &repo,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[("GITHUB_ACTIONS", Path::new("true")), ("GITHUB_STEP_SUMMARY", &step_summary)],
    );
    assert_eq!(plan.code, 3, "a replacement is a change: {}", plan.stderr);

    // The change, attribute by attribute, with the one that forces the replacement marked.
    let log = &plan.stderr;
    assert!(
        log.contains(r#"-/+ terraform_data.hive  replace (triggers_replace["filesystem"] forces replacement)"#),
        "{log}"
    );
    assert!(log.contains(r#"triggers_replace["filesystem"]: "demo" → "demo-v2"   # forces replacement"#), "{log}");
    assert!(log.contains("[plan] ◌ plan"), "the step is pending, not ok: {log}");

    // One set of numbers: the recap, the plan_summary event, the Markdown, the step summary.
    let numbers = "1 to add, 0 to change, 1 to replace, 1 to destroy";
    assert!(log.contains(&format!("test/demo/hive  pending: {numbers}")), "{log}");
    assert!(log.contains("ok=0 pending=1 failed=0 skipped=0"), "{log}");
    assert!(!log.contains("changed=0"), "a plan changes nothing, and does not say so beside its changes: {log}");

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line of --events is JSON"))
        .collect();
    let summary = lines.iter().find(|e| e["type"] == "plan_summary").expect("a plan_summary event");
    let terraform = &summary["terraform"];
    assert_eq!(
        (&terraform["add"], &terraform["change"], &terraform["replace"], &terraform["destroy"]),
        (&1.into(), &0.into(), &1.into(), &1.into()),
        "{summary}"
    );
    assert_eq!(summary["changes_pending"], true);
    assert_eq!(terraform["roots"][0]["state"], "pending");
    assert_eq!(lines.last().unwrap()["exit_code"], 3);

    let row = "| `test/demo/hive` | **pending** | 1 | 0 | 1 | 1 |";
    let markdown = std::fs::read_to_string(&md).expect("--plan-md wrote the plan");
    assert!(markdown.contains(row), "{markdown}");
    assert!(markdown.contains(&format!("<code>test/demo/hive</code>: {numbers}</summary>")), "{markdown}");
    assert!(markdown.contains(r#"triggers_replace["filesystem"]: "demo" → "demo-v2"   # forces replacement"#));
    let step_summary = std::fs::read_to_string(&step_summary).expect("the step summary was written");
    assert!(step_summary.contains("| plan | pending |"), "{step_summary}");
    assert!(step_summary.contains(row), "{step_summary}");
}

#[test]
fn a_real_run_that_would_replace_stops_with_nothing_changed_until_allowed() {
    let repo = hive_needing_a_replacement();
    let before = serial(&repo, HIVE);

    let stopped = run_root(&repo, HIVE, "apply", &[]);
    assert_eq!(stopped.code, 1, "{}", stopped.stderr);
    assert!(stopped.stderr.contains("would destroy or replace, and stopped before changing anything"));
    assert!(stopped.stderr.contains(r#"-/+ terraform_data.hive  replace"#), "what would go is shown");
    assert!(stopped.stderr.contains("re-run with --allow-destroy"), "{}", stopped.stderr);
    assert_eq!(serial(&repo, HIVE), before, "nothing was applied");

    // A type that holds data goes only when the call names it, whatever the run allows.
    let env_toml = repo.path().join("environments/test/env.toml");
    let original = std::fs::read_to_string(&env_toml).unwrap();
    std::fs::write(&env_toml, format!("{original}\n[terraform]\nprotected_types = [\"terraform_data\"]\n")).unwrap();
    let protected = run_root(&repo, HIVE, "apply", &["--allow-destroy"]);
    assert_eq!(protected.code, 1, "{}", protected.stderr);
    assert!(protected.stderr.contains(r#"`allow_destroy: ["terraform_data.hive"]`"#), "{}", protected.stderr);
    assert_eq!(serial(&repo, HIVE), before, "a protected resource was not replaced");
    repo.script(
        "replace_hive",
        r#"//! Apply the hive root, naming the one resource that may be replaced.
import "lib/platform" as platform;
let infra = terraform::output("environments/test/demo/infra");
let vars = platform::app_vars("test", "demo", infra, platform::hive_inputs());
terraform::apply("environments/test/demo/hive", #{ vars: vars, allow_destroy: ["terraform_data.hive"] });
"#,
    );
    let named = auto(&repo, &["run", "replace_hive"]);
    assert_eq!(named.code, 0, "named on the call, it may go: {}", named.stderr);
    assert!(named.stderr.contains("allowed by `allow_destroy`"), "{}", named.stderr);
    let after_named = serial(&repo, HIVE);
    assert!(after_named > before, "the replacement was applied");
    std::fs::write(&env_toml, original).unwrap();

    // Without a protected type, --allow-destroy lets the run go ahead.
    let main = repo.path().join(HIVE).join("main.tf");
    let text = std::fs::read_to_string(&main).unwrap().replace("-v2\"", "-v3\"");
    std::fs::write(&main, text).unwrap();
    let allowed = run_root(&repo, HIVE, "apply", &["--allow-destroy"]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(allowed.stderr.contains("go ahead? → yes (--allow-destroy)"), "{}", allowed.stderr);
    assert!(serial(&repo, HIVE) > after_named);
    let state = std::fs::read_to_string(repo.path().join(HIVE).join("terraform.tfstate")).unwrap();
    assert!(state.contains("demo-v3"), "the new plan reached the state");
}

const CONFIRMING: &str = r#"//! Asks before it writes.
confirm("write the marker?");
fs::write("marker.txt", "written");
info("end reached");
"#;

#[test]
fn confirm_without_a_terminal_fails_before_any_change_and_a_dry_run_reaches_the_end() {
    let repo = platform_repo();
    repo.script("confirming", CONFIRMING);
    let marker = repo.path().join("marker.txt");

    let refused = auto(&repo, &["run", "confirming"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("confirm: `write the marker?` needs a yes, and there is no terminal to ask on"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("scripts/confirming.rhai:2"), "the error points at the line: {}", refused.stderr);
    assert!(!marker.exists(), "nothing was written before the refusal");

    let dry = auto(&repo, &["run", "confirming", "--dry-run"]);
    assert_eq!(dry.code, 3, "it would write a file: {}", dry.stderr);
    assert!(dry.stderr.contains("write the marker? → not asked: a real run asks here"), "{}", dry.stderr);
    assert!(dry.stderr.contains("(dry-run, nothing done) end reached"), "the whole plan is shown: {}", dry.stderr);
    assert!(!marker.exists());

    let yes = auto(&repo, &["run", "confirming", "--yes"]);
    assert_eq!(yes.code, 0, "{}", yes.stderr);
    assert!(yes.stderr.contains("write the marker? → yes (--yes)"), "{}", yes.stderr);
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "written");
}
