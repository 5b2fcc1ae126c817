//! What a person sees when `auto` asks a question, on a REAL terminal.
//!
//! tmux is the terminal: each test starts its own tmux server (a private socket in a temp
//! dir, killed at the end), runs `auto` in a pane of 200x50, types the answer with
//! `send-keys` and reads the screen with `capture-pane`. Nothing is faked: not the
//! terminal, not terraform (the pinned terraform with the offline null provider), not
//! `auto`. The only fake these tests could need would be kubectl, and none of them does.
//!
//! - `confirm(message)` asks `<message> [y/N] ` on the terminal: `y` goes on, `n` stops
//!   the run (exit 1), Ctrl-C stops it (exit 130); without a terminal it needs `--yes`,
//!   and a dry-run records the question and goes on.
//! - A terraform apply that replaces a resource shows the replacement and asks before
//!   applying: `n` changes nothing, `y` applies.
#![allow(clippy::disallowed_methods)] // tests start the binary under test and tmux directly

mod support;

use std::path::Path;
use std::time::Duration;

use support::pane::{quote, Pane};
use support::{copy_from_workspace, pinned_tools, Outcome, TestRepo};

/// The screen's line that asks `question`: it starts with the question, nothing drawn
/// before it (the live status line is cleared before the question is put).
fn prompt_line<'a>(screen: &'a str, question: &str) -> &'a str {
    let asked = format!("{question} [y/N]");
    let line = screen.lines().find(|l| l.contains(&asked)).unwrap_or_else(|| panic!("no `{asked}`:\n{screen}"));
    assert!(line.starts_with(&asked), "something else is on the prompt's line: `{line}`\n{screen}");
    line
}

/// `cd <repo> && env ... auto <args>` as one shell line: the environment a person's
/// terminal would have, with the pinned tools first and no CI variables.
fn auto_line(repo: &Path, args: &[&str]) -> String {
    let (bin, config) = pinned_tools();
    let mut line = format!(
        "cd {} && env -u GITHUB_ACTIONS -u GITHUB_STEP_SUMMARY -u TMUX NO_COLOR=1 COLUMNS=200 CHECKPOINT_DISABLE=1 PATH={} TF_CLI_CONFIG_FILE={} {}",
        quote(&repo.display().to_string()),
        quote(&support::path_with(&bin)),
        quote(&config.display().to_string()),
        quote(env!("CARGO_BIN_EXE_auto")),
    );
    for arg in args {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    line
}

/// `auto` without a terminal: stdin is null, output is captured.
fn auto_piped(repo: &TestRepo, args: &[&str]) -> Outcome {
    let (bin, config) = pinned_tools();
    let output = repo
        .command(args)
        .env("PATH", support::path_with(&bin))
        .env("TF_CLI_CONFIG_FILE", config)
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("auto runs");
    Outcome::from(output, repo.path())
}

const DEPLOY: &str = r#"confirm("deploy to test?");
fs::write("marker.txt", "x");
info("after");
"#;

fn deploy_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.script("deploy", DEPLOY);
    repo
}

#[test]
fn confirm_on_a_terminal_goes_on_after_y() {
    let repo = deploy_repo();
    let pane = Pane::start(&auto_line(repo.path(), &["run", "deploy"]));
    let screen = pane.wait_for("deploy to test? [y/N]");
    assert!(!repo.path().join("marker.txt").exists(), "the script went on before the answer:\n{screen}");
    pane.send(&["y", "Enter"]);
    let (code, screen) = pane.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(std::fs::read_to_string(repo.path().join("marker.txt")).expect("marker written"), "x");
    assert!(screen.contains("deploy to test? [y/N] y"), "the answer stays on the prompt's line:\n{screen}");
    assert!(screen.contains("deploy to test? → yes"), "{screen}");
    assert!(screen.lines().any(|l| l.trim_end().ends_with("after")), "{screen}");
}

