//! The script toolkit end to end (issue 23): `http::*`, `wait_until`, `retry`, `sleep`,
//! structured data, `ci::*`, `notify` and `secret_env` in a dry-run, and the
//! `scripts/roll_app.rhai` rollout on the `test` environment with real terraform 1.11.4.
//! HTTP goes to a real server on 127.0.0.1 that this test starts (a thread answering
//! HTTP/1.1 and recording each request). Only kubectl is a fake (no Kubernetes API server
//! can exist here: `support::FAKE_KUBECTL`).

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use support::{Outcome, TestRepo};

/// One request the server got: method, path, body.
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// A server on 127.0.0.1: `/health/<name>` answers 503 for the first `unhealthy` asks of
/// each name and 200 after; `/flaky` 500 twice then 200; everything else 200 with a JSON
/// body. It lives as long as the test process.
fn server(unhealthy: usize) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let mut parts = request_line.split_whitespace();
            let (method, path) =
                (parts.next().unwrap_or_default().to_string(), parts.next().unwrap_or_default().to_string());
            let asked = {
                let mut seen = record.lock().unwrap();
                seen.push((method.clone(), path.clone(), String::from_utf8_lossy(&body).into_owned()));
                seen.iter().filter(|(_, p, _)| *p == path).count()
            };
            let status = if path.starts_with("/health/") && asked <= unhealthy {
                503
            } else if path == "/flaky" && asked <= 2 {
                500
            } else {
                200
            };
            let text = format!(r#"{{"path":"{path}","asked":{asked}}}"#);
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (address, seen)
}

fn auto(repo: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let env: Vec<(&str, &std::ffi::OsStr)> = env.iter().map(|(k, v)| (*k, std::ffi::OsStr::new(*v))).collect();
    support::auto_with_tools(repo, args, &env)
}

#[test]
fn http_retry_wait_and_data_as_a_script_uses_them() {
    let (address, seen) = server(2);
    let repo = TestRepo::new();
    let summary = repo.path().join("step-summary.md");
    let output = repo.path().join("github-output");
    repo.script(
        "toolkit",
        &format!(
            r#"//! The toolkit.
let answer = http::get("{address}/info", #{{ headers: #{{ authorization: secret("tok-5f1d") }} }});
if is_known(answer.json) && answer.json.path != "/info" {{ fail(`json: ${{answer.json}}`); }}
let posted = http::post("{address}/hook", #{{ json: #{{ text: "hi" }} }});
let tries = 0;
let flaky = retry(#{{ attempts: 4, backoff: "10ms" }}, || {{ tries += 1; http::get("{address}/flaky").status }});
wait_until(#{{ timeout: "30s", interval: "50ms", message: "the health check" }}, || {{
    let status = http::get("{address}/health/a", #{{ expect_status: "any" }}).status;
    is_known(status) && status == 200
}});
sleep("20ms");
let yaml = to_yaml(parse_toml("[hive]\nreplicas = 2\n"));
fs::write("out/values.yaml", yaml);
if fs::read_yaml("out/values.yaml").hive.replicas != 2 {{ fail("yaml"); }}
ci::set_output("tries", tries);
ci::summary("**toolkit**: all good");
print(`flaky answered ${{flaky}} after ${{tries}} tries`);
"#
        ),
    );
    let out = auto(
        &repo,
        &["run", "toolkit"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()), ("GITHUB_OUTPUT", output.to_str().unwrap())],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("flaky answered 200 after 3 tries"), "{}", out.stderr);
    assert!(out.stderr.contains("attempt 1 of 4 failed: http::get: `GET "), "each attempt is reported: {}", out.stderr);
    assert!(out.stderr.contains("for the health check"), "{}", out.stderr);
    assert!(!out.stderr.contains("tok-5f1d"), "the header's secret is masked");
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests[1], ("POST".into(), "/hook".into(), r#"{"text":"hi"}"#.into()));
    assert_eq!(requests.iter().filter(|(_, p, _)| p == "/health/a").count(), 3, "{requests:?}");
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "tries=3\n");
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), "**toolkit**: all good\n");
    assert_eq!(std::fs::read_to_string(repo.path().join("out/values.yaml")).unwrap(), "hive:\n  replicas: 2\n");
    assert!(support::journal_text(&repo).contains(r#""attempts":3"#), "{}", support::journal_text(&repo));

    // A dry-run sends no write: the post is recorded, the GET too, and nothing waits.
    let before = seen.lock().unwrap().len();
    let dry = auto(&repo, &["run", "toolkit", "--dry-run"], &[]);
    assert_eq!(seen.lock().unwrap().len(), before, "a dry-run sent nothing: {}", dry.stderr);
    assert!(
        dry.stderr.contains(&format!("would send POST {address}/hook (13 bytes, header content-type)")),
        "{}",
        dry.stderr
    );
    assert!(dry.stderr.contains(&format!("would request GET {address}/info (header authorization)")), "{}", dry.stderr);
}

#[test]
fn waits_time_out_with_what_they_waited_for_and_secret_env_is_a_placeholder_only_in_a_dry_run() {
    let (address, _) = server(1_000);
    let repo = TestRepo::new();
    repo.script(
        "waits",
        &format!(
            r#"//! Waits too long.
let token = secret_env("AUTO_TEST_UNSET_TOKEN");
step("health", #{{ timeout: "10s" }}, || wait_until(#{{ timeout: "300ms", interval: "50ms", message: "superset answers" }}, || {{
    let status = http::get("{address}/health/never", #{{ expect_status: "any", headers: #{{ authorization: token }} }}).status;
    is_known(status) && status == 200
}}));
"#
        ),
    );
    let run = auto(&repo, &["run", "waits"], &[("AUTO_TEST_UNSET_TOKEN", "tok-77aa")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("wait_until: timed out after"), "{}", run.stderr);
    assert!(run.stderr.contains("waiting for superset answers (asked"), "{}", run.stderr);
    assert!(run.stderr.contains("the last answer was false"), "{}", run.stderr);

    let unset = auto(&repo, &["run", "waits"], &[]);
    assert_eq!(unset.code, 1, "{}", unset.stderr);
    assert!(unset.stderr.contains("environment variable `AUTO_TEST_UNSET_TOKEN` is not set"), "{}", unset.stderr);
    let dry = auto(&repo, &["run", "waits", "--dry-run"], &[]);
    assert_eq!(dry.code, 0, "a dry-run needs no credentials (and only reads): {}", dry.stderr);
    assert!(dry.stderr.contains("the dry-run goes on with a placeholder secret"), "{}", dry.stderr);

    repo.script("bad", "//! A bad duration.\nsleep(\"5 minuets\");\n");
    let bad = auto(&repo, &["run", "bad"], &[]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("invalid duration `5 minuets`"), "{}", bad.stderr);
    assert!(bad.stderr.contains("use a number and a unit, e.g."), "{}", bad.stderr);
}

