//! Issue 18, the journal, resume and locks under a hostile review: a journal is acted on
//! only once it verifies, it confirms no guessed secret, a masked result is never replayed,
//! a killed run's tools keep its locks, and lock I/O problems are not "locked".
#![allow(clippy::disallowed_methods)] // tests start the binary under test directly

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use sha2::Digest;
use support::{run_ids, TestRepo};

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

fn journal_path(repo: &TestRepo, id: &str) -> PathBuf {
    repo.path().join(".auto/runs").join(id).join("journal.jsonl")
}

fn read(repo: &TestRepo, relative: &str) -> String {
    std::fs::read_to_string(repo.path().join(relative)).unwrap_or_default()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Journal lines as JSON values.
fn records(repo: &TestRepo, id: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(journal_path(repo, id))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

const TWO_STEPS: &str = r#"//! The second step uses the first's result and fails while `fail` exists.
let a = step("a", || { exec::run(["sh", "-c", "echo a >> ran.log"]); #{ answer: 42 } });
step("b", || {
    if fs::exists("fail") { fail("b is broken"); }
    fs::write("answer.txt", `${a.answer}`);
});
"#;

/// A failed run of TWO_STEPS, ready to resume once `fail` is removed.
fn failed_run(repo: &TestRepo) -> String {
    repo.script("two", TWO_STEPS).write("fail", "");
    let first = repo.run(&["run", "two"]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    std::fs::remove_file(repo.path().join("fail")).unwrap();
    run_ids(repo).pop().expect("a run id")
}

#[test]
fn resume_refuses_a_journal_whose_script_was_pointed_elsewhere() {
    let repo = TestRepo::new();
    let id = failed_run(&repo);
    let outside = tempfile::tempdir().unwrap();
    let evil = outside.path().join("outside.rhai");
    let marker = outside.path().join("ran");
    std::fs::write(&evil, format!("//! Not the repository's.\nfs::write(\"{}\", \"x\");\n", marker.display())).unwrap();
    let path = journal_path(&repo, &id);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("scripts/two.rhai", &evil.display().to_string(), 1)).unwrap();

    let resumed = repo.run(&["run", "--resume", &id]);
    assert_eq!(resumed.code, 2, "{}", resumed.stderr);
    assert!(!marker.exists(), "the script the edited journal names must not run");
    assert!(
        resumed.stderr.contains("error: cannot trust the run journal `[REPO]/.auto/runs/[RUN]/journal.jsonl:1`: the journal is damaged: the line's `mac` does not match"),
        "{}",
        resumed.stderr
    );
}

#[test]
fn resume_refuses_an_edited_step_result_naming_its_line() {
    let repo = TestRepo::new();
    let id = failed_run(&repo);
    let path = journal_path(&repo, &id);
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().position(|l| l.contains(r#""answer":42"#)).expect("a's result is journaled") + 1;
    std::fs::write(&path, text.replace(r#""answer":42"#, r#""answer":666"#)).unwrap();

    let resumed = repo.run(&["run", "--resume", &id]);
    assert_eq!(resumed.code, 2, "{}", resumed.stderr);
    assert!(
        resumed.stderr.contains(&format!("journal.jsonl:{line}`: the journal is damaged")),
        "line {line}: {}",
        resumed.stderr
    );
    assert_eq!(read(&repo, "answer.txt"), "", "nothing ran on the forged result");
    // Removing a line is found where the chain breaks, too.
    let lines: Vec<&str> = text.lines().collect();
    let without_a_line: String =
        lines.iter().enumerate().filter(|(i, _)| *i != 1).map(|(_, l)| format!("{l}\n")).collect();
    std::fs::write(&path, without_a_line).unwrap();
    let resumed = repo.run(&["run", "--resume", &id]);
    assert_eq!(resumed.code, 2, "{}", resumed.stderr);
    assert!(resumed.stderr.contains("journal.jsonl:2`: the journal is damaged"), "{}", resumed.stderr);
}

#[test]
fn an_intact_journal_resumes_and_a_torn_last_line_is_still_passed_over() {
    let repo = TestRepo::new();
    let id = failed_run(&repo);
    // What a run killed in the middle of a write leaves.
    let path = journal_path(&repo, &id);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(r#"{"event":"step_fini"#);
    std::fs::write(&path, text).unwrap();

    let resumed = repo.run(&["run", "--resume", &id]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(read(&repo, "answer.txt"), "42");
    assert_eq!(read(&repo, "ran.log"), "a\n", "a was skipped, its result replayed");
}

#[test]
fn a_journal_from_another_repository_or_run_is_refused() {
    let repo = TestRepo::new();
    let id = failed_run(&repo);
    let other = TestRepo::new();
    let _ = failed_run(&other);
    support::copy_tree(&repo.path().join(".auto/runs").join(&id), &other.path().join(".auto/runs").join(&id));
    let resumed = other.run(&["run", "--resume", &id]);
    assert_eq!(resumed.code, 2, "{}", resumed.stderr);
    assert!(resumed.stderr.contains("journal.jsonl:1`: the journal is damaged"), "{}", resumed.stderr);

    // The same journal in another run's folder of its own repository.
    let renamed = "20260101T000000.000Z-beef";
    support::copy_tree(&repo.path().join(".auto/runs").join(&id), &repo.path().join(".auto/runs").join(renamed));
    let resumed = repo.run(&["run", "--resume", renamed]);
    assert_eq!(resumed.code, 2, "{}", resumed.stderr);
    assert!(resumed.stderr.contains("journal.jsonl:1`: the journal is damaged"), "{}", resumed.stderr);
}

#[test]
fn a_run_of_a_script_outside_scripts_is_not_resumed() {
    let repo = TestRepo::new();
    repo.write("elsewhere/side.rhai", "//! Outside scripts/.\nfs::write(\"side.log\", \"ran\");\nfail(\"stop\");\n");
    let first = repo.run(&["run", "elsewhere/side.rhai"]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let id = run_ids(&repo).pop().unwrap();
    std::fs::remove_file(repo.path().join("side.log")).unwrap();

    let resumed = repo.run(&["run", "--resume", &id]);
    assert_eq!(resumed.code, 2, "{}", resumed.stderr);
    assert!(!repo.path().join("side.log").exists(), "the outside script did not run again");
    assert!(
        resumed.stderr.contains("journal.jsonl:1`: it names the script `elsewhere/side.rhai`, which is not one of the repository's scripts under `scripts/`"),
        "{}",
        resumed.stderr
    );
}

#[test]
fn a_damaged_first_line_is_reported_as_damage_not_as_an_unknown_run() {
    let repo = TestRepo::new();
    let id = failed_run(&repo);
    let path = journal_path(&repo, &id);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{{\"event\":\"run_sta\n{}", text.split_once('\n').unwrap().1)).unwrap();

    let listed = repo.run(&["runs"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let row = listed.stdout.lines().nth(1).unwrap_or_default();
    assert!(listed.stdout.starts_with("RUN "), "a header first: {}", listed.stdout);
    assert!(row.starts_with("[RUN]  ?") && row.contains("damaged at line 1 (`auto runs show` says why)"), "{row}");
    for args in [["runs", "show", id.as_str()], ["run", "--resume", id.as_str()]] {
        let outcome = repo.run(&args);
        assert_eq!(outcome.code, 2, "{args:?}: {}", outcome.stderr);
        assert!(
            outcome.stderr.contains("error: cannot trust the run journal `[REPO]/.auto/runs/[RUN]/journal.jsonl:1`: the journal is damaged or not authenticated: the line has no `mac`"),
            "{args:?}: {}",
            outcome.stderr
        );
        assert!(!outcome.stderr.contains("unknown run"), "{}", outcome.stderr);
    }
}

#[test]
fn the_journal_key_is_private_and_a_readable_or_odd_key_is_refused() {
    let repo = TestRepo::new();
    let id = failed_run(&repo);
    let key = repo.path().join(".auto/journal.key");
    assert_eq!(mode(&key), 0o600);
    assert_eq!(std::fs::metadata(&key).unwrap().len(), 32);

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let runs_before = run_ids(&repo);
    for args in [vec!["run", "two"], vec!["run", "--resume", &id]] {
        let outcome = repo.run(&args);
        assert_eq!(outcome.code, 1, "{args:?}: {}", outcome.stderr);
        assert!(
            outcome.stderr.contains(
                "error: the journal key `[REPO]/.auto/journal.key` is readable or writable by others (mode 0644)"
            ),
            "{args:?}: {}",
            outcome.stderr
        );
    }
    assert_eq!(run_ids(&repo), runs_before, "a refused key leaves no empty run behind");
    std::fs::remove_file(&key).unwrap();
    std::fs::create_dir(&key).unwrap();
    let outcome = repo.run(&["run", "two"]);
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("error: the journal key `[REPO]/.auto/journal.key` is a folder, not a regular file"),
        "{}",
        outcome.stderr
    );
    // Without its key, a journal cannot be verified: refused, not trusted.
    std::fs::remove_dir(&key).unwrap();
    let outcome = repo.run(&["run", "--resume", &id]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("no journal key at `[REPO]/.auto/journal.key`"), "{}", outcome.stderr);
    assert!(repo.run(&["runs"]).stdout.contains("unverifiable (no .auto/journal.key)"));
}

const CAPTURES_A_SECRET: &str = r#"//! A step whose input is a secret.
let pw = secret_env("DB_PW");
step("uses pw", || exec::run(["true"], #{ env: #{ PW: pw } }));
"#;

#[test]
fn journals_are_private_and_input_hashes_confirm_no_guess() {
    let hashes: Vec<String> = (0..2)
        .map(|_| {
            let repo = TestRepo::new();
            repo.script("pw", CAPTURES_A_SECRET);
            let outcome = repo.command(&["run", "pw"]).env("DB_PW", "hunter2-guessable").output().unwrap();
            assert!(outcome.status.success(), "{}", String::from_utf8_lossy(&outcome.stderr));
            let id = run_ids(&repo).pop().unwrap();
            assert_eq!(mode(&journal_path(&repo, &id)), 0o600);
            assert_eq!(mode(&repo.path().join(".auto/runs")), 0o700);
            assert_eq!(mode(&repo.path().join(".auto/runs").join(&id)), 0o700);
            let step = records(&repo, &id).into_iter().find(|r| r["event"] == "step_finished").unwrap();
            step["input_hash"].as_str().unwrap().to_string()
        })
        .collect();
    // What the unkeyed hash of the guess was: the step key, a 0, then each capture.
    let mut guess = b"uses pw\0\0".to_vec();
    guess.extend_from_slice(br#""hunter2-guessable""#);
    let unkeyed: String = sha2::Sha256::digest(&guess).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hashes[0].len(), 64);
    assert!(!hashes.contains(&unkeyed), "the journal confirms the guessed secret: {unkeyed}");
    assert_ne!(hashes[0], hashes[1], "each repository has its own key");
}

const URL_FROM_A_TOOL: &str = r#"//! A tool prints a URL holding the secret: a plain string the journal can only keep masked.
let pw = secret_env("DB_PW");
let url = step("url", || exec::run(["sh", "-c", "echo url >> ran.log; printf 'user:%s@db' \"$DB_PW\""]).stdout);
step("use", || {
    if fs::exists("fail") { fail("stop"); }
    fs::write("got.txt", url);
});
"#;

#[test]
fn a_result_the_journal_masks_is_computed_again_on_resume_not_replayed() {
    let repo = TestRepo::new();
    repo.script("url", URL_FROM_A_TOOL).write("fail", "");
    let first = repo.command(&["run", "url"]).env("DB_PW", "hunter2-in-a-url").output().unwrap();
    assert_eq!(first.status.code(), Some(1), "{}", String::from_utf8_lossy(&first.stderr));
    let id = run_ids(&repo).pop().unwrap();
    let url = records(&repo, &id).into_iter().find(|r| r["event"] == "step_finished" && r["key"] == "url").unwrap();
    // The tool's output holds the secret, so it is a secret itself (journaled as `***`);
    // either way the journal never holds the value, and the step is not replayed.
    assert!(!url["output"].to_string().contains("hunter2"), "never the secret in the journal: {}", url["output"]);
    assert!(url["output"].to_string().contains("***"), "{}", url["output"]);
    assert_eq!(url["replayable"], false);

    std::fs::remove_file(repo.path().join("fail")).unwrap();
    let resumed = repo.command(&["run", "--resume", &id]).env("DB_PW", "hunter2-in-a-url").output().unwrap();
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));
    assert_eq!(read(&repo, "got.txt"), "user:hunter2-in-a-url@db", "the real value, not the masked one");
    assert_eq!(read(&repo, "ran.log"), "url\nurl\n", "the step ran again");
}

const HOLDS_WHILE_A_TOOL_RUNS: &str = r#"//! Holds the customer lock while a tool runs, which leaves a child in its group.
lock("dev/acme");
step("apply", || exec::run(["sh", "-c", "echo apply >> ran.log; (while [ -f hold ]; do sleep 0.05; done) & touch started; wait"]));
"#;

/// Whether a process that is not a zombie is in group `pgid`.
fn group_has_live_process(pgid: i32) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { return false };
        let Some((_, fields)) = stat.rsplit_once(')') else { return false };
        let fields: Vec<&str> = fields.split_whitespace().collect();
        fields.get(2) == Some(&pgid.to_string().as_str()) && !matches!(fields.first(), Some(&"Z") | Some(&"X"))
    })
}

#[test]
fn resume_does_not_take_over_a_lock_while_the_killed_runs_tools_still_run() {
    let repo = TestRepo::new();
    repo.script("holder", HOLDS_WHILE_A_TOOL_RUNS).write("hold", "");
    let child = spawn(&repo, &["run", "holder"]);
    wait_for("the tool to start", || repo.path().join("started").exists());
    let lock = repo.path().join(".auto/locks/dev__acme.lock");
    // The tool runs as soon as it is spawned; auto names its group in the lock just after.
    let holder = || -> serde_json::Value { serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap() };
    wait_for("the lock to name the tool's group", || holder()["tool_groups"][0]["pgid"].is_i64());
    let holder = holder();
    let pgid = holder["tool_groups"][0]["pgid"].as_i64().unwrap() as i32;
    assert!(holder["started"].as_u64().is_some(), "the lock records when its process started: {holder}");
    let id = run_ids(&repo).pop().unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGKILL).unwrap();
    let _ = child.wait_with_output();

    let resumed = repo.run(&["run", "--resume", &id]);
    assert_eq!(resumed.code, 4, "{}", resumed.stderr);
    assert!(
        resumed.stderr.contains(&format!(
            "its process (pid {}) is gone, but tools it started still run (process group {pgid}): wait for them to end, or stop them (`kill -TERM -- -{pgid}`), then run again",
            holder["pid"]
        )),
        "{}",
        resumed.stderr
    );
    assert_eq!(read(&repo, "ran.log"), "apply\n", "the step did not start a second time");

    std::fs::remove_file(repo.path().join("hold")).unwrap();
    wait_for("the killed run's tools to end", || !group_has_live_process(pgid));
    let resumed = repo.run(&["run", "--resume", &id]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert!(resumed.stderr.contains("taking over the stale lock on `dev/acme`"), "{}", resumed.stderr);
    assert_eq!(read(&repo, "ran.log"), "apply\napply\n");
    assert!(!lock.exists(), "released at the end");
}

/// Mounts a tmpfs at `dir` (the tests run as root, as CI does) and unmounts it on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, options: &str) -> Tmpfs {
        std::fs::create_dir_all(dir).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .status()
            .expect("mount runs");
        assert!(status.success(), "this test needs to mount a tmpfs (root, as in CI) to simulate a read-only folder");
        Tmpfs(dir.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn lock_io_problems_exit_1_with_their_cause_not_4_locked() {
    let repo = TestRepo::new();
    repo.script("quick", "//! Locks briefly.\nlock(\"dev/acme\");\n");
    repo.write(".auto/locks", "a file where the lock folder should be");
    let outcome = repo.run(&["run", "quick"]);
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("error: cannot take the lock on `dev/acme` at `[REPO]/.auto/locks/dev__acme.lock`: `[REPO]/.auto/locks` is not a folder"),
        "{}",
        outcome.stderr
    );
    assert!(!outcome.stderr.contains("locked by"), "{}", outcome.stderr);

    std::fs::remove_file(repo.path().join(".auto/locks")).unwrap();
    let _read_only = Tmpfs::mount(&repo.path().join(".auto/locks"), "ro,size=64k");
    let outcome = repo.run(&["run", "quick"]);
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains(
            "error: cannot take the lock on `dev/acme` at `[REPO]/.auto/locks/dev__acme.lock`: Read-only file system"
        ),
        "{}",
        outcome.stderr
    );
}