#[test]
fn confirm_in_a_running_step_is_not_drawn_over_by_the_status_line() {
    let repo = TestRepo::new();
    repo.script("deploy", r#"step("deploy", || { confirm("deploy to test?"); fs::write("marker.txt", "x"); });"#);
    let pane = Pane::start(&auto_line(repo.path(), &["run", "deploy"]));
    let screen = pane.wait_for("deploy to test? [y/N]");
    prompt_line(&screen, "deploy to test?");
    // The status line stays away while the question is open: the screen does not change.
    std::thread::sleep(Duration::from_millis(500));
    let later = pane.screen();
    assert_eq!(prompt_line(&later, "deploy to test?").trim_end(), "deploy to test? [y/N]", "{later}");
    assert!(!later.contains("running: deploy"), "{later}");
    pane.send(&["y", "Enter"]);
    let (code, screen) = pane.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(prompt_line(&screen, "deploy to test?").trim_end(), "deploy to test? [y/N] y", "{screen}");
    assert!(screen.contains("[deploy] deploy to test? → yes"), "{screen}");
    assert!(repo.path().join("marker.txt").is_file(), "{screen}");
}

#[test]
fn confirm_on_a_terminal_stops_the_run_after_n() {
    let repo = deploy_repo();
    let pane = Pane::start(&auto_line(repo.path(), &["run", "deploy"]));
    pane.wait_for("deploy to test? [y/N]");
    pane.send(&["n", "Enter"]);
    let (code, screen) = pane.finish();
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains("confirm: `deploy to test?`: not confirmed, so the run stops here"), "{screen}");
    assert!(!repo.path().join("marker.txt").exists(), "{screen}");
    assert!(!screen.lines().any(|l| l.trim_end().ends_with("after")), "{screen}");
}

#[test]
fn confirm_on_a_terminal_takes_just_enter_as_no() {
    let repo = deploy_repo();
    let pane = Pane::start(&auto_line(repo.path(), &["run", "deploy"]));
    pane.wait_for("deploy to test? [y/N]");
    pane.send(&["Enter"]);
    let (code, screen) = pane.finish();
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains("not confirmed, so the run stops here"), "{screen}");
    assert!(!repo.path().join("marker.txt").exists(), "{screen}");
}

#[test]
fn ctrl_c_at_the_confirm_prompt_exits_130() {
    let repo = deploy_repo();
    let pane = Pane::start(&auto_line(repo.path(), &["run", "deploy"]));
    pane.wait_for("deploy to test? [y/N]");
    pane.send(&["C-c"]);
    let (code, screen) = pane.finish();
    assert_eq!(code, 130, "{screen}");
    // The run stops as every interrupted run does; the notice starts its own line, below
    // the prompt the Ctrl-C was typed at.
    // (The prompt and the signal handler race to end the prompt's line: either order
    // leaves the notice on a line of its own.)
    assert_eq!(prompt_line(&screen, "deploy to test?").trim_end(), "deploy to test? [y/N] ^C", "{screen}");
    assert!(screen.lines().any(|l| l.starts_with("interrupted: stopping (0 running command(s)")), "{screen}");
    assert!(screen.contains("deploy to test? → interrupted"), "{screen}");
    assert!(screen.contains("error: interrupted"), "{screen}");
    assert!(!repo.path().join("marker.txt").exists(), "{screen}");
}

