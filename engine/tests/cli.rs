//! Binary tests of the host: CLI, parameters, diagnostics, limits, modes, exit codes.
//! Every user-facing error message of the host is snapshotted here.
#![allow(clippy::disallowed_methods)] // tests start the binary under test directly

mod support;

use expect_test::expect;
use support::TestRepo;

const HELLO: &str = r#"//! Greets a customer.
//!
//! Longer text.
import "lib/common" as common;
param("env", #{ help: "environment", choices: environments() });
param("customer", #{ help: "customer id", pattern: "[a-z][a-z0-9]{2,19}" });
param("times", #{ help: "how often", default_value: 1 });

let c = customer(params.env, params.customer);
for i in 0..params.times {
    print(common::greet(c.display_name));
}
"#;

fn hello_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.script("hello", HELLO)
        .write("scripts/lib/common.rhai", "fn greet(name) { `hello ${name}` }\nfn broken(x) { x.no_such_method() }\n");
    repo
}

#[test]
fn runs_a_named_script_with_params() {
    let repo = hello_repo();
    expect![[r#"
        exit 0
        --- stdout
        --- stderr
        auto scripts/hello.rhai (run, run [RUN])
        hello Acme Corp
        hello Acme Corp
        ok in [T]
    "#]]
    .assert_eq(
        &repo.run(&["run", "hello", "--set", "env=dev", "--set", "customer=acme", "--set", "times=2"]).transcript(),
    );
}

#[test]
fn runs_a_script_by_path_and_params_json() {
    let repo = hello_repo();
    let outcome = repo.run(&["run", "scripts/hello.rhai", "--params-json", r#"{"env":"dev","customer":"beta"}"#, "-q"]);
    expect![[r#"
        exit 0
        --- stdout
        --- stderr
    "#]]
    .assert_eq(&outcome.transcript());
}

#[test]
fn every_parameter_problem_is_listed_with_usage_and_exit_2() {
    let repo = hello_repo();
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: invalid parameters for `hello`:
          - parameter `env`: `prod` is not one of `dev`
          - unknown parameter `custmer` (did you mean `customer`?)
          - parameter `times`: `x` is not an integer
          - missing required parameter `customer` (pass --set customer=...)

        parameters of `hello`:
          - env (string) required: environment [choices: `dev`]
          - customer (string) required: customer id [pattern: [a-z][a-z0-9]{2,19}]
          - times (int) = 1: how often
    "#]]
    .assert_eq(
        &repo.run(&["run", "hello", "--set", "env=prod", "--set", "custmer=x", "--set", "times=x"]).transcript(),
    );
}

#[test]
fn hostile_names_are_rejected_before_anything_runs() {
    let repo = hello_repo();
    for name in ["acme;rm -rf /", "../x", "$(id)", "-rf", "аcme"] {
        let outcome = repo.run(&["run", "hello", "--set", "env=dev", "--set", &format!("customer={name}")]);
        assert_eq!(outcome.code, 2, "{name}: {}", outcome.stderr);
        assert!(outcome.stderr.contains("does not match the pattern"), "{name}: {}", outcome.stderr);
    }
    // Past the pattern, the repository model refuses too.
    repo.script("raw", "//! Raw lookup.\ncustomer(\"dev\", \"../etc\");\n");
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        auto scripts/raw.rhai (run, run [RUN])
        error: invalid customer name `../etc`: it would point outside its folder (use 1-32 lowercase letters, digits and `-`, starting with a letter)
          --> scripts/raw.rhai:2:1
          |
        2 | customer("dev", "../etc");
          | ^
    "#]]
    .assert_eq(&repo.run(&["run", "raw"]).transcript());
}

#[test]
fn compile_errors_point_at_the_line_with_a_snippet() {
    let repo = TestRepo::new();
    repo.script("bad", "//! Bad.\nlet x = 1;\nlet y = x +;\n");
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: syntax error: Unexpected ';'
          --> scripts/bad.rhai:3:12
          |
        3 | let y = x +;
          |            ^
    "#]]
    .assert_eq(&repo.run(&["run", "bad"]).transcript());
}

#[test]
fn undefined_variables_are_compile_errors() {
    let repo = TestRepo::new();
    repo.script("typo", "//! Typo.\nlet customer = 1;\nprint(custmer);\n");
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: variable `custmer` is not defined (declare it with `let` first)
          --> scripts/typo.rhai:3:7
          |
        3 | print(custmer);
          |       ^
    "#]]
    .assert_eq(&repo.run(&["run", "typo"]).transcript());
}

#[test]
fn a_missing_import_is_an_error_at_its_line() {
    let repo = TestRepo::new();
    repo.script("imp", "//! Imports.\n\nimport \"lib/nope\" as nope;\n");
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: module `lib/nope` not found: imports resolve under `scripts/` (e.g. `import "lib/common" as common;` loads scripts/lib/common.rhai)
          --> scripts/imp.rhai:3:8
          |
        3 | import "lib/nope" as nope;
          |        ^
    "#]]
    .assert_eq(&repo.run(&["run", "imp"]).transcript());
}

#[test]
fn imports_cannot_leave_the_scripts_folder() {
    let repo = TestRepo::new();
    repo.write("secret.rhai", "fn x() { 1 }");
    repo.script("escape", "//! Escapes.\nimport \"../secret\" as s;\n");
    let outcome = repo.run(&["run", "escape"]);
    assert_eq!(outcome.code, 2);
    assert!(outcome.stderr.contains("leaves `scripts/`"), "{}", outcome.stderr);
}

#[test]
fn runtime_errors_show_the_chain_through_imported_modules() {
    let repo = hello_repo();
    repo.script("chain", "//! Chain.\nimport \"lib/common\" as common;\n\ncommon::broken(1);\n");
    expect![[r#"
        exit 1
        --- stdout
        --- stderr
        auto scripts/chain.rhai (run, run [RUN])
        error: function not found: `no_such_method (i64)` (check the name, the module prefix and the argument types)
          --> scripts/lib/common.rhai:2:18
          |
        2 | fn broken(x) { x.no_such_method() }
          |                  ^
          = in call to `broken` at scripts/chain.rhai:4:9
    "#]]
    .assert_eq(&repo.run(&["run", "chain"]).transcript());
}

#[test]
fn unknown_option_keys_are_errors_at_the_script_line() {
    let repo = TestRepo::new();
    repo.script("opts", "//! Options.\nexec::run([\"true\"], #{ cwdd: \"x\" });\n");
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: unknown option `cwdd` of `exec::run`: did you mean `cwd`? (options: env, cwd, stdin, effect, timeout, check, secret_output)
          --> scripts/opts.rhai:2:24
          |
        2 | exec::run(["true"], #{ cwdd: "x" });
          |                        ^
    "#]]
    .assert_eq(&repo.run(&["run", "opts"]).transcript());
    // A map built at run time is only known then: its keys are checked by the binding.
    repo.script("later", "//! Options.\nlet options = #{ cwdd: \"x\" };\nexec::run([\"true\"], options);\n");
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        auto scripts/later.rhai (run, run [RUN])
        error: exec::run: unknown field `cwdd`, expected one of `env`, `cwd`, `stdin`, `effect`, `timeout`, `check`, `secret_output`
          --> scripts/later.rhai:3:7
          |
        3 | exec::run(["true"], options);
          |       ^
    "#]]
    .assert_eq(&repo.run(&["run", "later"]).transcript());
}

/// A script with one mistake of each kind `auto check` finds without running anything.
const MISTAKES: &str = r#"//! Every mistake a dry-run used to find only when it got there.
import "lib/common" as common;
param("customer", #{ help: "customer id" });

let root = `environments/dev/${params.customer}/infra`;
print(common::greet(params.customer));
step("infra", || terraform::aply(root));
terraform::apply(root, #{}, 3);
terraform::apply(root, "x");
terraform::apply(root, #{ varz: #{} });
terraform2::plan(root);
common::gret("x");
"#;

#[test]
fn check_finds_what_a_dry_run_would_without_running_anything() {
    let repo = hello_repo();
    repo.script("mistakes", &MISTAKES.replace("terraform2::plan(root);\n", ""));
    let check = repo.run(&["check", "scripts/mistakes.rhai"]);
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: 5 problem(s) found:

        error: unknown function `terraform::aply`: did you mean `terraform::apply`?
          --> scripts/mistakes.rhai:7:18
          |
        7 | step("infra", || terraform::aply(root));
          |                  ^

        error: `terraform::apply` takes 1 or 2 arguments (root, options), got 3
          --> scripts/mistakes.rhai:8:1
          |
        8 | terraform::apply(root, #{}, 3);
          | ^

        error: argument 2 of `terraform::apply` (options) must be a map, got a string
          --> scripts/mistakes.rhai:9:24
          |
        9 | terraform::apply(root, "x");
          |                        ^

        error: unknown option `varz` of `terraform::apply`: did you mean `vars`? (options: vars, workspace, plan_only, allow_destroy, lock_timeout, retries)
          --> scripts/mistakes.rhai:10:27
           |
        10 | terraform::apply(root, #{ varz: #{} });
           |                           ^

        error: unknown function `common::gret`: did you mean `common::greet`?
          --> scripts/mistakes.rhai:11:1
           |
        11 | common::gret("x");
           | ^
    "#]]
    .assert_eq(&check.transcript());
    // A run refuses the same before anything runs, in every mode.
    for mode in [&["--dry-run"][..], &["--plan"], &[]] {
        let run = repo.run(&[&["run", "mistakes", "--set", "customer=acme"], mode].concat());
        assert_eq!(run.code, 2, "{mode:?}: {}", run.stderr);
        assert_eq!(run.stderr, check.stderr, "{mode:?}");
    }
    assert!(!repo.path().join(".auto/runs").exists(), "nothing ran");
    // A module prefix that is neither auto's nor imported is a compile error, shown alone.
    repo.script("mistakes", MISTAKES);
    let check = repo.run(&["check", "scripts/mistakes.rhai"]);
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: 1 problem(s) found:

        error: unknown module `terraform2`: did you mean `terraform`?
          --> scripts/mistakes.rhai:11:1
           |
        11 | terraform2::plan(root);
           | ^
    "#]]
    .assert_eq(&check.transcript());
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: unknown module `terraform2`: did you mean `terraform`?
          --> scripts/mistakes.rhai:11:1
           |
        11 | terraform2::plan(root);
           | ^
    "#]]
    .assert_eq(&repo.run(&["run", "mistakes", "--dry-run", "--set", "customer=acme"]).transcript());
}

#[test]
fn parameters_a_script_reads_must_be_declared() {
    let repo = hello_repo();
    repo.script("reads", "//! Reads.\nparam(\"customer\", #{ help: \"customer id\" });\ninfo(params.custmer);\n");
    let check = repo.run(&["check", "scripts/reads.rhai"]);
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: 1 problem(s) found:

        error: unknown parameter `custmer`: did you mean `customer`?
          --> scripts/reads.rhai:3:13
          |
        3 | info(params.custmer);
          |             ^
    "#]]
    .assert_eq(&check.transcript());
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: unknown parameter `custmer`: did you mean `customer`?
          --> scripts/reads.rhai:3:13
          |
        3 | info(params.custmer);
          |             ^
    "#]]
    .assert_eq(&repo.run(&["run", "reads", "--dry-run", "--set", "customer=acme"]).transcript());
}

#[test]
fn limits_stop_runaway_scripts_with_a_message_naming_the_limit() {
    let repo = TestRepo::new();
    repo.script("spin", "//! Spins.\nlet i = 0;\nloop { i += 1; }\n");
    repo.script("deep", "//! Recurses.\nfn f(n) { f(n + 1) }\nf(0);\n");
    repo.script("huge", "//! Grows.\nlet s = \"x\";\nloop { s += s; }\n");
    let spin = repo.run(&["run", "spin", "--max-operations", "100000"]);
    assert_eq!(spin.code, 1);
    assert!(
        spin.stderr.contains("the script exceeded the operations limit (100000): is there a runaway loop?"),
        "{}",
        spin.stderr
    );
    let deep = repo.run(&["run", "deep"]);
    assert_eq!(deep.code, 1);
    assert!(deep.stderr.contains("the call depth limit (96) was exceeded"), "{}", deep.stderr);
    let huge = repo.run(&["run", "huge"]);
    assert_eq!(huge.code, 1);
    assert!(huge.stderr.contains("more than the 1024 MiB it may"), "{}", huge.stderr);
}

#[test]
fn eval_is_disabled() {
    let repo = TestRepo::new();
    repo.script("ev", "//! Eval.\neval(\"1\");\n");
    let outcome = repo.run(&["run", "ev"]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("eval"), "{}", outcome.stderr);
}

#[test]
fn dry_run_records_every_effect_and_runs_nothing() {
    let repo = TestRepo::new();
    repo.script(
        "touch",
        "//! Touches.\nlet r = step(\"touch\", || exec::run([\"touch\", \"created-by-test\"], #{ env: #{ TOKEN: secret(\"canary-dry-0001\") } }));\nprint(r.stdout);\n",
    );
    expect![[r#"
        exit 3
        --- stdout
        --- stderr
        auto scripts/touch.rhai (dry-run, not journaled)
        [touch] ▶ touch
        [touch] would run TOKEN=*** touch created-by-test
        [touch] ◌ touch ([T]) pending: would change
        (dry-run, nothing done) (known after apply: exec touch.stdout)

        step   status       time
        touch  pending [T]

        dry-run: would change; nothing was changed
          recorded  1 command(s) and file write(s), not run
        ok=0 pending=1 failed=0 skipped=0
        pending in [T]
    "#]]
    .assert_eq(&repo.run(&["run", "touch", "--dry-run"]).transcript());
    assert!(!repo.path().join("created-by-test").exists());
    assert!(!repo.path().join(".auto").exists(), "dry-run writes no journal");
}

#[test]
fn plan_runs_reads_records_writes_and_exits_3_when_changes_are_pending() {
    let repo = TestRepo::new();
    repo.script(
        "mixed",
        "//! Reads and writes.\nlet r = exec::run([\"echo\", \"from-read\"], #{ effect: \"read\" });\nprint(r.stdout.trim());\nexec::run([\"touch\", \"written\"]);\n",
    );
    let outcome = repo.run(&["run", "mixed", "--plan"]);
    expect![[r#"
        exit 3
        --- stdout
        --- stderr
        auto scripts/mixed.rhai (plan, not journaled)
        would run touch written

        plan: would change; nothing was changed
          recorded  1 command(s) and file write(s), not run
        pending in [T]
    "#]]
    .assert_eq(&outcome.transcript());
    assert!(!repo.path().join("written").exists());
    repo.script("reads", "//! Reads only.\nexec::run([\"true\"], #{ effect: \"read\" });\n");
    assert_eq!(repo.run(&["run", "reads", "--plan", "-q"]).code, 0);
}

#[test]
fn tool_failures_show_the_command_status_and_stderr_tail() {
    let repo = TestRepo::new();
    repo.script(
        "fails",
        "//! Fails.\nexec::run([\"ls\", \"/definitely/not/here\"], #{ env: #{ PW: secret(\"canary-fail-0002\") } });\n",
    );
    let outcome = repo.run(&["run", "fails"]);
    assert_eq!(outcome.code, 1);
    assert!(
        outcome.stderr.contains("error: `PW=*** ls /definitely/not/here` failed with exit code 2:"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stderr.contains("No such file or directory"), "{}", outcome.stderr);
    assert!(!outcome.stderr.contains("canary-fail-0002"));
}

#[test]
fn a_missing_tool_says_how_to_fix_it() {
    let repo = TestRepo::new();
    repo.script("missing", "//! Missing.\nexec::run([\"no-such-tool-xyz\"]);\n");
    let outcome = repo.run(&["run", "missing"]);
    assert_eq!(outcome.code, 1);
    assert!(
        outcome.stderr.contains("`no-such-tool-xyz` was not found on PATH: install it or run `auto doctor`"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn secrets_never_reach_argv_output_or_the_journal() {
    let repo = TestRepo::new();
    repo.script(
        "leak",
        r#"//! Tries to leak.
let s = secret_env("AUTO_TEST_CANARY");
print(s);
print(`${s}`);
debug(s);
let r = exec::run(["sh", "-c", "printf '%s' \"$TOKEN\"; printf '%s' \"$TOKEN\" | base64"], #{ env: #{ TOKEN: s } });
print(r.stdout);
step("returns it", || s);
exec::run(["echo", s]);
"#,
    );
    let outcome = repo
        .command(&["run", "leak", "-v", "--output", "json"])
        .env("AUTO_TEST_CANARY", "canary-7f3a9c-secret")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&outcome.stdout);
    let stderr = String::from_utf8_lossy(&outcome.stderr);
    assert_eq!(outcome.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("secrets must not be on a command line"), "{stderr}");
    for text in [stdout.as_ref(), stderr.as_ref(), &support::journal_text(&repo)] {
        assert!(!text.contains("canary-7f3a9c-secret"), "leaked: {text}");
        assert!(!text.contains("Y2FuYXJ5LTdmM2E5Yy1zZWNyZXQ"), "leaked base64: {text}");
    }
    assert!(stdout.contains("***"));
}

#[test]
fn check_lists_every_problem_and_exits_2() {
    let repo = hello_repo();
    repo.script("bad1", "//! One.\nlet x = ;\n");
    repo.script("bad2", "//! Two.\nparam(\"x\", #{ hlep: \"typo\" });\n");
    repo.script("nodoc", "print(1);\n");
    let outcome = repo.run(&["check"]);
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: 3 problem(s) found:

        error: syntax error: Unexpected ';'
          --> scripts/bad1.rhai:2:9
          |
        2 | let x = ;
          |         ^

        error: unknown option `hlep` of `param`: did you mean `help`? (options: help, type, default_value, choices, pattern)
          --> scripts/bad2.rhai:2:15
          |
        2 | param("x", #{ hlep: "typo" });
          |               ^

        error: `scripts/nodoc.rhai` has no leading `//!` doc comment: `auto list` shows its first line
    "#]]
    .assert_eq(&outcome.transcript());
    std::fs::remove_file(repo.path().join("scripts/bad1.rhai")).unwrap();
    std::fs::remove_file(repo.path().join("scripts/bad2.rhai")).unwrap();
    std::fs::remove_file(repo.path().join("scripts/nodoc.rhai")).unwrap();
    expect![[r#"
        exit 0
        --- stdout
        checked 2 script(s): no problems
        --- stderr
    "#]]
    .assert_eq(&repo.run(&["check"]).transcript());
}

#[test]
fn list_and_describe_document_scripts() {
    let repo = hello_repo();
    expect![[r#"
        exit 0
        --- stdout
        hello  Greets a customer.
                 params: env customer [times]
        --- stderr
    "#]]
    .assert_eq(&repo.run(&["list"]).transcript());
    expect![[r#"
        exit 0
        --- stdout
        hello (scripts/hello.rhai)

        Greets a customer.

        Longer text.

        parameters:
          --set env (string) required: environment [choices: `dev`]
          --set customer (string) required: customer id [pattern: [a-z][a-z0-9]{2,19}]
          --set times (int) = 1: how often

        run: auto run hello --set env=... --set customer=...
        --- stderr
    "#]]
    .assert_eq(&repo.run(&["describe", "hello"]).transcript());
}

#[test]
fn unknown_scripts_suggest_the_nearest_or_list_the_available_ones() {
    let repo = hello_repo();
    repo.script("onboard_customer", "//! Onboards.\n");
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: no script `onbord_customer` in scripts/: did you mean `onboard_customer`?
    "#]]
    .assert_eq(&repo.run(&["run", "onbord_customer"]).transcript());
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: no script `deploy` in scripts/: available scripts are `hello`, `onboard_customer`
    "#]]
    .assert_eq(&repo.run(&["run", "deploy"]).transcript());
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: script `scripts/helo.rhai` not found at `[REPO]/scripts/helo.rhai`: did you mean `hello`?
    "#]]
    .assert_eq(&repo.run(&["run", "scripts/helo.rhai"]).transcript());
}

#[test]
fn a_repository_without_environments_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = support::Outcome::from(
        std::process::Command::new(env!("CARGO_BIN_EXE_auto")).arg("list").current_dir(dir.path()).output().unwrap(),
        dir.path(),
    );
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: no repository found from `[REPO]` upwards: expected a folder with `scripts/` and `environments/` (or pass --repo)
    "#]]
    .assert_eq(&outcome.transcript());
}

#[test]
fn invalid_environment_config_names_the_file_and_line() {
    let repo = hello_repo();
    repo.write("environments/dev/env.toml", &support::ENV_TOML.replace("allowed_contexts", "alowed_contexts"));
    let outcome = repo.run(&["run", "hello", "--set", "env=dev", "--set", "customer=acme"]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains(
            "invalid configuration in `[REPO]/environments/dev/env.toml:11`: unknown field `alowed_contexts`"
        ),
        "{}",
        outcome.stderr
    );
}

/// What bash's completion offers for the words typed, the last one being completed: the
/// shell code `auto completions bash` prints, loaded into a real bash, its function called
/// as bash calls it on TAB.
fn bash_completes(repo: &TestRepo, words: &[&str]) -> Vec<String> {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_auto")).parent().unwrap().to_path_buf();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        r#"source <(auto completions bash)
COMP_WORDS=({}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); COMP_TYPE=9
_clap_complete_auto auto "${{COMP_WORDS[-1]}}" "${{COMP_WORDS[-2]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        quoted.join(" ")
    );
    let output = std::process::Command::new("bash")
        .args(["--norc", "-c", &script])
        .current_dir(repo.path())
        .env("PATH", support::path_with(&bin))
        .output()
        .expect("bash runs");
    String::from_utf8_lossy(&output.stdout).lines().filter(|l| !l.is_empty()).map(String::from).collect()
}

#[test]
fn bash_completes_scripts_parameters_their_choices_and_run_ids_of_the_repository() {
    let repo = hello_repo();
    repo.script("onboard", "//! Onboard.\nparam(\"env\", #{ help: \"where\", choices: environments() });\nparam(\"customer\", #{ help: \"who\" });\nparam(\"size\", #{ help: \"how big\", choices: [\"s\", \"m\"], default_value: \"s\" });\n");
    assert_eq!(bash_completes(&repo, &["auto", "r"]), ["run", "runs"]);
    assert_eq!(bash_completes(&repo, &["auto", "run", "on"]), ["onboard"]);
    assert_eq!(bash_completes(&repo, &["auto", "run", "onboard", "--set", ""]), ["env=", "customer=", "size="]);
    assert_eq!(bash_completes(&repo, &["auto", "run", "onboard", "--set", "size="]), ["size=s", "size=m"]);
    assert_eq!(bash_completes(&repo, &["auto", "run", "onboard", "--set", "env="]), ["env=dev"]);
    assert_eq!(
        bash_completes(&repo, &["auto", "run", "onboard", "--set", "env=dev", "--set", "customer="]),
        ["customer=acme", "customer=beta"]
    );
    assert_eq!(bash_completes(&repo, &["auto", "doctor", "--env", "d"]), ["dev"]);
    assert_eq!(repo.run(&["run", "hello", "--set", "env=dev", "--set", "customer=acme"]).code, 0);
    let run_id = support::run_ids(&repo).pop().unwrap();
    assert_eq!(bash_completes(&repo, &["auto", "runs", "show", "2"]), [run_id]);
    assert!(bash_completes(&repo, &["auto", "runs", "show", ""]).contains(&"latest".to_string()));
}

#[test]
fn json_output_is_one_versioned_event_per_line() {
    let repo = hello_repo();
    let outcome = repo.run(&["run", "hello", "--set", "env=dev", "--set", "customer=acme", "--output", "json"]);
    assert_eq!(outcome.code, 0);
    let events: Vec<serde_json::Value> =
        outcome.stdout.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert!(events.iter().all(|e| e["schema"] == "auto.event/v1" && e["ts"].is_string()));
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["run_started", "log", "plan_summary", "run_finished"]);
    assert_eq!(events[0]["params"], serde_json::json!({"customer": "acme", "env": "dev", "times": 1}));
    assert_eq!(events[2]["changes_pending"], false);
    assert_eq!(events[3]["exit_code"], 0);
}

#[test]
fn github_actions_output_groups_steps_annotates_errors_and_writes_a_summary() {
    let repo = TestRepo::new();
    repo.script(
        "gh",
        "//! GitHub.\nstep(\"first\", || 1);\nstep(\"second\", || {\n    fail(\"boom: 50% done\");\n});\n",
    );
    let summary = repo.path().join("summary.md");
    let output = repo
        .command(&["run", "gh"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    let outcome = support::Outcome::from(output, repo.path());
    expect![[r#"
        ::group::first
        ::endgroup::
        ::group::second
        ::endgroup::
        ::error file=scripts/gh.rhai,line=4::error: boom: 50%25 done%0A  --> scripts/gh.rhai:4:5%0A  |%0A4 |     fail("boom: 50%25 done");%0A  |     ^%0A  = in a closure called at scripts/gh.rhai:3:1
    "#]]
    .assert_eq(regex::Regex::new(r"anon\$[0-9a-f]+").unwrap().replace_all(&outcome.stdout, "anon$$").as_ref());
    let summary = support::normalise(&std::fs::read_to_string(summary).unwrap(), repo.path());
    expect![[r#"
        ### auto: `scripts/gh.rhai` — failed in [T]

        | step | status | time | error |
        |---|---|---|---|
        | first | ok | [T] |  |
        | second | failed | [T] | boom: 50% done |
    "#]]
    .assert_eq(&summary);
}

#[test]
fn doctor_reports_one_line_per_check_with_fixes() {
    let repo = TestRepo::new();
    // Fake tools: the real ones' versions vary by machine; these make the report exact.
    let bin = support::bin_dir_with(&repo, "terraform", "#!/bin/sh\necho '{\"terraform_version\":\"0.12.31\"}'\n");
    support::bin_dir_with(
        &repo,
        "kubectl",
        "#!/bin/sh\ncase \"$*\" in\n  *get-contexts*) echo auto-test ;;\n  *) echo '{\"clientVersion\":{\"gitVersion\":\"v1.37.1\"}}' ;;\nesac\n",
    );
    support::bin_dir_with(&repo, "git", "#!/bin/sh\necho 'git version 2.47.3'\n");
    support::bin_dir_with(
        &repo,
        "az",
        "#!/bin/sh\necho '{\"id\":\"11111111-1111-1111-1111-111111111111\",\"user\":{\"name\":\"dev@example.com\"},\"accessToken\":\"never-shown\"}'\n",
    );
    let output = repo
        .command(&["doctor", "--env", "dev"])
        .env("PATH", &bin)
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env_remove("ARM_USE_OIDC")
        .output()
        .unwrap();
    expect![[r#"
        exit 1
        --- stdout
        ok    repository       1 environment(s): dev
        FAIL  terraform        version `0.12.31` is older than 1.0 — fix: install terraform >= 1.0 (bash .ci/install-tools.sh finds the one the roots need)
        ok    kubectl          v1.37.1
        FAIL  docker engine    cannot connect to unix:///nonexistent/docker.sock: No such file or directory (os error 2) — fix: start the daemon (systemctl start docker) or point DOCKER_HOST at it
        ok    git              git version 2.47.3
        ok    terraform roots  dev: no terraform roots
        warn  azure login      logged in as dev@example.com on subscription 11111111-1111-1111-1111-111111111111, but the environment uses 00000000-0000-0000-0000-000000000000 — fix: az account set --subscription 00000000-0000-0000-0000-000000000000
        ok    kube context     `auto-test` exists and is allowed for dev
        --- stderr
        error: 2 check(s) failed
    "#]]
    .assert_eq(&support::Outcome::from(output, repo.path()).transcript());
}

#[test]
fn new_scaffolds_a_script_that_passes_check() {
    let repo = TestRepo::new();
    let outcome = repo.run(&["new", "rotate_keys"]);
    expect![[r#"
        exit 0
        --- stdout
        created scripts/rotate_keys.rhai: edit its doc comment and steps, then `auto check scripts/rotate_keys.rhai`
        --- stderr
    "#]]
    .assert_eq(&outcome.transcript());
    assert_eq!(repo.run(&["check", "scripts/rotate_keys.rhai"]).code, 0);
    assert_eq!(repo.run(&["new", "rotate_keys"]).code, 2, "does not overwrite");
    let bad = repo.run(&["new", "../evil"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("invalid script name `../evil`"), "{}", bad.stderr);
}

#[test]
fn a_run_refused_for_its_parameters_leaves_no_journal() {
    let repo = hello_repo();
    assert_eq!(repo.run(&["run", "hello", "--set", "env=nope"]).code, 2);
    assert!(!repo.path().join(".auto/runs").exists(), "nothing ran, nothing to resume");
}

#[test]
fn a_pathological_tf_file_is_reported_not_waited_for() {
    // Found by fuzzing (fuzz/RESULTS.md): the HCL parser backtracks for minutes on it.
    let repo = TestRepo::new();
    let slow = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/regressions/hcl_lint/slow-unit-e77b07791be5e9790a68ef2900f103bfed09a1c1"
    ))
    .unwrap();
    repo.write("environments/dev/acme/infra/main.tf", &slow);
    let outcome = repo.run(&["lint-terraform", "environments"]);
    assert_eq!(outcome.code, 1, "{}", outcome.transcript());
    assert!(
        outcome.stdout.contains("environments/dev/acme/infra/main.tf:1: the file did not parse within [T]")
            || outcome.stdout.contains("syntax error"),
        "{}",
        outcome.transcript()
    );
}
