//! `auto lsp` driven by a real LSP client over stdio: engine/tests/lsp/client.py, built on
//! pygls and lsprotocol (PyPI; `.ci/install-tools.sh` installs them into `.tools/venv`),
//! against the built binary, in a copy of the repository's scripts/ and environments/.
//! Each test hands the client a list of steps (open, change, complete at a place, hover,
//! …) and checks what the server answered to each.
#![allow(clippy::disallowed_methods)] // the client starts the binary under test

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use expect_test::expect;
use serde_json::{json, Value};
use support::TestRepo;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// A copy of the repository's scripts and environments, with a customer `acme` in `dev`
/// only, and `scripts/edit.rhai`: what the tests type into.
fn repo() -> TestRepo {
    let repo = TestRepo { dir: tempfile::tempdir().expect("temp dir") };
    for folder in ["scripts", "environments"] {
        support::copy_from_workspace(&repo, folder);
    }
    repo.write("environments/dev/acme/customer.toml", "display_name = \"Acme\"\napps = []\n");
    repo.script("edit", EDIT);
    repo
}

const EDIT: &str = r#"//! What the editor tests type into.
import "lib/platform" as platform;
param("env", #{ help: "target environment", choices: environments() });
param("customer", #{ help: "customer id" });

let c = customer("dev", "acme");
let all = customers("dev") + [`${params.env}/${params.customer}`];
let roots = platform::customer_roots(params.env, params.customer);
terraform::apply(roots.infra, #{ vars: #{}, retries: #{ attempts: 2 } });
kubectl::rollout_status(params.env, "deployment/x", #{ namespace: platform::namespace(params.customer), timeout: "5m" });
"#;

const EDIT_PATH: &str = "scripts/edit.rhai";

/// The answers to `steps` after opening scripts/edit.rhai (in which there is no problem).
fn edited(steps: Value) -> (TestRepo, Vec<Value>) {
    let repo = repo();
    let mut all = vec![json!({"open": EDIT_PATH})];
    all.extend(steps.as_array().expect("steps").iter().cloned());
    let mut answers = session(&repo, Value::Array(all));
    assert_eq!(answers.remove(0), json!([]), "edit.rhai has no problem");
    (repo, answers)
}

/// The client's answer to each step.
fn session(repo: &TestRepo, steps: Value) -> Vec<Value> {
    let python = workspace().join(".tools/venv/bin/python");
    assert!(
        python.is_file(),
        "the LSP tests need pygls and lsprotocol in {}: run `bash .ci/install-tools.sh`",
        python.display()
    );
    let mut child = Command::new(python)
        .arg(workspace().join("engine/tests/lsp/client.py"))
        .arg(env!("CARGO_BIN_EXE_auto"))
        .arg(repo.path())
        .env_remove("AUTO_REPO")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the client starts");
    child.stdin.take().expect("stdin").write_all(steps.to_string().as_bytes()).expect("steps written");
    let output = child.wait_with_output().expect("the client ends");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the client failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let answers: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).expect("a JSON answer")).collect();
    assert_eq!(answers.len(), steps.as_array().map_or(0, Vec::len), "one answer per step:\n{stdout}");
    answers
}

/// `label  detail` of each completion item, one a line.
fn items(answer: &Value) -> String {
    let items = answer.as_array().expect("a list of completion items");
    items
        .iter()
        .map(|i| format!("{}  {}", i["label"].as_str().unwrap_or_default(), i["detail"].as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn labels(answer: &Value) -> Vec<&str> {
    answer.as_array().expect("completion items").iter().map(|i| i["label"].as_str().unwrap_or_default()).collect()
}

/// `line:character-line:character` (0-based, as the protocol counts).
fn range(range: &Value) -> String {
    let at = |p: &Value| format!("{}:{}", p["line"], p["character"]);
    format!("{}-{}", at(&range["start"]), at(&range["end"]))
}

/// Each diagnostic as `range message`.
fn problems(answer: &Value) -> String {
    let found = answer.as_array().expect("diagnostics");
    found
        .iter()
        .map(|d| format!("{} {}", range(&d["range"]), d["message"].as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn location(answer: &Value, root: &Path) -> String {
    let root = url::Url::from_file_path(root.canonicalize().expect("root")).expect("uri").to_string();
    let uri = answer["uri"].as_str().expect("a location");
    format!("{} {}", uri.replace(&root, "[REPO]"), range(&answer["range"]))
}

fn hover_text(answer: &Value) -> &str {
    answer["contents"]["value"].as_str().expect("markdown hover")
}

#[test]
fn completes_module_functions_option_keys_params_imported_functions_and_names() {
    let edit = EDIT_PATH;
    let (_repo, answers) = edited(json!([
            {"complete": edit, "at": "terraform::|apply(roots.infra", "trigger": ":"},
            {"complete": edit, "at": "#{ |vars: #{}, retries"},
            {"complete": edit, "at": "#{ vars: #{}, |retries"},
            {"complete": edit, "at": "retries: #{ |attempts: 2 }"},
            {"complete": edit, "at": "customer_roots(params.|env", "trigger": "."},
            {"complete": edit, "at": "[`${params.|env}", "trigger": "."},
            {"complete": edit, "at": "platform::|customer_roots", "trigger": ":"},
            {"complete": edit, "at": "customers(\"|dev\")", "trigger": "\""},
            {"complete": edit, "at": "customer(\"dev\", \"|acme\")", "trigger": "\""},
            {"complete": edit, "at": "kubectl::rollout_status(params.env, \"deployment/x\", #{ namespace: platform::namespace(params.customer), |timeout"},
            {"complete": edit, "at": "import \"|lib/platform\""},
    ]));
    expect![[r#"
        init  terraform::init(root: string, options: map) -> ()
        plan  terraform::plan(root: string, options: map) -> map
        apply  terraform::apply(root: string, options: map) -> map
        output  terraform::output(root: string, options: map) -> map
        state  terraform::state(root: string, options: map) -> map
        destroy  terraform::destroy(root: string, options: map) -> map
        validate  terraform::validate(path: string) -> map
        fmt_check  terraform::fmt_check(path: string) -> array
        summary  terraform::summary() -> array"#]]
    .assert_eq(&items(&answers[0]));
    let apply = &answers[0][2];
    let apply_doc = apply["documentation"]["value"].as_str().expect("markdown");
    assert!(apply_doc.starts_with("```rhai\nterraform::apply(root: string) -> map\n"), "{apply_doc}");
    assert!(apply_doc.contains("| `retries.attempts` |"), "the option table is in the documentation: {apply_doc}");

    // Every option of `terraform::apply`, with its type and default; the keys already written
    // are left out.
    expect![[r#"
        vars  map (default: `#{}`)
        workspace  string (default: the default workspace)
        plan_only  bool (default: `false`)
        allow_destroy  bool or array of strings (default: ask (a terminal prompt, or `--allow-destroy`; docs/guide/run-modes.md))
        lock_timeout  string (default: `"0s"`)
        retries  map (default: 3 attempts, 5s doubling)"#]]
    .assert_eq(&items(&answers[1]));
    assert_eq!(labels(&answers[2]), ["workspace", "plan_only", "allow_destroy", "lock_timeout", "retries"]);
    assert_eq!(labels(&answers[3]), ["attempts", "delay", "patterns"], "the keys of the nested `retries` map");
    let documented = answers[3][0]["documentation"]["value"].as_str().expect("markdown");
    assert!(
        documented.starts_with("`retries.attempts` — option of `terraform::apply`\n\nint · default: "),
        "{documented}"
    );

    expect![[r#"
        env  param("env")
        customer  param("customer")"#]]
    .assert_eq(&items(&answers[4]));
    assert_eq!(answers[4][0]["documentation"]["value"], "target environment", "the parameter's help");
    assert_eq!(labels(&answers[5]), ["env", "customer"], "inside `${{…}}` of a backtick string too");

    let platform = labels(&answers[6]);
    assert!(platform.contains(&"customer_roots") && platform.contains(&"namespace"), "{platform:?}");
    let roots = answers[6].as_array().unwrap().iter().find(|i| i["label"] == "customer_roots").unwrap();
    assert_eq!(roots["detail"], "fn customer_roots(env, id) (scripts/lib/platform.rhai)");
    assert_eq!(roots["documentation"]["value"], "The terraform roots of a customer, in dependency order.");

    expect![[r#"
        dev  environment (environments/dev/env.toml)
        qa  environment (environments/qa/env.toml)
        test  environment (environments/test/env.toml)"#]]
    .assert_eq(&items(&answers[7]));
    expect![[r#"
        acme  customer in dev
        demo  customer in dev"#]]
    .assert_eq(&items(&answers[8]));
    let rollout = labels(&answers[9]);
    assert!(rollout.contains(&"timeout") && !rollout.contains(&"namespace"), "{rollout:?}");
    assert_eq!(items(&answers[10]), "lib/platform  scripts/lib/platform.rhai");
}

#[test]
fn hover_shows_the_reference_and_signature_help_the_active_parameter() {
    let edit = EDIT_PATH;
    let (_repo, answers) = edited(json!([
            {"hover": edit, "at": "terraform::ap|ply(roots.infra"},
            {"hover": edit, "at": "retries: #{ atte|mpts: 2 }"},
            {"hover": edit, "at": "platform::customer_ro|ots(params.env"},
            {"hover": edit, "at": "customer_roots(params.en|v"},
            {"signature": edit, "at": "kubectl::rollout_status(params.env, \"deployment/x\", #{| namespace"},
            {"signature": edit, "at": "platform::customer_roots(params.env, |params.customer"},
    ]));
    let apply = hover_text(&answers[0]);
    let reference = std::fs::read_to_string(workspace().join("engine/src/script/bindings/terraform.md")).expect("md");
    let entry = "Plans into a private plan file and, only if that plan has changes, applies exactly that";
    assert!(reference.contains(entry) && apply.contains(entry), "the text of terraform.md:\n{apply}");
    assert!(
        apply.starts_with(
            "```rhai\nterraform::apply(root: string) -> map\nterraform::apply(root: string, options: map) -> map\n```"
        ),
        "{apply}"
    );
    assert_eq!(range(&answers[0]["range"]), "8:11-8:16", "the hovered name: `apply`");

    let attempts = hover_text(&answers[1]);
    assert!(attempts.starts_with("`retries.attempts` — option of `terraform::apply`\n\nint · default: "), "{attempts}");

    expect![[r#"
        ```rhai
        fn customer_roots(env, id)
        ```

        The terraform roots of a customer, in dependency order.

        scripts/lib/platform.rhai"#]]
    .assert_eq(hover_text(&answers[2]));
    assert_eq!(hover_text(&answers[3]), "parameter `env`: target environment");

    let rollout = &answers[4];
    assert_eq!(rollout["activeParameter"], 2, "the option map is the third argument");
    let active = &rollout["signatures"][rollout["activeSignature"].as_u64().unwrap() as usize];
    assert_eq!(active["label"], "kubectl::rollout_status(env: string, target: string, options: map) -> string");
    let [start, end] = [0, 1].map(|i| active["parameters"][2]["label"][i].as_u64().unwrap() as usize);
    assert_eq!(&active["label"].as_str().unwrap()[start..end], "options: map");

    let roots = &answers[5];
    assert_eq!(roots["activeParameter"], 1);
    assert_eq!(roots["signatures"][0]["label"], "platform::customer_roots(env, id)");
}

#[test]
fn definitions_lead_to_the_module_its_function_and_the_declared_parameter() {
    let edit = EDIT_PATH;
    let (repo, answers) = edited(json!([
            {"definition": edit, "at": "import \"lib/plat|form\""},
            {"definition": edit, "at": "platform::names|pace(params.customer)"},
            {"definition": edit, "at": "namespace(params.cust|omer)"},
            {"definition": edit, "at": "terraform::ap|ply"},
    ]));
    assert_eq!(location(&answers[0], repo.path()), "[REPO]/scripts/lib/platform.rhai 0:0-0:0");
    let platform = std::fs::read_to_string(repo.path().join("scripts/lib/platform.rhai")).expect("lib");
    let line = platform.lines().position(|l| l.starts_with("fn namespace(")).expect("the fn");
    assert_eq!(location(&answers[1], repo.path()), format!("[REPO]/scripts/lib/platform.rhai {line}:3-{line}:12"));
    assert_eq!(
        location(&answers[2], repo.path()),
        "[REPO]/scripts/edit.rhai 3:7-3:15",
        "`customer` of `param(\"customer\", …)`"
    );
    assert_eq!(answers[3], Value::Null, "auto's own functions are defined in no file of the repository");
}

#[test]
fn diagnostics_follow_the_edits_and_clear_when_fixed() {
    let repo = repo();
    let edit = "scripts/edit.rhai";
    let broken = EDIT
        .replace("terraform::apply(roots.infra", "terraform::aply(roots.infra")
        .replace("retries: #{ attempts: 2 }", "retries: #{ attempt: 2 }")
        .replace("customer_roots(params.env, params.customer)", "customer_roots(params.env, params.custmer)");
    let answers = session(
        &repo,
        json!([
            {"open": edit},
            {"change": edit, "text": broken},
            {"change": edit, "text": format!("{EDIT}let x = (;\n")},
            {"change": edit, "text": EDIT},
            {"change": edit, "text": EDIT.replace("//! What the editor tests type into.\n", "")},
            {"close": edit},
        ]),
    );
    assert_eq!(answers[0], json!([]));
    // Each at the range of what it names: the parameter, the call's name, the option key.
    expect![[r#"
        7:56-7:63 unknown parameter `custmer`: did you mean `customer`?
        8:0-8:15 unknown function `terraform::aply`: did you mean `terraform::apply`?"#]]
    .assert_eq(&problems(&answers[1]));
    expect!["10:9-10:10 syntax error: Unexpected ';'"].assert_eq(&problems(&answers[2]));
    assert_eq!(answers[3], json!([]), "fixed: the diagnostics are cleared");
    expect!["0:0-0:34 missing the leading `//!` doc comment"].assert_eq(&problems(&answers[4]));
    assert_eq!(answers[5], json!([]), "closed: cleared");
}

#[test]
fn an_option_key_typo_is_at_the_key_and_a_module_s_problem_at_its_import() {
    let repo = repo();
    repo.write("scripts/lib/broken.rhai", "fn plan_it() { terraform::plna(\"x\") }\n");
    let edit = "scripts/edit.rhai";
    let answers = session(
        &repo,
        json!([
            {"open": edit, "text": EDIT.replace("retries: #{ attempts: 2 }", "retries: #{ attempt: 2 }")},
            {"change": edit, "text": format!("{EDIT}import \"lib/broken\" as broken;\nbroken::plan_it();\n")},
        ]),
    );
    expect![[r#"
        8:56-8:63 unknown option `retries.attempt` of `terraform::apply`: did you mean `retries.attempts`? (options of `retries`: attempts, delay, patterns)"#]]
    .assert_eq(&problems(&answers[0]));
    expect![[r#"
        10:8-10:18 unknown function `terraform::plna`: did you mean `terraform::plan`? (at scripts/lib/broken.rhai:1:16)"#]]
    .assert_eq(&problems(&answers[1]));
}

#[test]
fn a_saved_module_is_read_again_by_the_scripts_importing_it() {
    let repo = repo();
    let edit = EDIT_PATH;
    let library = "scripts/lib/platform.rhai";
    let platform = std::fs::read_to_string(repo.path().join(library)).expect("lib");
    let renamed = platform.replace("fn namespace(id)", "fn namespace_of(id)");
    let answers = session(
        &repo,
        json!([
            {"open": edit},
            {"open": library},
            // Typed, not saved: the script's import is read from disk, as a run reads it.
            {"change": library, "text": renamed},
            {"published": edit},
            {"save": library},
            {"published": edit},
        ]),
    );
    assert_eq!((&answers[0], &answers[1], &answers[2], &answers[3]), (&json!([]), &json!([]), &json!([]), &json!([])));
    expect![[r#"
        9:66-9:85 unknown function `platform::namespace`: scripts/lib/platform.rhai has no public `fn namespace`"#]]
    .assert_eq(&problems(&answers[5]));
}

/// Rhai counts columns in characters, the protocol in UTF-16 units: an emoji is one and two.
#[test]
fn a_range_after_text_beyond_ascii_is_in_utf16_units() {
    let repo = repo();
    let text = format!("{EDIT}let s = \"😀é\"; fial(1);\n");
    let answers = session(&repo, json!([{"open": EDIT_PATH, "text": text}]));
    expect!["10:15-10:19 unknown function `fial`: did you mean `fail`?"].assert_eq(&problems(&answers[0]));
}
