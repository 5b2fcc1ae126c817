//! The workflow runtime through the binary: steps, parallel scheduling, journal and
//! resume (also after `kill -9`), locks between real processes, Ctrl-C.
#![allow(clippy::disallowed_methods)] // tests start the binary under test directly

mod support;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use expect_test::expect;
use support::{journal_text, run_ids, TestRepo};

/// Waits (bounded) until `condition` holds: for coordinating with a background process,
/// not for asserting on timing.
fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn spawn(repo: &TestRepo, args: &[&str]) -> Child {
    repo.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("auto starts")
}

fn finish(child: Child, root: &Path) -> support::Outcome {
    support::Outcome::from(child.wait_with_output().expect("auto exits"), root)
}

fn signal(child: &Child, signal: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).expect("signal");
}

const RESUMABLE: &str = r#"//! Three steps; the second fails while `fail-b` exists.
param("env", #{ help: "environment", choices: environments() });
step("a", || exec::run(["sh", "-c", "echo a >> ran.log"]));
step("b", || {
    exec::run(["sh", "-c", "echo b >> ran.log; if [ -f fail-b ]; then echo 'b is broken' >&2; exit 3; fi"]);
    #{ answer: 42 }
});
let c = step("c", || exec::run(["sh", "-c", "echo c >> ran.log; if [ -f slow-c ]; then sleep 30; fi"]));
"#;

#[test]
fn a_failed_run_resumes_skipping_completed_steps() {
    let repo = TestRepo::new();
    repo.script("three", RESUMABLE).write("fail-b", "");
    let first = repo.run(&["run", "three", "--set", "env=dev"]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert!(first.stderr.contains("b is broken"), "{}", first.stderr);
    let id = run_ids(&repo).pop().expect("a run id");

    std::fs::remove_file(repo.path().join("fail-b")).unwrap();
    let second = repo.run(&["run", "--resume", &id]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    expect![[r#"
        a
        b
        b
        c
    "#]]
    .assert_eq(&std::fs::read_to_string(repo.path().join("ran.log")).unwrap());
    assert!(second.stderr.contains("[a] ↷ a ([T]) skipped: completed in the resumed run"), "{}", second.stderr);
    let runs = repo.run(&["runs"]);
    expect![[r#"
        exit 0
        --- stdout
        RUN                        SCRIPT              MODE  RESULT           STEPS  DURATION  PARAMETERS
        [RUN]  scripts/three.rhai  run   ok (exit 0)      3 [T]        {"env":"dev"}
        [RUN]  scripts/three.rhai  run   failed (exit 1)  2 [T]        {"env":"dev"}
        --- stderr
    "#]]
    .assert_eq(&runs.transcript());
    let shown = repo.run(&["runs", "show", &id]);
    assert!(shown.stdout.contains("failed b ([T]): `sh -c"), "{}", shown.stdout);
}

#[test]
fn a_run_killed_with_sigkill_can_be_resumed() {
    let repo = TestRepo::new();
    repo.script("three", RESUMABLE).write("slow-c", "");
    let child = spawn(&repo, &["run", "three", "--set", "env=dev"]);
    wait_for("step c to start", || {
        std::fs::read_to_string(repo.path().join("ran.log")).is_ok_and(|log| log.contains('c'))
    });
    signal(&child, nix::sys::signal::Signal::SIGKILL);
    let _ = finish(child, repo.path());
    let id = run_ids(&repo).pop().unwrap();
    // The journal is consistent: a and b finished, c started, no end of run.
    let journal = journal_text(&repo);
    assert_eq!(journal.matches(r#""event":"step_finished""#).count(), 2, "{journal}");
    assert!(!journal.contains("run_finished"));
    assert!(repo.run(&["runs"]).stdout.contains("unfinished (resumable)"));

    std::fs::remove_file(repo.path().join("slow-c")).unwrap();
    let resumed = repo.run(&["run", "--resume", &id]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    expect![[r#"
        a
        b
        c
        c
    "#]]
    .assert_eq(&std::fs::read_to_string(repo.path().join("ran.log")).unwrap());
}

#[test]
fn changed_inputs_rerun_a_completed_step() {
    let repo = TestRepo::new();
    repo.script(
        "inputs",
        "//! Step inputs.\nparam(\"n\", #{ help: \"n\" });\nlet n = params.n;\nstep(\"uses n\", || exec::run([\"sh\", \"-c\", `echo ${n} >> ran.log`]));\nfail(\"stop\");\n",
    );
    assert_eq!(repo.run(&["run", "inputs", "--set", "n=1"]).code, 1);
    let id = run_ids(&repo).pop().unwrap();
    // Resume keeps the parameters, so the step is skipped.
    assert_eq!(repo.run(&["run", "--resume", &id]).code, 1);
    assert_eq!(std::fs::read_to_string(repo.path().join("ran.log")).unwrap(), "1\n");
}

#[test]
fn parallel_honours_the_limit_and_prefixes_output() {
    let repo = TestRepo::new();
    std::fs::create_dir_all(repo.path().join("running")).unwrap();
    repo.script(
        "fan",
        r#"//! Fans out.
let tasks = #{};
for n in 0..6 {
    let i = n; // a fresh variable per closure: the loop variable itself is shared
    tasks[`t${i}`] = || exec::run(["sh", "-c", `touch running/${i}; sleep 0.3; ls running | wc -l >> seen; rm running/${i}; echo done ${i}`]);
}
let results = parallel(tasks, #{ limit: 2 });
print(results.keys().len());
"#,
    );
    let outcome = repo.run(&["run", "fan", "-v"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let seen: Vec<usize> = std::fs::read_to_string(repo.path().join("seen"))
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(seen.len(), 6);
    assert!(seen.iter().all(|n| *n <= 2), "more than 2 ran at once: {seen:?}");
    for i in 0..6 {
        assert!(outcome.stderr.contains(&format!("[t{i}]   done {i}")), "{}", outcome.stderr);
    }
}

#[test]
fn parallel_collects_every_failure() {
    let repo = TestRepo::new();
    repo.script(
        "fails",
        "//! Two of three fail.\nparallel([\n    || fail(\"first broke\"),\n    || 1,\n    || step(\"named\", || fail(\"second broke\")),\n]);\n",
    );
    let outcome = repo.run(&["run", "fails"]);
    assert_eq!(outcome.code, 1);
    expect![[r#"
        error: 2 of 3 parallel tasks failed:
          - task 1: first broke (scripts/fails.rhai:3)
          - task 3: second broke (scripts/fails.rhai:5)
          --> scripts/fails.rhai:2:1
          |
        2 | parallel([
          | ^
    "#]]
    .assert_eq(outcome.stderr.split_once("error: ").map(|(_, e)| format!("error: {e}")).as_deref().unwrap_or(""));
}

const LOCKING: &str = r#"//! Holds the customer lock while `hold` exists.
lock("dev/acme");
step("hold", || exec::run(["sh", "-c", "touch started; while [ -f hold ]; do sleep 0.05; done"]));
"#;

#[test]
fn a_second_run_on_the_same_scope_fails_fast_naming_the_holder() {
    let repo = TestRepo::new();
    repo.script("holder", LOCKING).write("hold", "");
    let first = spawn(&repo, &["run", "holder"]);
    wait_for("the first run to hold the lock", || repo.path().join("started").exists());
    let holder_id = run_ids(&repo).pop().unwrap();

    let second = repo.run(&["run", "holder"]);
    assert_eq!(second.code, 4, "{}", second.stderr);
    let message = regex::Regex::new(r"pid \d+").unwrap().replace(&second.stderr, "pid [PID]").into_owned();
    let message = regex::Regex::new(r"by run \[RUN\] \([^@]*@[^,]+,")
        .unwrap()
        .replace(&message, "by run [RUN] ([USER]@[HOST],")
        .into_owned();
    expect![[r#"
        auto scripts/holder.rhai (run, run [RUN])
        error: `dev/acme` is locked by run [RUN] ([USER]@[HOST], pid [PID]) since [TS]: wait for it to finish, or if that run is gone, remove `[REPO]/.auto/locks/dev__acme.lock`
          --> scripts/holder.rhai:2:1
          |
        2 | lock("dev/acme");
          | ^
    "#]]
    .assert_eq(&message);
    assert!(std::fs::read_to_string(repo.path().join(".auto/locks/dev__acme.lock")).unwrap().contains(&holder_id));

    std::fs::remove_file(repo.path().join("hold")).unwrap();
    assert_eq!(finish(first, repo.path()).code, 0);
    assert!(!repo.path().join(".auto/locks/dev__acme.lock").exists(), "released at the end");
}

#[test]
fn a_stale_lock_is_taken_over_with_a_warning() {
    let repo = TestRepo::new();
    repo.script("quick", "//! Locks briefly.\nlock(\"dev/acme\");\n");
    let host = nix::unistd::gethostname().unwrap().into_string().unwrap();
    // No process has pid 4194303 (above the default pid_max), so the holder is dead.
    repo.write(
        ".auto/locks/dev__acme.lock",
        &format!(r#"{{"run_id":"old-run","pid":4194303,"host":"{host}","user":"x","since":"2026-01-01T00:00:00Z"}}"#),
    );
    let outcome = repo.run(&["run", "quick"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(
        outcome
            .stderr
            .contains("warning: taking over the stale lock on `dev/acme` left by run old-run (pid 4194303 on"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn ctrl_c_stops_a_running_child_releases_locks_and_marks_the_journal() {
    let repo = TestRepo::new();
    repo.script("holder", LOCKING).write("hold", "");
    let child = spawn(&repo, &["run", "holder"]);
    wait_for("the step to start", || repo.path().join("started").exists());
    signal(&child, nix::sys::signal::Signal::SIGINT);
    let outcome = finish(child, repo.path());
    assert_eq!(outcome.code, 130, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("interrupted: stopping (1 running command(s) told to stop"), "{}", outcome.stderr);
    assert!(!repo.path().join(".auto/locks/dev__acme.lock").exists());
    assert!(journal_text(&repo).contains(r#""interrupted":true"#));
}

#[test]
fn ctrl_c_stops_a_runaway_loop() {
    let repo = TestRepo::new();
    repo.script("spin", "//! Spins forever.\nexec::run([\"touch\", \"started\"]);\nloop { }\n");
    let child = spawn(&repo, &["run", "spin", "--max-operations", "18446744073709551615"]);
    wait_for("the loop to start", || repo.path().join("started").exists());
    signal(&child, nix::sys::signal::Signal::SIGINT);
    assert_eq!(finish(child, repo.path()).code, 130);
}

#[test]
fn a_tool_hanging_past_the_step_timeout_is_killed_and_reported() {
    let repo = TestRepo::new();
    repo.script("hang", "//! Hangs.\nstep(\"hangs\", #{ timeout: \"300ms\" }, || exec::run([\"sleep\", \"30\"]));\n");
    repo.script("spin", "//! Spins.\nstep(\"spins\", #{ timeout: \"200ms\" }, || { loop { } });\n");
    let outcome = repo.run(&["run", "hang"]);
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("error: step `hangs` exceeded its timeout of [T]: `sleep 30` was killed"),
        "{}",
        outcome.stderr
    );
    let outcome = repo.run(&["run", "spin", "--max-operations", "18446744073709551615"]);
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("error: step `spins` exceeded its timeout of [T]"), "{}", outcome.stderr);
}

/// Mounts a tmpfs at `dir` (the tests run as root, as CI does) and unmounts it on drop.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, options: &str) -> Tmpfs {
        std::fs::create_dir_all(dir).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "this test needs to mount a tmpfs (root, as in CI) to simulate a full or read-only disk"
        );
        Tmpfs(dir.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_or_read_only_auto_folder_is_a_clear_error() {
    let repo = TestRepo::new();
    repo.script("big", "//! Journals large step results.\nlet s = \"x\";\ns.pad(20000, 'x');\nfor i in 0..50 { step(`s${i}`, || s); }\n");
    {
        let _full = Tmpfs::mount(&repo.path().join(".auto"), "size=64k");
        let outcome = repo.run(&["run", "big"]);
        assert_eq!(outcome.code, 1, "{}", outcome.stderr);
        assert!(
            outcome.stderr.contains("cannot write the run journal")
                && outcome.stderr.contains("No space left on device"),
            "{}",
            outcome.stderr
        );
        assert!(!outcome.stderr.contains("panicked"), "{}", outcome.stderr);
    }
    {
        let _read_only = Tmpfs::mount(&repo.path().join(".auto"), "ro,size=64k");
        let outcome = repo.run(&["run", "big"]);
        assert_eq!(outcome.code, 1, "{}", outcome.stderr);
        assert!(
            outcome.stderr.contains("cannot write the run journal") && outcome.stderr.contains("Read-only file system"),
            "{}",
            outcome.stderr
        );
    }
}
