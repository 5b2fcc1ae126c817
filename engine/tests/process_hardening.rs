//! Regressions of issue 18 (hostile review), through the binary:
//! - item 14: a tool whose `setsid` child keeps its stdout neither hangs `auto` nor slips
//!   past the exec and step timeouts;
//! - item 15: tools die with `auto` when it is killed with SIGKILL;
//! - item 17: however much a tool prints, `auto`'s memory stays bounded;
//! - item 18: a closed or full stdout ends every printing command cleanly, no panic.
#![allow(clippy::disallowed_methods)] // tests start the binary under test directly

mod support;

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use expect_test::expect;
use nix::libc;
use support::{normalise, TestRepo};

/// Kills, on drop, the process whose pid a test's tool wrote to `file` (if it is still
/// there): processes that outlive `auto` on the old code must not outlive the test.
struct KillOnDrop(std::path::PathBuf);

impl KillOnDrop {
    fn pid(&self) -> Option<i32> {
        std::fs::read_to_string(&self.0).ok()?.trim().parse().ok()
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            if alive(pid) {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
            }
        }
    }
}

/// Whether `pid` is a process that has not exited (a zombie waiting for its reaper has).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the field after `(comm)`; comm may hold spaces and parentheses.
        Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X'])),
        Err(_) => false,
    }
}

struct Ran {
    code: i32,
    stderr: String,
}