#[test]
fn roll_app_rolls_out_a_canary_then_the_rest_with_health_checks_and_a_summary() {
    let (address, seen) = server(1);
    let repo = support::test_environment_repo();
    for customer in ["demo", "newco"] {
        let onboarded = auto(
            &repo,
            &["run", "onboard_customer", "--set", "env=test", "--set", &format!("customer={customer}")],
            &[],
        );
        assert_eq!(onboarded.code, 0, "{}", onboarded.stderr);
    }
    repo.write("flaky-rollout", "");
    let summary = repo.path().join("step-summary.md");
    let args = [
        "run",
        "roll_app",
        "--set",
        "env=test",
        "--set",
        "app=superset",
        "--set",
        "version=6.2.0",
        "--set",
        &format!("health_url={address}/health/{{customer}}"),
        "--set",
        "health_timeout=30s",
    ];
    let hook = format!("{address}/hook");
    let env = [("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()), ("CHAT_WEBHOOK_URL", hook.as_str())];

    // A dry-run first: the plan of it, nothing sent, no wait.
    let dry = auto(&repo, &[&args[..], &["--dry-run"]].concat(), &env);
    assert_eq!(dry.code, 3, "{}", dry.stderr);
    assert!(seen.lock().unwrap().is_empty(), "a dry-run sent nothing");
    assert!(dry.stderr.contains("would send POST *** ("), "the webhook, masked: {}", dry.stderr);

    // No terminal and no --yes: the wide rollout waits for a yes, after the canary.
    let refused = auto(&repo, &args, &env);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("demo runs superset 6.2.0 and is healthy: roll it out to the other 1 customer(s)?"),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("attempt 1 of 3 failed: `kubectl --context auto-test rollout status deployment/superset"),
        "the flaky rollout was retried: {}",
        refused.stderr
    );
    assert!(refused.stderr.contains("timed out waiting for the condition"), "{}", refused.stderr);
    let state = |customer: &str| {
        std::fs::read_to_string(repo.path().join(format!("environments/test/{customer}/superset/terraform.tfstate")))
            .unwrap()
    };
    assert!(state("demo").contains("superset:6.2.0"), "the canary has the new version");
    assert!(!state("newco").contains("superset:6.2.0"), "the rest waits for the yes");

    let rolled = auto(&repo, &[&args[..], &["--yes"]].concat(), &env);
    assert_eq!(rolled.code, 0, "{}", rolled.stderr);
    assert!(state("newco").contains("superset:6.2.0"));
    let requests = seen.lock().unwrap().clone();
    let paths: Vec<&str> = requests.iter().map(|(_, p, _)| p.as_str()).collect();
    assert_eq!(paths.iter().filter(|p| **p == "/health/newco").count(), 2, "asked until healthy: {paths:?}");
    let hook_body = &requests.iter().find(|(m, p, _)| m == "POST" && p == "/hook").expect("notified").2;
    assert_eq!(hook_body, r#"{"text":"superset 6.2.0 rolled out to 2 customer(s) in test"}"#);
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.contains("| `demo` | canary |") && summary.contains("| `newco` | rolled out |"), "{summary}");
}
