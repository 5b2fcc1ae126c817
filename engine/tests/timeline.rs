//! `auto runs show <id> --html FILE`: the run's timeline page, looked at in a REAL browser.
//!
//! Runs are real (`auto run` with real processes as the tools: `sleep`, `true`, `echo`
//! through `exec::run`), and the page is loaded from its file by headless Chromium from
//! Debian's packages: once for the DOM after its script ran (`--dump-dom`), once for a
//! 1280×800 screenshot, kept under `target/tmp/timeline/` as this test's artifact.
//!
//! - No console message: Chromium's log (`--enable-logging=stderr`) holds every console
//!   message of the page, errors included (a CSP violation is one); the page also counts
//!   script errors in `data-errors`.
//! - No network request: Chromium is pointed at a proxy on 127.0.0.1 that this test runs
//!   and that records every request; the page must cause none. Chromium's own background
//!   calls to Google's update and time services (made whatever page is open) are told
//!   apart by host and do not count.
//! - One bar per step, in its lane, for an ok, a failed, an interrupted, a resumed run and
//!   one of 500 steps (50 customers × 10 steps).
#![allow(clippy::disallowed_methods)] // tests start the binary under test and chromium directly

mod support;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::TestRepo;

const CHROMIUM: &str = "/usr/bin/chromium";

const ROLLOUT: &str = r#"//! Rolls out to five customers, two at a time.
step("prepare", || { exec::run(["sleep", "0.2"]); });
let names = ["acme", "beta", "gamma", "delta", "epsilon"];
parallel_map(names, |name| {
    step("infra", || { exec::run(["sleep", "0.3"]); exec::run(["true"]); });
    step("hive", || {
        exec::run(["sleep", "0.1"]);
        if fs::exists(`fail-${name}`) { throw `${name}: the metastore did not come up`; }
    });
}, #{ limit: 2 });
step("summary", || { exec::run(["echo", "done"]); });
"#;

fn rollout_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.script("rollout", ROLLOUT);
    repo
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("timeline");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

/// Hosts Chromium itself calls whatever page it shows (component updates, time checks).
fn chromium_background(request: &str) -> bool {
    let host = request.split_whitespace().nth(1).unwrap_or_default();
    ["google.com", "googleapis.com", "gvt1.com", "gstatic.com"]
        .iter()
        .any(|h| host.contains(&format!(".{h}")) || host.contains(&format!("//{h}")) || host.starts_with(h))
}

/// A proxy on 127.0.0.1 that answers nothing and remembers each request's first line.
struct Proxy {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let keep = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut buffer = [0u8; 512];
                let read = stream.read(&mut buffer).unwrap_or(0);
                let text = String::from_utf8_lossy(&buffer[..read]);
                keep.lock().unwrap().push(text.lines().next().unwrap_or_default().to_string());
            }
        });
        Proxy { port, seen }
    }

    fn page_requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().iter().filter(|r| !chromium_background(r)).cloned().collect()
    }
}

struct Loaded {
    dom: String,
    console: Vec<String>,
}

fn chromium(page: &Path, profile: &Path, proxy: &Proxy, mode: &[String]) -> (String, String) {
    let output = Command::new(CHROMIUM)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .args(["--disable-default-apps", "--enable-logging=stderr", "--v=0", "--window-size=1280,800"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--proxy-server=http://127.0.0.1:{}", proxy.port))
        // Loopback through the proxy too: nothing may be fetched from anywhere.
        .arg("--proxy-bypass-list=<-loopback>")
        .args(mode)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .output()
        .expect("chromium runs (bash .ci/install-tools.sh installs it)");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "chromium failed: {stderr}");
    (String::from_utf8_lossy(&output.stdout).into_owned(), stderr)
}

/// Loads `page` in Chromium: its DOM after the script ran, its console, and a screenshot
/// saved as `shot` among the artifacts.
fn load(page: &Path, shot: &str) -> Loaded {
    let profile = tempfile::tempdir().expect("profile");
    let proxy = Proxy::start();
    let (dom, log) = chromium(page, profile.path(), &proxy, &["--dump-dom".into()]);
    let picture = artifacts().join(shot);
    let (_, shot_log) = chromium(page, profile.path(), &proxy, &[format!("--screenshot={}", picture.display())]);
    let png = std::fs::read(&picture).expect("screenshot written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    // 1280×800: the IHDR's width and height.
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1280);
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 800);
    let console: Vec<String> =
        log.lines().chain(shot_log.lines()).filter(|l| l.contains(":CONSOLE")).map(str::to_string).collect();
    let requests = proxy.page_requests();
    assert!(requests.is_empty(), "the page made network requests: {requests:#?}");
    Loaded { dom, console }
}

