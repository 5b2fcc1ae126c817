//! `--output json` of every command that prints something to read: each document carries
//! its versioned `schema` and is validated against docs/schemas/<schema>.v1.json (JSON
//! Schema 2020-12), and errors are `auto.error/v1` on stdout with the process's exit code.
#![allow(clippy::disallowed_methods)] // tests start the binary under test (and git) directly

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::TestRepo;

fn schemas_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").join("docs/schemas")
}

/// Validates `document` against the schema its `schema` field names; returns it.
fn validated(document: Value) -> Value {
    let name = document["schema"].as_str().unwrap_or_else(|| panic!("no `schema` field in {document}")).to_string();
    let file = schemas_dir().join(format!("{}.json", name.replace('/', ".")));
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("no schema file {} for {name}: {e}", file.display())),
    )
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let errors: Vec<String> =
        validator.iter_errors(&document).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{name} document does not fit its schema:\n{}\n{document:#}", errors.join("\n"));
    document
}

struct Json {
    code: i32,
    document: Value,
    stderr: String,
}

/// Runs `auto <args> --output json` and parses stdout as exactly one JSON document.
fn json(repo: &TestRepo, args: &[&str]) -> Json {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--output", "json"]);
    let output = repo.command(&all).output().expect("auto runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let document: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("`auto {}` stdout is not one JSON document ({e}):\n{stdout}", all.join(" ")));
    Json {
        code: output.status.code().unwrap_or(-1),
        document: validated(document),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const DEPLOY: &str = r#"//! Deploys an app for one customer.
//!
//! The longer story.
param("env", #{ help: "environment", choices: environments() });
param("customer", #{ help: "customer id", pattern: "[a-z]+" });
param("replicas", #{ help: "pods", default_value: 2 });

step("greet", || { exec::run(["true"]); print(`${params.customer}: ${params.replicas}`); });
if params.customer == "beta" { throw "beta is not ready"; }
"#;

const BROKEN: &str = "//! Calls a function that does not exist.\n\nterraform::aply(\"environments/dev/acme/infra\");\n";

fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.script("deploy", DEPLOY);
    repo
}

#[test]
fn list_and_describe_give_scripts_and_their_parameters() {
    let repo = repo();
    repo.script("broken", "//! Does not compile.\nlet x = ;\n");
    let list = json(&repo, &["list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let scripts = list.document["scripts"].as_array().unwrap();
    let names: Vec<&str> = scripts.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["broken", "deploy"]);
    let deploy = &scripts[1];
    assert_eq!(deploy["summary"], "Deploys an app for one customer.");
    assert_eq!(deploy["path"], "scripts/deploy.rhai");
    let params = deploy["params"].as_array().unwrap();
    assert_eq!(params[0]["name"], "env");
    assert_eq!(params[0]["choices"], serde_json::json!(["dev"]));
    assert_eq!(params[0]["required"], true);
    assert_eq!(params[1]["pattern"], "[a-z]+");
    assert_eq!(params[2]["default"], 2);
    assert_eq!(params[2]["type"], "int");
    // A script that does not compile is listed, with why.
    assert!(scripts[0]["params"].is_null());
    assert_eq!(scripts[0]["error"]["frames"][0]["line"], 2, "{}", scripts[0]["error"]);

    let describe = json(&repo, &["describe", "deploy"]);
    assert_eq!(describe.code, 0);
    assert_eq!(describe.document["doc"], "Deploys an app for one customer.\n\nThe longer story.");
    assert_eq!(describe.document["run"], "auto run deploy --set env=... --set customer=...");
    assert_eq!(describe.document["params"].as_array().unwrap().len(), 3);
}

#[test]
fn check_reports_every_problem_with_where() {
    let repo = repo();
    let clean = json(&repo, &["check"]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    assert_eq!(clean.document["files"], serde_json::json!(["scripts/deploy.rhai"]));
    assert_eq!(clean.document["problems"], serde_json::json!([]));

    repo.script("broken", BROKEN);
    let found = json(&repo, &["check"]);
    assert_eq!(found.code, 2);
    let problems = found.document["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["frames"][0]["file"], "scripts/broken.rhai");
    assert_eq!(problems[0]["frames"][0]["line"], 3);
    assert_eq!(problems[0]["exit_code"], 2);
    let message = problems[0]["message"].as_str().unwrap();
    assert!(message.contains("terraform::aply") && message.contains("terraform::apply"), "{message}");
    // A person still reads the count on stderr; stdout holds only the document.
    assert!(found.stderr.contains("1 problem(s) found"), "{}", found.stderr);
}

#[test]
fn runs_and_runs_show_list_every_recorded_run() {
    let repo = repo();
    let empty = json(&repo, &["runs"]);
    assert_eq!(empty.document["runs"], serde_json::json!([]));

    let ok = repo.run(&["run", "deploy", "--set", "env=dev", "--set", "customer=acme"]);
    assert_eq!(ok.code, 0, "{}", ok.transcript());
    let failed = repo.run(&["run", "deploy", "--set", "env=dev", "--set", "customer=beta"]);
    assert_eq!(failed.code, 1, "{}", failed.transcript());

    let runs = json(&repo, &["runs"]);
    let listed = runs.document["runs"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    // Newest first.
    assert_eq!(listed[0]["result"], "failed");
    assert_eq!(listed[0]["exit_code"], 1);
    assert_eq!(listed[0]["params"]["customer"], "beta");
    assert_eq!(listed[1]["result"], "ok");
    assert_eq!(listed[1]["script"], "scripts/deploy.rhai");
    assert_eq!(listed[1]["mode"], "run");
    assert_eq!(listed[1]["steps"], 1);
    assert!(listed[1]["duration_seconds"].is_u64());

    let show = json(&repo, &["runs", "show", "latest"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert_eq!(show.document["run_id"], listed[0]["id"]);
    let events: Vec<&str> =
        show.document["records"].as_array().unwrap().iter().map(|r| r["event"].as_str().unwrap()).collect();
    assert_eq!(events.first(), Some(&"run_started"));
    assert_eq!(events.last(), Some(&"run_finished"));
    assert!(events.contains(&"step_finished"), "{events:?}");
    assert!(events.contains(&"tool_ran"), "{events:?}");
}

#[test]
fn doctor_gives_each_check_and_its_verdict() {
    let repo = repo();
    let doctor = json(&repo, &["doctor"]);
    let checks = doctor.document["checks"].as_array().unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    for expected in ["repository", "terraform", "kubectl", "docker engine", "git", "azure login"] {
        assert!(names.contains(&expected), "no `{expected}` check in {names:?}");
    }
    let failed = checks.iter().filter(|c| c["verdict"] == "fail").count();
    assert_eq!(doctor.document["failed"], failed);
    // The exit code is the document's verdict: 1 when a check failed.
    assert_eq!(doctor.code, if failed > 0 { 1 } else { 0 }, "{:#}", doctor.document);
}

fn git(repo: &TestRepo, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(repo.path())
        .output()
        .expect("git runs");
    assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
}

#[test]
fn affected_is_versioned_like_the_rest() {
    let repo = repo();
    let git = |args: &[&str]| git(&repo, args);
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "one"]);
    repo.script("deploy", &format!("{DEPLOY}\n// changed\n"));
    git(&["commit", "-qam", "two"]);
    let affected = json(&repo, &["affected", "--base", "HEAD^", "--why"]);
    assert_eq!(affected.code, 0, "{}", affected.stderr);
    assert_eq!(affected.document["scripts"], serde_json::json!(["deploy"]));
    assert!(affected.document["why"]["scripts"]["deploy"].is_array());
}

#[test]
fn errors_are_one_json_document_with_the_exit_code() {
    let repo = repo();
    let cases: [(&[&str], i32, &str); 6] = [
        (&["describe", "nope"], 2, "script_not_found"),
        (&["runs", "show", "20990101T000000.000Z-abcd"], 2, "unknown_run"),
        (&["doctor", "--env", "nope"], 2, "usage"),
        (&["list", "--no-such-flag"], 2, "usage"),
        (&["run", "deploy", "--set", "env=nowhere", "--set", "customer=acme"], 2, "params"),
        (&["run", "deploy", "--set", "env=dev", "--set", "customer=acme", "--max-operations", "0"], 2, "usage"),
    ];
    for (args, code, kind) in cases {
        let outcome = json(&repo, args);
        assert_eq!(outcome.code, code, "auto {args:?}: {}", outcome.stderr);
        let error = &outcome.document["error"];
        assert_eq!(error["kind"], kind, "auto {args:?}: {error}");
        assert_eq!(error["exit_code"], code);
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    // A compile error carries the diagnostic with its place.
    repo.script("broken", BROKEN);
    let outcome = json(&repo, &["run", "broken"]);
    assert_eq!(outcome.code, 2);
    assert_eq!(outcome.document["error"]["diagnostics"][0]["frames"][0]["line"], 3);
}

#[test]
fn a_failed_run_ends_its_events_with_run_finished_and_no_second_document() {
    let repo = repo();
    let output = repo
        .command(&["run", "deploy", "--set", "env=dev", "--set", "customer=beta", "--output", "json"])
        .output()
        .expect("auto runs");
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.iter().all(|l| l["schema"] == "auto.event/v1"), "{lines:#?}");
    let last = lines.last().unwrap();
    assert_eq!(last["type"], "run_finished");
    assert_eq!(last["exit_code"], 1);
}

#[test]
fn every_schema_file_is_the_schema_of_a_command() {
    let repo = repo();
    assert_eq!(repo.run(&["run", "deploy", "--set", "env=dev", "--set", "customer=acme"]).code, 0);
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "one"]);
    // One command per schema: each document validates, and no schema file is left over.
    let emitters: [(&str, &[&str]); 8] = [
        ("auto.list/v1", &["list"]),
        ("auto.describe/v1", &["describe", "deploy"]),
        ("auto.check/v1", &["check"]),
        ("auto.runs/v1", &["runs"]),
        ("auto.run-show/v1", &["runs", "show", "latest"]),
        ("auto.doctor/v1", &["doctor"]),
        ("auto.affected/v1", &["affected", "--base", "HEAD"]),
        ("auto.error/v1", &["describe", "nope"]),
    ];
    for (schema, args) in emitters {
        let outcome = json(&repo, args);
        assert_eq!(outcome.document["schema"], schema, "auto {args:?}: {}", outcome.stderr);
    }
    let files: BTreeSet<String> = std::fs::read_dir(schemas_dir())
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".json").map(|n| n.replacen(".v", "/v", 1)))
        .collect();
    let emitted: BTreeSet<String> = emitters.iter().map(|(s, _)| s.to_string()).collect();
    assert_eq!(files, emitted, "a schema file without a command, or a command without a schema file");
    for name in &files {
        let file = schemas_dir().join(format!("{}.json", name.replace('/', ".")));
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(schema["properties"]["schema"]["const"], name.as_str(), "the file name and the schema disagree");
    }
}
