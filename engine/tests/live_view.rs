//! What a person sees while a run goes on, on a REAL terminal (tmux, see support/pane.rs):
//! the live status line fits the terminal's width (cut, never wrapped), is redrawn in place
//! (no stale copies pile up), says how many steps are done, running and queued and which
//! runs longest, and goes away when the run ends. `NO_COLOR`, `CLICOLOR=0`, `TERM=dumb` and
//! a pipe get no escape sequence at all; a locale that is not UTF-8 gets ASCII glyphs.
#![allow(clippy::disallowed_methods)] // tests start the binary under test and tmux directly

mod support;

use std::time::{Duration, Instant};

use support::pane::{quote, Pane};
use support::TestRepo;

/// Eight customers with long names, three at a time: some wait for a slot, and the status
/// line is longer than a narrow terminal.
const ROLLOUT: &str = r#"//! Rolls out to eight customers, three at a time.
let names = [];
for i in 1..=8 { names.push(`customer-number-${i}-with-a-long-name`); }
parallel_map(names, |name| {
    step("roll-out", || { sleep("1200ms"); });
}, #{ limit: 3 });
info("rolled out");
"#;

fn rollout_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.script("rollout", ROLLOUT);
    repo
}

/// `auto run rollout` in `repo`, as a person's shell would start it, with `env` set.
fn auto_line(repo: &TestRepo, env: &str) -> String {
    format!(
        "cd {} && env -u GITHUB_ACTIONS -u GITHUB_STEP_SUMMARY -u TMUX -u NO_COLOR -u CLICOLOR -u LC_ALL -u LC_CTYPE -u COLUMNS LANG=C.UTF-8 {env} {} run rollout",
        quote(&repo.path().display().to_string()),
        quote(env!("CARGO_BIN_EXE_auto")),
    )
}

fn width(line: &str) -> usize {
    line.chars().count()
}

/// The status rows on a screen (as drawn, one row per terminal row).
fn status_rows(rows: &str) -> Vec<String> {
    rows.lines().filter(|l| l.contains(" running · ") || l.contains(" running | ")).map(str::to_string).collect()
}

/// Watches the pane until the run ends: every screen seen while it ran.
fn watch(pane: &Pane) -> Vec<String> {
    let mut seen = Vec::new();
    let until = Instant::now() + Duration::from_secs(60);
    while !pane.ended() {
        seen.push(pane.rows());
        assert!(Instant::now() < until, "the run did not end:\n{}", pane.screen());
        std::thread::sleep(Duration::from_millis(80));
    }
    seen
}

fn live_view_at(columns: u16) -> (Vec<String>, String, Vec<u8>) {
    let repo = rollout_repo();
    let pane = Pane::sized(&auto_line(&repo, ""), columns, 40);
    let seen = watch(&pane);
    let (code, _) = pane.finish();
    let rows = pane.rows();
    assert_eq!(code, 0, "{rows}");
    (seen, rows, pane.raw())
}

fn check_live_view(columns: u16) -> Vec<String> {
    let (seen, rows, raw) = live_view_at(columns);
    let mut statuses = Vec::new();
    for screen in &seen {
        for row in screen.lines() {
            assert!(width(row) <= columns as usize, "a row is wider than the terminal ({columns}):\n{screen}");
        }
        let shown = status_rows(screen);
        // Redrawn in place: never more than the one status row on the screen.
        assert!(shown.len() <= 1, "stale status lines pile up:\n{screen}");
        statuses.extend(shown);
    }
    assert!(!statuses.is_empty(), "no status line was ever seen; screens:\n{}", seen.join("\n----\n"));
    // The counts and the step running longest, cut to the width when too long.
    assert!(statuses.iter().any(|s| s.contains("0 done · 3 running · 5 queued")), "{statuses:#?}");
    assert!(statuses.iter().any(|s| s.contains(" done · ") && s.contains("2 queued")), "{statuses:#?}");
    if columns >= 100 {
        assert!(statuses.iter().all(|s| s.contains("longest: customer-number-")), "{statuses:#?}");
    } else {
        assert!(statuses.iter().all(|s| s.trim_end().ends_with('…')), "not cut to the width: {statuses:#?}");
    }
    // Gone at the end: the recap and the result, no status line left behind.
    assert!(status_rows(&rows).is_empty(), "a status line was left on the screen:\n{rows}");
    assert!(rows.contains("rolled out"), "{rows}");
    assert_eq!(rows.matches("✔ roll-out").count(), 8, "{rows}");
    // Colour and line erasing on a terminal that takes them.
    assert!(raw.contains(&0x1b), "no escape sequence on a colour terminal");
    statuses
}

