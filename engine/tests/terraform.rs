//! `terraform::*` through the binary, against the real terraform 1.11 and its null
//! provider (installed by .ci/install-tools.sh): the whole lifecycle, dry-run and plan
//! modes, errors, a state lock held by another process, parallel roots, Ctrl-C, secrets.
#![allow(clippy::disallowed_methods)] // tests start auto and terraform directly

mod support;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use expect_test::expect;
use support::{path_with, pinned_tools, Outcome, TestRepo, ENV_TOML};

const APP: &str = "environments/test/acme/app";
const SLOW: &str = "environments/test/slow";

/// Puts the pinned terraform first on PATH (the machine may have another one).
fn with_terraform(command: &mut Command) -> &mut Command {
    let (bin, config) = pinned_tools();
    command.env("PATH", path_with(&bin)).env("TF_CLI_CONFIG_FILE", config).env("CHECKPOINT_DISABLE", "1")
}

/// A repository with environment `test` (local state backend) and customer `acme`.
fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("environments/test/env.toml", ENV_TOML);
    repo.write("environments/test/acme/customer.toml", "display_name = \"Acme\"\n");
    repo
}

/// The fixture's files under `to`, with the fixtures' shared versions.tf unless it has one.
fn add_root(repo: &TestRepo, fixture: &str, to: &str) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/terraform");
    let from = fixtures.join(fixture);
    for entry in std::fs::read_dir(&from).expect("fixture folder").flatten() {
        let text = std::fs::read_to_string(entry.path()).expect("fixture file");
        repo.write(&format!("{to}/{}", entry.file_name().to_string_lossy()), &text);
    }
    if !from.join("versions.tf").exists() {
        let text = std::fs::read_to_string(fixtures.join("versions.tf")).expect("shared versions.tf");
        repo.write(&format!("{to}/versions.tf"), &text);
    }
}

fn auto(repo: &TestRepo, args: &[&str]) -> Outcome {
    Outcome::from(with_terraform(&mut repo.command(args)).output().expect("auto runs"), repo.path())
}

/// Terraform itself, as a person would run it in the root.
fn terraform(repo: &TestRepo, root: &str, args: &[&str]) -> std::process::Output {
    let (bin, _) = pinned_tools();
    with_terraform(&mut Command::new(bin.join("terraform")))
        .arg(format!("-chdir={root}"))
        .args(args)
        .current_dir(repo.path())
        .stdin(Stdio::null())
        .output()
        .expect("terraform runs")
}