#[test]
fn confirm_without_a_terminal_needs_yes_and_a_dry_run_records_it() {
    let repo = deploy_repo();
    let refused = auto_piped(&repo, &["run", "deploy"]);
    assert_eq!(refused.code, 1, "{}", refused.transcript());
    assert!(
        refused.stderr.contains(
            "confirm: `deploy to test?` needs a yes, and there is no terminal to ask on: run it on a terminal, or pass --yes"
        ),
        "{}",
        refused.stderr
    );
    assert!(!repo.path().join("marker.txt").exists());

    let dry = auto_piped(&repo, &["run", "deploy", "--dry-run"]);
    assert!(dry.stderr.contains("deploy to test? → not asked: a real run asks here"), "{}", dry.transcript());
    assert!(dry.stderr.contains("would create marker.txt (1 bytes)"), "{}", dry.transcript());
    assert!(dry.stderr.contains("(dry-run, nothing done) after"), "the dry-run reached the end: {}", dry.stderr);
    // A dry-run that would change something exits 3.
    assert_eq!(dry.code, 3, "{}", dry.transcript());
    assert!(!repo.path().join("marker.txt").exists(), "a dry-run wrote the file");

    let yes = auto_piped(&repo, &["run", "deploy", "--yes"]);
    assert_eq!(yes.code, 0, "{}", yes.transcript());
    assert!(yes.stderr.contains("deploy to test? → yes (--yes)"), "{}", yes.stderr);
    assert_eq!(std::fs::read_to_string(repo.path().join("marker.txt")).expect("marker written"), "x");
}

/// The `"serial"` of a terraform state file.
fn serial(state: &Path) -> u64 {
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state).expect("state file")).expect("state is JSON");
    state["serial"].as_u64().expect("serial")
}

#[test]
fn a_replacing_apply_shows_the_replacement_and_asks_before_applying() {
    let repo = TestRepo::new();
    std::fs::remove_dir_all(repo.path().join("environments/dev")).unwrap();
    for folder in ["scripts", "templates", "environments/test"] {
        copy_from_workspace(&repo, folder);
    }
    let apply = |root: &str| {
        ["run", "terraform_root", "--set", "env=test", "--set", &format!("root={root}"), "--set", "action=apply"]
            .map(str::to_string)
    };
    let hive = "environments/test/demo/hive";
    for root in ["environments/test/demo/infra", hive] {
        let args = apply(root);
        let applied = auto_piped(&repo, &args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(applied.code, 0, "{}", applied.transcript());
    }
    let state = repo.path().join(hive).join("terraform.tfstate");
    let applied_serial = serial(&state);

    // The metastore moves to another filesystem: a deployment cannot be changed so in place.
    let main = repo.path().join(hive).join("main.tf");
    let text = std::fs::read_to_string(&main).unwrap();
    let filesystem = "filesystem      = var.filesystem_name";
    assert!(text.contains(filesystem), "{text}");
    std::fs::write(&main, text.replace(filesystem, "filesystem      = \"${var.filesystem_name}-v2\"")).unwrap();

    let args = apply(hive);
    let line = auto_line(repo.path(), &args.iter().map(String::as_str).collect::<Vec<_>>());
    let question = "apply destroys or replaces 1 resource(s) in test/demo/hive: go ahead? [y/N]";

    // No: the run fails and the state is as it was.
    let pane = Pane::start(&line);
    let screen = pane.wait_for(question);
    prompt_line(&screen, question.trim_end_matches(" [y/N]"));
    assert!(
        screen.contains(r#"-/+ terraform_data.hive  replace (triggers_replace["filesystem"] forces replacement)"#),
        "{screen}"
    );
    let row = screen
        .lines()
        .find(|l| l.contains(r#"triggers_replace["filesystem"]"#) && l.contains("# forces replacement"))
        .unwrap_or_else(|| panic!("no attribute row for the filesystem:\n{screen}"));
    assert!(row.contains(r#""demo" → "demo-v2""#), "{row}");
    pane.send(&["n", "Enter"]);
    let (code, screen) = pane.finish();
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains("would destroy or replace, and stopped before changing anything"), "{screen}");
    assert!(screen.contains("not confirmed at the terminal"), "{screen}");
    assert_eq!(serial(&state), applied_serial, "a declined apply changed the state:\n{screen}");
    drop(pane);

    // Yes: it applies.
    let pane = Pane::start(&line);
    pane.wait_for(question);
    pane.send(&["y", "Enter"]);
    let (code, screen) = pane.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(serial(&state) > applied_serial, "the apply did not change the state:\n{screen}");
    let state_text = std::fs::read_to_string(&state).unwrap();
    assert!(state_text.contains(r#""filesystem": "demo-v2""#), "{state_text}");
}