#[test]
fn the_status_line_fits_60_columns() {
    check_live_view(60);
}

#[test]
fn the_status_line_at_200_columns_names_the_running_steps() {
    let statuses = check_live_view(200);
    // Wide enough for the counts, the longest and the two others running.
    assert!(
        statuses.iter().any(|s| s.matches("customer-number-").count() == 3),
        "three running steps are not all shown at 200 columns: {statuses:#?}"
    );
}

/// On a terminal, with each way of saying "no escapes": not one ESC byte reaches it, and
/// (but for `TERM=dumb`, which cannot redraw) the status line is still redrawn in place.
#[test]
fn no_escape_sequences_when_the_user_says_so() {
    for (env, live) in [("NO_COLOR=1", true), ("CLICOLOR=0", true), ("TERM=dumb", false)] {
        let repo = rollout_repo();
        let pane = Pane::sized(&auto_line(&repo, env), 120, 40);
        let seen = watch(&pane);
        let (code, _) = pane.finish();
        let rows = pane.rows();
        assert_eq!(code, 0, "{env}: {rows}");
        let raw = pane.raw();
        if let Some(at) = raw.iter().position(|b| *b == 0x1b) {
            let around = String::from_utf8_lossy(&raw[at.saturating_sub(40)..(at + 20).min(raw.len())]).into_owned();
            panic!("{env}: an escape sequence reached the terminal: {around:?}");
        }
        let statuses: Vec<String> = seen.iter().flat_map(|s| status_rows(s)).collect();
        assert_eq!(!statuses.is_empty(), live, "{env}: status lines seen: {statuses:#?}");
        for screen in &seen {
            assert!(status_rows(screen).len() <= 1, "{env}: stale status lines:\n{screen}");
        }
        assert!(status_rows(&rows).is_empty(), "{env}: a status line was left behind:\n{rows}");
        assert_eq!(rows.matches("✔ roll-out").count(), 8, "{env}: {rows}");
    }
}

#[test]
fn a_pipe_gets_plain_lines() {
    let repo = rollout_repo();
    let output =
        repo.command(&["run", "rollout"]).env_remove("NO_COLOR").env("TERM", "xterm-256color").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.stderr.contains(&0x1b), "escape sequences in a pipe: {stderr:?}");
    assert!(!stderr.contains('\r'), "a redraw in a pipe: {stderr:?}");
    assert_eq!(stderr.matches("✔ roll-out").count(), 8, "{stderr}");
}

/// `LC_ALL=C` (or any locale that is not UTF-8): the marks, arrows and spinner in ASCII,
/// on a terminal and in a pipe.
#[test]
fn a_locale_that_is_not_utf8_gets_ascii_glyphs() {
    let repo = rollout_repo();
    let output = repo.command(&["run", "rollout"]).env("LC_ALL", "C").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.is_ascii(), "not ASCII under LC_ALL=C:\n{stderr}");
    assert!(stderr.contains("[customer-number-1-with-a-long-name/roll-out] > roll-out"), "{stderr}");
    assert_eq!(stderr.matches("+ roll-out").count(), 8, "{stderr}");

    let pane = Pane::sized(&auto_line(&repo, "LC_ALL=POSIX"), 100, 40);
    let seen = watch(&pane);
    let (code, _) = pane.finish();
    assert_eq!(code, 0);
    let raw = pane.raw();
    assert!(raw.is_ascii(), "non-ASCII bytes on a POSIX-locale terminal: {:?}", String::from_utf8_lossy(&raw));
    let statuses: Vec<String> = seen.iter().flat_map(|s| status_rows(s)).collect();
    assert!(statuses.iter().any(|s| s.contains(" done | 3 running | ")), "{statuses:#?}");
}