/// Terraform plans and applies the two resources concurrently, in any order: the two
/// names become one, and each run of consecutive `<root>: apply:` (or `plan:`) lines is
/// sorted.
fn unordered(text: &str) -> String {
    let text = regex::Regex::new(r"null_resource\.[ab]\b")
        .expect("regex")
        .replace_all(text, "null_resource.[a|b]")
        .into_owned();
    let key = |line: &str| line.splitn(3, ": ").take(2).collect::<Vec<_>>().join(": ");
    let mut lines: Vec<&str> = text.lines().collect();
    let mut start = 0;
    while start < lines.len() {
        let end = (start..lines.len()).find(|&i| key(lines[i]) != key(lines[start])).unwrap_or(lines.len());
        lines[start..end].sort();
        start = end;
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The JSON events of a `--output json` run.
fn events(outcome: &Outcome) -> Vec<serde_json::Value> {
    outcome.stdout.lines().filter_map(|line| serde_json::from_str(line).ok()).collect()
}

/// `version plan output`: the terraform subcommands a run started, in order.
fn started(outcome: &Outcome) -> String {
    let subcommand = |command: &str| {
        command
            .split_whitespace()
            .skip_while(|w| !w.ends_with("terraform"))
            .skip(1)
            .find(|w| !w.starts_with('-') && !w.starts_with("'-"))
            .unwrap_or("?")
            .to_string()
    };
    events(outcome)
        .iter()
        .filter(|e| e["type"] == "command_started")
        .map(|e| subcommand(e["command"].as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn interrupt(child: &Child) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT)
        .expect("SIGINT");
}

const CYCLE: &str = r#"//! Plan and apply the app root; print what came back.
let root = "environments/test/acme/app";
let vars = #{ name: "acme", password: secret("pw-canary-5521") };
terraform::init(root);
let p = terraform::plan(root, #{ vars: vars });
print(`plan: changes=${p.changes} add=${p.add} change=${p.change} destroy=${p.destroy} resources=${p.resources.len()}`);
let out = terraform::apply(root, #{ vars: vars });
for name in out.keys() { print(`output ${name} = ${out[name]} (${type_of(out[name])})`); }
for s in terraform::summary() { print(`summary ${s.root}: +${s.add} ~${s.change} -${s.destroy}`); }
"#;

const DESTROY: &str = r#"//! Destroy the app root.
let root = "environments/test/acme/app";
let d = terraform::destroy(root, #{ vars: #{ name: "acme" } });
print(`destroyed: changes=${d.changes} destroy=${d.destroy}`);
print(`outputs left: ${terraform::output(root).len()}`);
"#;

#[test]
fn init_plan_apply_outputs_then_a_converged_apply_and_destroy() {
    let repo = repo();
    add_root(&repo, "outputs", APP);
    repo.script("cycle", CYCLE).script("destroy", DESTROY);

    let first = auto(&repo, &["run", "cycle"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    expect![[r#"
        auto scripts/cycle.rhai (run, run [RUN])
        test/acme/app: 2 to add, 0 to change, 0 to replace, 0 to destroy
          + null_resource.[a|b]  create
              triggers: {"name":"acme"}
          + null_resource.[a|b]  create
              triggers: {"name":"acme","password":(sensitive)}
          + output.count: 2
          + output.enabled: true
          + output.greeting: "hello acme"
          + output.names: ["a","b"]
          + output.password: (sensitive)
          + output.ratio: 1.5
          + output.settings: {"name":"acme","public":false,"replicas":3,"zones":["1","2"]}
          + output.tags: {"team":"data","tier":"gold"}
        plan: changes=true add=2 change=0 destroy=0 resources=2
        test/acme/app: 2 to add, 0 to change, 0 to replace, 0 to destroy
          + null_resource.[a|b]  create
              triggers: {"name":"acme"}
          + null_resource.[a|b]  create
              triggers: {"name":"acme","password":(sensitive)}
          + output.count: 2
          + output.enabled: true
          + output.greeting: "hello acme"
          + output.names: ["a","b"]
          + output.password: (sensitive)
          + output.ratio: 1.5
          + output.settings: {"name":"acme","public":false,"replicas":3,"zones":["1","2"]}
          + output.tags: {"team":"data","tier":"gold"}
        test/acme/app: apply: null_resource.[a|b]: creating...
        test/acme/app: apply: null_resource.[a|b]: creating...
        test/acme/app: apply: null_resource.[a|b]: creation complete after [T]
        test/acme/app: apply: null_resource.[a|b]: creation complete after [T]
        test/acme/app: apply complete: 2 added, 0 changed, 0 destroyed
        output count = 2 (i64)
        output enabled = true (bool)
        output greeting = hello acme (string)
        output names = ["a", "b"] (array)
        output password = *** (Secret)
        output ratio = 1.5 (f64)
        output settings = #{"name": "acme", "public": false, "replicas": 3, "zones": ["1", "2"]} (map)
        output tags = #{"team": "data", "tier": "gold"} (map)
        summary test/acme/app: +2 ~0 -0

        changed
          terraform  2 to add, 0 to change, 0 to replace, 0 to destroy; 1 of 1 root(s)
            test/acme/app  applied: 2 to add, 0 to change, 0 to replace, 0 to destroy
        ok in [T]
    "#]]
    .assert_eq(&unordered(&first.stderr));
    assert!(repo.path().join(APP).join(".terraform/auto-init").is_file(), "init leaves its marker");

    // Nothing changed: init is skipped, the plan finds no changes, apply never runs, and
    // the outputs are read from the state.
    let second = auto(&repo, &["run", "cycle", "--output", "json"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(started(&second), "version plan plan output");
    let summaries: Vec<String> = events(&second)
        .iter()
        .filter(|e| e["type"] == "change_summary")
        .map(|e| format!("{} +{} ~{} -{}", e["root"], e["add"], e["change"], e["destroy"]))
        .collect();
    assert_eq!(summaries, ["\"test/acme/app\" +0 ~0 -0", "\"test/acme/app\" +0 ~0 -0"]);
    assert!(second.stdout.contains(r#"output greeting = hello acme (string)"#), "{}", second.stdout);

    let destroyed = auto(&repo, &["run", "destroy", "--allow-destroy"]);
    assert_eq!(destroyed.code, 0, "{}", destroyed.stderr);
    expect![[r#"
        auto scripts/destroy.rhai (run, run [RUN])
        test/acme/app: 0 to add, 0 to change, 0 to replace, 2 to destroy
          - null_resource.[a|b]  destroy
          - null_resource.[a|b]  destroy
          - output.count
          - output.enabled
          - output.greeting
          - output.names
          - output.password
          - output.ratio
          - output.settings
          - output.tags
        destroy destroys or replaces 2 resource(s) in test/acme/app: go ahead? → yes (--allow-destroy)
        test/acme/app: apply: null_resource.[a|b]: destroying...
        test/acme/app: apply: null_resource.[a|b]: destroying...
        test/acme/app: apply: null_resource.[a|b]: destruction complete after [T]
        test/acme/app: apply: null_resource.[a|b]: destruction complete after [T]
        test/acme/app: apply complete: 0 added, 0 changed, 2 destroyed
        destroyed: changes=true destroy=2
        outputs left: 0

        changed
          terraform  0 to add, 0 to change, 0 to replace, 2 to destroy; 1 of 1 root(s)
            test/acme/app  applied: 0 to add, 0 to change, 0 to replace, 2 to destroy
        ok in [T]
    "#]]
    .assert_eq(&unordered(&destroyed.stderr));
}

#[test]
fn dry_run_records_init_plan_and_apply_with_the_variables_file_redacted() {
    // No terraform needed: nothing runs.
    let repo = repo();
    add_root(&repo, "outputs", APP);
    repo.script(
        "dry",
        r#"//! Dry-run of an apply whose outputs feed another root.
let root = "environments/test/acme/app";
terraform::plan(root, #{ vars: #{ name: "acme" } });
let out = terraform::apply(root, #{ vars: #{ name: "acme", password: secret("dry-canary-9931") } });
print(`greeting: ${out.greeting}`);
terraform::apply("environments/test/acme/other", #{ vars: #{ name: out.greeting } });
"#,
    );
    add_root(&repo, "outputs", "environments/test/acme/other");
    let outcome = repo.run(&["run", "dry", "--dry-run", "--output", "json"]);
    assert!(!repo.path().join(".auto/terraform-plugin-cache").exists(), "a dry-run makes no provider cache");
    assert_eq!(outcome.code, 3, "it would apply: {}", outcome.stderr);
    let plan_dir = regex::Regex::new(r"/[^ ']*auto-tfplan-[^/]+").expect("regex");
    let recorded: Vec<String> = events(&outcome)
        .iter()
        .filter(|e| e["type"] == "effect_recorded")
        .map(|e| {
            let effect = &e["effect"];
            let files = effect["files"]
                .as_array()
                .map(|files| format!("\n    with {}", serde_json::Value::Array(files.clone())))
                .unwrap_or_default();
            format!(
                "{} {}{files}",
                effect["effect"].as_str().unwrap_or_default(),
                plan_dir.replace_all(effect["command"].as_str().unwrap_or_default(), "[PLANDIR]")
            )
        })
        .collect();
    expect![[r#"
        read TF_IN_AUTOMATION=1 terraform version -json
        read cd [REPO] && TF_IN_AUTOMATION=1 TF_PLUGIN_CACHE_DIR=[REPO]/.auto/terraform-plugin-cache terraform '-chdir=environments/test/acme/app' init '-input=false' -no-color
        read cd [REPO] && TF_IN_AUTOMATION=1 terraform '-chdir=environments/test/acme/app' plan '-input=false' -no-color -json '-lock-timeout=[T]' -detailed-exitcode '-out=[PLANDIR]/plan.tfplan' '-var-file=@auto.tfvars.json'
            with [["auto.tfvars.json","{\n  \"name\": \"acme\"\n}"]]
        read cd [REPO] && TF_IN_AUTOMATION=1 terraform '-chdir=environments/test/acme/app' plan '-input=false' -no-color -json '-lock-timeout=[T]' -detailed-exitcode '-out=[PLANDIR]/plan.tfplan' '-var-file=@auto.tfvars.json'
            with [["auto.tfvars.json","***"]]
        write cd [REPO] && TF_IN_AUTOMATION=1 terraform '-chdir=environments/test/acme/app' apply '-input=false' -no-color -json '-lock-timeout=[T]' [PLANDIR]/plan.tfplan
        read cd [REPO] && TF_IN_AUTOMATION=1 TF_PLUGIN_CACHE_DIR=[REPO]/.auto/terraform-plugin-cache terraform '-chdir=environments/test/acme/other' init '-input=false' -no-color
        write cd [REPO] && TF_IN_AUTOMATION=1 terraform '-chdir=environments/test/acme/other' plan '-input=false' -no-color -json '-lock-timeout=[T]' -detailed-exitcode '-out=[PLANDIR]/plan.tfplan' '-var-file=@auto.tfvars.json'
            with [["auto.tfvars.json","{\n  \"name\": \"(known after apply: test/acme/app.greeting)\"\n}"]]
        write cd [REPO] && TF_IN_AUTOMATION=1 terraform '-chdir=environments/test/acme/other' apply '-input=false' -no-color -json '-lock-timeout=[T]' [PLANDIR]/plan.tfplan"#]]
    .assert_eq(&recorded.join("\n"));
    assert!(outcome.stdout.contains("greeting: (known after apply: test/acme/app.greeting)"), "{}", outcome.stdout);
    assert!(!outcome.stdout.contains("dry-canary-9931") && !outcome.stderr.contains("dry-canary-9931"));
    assert!(!repo.path().join(APP).join(".terraform").exists(), "a dry-run initialises nothing");
}

#[test]
fn plan_mode_plans_for_real_and_records_only_the_apply() {
    let repo = repo();
    add_root(&repo, "outputs", APP);
    repo.script(
        "apply_app",
        r#"//! Apply the app root.
let out = terraform::apply("environments/test/acme/app", #{ vars: #{ name: "acme" } });
print(`greeting: ${out.greeting}`);
"#,
    );
    let pending = auto(&repo, &["run", "apply_app", "--plan", "--output", "json"]);
    assert_eq!(pending.code, 3, "pending changes: {}", pending.stderr);
    // The plan is read back (`show`) for what it would change.
    assert_eq!(started(&pending), "version init plan show");
    let writes: Vec<String> = events(&pending)
        .iter()
        .filter(|e| e["type"] == "effect_recorded")
        .map(|e| e["effect"]["effect"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(writes, ["write"], "only the apply is recorded");
    assert!(pending.stdout.contains("greeting: (known after apply: test/acme/app.greeting)"), "{}", pending.stdout);

    assert_eq!(auto(&repo, &["run", "apply_app"]).code, 0);
    let converged = auto(&repo, &["run", "apply_app", "--plan", "--output", "json"]);
    assert_eq!(converged.code, 0, "nothing pending: {}", converged.stderr);
    assert_eq!(started(&converged), "version plan output");
    assert!(converged.stdout.contains("greeting: hello acme"), "{}", converged.stdout);
}

#[test]
fn a_failing_root_reports_the_root_and_terraforms_diagnostic() {
    let repo = repo();
    add_root(&repo, "bad_variable", "environments/test/bad");
    repo.script(
        "bad",
        r#"//! Pass a value the variable's validation rejects.
terraform::apply("environments/test/bad", #{ vars: #{ size: 42 } });
"#,
    );
    let outcome = auto(&repo, &["run", "bad"]);
    assert_eq!(outcome.code, 1);
    expect![[r#"
        auto scripts/bad.rhai (run, run [RUN])
        error: terraform::apply: terraform plan failed in `environments/test/bad`:
          Invalid value for variable (the variables the script passed (auto.tfvars.json:2))
            The size must be between 1 and 9.

            This was checked by the validation rule at main.tf:6,3-13.
          --> scripts/bad.rhai:2:12
          |
        2 | terraform::apply("environments/test/bad", #{ vars: #{ size: 42 } });
          |            ^
    "#]]
    .assert_eq(&outcome.stderr);

    repo.script("wrong_type", "//! A string where a number is expected.\nterraform::plan(\"environments/test/bad\", #{ vars: #{ size: \"big\" } });\n");
    let outcome = auto(&repo, &["run", "wrong_type"]);
    assert_eq!(outcome.code, 1);
    assert!(
        outcome
            .stderr
            .contains("Invalid value for input variable (the variables the script passed (auto.tfvars.json:2))")
            && outcome.stderr.contains(
                "The given value is not suitable for var.size declared at main.tf:3,1-16: a number is required."
            ),
        "{}",
        outcome.stderr
    );
}

#[test]
fn script_mistakes_are_reported_before_terraform_runs() {
    let repo = repo();
    add_root(&repo, "outputs", APP);
    let error = |source: &str| {
        repo.script("mistake", &format!("//! A mistake.\n{source}\n"));
        let outcome = repo.run(&["run", "mistake"]);
        assert_eq!(outcome.code, 2, "{}", outcome.stderr);
        outcome.stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default().to_string()
    };
    expect!["error: unknown option `workspce` of `terraform::apply`: did you mean `workspace`? (options: vars, workspace, plan_only, allow_destroy, lock_timeout, retries)"]
        .assert_eq(&error(r#"terraform::apply("environments/test/acme/app", #{ workspce: "blue" });"#));
    expect!["error: terraform::plan: `environments/test/acme/app`: variable `nmae` is not declared in `environments/test/acme/app`: it declares `name`, `password`"]
        .assert_eq(&error(r#"terraform::plan("environments/test/acme/app", #{ vars: #{ nmae: "x" } });"#));
    expect!["error: terraform::init: terraform root `environments/test/acme/nope` does not exist: expected a folder with *.tf files (paths are relative to the repository root)"]
        .assert_eq(&error(r#"terraform::init("environments/test/acme/nope");"#));
    expect!["error: terraform::apply: `retries.attempts` must be between 1 and 10, not 0"]
        .assert_eq(&error(r#"terraform::apply("environments/test/acme/app", #{ retries: #{ attempts: 0 } });"#));
}

#[test]
fn a_state_lock_held_by_another_process_is_reported_with_its_holder() {
    let repo = repo();
    add_root(&repo, "slow", SLOW);
    assert!(terraform(&repo, SLOW, &["init", "-input=false", "-no-color"]).status.success());
    let (bin, _) = pinned_tools();
    let mut holder = with_terraform(&mut Command::new(bin.join("terraform")))
        .args([&format!("-chdir={SLOW}"), "apply", "-input=false", "-auto-approve", "-no-color", "-var", "seconds=60"])
        .current_dir(repo.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("terraform apply starts");
    wait_for("the other apply to hold the lock", || repo.path().join(SLOW).join("started.flag").exists());

    repo.script("slow", "//! Apply the slow root.\nterraform::apply(\"environments/test/slow\");\n");
    let outcome = auto(&repo, &["run", "slow"]);

    let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(holder.id() as i32), nix::sys::signal::Signal::SIGINT);
    let _ = holder.wait();
    assert_eq!(outcome.code, 4, "a held lock: {}", outcome.stderr);
    let error = outcome.stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
    let normalised = regex::Regex::new(r"locked by \S+ since \S+ \S+ UTC \(\[T\] ago\), lock ID ([0-9a-f-]{36}): wait, or `terraform force-unlock ([0-9a-f-]{36})`")
        .expect("regex")
        .replace(error, "locked by [WHO] since [DATE] [TIME] UTC ([AGE] ago), lock ID [ID]: wait, or `terraform force-unlock [ID]`");
    expect!["error: terraform::apply: state of `test/slow` is locked by [WHO] since [DATE] [TIME] UTC ([AGE] ago), lock ID [ID]: wait, or `terraform force-unlock [ID]` (in `environments/test/slow`) if that run is dead"]
        .assert_eq(&normalised);
}

#[test]
fn two_roots_apply_concurrently_through_parallel() {
    let repo = repo();
    add_root(&repo, "outputs", "environments/test/acme/a");
    add_root(&repo, "outputs", "environments/test/acme/b");
    repo.script(
        "both",
        r#"//! Apply two roots of one customer at once.
let results = parallel([
    || terraform::apply("environments/test/acme/a", #{ vars: #{ name: "first" } }),
    || terraform::apply("environments/test/acme/b", #{ vars: #{ name: "second" } }),
]);
print(`check: a says ${results[0].greeting}, b says ${results[1].greeting}`);
for s in terraform::summary() { print(`check: summary ${s.root}: +${s.add} ~${s.change} -${s.destroy}`); }
"#,
    );
    let outcome = auto(&repo, &["run", "both"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let mut checks: Vec<&str> = outcome.stderr.lines().filter(|l| l.starts_with("check:")).collect();
    checks.sort();
    expect![[r#"
        check: a says hello first, b says hello second
        check: summary test/acme/a: +2 ~0 -0
        check: summary test/acme/b: +2 ~0 -0"#]]
    .assert_eq(&checks.join("\n"));
}

/// Azure's "try again" errors are retried from a fresh plan (the half-applied plan file is
/// stale); the wait before a retry ends at the step's timeout, not after it.
#[test]
fn a_transient_error_is_retried_replacing_only_what_it_left_tainted_and_its_wait_ends_at_the_step_timeout() {
    let repo = repo();
    add_root(&repo, "flaky", "environments/test/flaky");
    add_root(&repo, "flaky", "environments/test/never");
    repo.script(
        "flaky",
        r#"//! Apply a root whose first attempts fail with a transient error.
param("failures", #{ help: "attempts that fail before one succeeds", default_value: 1 });
param("delay", #{ help: "the wait before the first retry", default_value: "1s" });
param("timeout", #{ help: "the step's timeout", default_value: "5m" });
param("root", #{ help: "the root under environments/test", default_value: "flaky" });
step("flaky", #{ timeout: params.timeout }, || {
    terraform::apply(`environments/test/${params.root}`, #{
        vars: #{ failures: params.failures },
        retries: #{ attempts: 3, delay: params.delay },
    });
});
"#,
    );
    let attempts = |root: &str| {
        std::fs::read_to_string(repo.path().join(format!("environments/test/{root}/attempts"))).unwrap_or_default()
    };

    let retried = auto(&repo, &["run", "flaky"]);
    assert_eq!(retried.code, 0, "{}", retried.stderr);
    assert!(
        retried.stderr.contains(
            "terraform apply of `environments/test/flaky` failed with a transient error (matched `RetryableError`): retrying in [T] (attempt 2 of 3)"
        ),
        "{}",
        retried.stderr
    );
    assert_eq!(attempts("flaky").trim(), "2", "one failed attempt, then the one that went through");
    // The retry replaces what the failed attempt left tainted, without asking: it did not
    // exist before the call (there is no terminal here, so a question would have failed).
    assert!(retried.stderr.contains("replace (tainted)"), "{}", retried.stderr);
    assert!(
        retried
            .stderr
            .contains("test/flaky: replaces what the failed attempt created and left tainted: null_resource.flaky"),
        "{}",
        retried.stderr
    );

    // Tainted by a person, not by this call's attempt: the replacement is asked as always
    // (and refused here, with no terminal to ask).
    let taint = terraform(&repo, "environments/test/flaky", &["taint", "null_resource.flaky"]);
    assert!(taint.status.success(), "{}", String::from_utf8_lossy(&taint.stderr));
    let asked = auto(&repo, &["run", "flaky", "--set", "failures=0"]);
    assert_eq!(asked.code, 1, "{}", asked.stderr);
    assert!(
        asked.stderr.contains("would destroy or replace, and stopped before changing anything"),
        "{}",
        asked.stderr
    );
    assert!(!asked.stderr.contains("left tainted"), "{}", asked.stderr);

    // Fails every time; the retry would wait ten minutes, the step allows three seconds.
    let started = Instant::now();
    let cut = auto(
        &repo,
        &["run", "flaky", "--set", "root=never", "--set", "failures=9", "--set", "delay=10m", "--set", "timeout=3s"],
    );
    assert_eq!(cut.code, 1, "{}", cut.stderr);
    assert!(
        cut.stderr.contains(
            "step `flaky` exceeded its timeout of [T] while waiting to retry terraform apply of `environments/test/never`"
        ),
        "{}",
        cut.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(300), "the wait for the retry outlived the step");
    assert_eq!(attempts("never").trim(), "1", "no attempt after the step's time was up");
}

#[test]
fn ctrl_c_during_an_apply_stops_terraform_unlocks_the_state_and_exits_130() {
    let repo = repo();
    add_root(&repo, "slow", SLOW);
    repo.script(
        "slow",
        "//! Apply the slow root.\nterraform::apply(\"environments/test/slow\", #{ vars: #{ seconds: 60 } });\n",
    );
    let child = with_terraform(&mut repo.command(&["run", "slow"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("auto starts");
    wait_for("the apply to start its provisioner", || repo.path().join(SLOW).join("started.flag").exists());
    let started = Instant::now();
    interrupt(&child);
    let outcome = Outcome::from(child.wait_with_output().expect("auto exits"), repo.path());
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "terraform should stop instead of sleeping on:\n{}",
        outcome.stderr
    );
    assert_eq!(outcome.code, 130, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("interrupted"), "{}", outcome.stderr);
    assert!(!repo.path().join(SLOW).join(".terraform.tfstate.lock.info").exists(), "the lock file is gone");
    let plan = terraform(&repo, SLOW, &["plan", "-input=false", "-no-color", "-lock-timeout=0s"]);
    assert!(plan.status.success(), "the state is unlocked: {}", String::from_utf8_lossy(&plan.stderr));
}

#[test]
fn the_secret_canary_reaches_neither_argv_nor_output() {
    let repo = repo();
    add_root(&repo, "outputs", APP);
    let (bin, config) = pinned_tools();
    let argv_log = repo.path().join("argv.log");
    // The one fake tool: logs every command line terraform gets, then runs the real one.
    let wrapper = support::bin_dir_with(
        &repo,
        "terraform",
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            argv_log.display(),
            bin.join("terraform").display()
        ),
    );
    repo.script(
        "canary",
        r#"//! Pass a secret to terraform and print everything that comes back.
let root = "environments/test/acme/app";
let out = terraform::apply(root, #{ vars: #{ name: "acme", password: secret("canary-3b7f91d2") } });
print(`outputs: ${out}`);
print(`password: ${out.password}`);
print(`again: ${terraform::output(root)}`);
"#,
    );
    let output = repo
        .command(&["run", "canary", "-v"])
        .env("PATH", path_with(&wrapper))
        .env("TF_CLI_CONFIG_FILE", config)
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("auto runs");
    let outcome = Outcome::from(output, repo.path());
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let argv = std::fs::read_to_string(&argv_log).expect("the wrapper ran");
    assert!(argv.lines().any(|l| l.contains("plan") && l.contains("-var-file=/")), "variables go in a file:\n{argv}");
    for (what, text) in [("argv", &argv), ("stdout", &outcome.stdout), ("stderr", &outcome.stderr)] {
        assert!(!text.contains("canary-3b7f91d2"), "the canary leaked into {what}:\n{text}");
    }
    assert!(outcome.stderr.contains("password: ***"), "{}", outcome.stderr);
    // The variables file lived in a private directory that is gone.
    let var_file = argv.split_whitespace().find_map(|w| w.strip_prefix("-var-file=")).expect("a var file");
    assert!(!Path::new(var_file).exists(), "{var_file} was removed");
}

#[test]
fn validate_and_fmt_check() {
    let repo = repo();
    add_root(&repo, "outputs", APP);
    repo.write(
        "infra/modules/broken/main.tf",
        "resource \"null_resource\" \"x\" {\n  triggers = { v = var.missing }\n}\n",
    );
    repo.write("infra/modules/ugly/main.tf", "variable \"x\" {\ntype=string\n}\n");
    repo.script(
        "lint",
        r#"//! Validate roots and modules, and check formatting.
let good = terraform::validate("environments/test/acme/app");
print(`check: app valid=${good.valid} diagnostics=${good.diagnostics.len()}`);
let bad = terraform::validate("infra/modules/broken");
print(`check: broken valid=${bad.valid}`);
for d in bad.diagnostics { print(`check: ${d.severity} ${d.file}:${d.line}: ${d.summary}`); }
print(`check: unformatted ${terraform::fmt_check("infra")}`);
print(`check: unformatted ${terraform::fmt_check("environments")}`);
"#,
    );
    let outcome = auto(&repo, &["run", "lint"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let checks: Vec<&str> = outcome.stderr.lines().filter(|l| l.starts_with("check:")).collect();
    expect![[r#"
        check: app valid=true diagnostics=0
        check: broken valid=false
        check: error infra/modules/broken/main.tf:2: Reference to undeclared input variable
        check: unformatted ["infra/modules/ugly/main.tf"]
        check: unformatted []"#]]
    .assert_eq(&checks.join("\n"));
}

#[test]
fn workspaces_keep_separate_state_and_plan_only_never_applies() {
    let repo = repo();
    add_root(&repo, "outputs", APP);
    repo.script(
        "workspaces",
        r#"//! The same root in two workspaces, then a plan-only apply.
let root = "environments/test/acme/app";
let main = terraform::apply(root, #{ vars: #{ name: "main" } });
let blue = terraform::apply(root, #{ vars: #{ name: "blue" }, workspace: "blue" });
print(`check: default says ${main.greeting}, blue says ${blue.greeting}`);
print(`check: blue outputs again: ${terraform::output(root, #{ workspace: "blue" }).greeting}`);
let pending = terraform::apply(root, #{ vars: #{ name: "changed" }, plan_only: true });
print(`check: plan only: ${pending.greeting}`);
print(`check: still ${terraform::output(root).greeting}`);
"#,
    );
    let outcome = auto(&repo, &["run", "workspaces"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let checks: Vec<&str> = outcome.stderr.lines().filter(|l| l.starts_with("check:")).collect();
    expect![[r#"
        check: default says hello main, blue says hello blue
        check: blue outputs again: hello blue
        check: plan only: (known after apply: test/acme/app.greeting)
        check: still hello main"#]]
    .assert_eq(&checks.join("\n"));
    assert!(repo.path().join(APP).join("terraform.tfstate.d/blue/terraform.tfstate").is_file());
}

const EPHEMERAL: &str = r#"//! Apply a root with an ephemeral, sensitive variable twice (create, then replace).
param("tag", #{ help: "the tag" });
let root = "environments/test/acme/ephem";
let out = terraform::apply(root, #{ vars: #{ pw: secret("s3cret-ephemeral-canary"), tag: params.tag } });
print(`applied tag=${out.tag}`);
"#;

/// Terraform 1.10+ keeps ephemeral variables out of a saved plan and requires them again
/// when that plan is applied ("was set during the plan phase, and so must also be set
/// during the apply phase"); the root's provisioner fails if the value does not arrive.
/// Write-only arguments (1.11) cannot be exercised: the null provider has none.
#[test]
fn a_saved_plan_with_ephemeral_variables_applies_and_keeps_them_out_of_state() {
    let repo = repo();
    add_root(&repo, "ephemeral", "environments/test/acme/ephem");
    repo.script("ephem", EPHEMERAL);

    let first = auto(&repo, &["run", "ephem", "--set", "tag=v1", "--output", "json"]);
    assert_eq!(first.code, 0, "{}", first.stdout);
    assert!(first.stdout.contains("applied tag=v1"), "{}", first.stdout);
    let applies: Vec<String> = events(&first)
        .iter()
        .filter(|e| e["type"] == "command_started")
        .filter_map(|e| e["command"].as_str().map(str::to_string))
        .filter(|c| c.contains(" apply "))
        .collect();
    expect![[r#"
        cd [REPO] && TF_IN_AUTOMATION=1 terraform '-chdir=environments/test/acme/ephem' apply '-input=false' -no-color -json '-lock-timeout=[T]' '-var-file=@auto.tfvars.json' [PLAN]
    "#]]
    .assert_eq(
        &applies
            .iter()
            .map(|c| {
                let c = support::normalise(c, repo.path());
                regex::Regex::new(r"/\S*/plan\.tfplan").unwrap().replace(&c, "[PLAN]").into_owned() + "\n"
            })
            .collect::<String>(),
    );

    // A new tag replaces the resource: allowed for the run (no terminal to ask).
    let second = auto(&repo, &["run", "ephem", "--set", "tag=v2", "--allow-destroy"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stderr.contains("applied tag=v2"), "{}", second.stderr);

    // The provider came through the repository's shared cache (one copy for every root).
    let cached = repo.path().join(".auto/terraform-plugin-cache/registry.terraform.io/hashicorp/null/2.1.2");
    assert!(cached.exists(), "init used the shared provider cache");

    let state = std::fs::read_to_string(repo.path().join("environments/test/acme/ephem/terraform.tfstate"))
        .expect("local state");
    assert!(state.contains("\"v2\""), "the apply reached the state");
    for (name, text) in [("state", &state), ("stdout", &second.stdout), ("stderr", &second.stderr)] {
        assert!(!text.contains("s3cret-ephemeral-canary"), "the ephemeral value is in the {name}");
    }
}

/// The only test that runs terraform 1.0.3 (kept apart by .ci/install-tools.sh): a root,
/// or a local module it calls, requiring a newer terraform is named before terraform runs,
/// with exit 2, instead of terraform's errors about blocks it does not know.
#[test]
fn a_root_needing_a_newer_terraform_is_named_with_the_version_found() {
    let old = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/terraform-1.0.3");
    assert!(old.join("terraform").is_file(), "run `bash .ci/install-tools.sh`: it keeps terraform 1.0.3 in {old:?}");
    let repo = repo();
    add_root(&repo, "ephemeral", "environments/test/acme/ephem");
    repo.write("modules/new/versions.tf", "terraform {\n  required_version = \"~> 1.11.0\"\n}\n");
    repo.write(
        "environments/test/acme/old/main.tf",
        "terraform {\n  required_version = \">= 1.0.0\"\n}\nmodule \"new\" {\n  source = \"../../../../modules/new\"\n}\n",
    );
    repo.script("ephem", EPHEMERAL);
    repo.script("old", "//! Plan a root whose module needs 1.11.\nterraform::plan(\"environments/test/acme/old\");\n");
    let with_old = |args: &[&str]| {
        let (_, config) = pinned_tools();
        let output = repo
            .command(args)
            .env("PATH", path_with(&old))
            .env("TF_CLI_CONFIG_FILE", config)
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .expect("auto runs");
        Outcome::from(output, repo.path())
    };
    let root = with_old(&["run", "ephem", "--set", "tag=v1"]);
    assert_eq!(root.code, 2, "{}", root.stderr);
    let module = with_old(&["run", "old"]);
    assert_eq!(module.code, 2, "{}", module.stderr);
    let first_error = |text: &str| {
        let line = text.lines().find(|l| l.starts_with("error:")).unwrap_or_default().to_string();
        regex::Regex::new(r"at \S*terraform-1\.0\.3/terraform").unwrap().replace(&line, "at [OLD]").into_owned() + "\n"
    };
    expect![[r#"
        error: terraform::apply: environments/test/acme/ephem requires terraform >= 1.11.0; found 1.0.3 at [OLD]: put a terraform that satisfies it first on PATH (`bash .ci/install-tools.sh && source .ci/env.sh` finds one)
        error: terraform::plan: environments/test/acme/old requires terraform ~> 1.11.0 (in module `modules/new`); found 1.0.3 at [OLD]: put a terraform that satisfies it first on PATH (`bash .ci/install-tools.sh && source .ci/env.sh` finds one)
    "#]].assert_eq(&(first_error(&root.stderr) + &first_error(&module.stderr)));
    assert!(!repo.path().join("environments/test/acme/ephem/.terraform").exists(), "terraform init never ran");
}