/// Runs `auto` with its output in files; if it is not done within `limit` it is killed
/// (by its pid) and the test fails: this proves it does not hang, it times nothing.
fn run_within(repo: &TestRepo, args: &[&str], limit: Duration) -> Ran {
    let err_path = repo.path().join(".stderr");
    let started = Instant::now();
    let mut child = repo
        .command(args)
        .stdout(Stdio::null())
        .stderr(File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("auto starts");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`auto {}` still ran after {limit:?}: killed\n{}",
                args.join(" "),
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = std::fs::read_to_string(&err_path).expect("stderr");
    Ran { code: status.code().unwrap_or(-1), stderr: normalise(&stderr, repo.path()) }
}

/// Replaces the pid a test's tool wrote to `file` with `[PID]`.
fn without_pid(text: &str, pid: Option<i32>) -> String {
    match pid {
        Some(pid) => text.replace(&pid.to_string(), "[PID]"),
        None => text.to_string(),
    }
}

// Item 14: `sh` exits at once, the `setsid sleep` it started keeps the stdout pipe for
// 100 s. `auto` used to wait for end of file on that pipe: it hung for the 100 s,
// whatever the timeouts said.
const ORPHAN: &str = "setsid sleep 100 & echo $! > orphan.pid;";

#[test]
fn a_tool_whose_setsid_child_keeps_stdout_returns_once_it_exits() {
    let repo = TestRepo::new();
    let orphan = KillOnDrop(repo.path().join("orphan.pid"));
    repo.script(
        "daemon",
        &format!(
            "//! Starts a daemon that keeps stdout.\nlet r = exec::run([\"sh\", \"-c\", \"{ORPHAN} echo hi\"], #{{ timeout: \"5s\" }});\ninfo(`the tool said ${{r.stdout}}`);\n"
        ),
    );
    let ran = run_within(&repo, &["run", "daemon"], Duration::from_secs(30));
    expect![[r#"
        auto scripts/daemon.rhai (run, run [RUN])
        warning: `sh -c 'setsid sleep 100 & echo $! > orphan.pid; echo hi'` exited, but process [PID] (`sleep`) it started still holds its output: auto stopped reading after [T] and went on without it (it was not stopped)
        the tool said hi
        ok in [T]
    "#]]
    .assert_eq(&without_pid(&ran.stderr, orphan.pid()));
    assert_eq!(ran.code, 0);
    assert!(alive(orphan.pid().expect("orphan pid")), "the daemon was left alone, as the warning says");
}

#[test]
fn the_exec_timeout_holds_when_a_setsid_child_keeps_stdout() {
    let repo = TestRepo::new();
    let orphan = KillOnDrop(repo.path().join("orphan.pid"));
    repo.script(
        "hangs",
        &format!(
            "//! Hangs with a daemon holding stdout.\nexec::run([\"sh\", \"-c\", \"{ORPHAN} sleep 100\"], #{{ timeout: \"1s\" }});\n"
        ),
    );
    let ran = run_within(&repo, &["run", "hangs"], Duration::from_secs(30));
    expect![[r#"
        auto scripts/hangs.rhai (run, run [RUN])
        error: `sh -c 'setsid sleep 100 & echo $! > orphan.pid; sleep 100'` did not finish within [T] and was killed; process [PID] (`sleep`) it started left its process group (`setsid` or a daemon), so it was not killed with it and still holds the output pipe: stop it with `kill [PID]`
          --> scripts/hangs.rhai:2:7
          |
        2 | exec::run(["sh", "-c", "setsid sleep 100 & echo $! > orphan.pid; sleep 100"], #{ timeout: "[T]" });
          |       ^
    "#]]
    .assert_eq(&without_pid(&ran.stderr, orphan.pid()));
    assert_eq!(ran.code, 1);
}

#[test]
fn the_step_timeout_holds_when_a_setsid_child_keeps_stdout() {
    let repo = TestRepo::new();
    let orphan = KillOnDrop(repo.path().join("orphan.pid"));
    repo.script(
        "hangs",
        &format!(
            "//! Hangs with a daemon holding stdout.\nstep(\"waits\", #{{ timeout: \"1s\" }}, || exec::run([\"sh\", \"-c\", \"{ORPHAN} sleep 100\"]));\n"
        ),
    );
    let ran = run_within(&repo, &["run", "hangs"], Duration::from_secs(30));
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let stderr = without_pid(&ran.stderr, orphan.pid());
    let error = stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
    expect![[r#"error: step `waits` exceeded its timeout of [T]: `sh -c 'setsid sleep 100 & echo $! > orphan.pid; sleep 100'` was killed; process [PID] (`sleep`) it started left its process group (`setsid` or a daemon), so it was not killed with it and still holds the output pipe: stop it with `kill [PID]`"#]]
        .assert_eq(error);
}

// Item 15: `kill -9` of `auto` left its tools running (a terraform apply nobody watches).
#[test]
fn tools_die_with_auto_when_it_is_killed() {
    let repo = TestRepo::new();
    let tool = KillOnDrop(repo.path().join("tool.pid"));
    repo.script("sleeps", "//! Sleeps.\nexec::run([\"sh\", \"-c\", \"echo $$ > tool.pid; exec sleep 60\"]);\n");
    let mut auto =
        repo.command(&["run", "sleeps"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("starts");
    let waiting = Instant::now();
    let pid = loop {
        if let Some(pid) = tool.pid() {
            break pid;
        }
        assert!(waiting.elapsed() < Duration::from_secs(20), "the tool did not start");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(alive(pid));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(auto.id() as i32), nix::sys::signal::Signal::SIGKILL)
        .expect("kill auto");
    auto.wait().expect("auto reaped");
    let killed = Instant::now();
    while alive(pid) && killed.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid), "the tool (pid {pid}) outlived `auto` by 10 s");
}

/// Runs `auto` and returns its exit code and peak resident memory in KiB (wait4's rusage
/// covers exactly that child and what it waited for).
fn run_measuring_memory(repo: &TestRepo, args: &[&str]) -> (i32, u64, String) {
    let err_path = repo.path().join(".stderr");
    #[allow(clippy::zombie_processes)] // reaped below by wait4, which also reports its rusage
    let child = repo
        .command(args)
        .stdout(Stdio::null())
        .stderr(File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("auto starts");
    let mut status = 0;
    // SAFETY: rusage is plain data, zero is a valid value of every field.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call; the pid is our own unreaped child.
    let reaped = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(reaped, child.id() as i32, "wait4: {}", std::io::Error::last_os_error());
    assert!(libc::WIFEXITED(status), "auto was killed by a signal (status {status})");
    let stderr = normalise(&std::fs::read_to_string(&err_path).expect("stderr"), repo.path());
    (libc::WEXITSTATUS(status), usage.ru_maxrss as u64, stderr)
}

const OUTPUT_SIZE: u64 = 300_000_000;

// Item 17: `auto` kept all of a tool's output in memory; 1.5 GB aborted it.
#[test]
fn a_tool_printing_300_mb_fails_naming_the_limit_in_bounded_memory() {
    let repo = TestRepo::new();
    repo.script(
        "floods",
        &format!(
            "//! Prints 300 MB.\nlet r = exec::run([\"sh\", \"-c\", \"yes $(printf %01000d 0) | head -c {OUTPUT_SIZE}\"]);\n"
        ),
    );
    let (code, peak_kib, stderr) = run_measuring_memory(&repo, &["run", "floods"]);
    let error = stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
    expect![[r#"error: `sh -c 'yes $(printf %01000d 0) | head -c 300000000'` printed 300000000 bytes on stdout, more than the 16 MiB auto keeps of a tool's output: it ran to the end (exit code 0) but its output is not returned; have it write to a file and read that, or make it print less"#]]
        .assert_eq(error);
    assert_eq!(code, 1);
    assert!(peak_kib * 1024 < OUTPUT_SIZE / 3, "peak RSS {peak_kib} KiB for {OUTPUT_SIZE} bytes of output");
}

#[test]
fn a_tool_flooding_stderr_fails_with_its_last_lines_in_bounded_memory() {
    let repo = TestRepo::new();
    repo.script(
        "complains",
        &format!(
            "//! Prints 300 MB on stderr, then fails.\nexec::run([\"sh\", \"-c\", \"yes $(printf %01000d 0) | head -n {} >&2; echo 'the real problem' >&2; exit 3\"]);\n",
            OUTPUT_SIZE / 1000
        ),
    );
    let (code, peak_kib, stderr) = run_measuring_memory(&repo, &["run", "complains"]);
    assert_eq!(code, 1);
    let error: Vec<&str> = stderr.lines().skip_while(|l| !l.starts_with("error:")).collect();
    assert!(error[0].ends_with("failed with exit code 3:"), "{}", error[0]);
    // The last 20 lines of stderr, as for any failing tool: the end of the flood, then the cause.
    assert_eq!(error[1..20], vec!["0".repeat(1000); 19][..]);
    assert_eq!(error[20], "the real problem");
    assert!(peak_kib * 1024 < OUTPUT_SIZE / 3, "peak RSS {peak_kib} KiB for {OUTPUT_SIZE} bytes on stderr");
}

// Item 18: `println!` panicked (exit 101) when stdout was closed or full.

/// The commands that print: each with a closed pipe and with /dev/full.
fn printing_commands(repo: &TestRepo) -> Vec<Vec<String>> {
    repo.script(
        "hello",
        "//! Says hello.\nparam(\"who\", #{ help: \"whom to greet\" });\ninfo(`hello ${params.who}`);\n",
    );
    assert_eq!(repo.run(&["run", "hello", "--set", "who=you"]).code, 0, "a run for `auto runs` to list");
    // `auto affected`: one commit that changes the script.
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .stdout(Stdio::null())
            .status()
            .expect("git");
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["-c", "user.name=T", "-c", "user.email=t@example.com", "add", "-A"]);
    git(&["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "one"]);
    repo.script(
        "hello",
        "//! Says hello twice.\nparam(\"who\", #{ help: \"whom to greet\" });\ninfo(`hello ${params.who}`);\n",
    );
    git(&["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qam", "two"]);
    let run_id = support::run_ids(repo).pop().expect("a recorded run");
    let commands: [&[&str]; 11] = [
        &["list"],
        &["describe", "hello"],
        &["runs"],
        &["runs", "show", &run_id],
        &["check"],
        &["completions", "bash"],
        &["doctor"],
        &["affected", "--base", "HEAD~1"],
        &["--help"],
        &["--version"],
        &["run", "--help"],
    ];
    commands.iter().map(|args| args.iter().map(|a| a.to_string()).collect()).collect()
}

fn run_with_stdout(repo: &TestRepo, args: &[&str], stdout: impl Into<Stdio>) -> (i32, String) {
    let output = repo.command(args).stdout(stdout).stderr(Stdio::piped()).output().expect("auto runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().expect("pipe");
    // The read end is gone before `auto` starts: its first write gets EPIPE, every time.
    drop(reader);
    writer
}

fn dev_full() -> File {
    File::options().write(true).open("/dev/full").expect("/dev/full")
}

#[test]
fn every_printing_command_prints_something() {
    // Guards the two tests below: a command that prints nothing would pass them vacuously.
    let repo = TestRepo::new();
    for args in printing_commands(&repo) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = repo.command(&args).output().expect("auto runs");
        assert!(!output.stdout.is_empty(), "`auto {}` printed nothing on stdout", args.join(" "));
    }
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_0() {
    let repo = TestRepo::new();
    for args in printing_commands(&repo) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stderr) = run_with_stdout(&repo, &args, closed_pipe());
        let stderr = stderr.lines().filter(|l| !is_progress(&args, l)).collect::<Vec<_>>().join("\n");
        assert_eq!((code, stderr.as_str()), (0, ""), "`auto {}` with a closed stdout", args.join(" "));
    }
}

#[test]
fn a_full_stdout_fails_every_command_with_one_line() {
    let repo = TestRepo::new();
    for args in printing_commands(&repo) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stderr) = run_with_stdout(&repo, &args, dev_full());
        let stderr = stderr.lines().filter(|l| !is_progress(&args, l)).collect::<Vec<_>>().join("\n");
        assert_eq!(
            (code, stderr.as_str()),
            (1, "error: cannot write to stdout: No space left on device (os error 28)"),
            "`auto {}` with stdout on /dev/full",
            args.join(" ")
        );
    }
}

/// What `auto affected` says on stderr whatever becomes of stdout (its summary line).
fn is_progress(args: &[&str], line: &str) -> bool {
    args[0] == "affected" && line.starts_with("affected:")
}

#[test]
fn usage_errors_with_a_full_stderr_keep_their_exit_code() {
    let repo = TestRepo::new();
    for (args, expected) in [
        (&["--no-such-flag"][..], 2),
        (&["list", "--bogus"][..], 2),
        (&["run"][..], 2),
        (&["run", "no_such_script"][..], 2),
        (&["describe", "no_such_script"][..], 2),
    ] {
        let output = repo.command(args).stdout(Stdio::null()).stderr(dev_full()).output().expect("auto runs");
        assert_eq!(output.status.code(), Some(expected), "`auto {}` with stderr on /dev/full", args.join(" "));
    }
}

#[test]
fn a_closed_stdout_does_not_stop_a_run_nor_change_its_result() {
    // The reporters write events to stdout with `--output json`: a log reader that goes
    // away must not cut a run (an apply) short.
    let repo = TestRepo::new();
    repo.script("writes", "//! Writes a file.\nexec::run([\"sh\", \"-c\", \"echo done > done.txt\"]);\n");
    let (code, stderr) = run_with_stdout(&repo, &["run", "writes", "--output", "json"], closed_pipe());
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(std::fs::read_to_string(repo.path().join("done.txt")).expect("the run ran"), "done\n");
}

#[test]
fn timeouts_do_not_wait_for_the_output_of_a_killed_group() {
    // A plain background child (same process group) holding stdout past the timeout is
    // killed with the group, so the run ends soon after the timeout, not after 100 s.
    let repo = TestRepo::new();
    repo.script("hangs", "//! Hangs.\nexec::run([\"sh\", \"-c\", \"sleep 100 & sleep 100\"], #{ timeout: \"1s\" });\n");
    let ran = run_within(&repo, &["run", "hangs"], Duration::from_secs(30));
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let error = ran.stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
    expect![[r#"error: `sh -c 'sleep 100 & sleep 100'` did not finish within [T] and was killed"#]].assert_eq(error);
}

#[test]
fn a_run_whose_json_report_cannot_be_written_does_not_exit_0() {
    let repo = TestRepo::new();
    repo.script("hello", "print(\"hello\");\n");
    let (code, stderr) = run_with_stdout(&repo, &["run", "hello", "--output", "json"], dev_full());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cannot write the run's report: No space left on device"), "{stderr}");
    // A closed pipe is the reader's choice, not a failure.
    let (code, stderr) = run_with_stdout(&repo, &["run", "hello", "--output", "json"], closed_pipe());
    assert_eq!(code, 0, "{stderr}");
}