/// `(key, lane, outcome)` of every step bar in the DOM.
fn step_bars(dom: &str) -> Vec<(String, String, String)> {
    let bar = regex::Regex::new(
        r#"<div class="bar step [^"]*" data-key="([^"]*)" data-lane="([^"]*)" data-outcome="([^"]*)""#,
    )
    .unwrap();
    bar.captures_iter(dom).map(|c| (c[1].to_string(), c[2].to_string(), c[3].to_string())).collect()
}

/// The lane each step bar is drawn in: the `data-lane` of the lane element around it.
fn bars_in_lanes(dom: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let lane = regex::Regex::new(r#"<div class="lane[^"]*" data-lane="([^"]*)">"#).unwrap();
    let starts: Vec<(usize, String)> =
        lane.captures_iter(dom).map(|c| (c.get(0).unwrap().start(), c[1].to_string())).collect();
    let bar = regex::Regex::new(r#"<div class="bar step [^"]*" data-key="([^"]*)""#).unwrap();
    for capture in bar.captures_iter(dom) {
        let at = capture.get(0).unwrap().start();
        let within =
            starts.iter().rev().find(|(start, _)| *start < at).map(|(_, name)| name.clone()).unwrap_or_default();
        found.push((capture[1].to_string(), within));
    }
    found
}

fn unescape(text: &str) -> String {
    text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
}

fn page_of(repo: &TestRepo, run: &str, name: &str) -> (PathBuf, String) {
    let page = artifacts().join(format!("{name}.html"));
    let written = repo.run(&["runs", "show", run, "--html", &page.display().to_string()]);
    assert_eq!(written.code, 0, "{}", written.transcript());
    (page, written.stdout)
}

fn check_page(loaded: &Loaded, steps: usize) {
    assert!(loaded.console.is_empty(), "console messages: {:#?}", loaded.console);
    assert!(!loaded.dom.contains("data-errors="), "script errors on the page");
    assert!(loaded.dom.contains(&format!("data-rendered=\"{steps}\"")), "the page's script did not finish");
    assert_eq!(step_bars(&loaded.dom).len(), steps, "one bar per step");
    for (key, lane) in bars_in_lanes(&loaded.dom) {
        let key = unescape(&key);
        let expected = key.rsplit_once('/').map(|(lane, _)| lane.to_string()).unwrap_or_else(|| "(run)".into());
        assert_eq!(unescape(&lane), expected, "step {key} is drawn in the wrong lane");
    }
}

#[test]
fn a_failed_run_and_its_resume_as_pages_in_a_browser() {
    let repo = rollout_repo();
    repo.write("fail-gamma", "");
    let failed = repo.run(&["run", "rollout"]);
    assert_eq!(failed.code, 1, "{}", failed.transcript());
    let id = support::run_ids(&repo).pop().unwrap();
    let (page, said) = page_of(&repo, "latest", "failed");
    assert!(said.contains("step(s) in 6 lane(s), failed"), "{said}");
    let loaded = load(&page, "failed-1280x800.png");
    // prepare, then infra and hive for five customers; the run stops before `summary`.
    check_page(&loaded, 11);
    let bars = step_bars(&loaded.dom);
    assert!(bars.contains(&("gamma/hive".into(), "gamma".into(), "failed".into())), "{bars:?}");
    assert!(
        loaded.dom.contains("gamma/hive: the script threw: gamma: the metastore did not come up"),
        "no failure message"
    );
    // Tools nested in their steps, with their command lines.
    let tools =
        regex::Regex::new(r#"<div class="bar tool" title="\$ ([^"]*)\n(exit \d+), [^"]*" data-step="acme/infra""#)
            .unwrap();
    let ran: Vec<(String, String)> =
        tools.captures_iter(&loaded.dom).map(|c| (c[1].to_string(), c[2].to_string())).collect();
    assert_eq!(
        ran,
        [("sleep 0.3".into(), "exit 0".into()), ("true".into(), "exit 0".into())],
        "acme/infra ran sleep and true"
    );
    // Waits for the parallel limit, and the critical path.
    assert!(loaded.dom.contains(r#"data-reason="a slot of the parallel limit (2)""#), "no wait drawn");
    assert!(loaded.dom.contains(r#"class="bar step changed critical""#), "no critical path");
    assert!(loaded.dom.contains("failed (exit 1)"));

    std::fs::remove_file(repo.path().join("fail-gamma")).unwrap();
    let resumed = repo.run(&["run", "--resume", &id]);
    assert_eq!(resumed.code, 0, "{}", resumed.transcript());
    let (page, _) = page_of(&repo, "latest", "resumed");
    let loaded = load(&page, "resumed-1280x800.png");
    check_page(&loaded, 12);
    let bars = step_bars(&loaded.dom);
    let outcome = |key: &str| bars.iter().find(|b| b.0 == key).map(|b| b.2.clone()).unwrap_or_default();
    assert_eq!(outcome("acme/infra"), "resumed", "{bars:?}");
    assert_eq!(outcome("prepare"), "resumed");
    assert_eq!(outcome("gamma/hive"), "changed", "the failed step ran again: {bars:?}");
    assert_eq!(outcome("summary"), "changed");
    assert!(loaded.dom.contains(&format!("resumes <b>{id}</b>")), "the page does not say which run it resumes");
}

#[test]
fn an_interrupted_run_as_a_page() {
    let repo = TestRepo::new();
    repo.script("slow", "//! Waits.\nstep(\"quick\", || { exec::run([\"true\"]); });\nstep(\"slow\", || { exec::run([\"sleep\", \"30\"]); });\n");
    let mut child = repo.command(&["run", "slow"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    while !support::journal_text(&repo).contains(r#""key":"slow""#) {
        assert!(Instant::now() < until, "the slow step never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    // Our own child, by its pid: Ctrl-C as a terminal would send it.
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let (page, said) = page_of(&repo, "latest", "interrupted");
    assert!(said.contains("interrupted"), "{said}");
    let loaded = load(&page, "interrupted-1280x800.png");
    check_page(&loaded, 2);
    assert!(loaded.dom.contains("interrupted (exit 130)"), "the result is not shown");
}

#[test]
fn five_hundred_steps_in_fifty_lanes() {
    let repo = TestRepo::new();
    repo.script(
        "wide",
        r#"//! Fifty customers, ten steps each.
let names = [];
for i in 0..50 { names.push(`customer-${i + 100}`); }
parallel_map(names, |name| {
    for s in 1..=10 { step(`step-${s}`, || { }); }
}, #{ limit: 8 });
"#,
    );
    let ran = repo.run(&["run", "wide", "-q"]);
    assert_eq!(ran.code, 0, "{}", ran.transcript());
    let (page, said) = page_of(&repo, "latest", "wide");
    assert!(said.contains("500 step(s) in 50 lane(s), ok"), "{said}");
    let loaded = load(&page, "wide-1280x800.png");
    check_page(&loaded, 500);
    // Fifty lanes, collapsed (steps only) so that they fit; one click opens each.
    assert_eq!(loaded.dom.matches(r#"<div class="lane collapsed" data-lane="customer-"#).count(), 50);
}
