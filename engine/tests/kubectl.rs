//! kubectl through the binary.
//!
//! No Kubernetes API server can run in the test environment, so the calls that need one
//! (apply, diff, get, wait, rollout, delete, logs, exec) go to a FAKE kubectl put first on
//! PATH: `fixtures/kubectl/fake-kubectl.sh`, copied by each test into the temp repository's
//! bin folder. It records argv and stdin and prints canned output. What needs no server
//! uses the real kubectl 1.37 (`.tools/bin`, see .ci/install-tools.sh): the Secret builder is
//! checked against `kubectl create secret generic --dry-run=client`, rendered manifests
//! against `kubectl kustomize` and `kubernetes-validate --strict`, and an unreachable
//! cluster is a real kubeconfig pointing at a closed port.
#![allow(clippy::disallowed_methods)] // tests start the binary and the tools directly

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use expect_test::expect;
use support::{Outcome, TestRepo};

const FAKE: &str = include_str!("fixtures/kubectl/fake-kubectl.sh");
const MANIFEST_FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kubectl/manifests");

/// A repository whose `kubectl` is the fake; its state lives in `<repo>/.fake-kubectl`.
struct Fake {
    repo: TestRepo,
    bin: PathBuf,
}

impl Fake {
    fn new() -> Fake {
        let repo = TestRepo::new();
        let bin = support::bin_dir_with(&repo, "kubectl", FAKE);
        std::fs::create_dir_all(repo.path().join(".fake-kubectl")).expect("fake state dir");
        Fake { repo, bin }
    }

    fn set(&self, file: &str, contents: &str) -> &Self {
        std::fs::write(self.repo.path().join(".fake-kubectl").join(file), contents).expect("fake setting");
        self
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        let path = format!("{}:{}", self.bin.display(), std::env::var("PATH").unwrap_or_default());
        let mut command = self.repo.command(args);
        command.env("PATH", path).env("FAKE_KUBECTL_DIR", self.repo.path().join(".fake-kubectl"));
        command.env_remove("AUTO_KUBE_CONTEXT");
        for (key, value) in env {
            command.env(key, value);
        }
        Outcome::from(command.output().expect("auto runs"), self.repo.path())
    }

    fn run(&self, args: &[&str]) -> Outcome {
        self.run_with(args, &[])
    }

    /// What the fake recorded (empty when it never ran).
    fn calls(&self) -> String {
        std::fs::read_to_string(self.repo.path().join(".fake-kubectl/calls.log")).unwrap_or_default()
    }
}

/// The project's pinned tools: PATH first (CI sources .ci/env.sh), then `.tools/bin`.
fn tool(name: &str) -> PathBuf {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/bin");
    support::find_program(name, &[tools]).unwrap_or_else(|| {
        panic!("`{name}` is missing: run `bash .ci/install-tools.sh && source .ci/env.sh` (CI installs it)")
    })
}

const PINNED: &str = r#"//! Every kubectl primitive, with a context switch in the middle.
let d = kubectl::get("dev", "deployment/hive-metastore", #{ namespace: "acme" });
print(`ready: ${d.status.readyReplicas}`);
exec::run(["kubectl", "config", "use-context", "someone-elses"]);
kubectl::rollout_status("dev", "deployment/hive-metastore", #{ namespace: "acme", timeout: "2m" });
let r = kubectl::apply("dev", #{ manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", namespace: "acme" });
print(`changed: ${r.changed}; output: ${r.output}`);
print(kubectl::wait("dev", "job/migrate", #{ condition: "complete", namespace: "acme" }));
kubectl::wait("dev", "pod/old", #{ "for": "delete", timeout: "30s" });
kubectl::rollout_restart("dev", "deployment/hive-metastore", #{ namespace: "acme" });
kubectl::delete("dev", "job/migrate", #{ namespace: "acme", ignore_not_found: true });
print(kubectl::logs("dev", "pod/metastore-0", #{ namespace: "acme", container: "metastore", tail: 2 }));
let e = kubectl::exec("dev", "pod/metastore-0", ["hive", "--version"], #{ namespace: "acme" });
print(`exec: ${e.code} ${e.stdout}`);
"#;

#[test]
fn every_call_passes_the_pinned_context_even_after_a_context_switch() {
    let fake = Fake::new();
    fake.repo.script("pinned", PINNED);
    expect![[r#"
        exit 0
        --- stdout
        --- stderr
        auto scripts/pinned.rhai (run, run [RUN])
        ready: 2
        kubectl diff: v1.ConfigMap.acme.x differs
          --- /tmp/LIVE/v1.ConfigMap.acme.x
          +++ /tmp/MERGED/v1.ConfigMap.acme.x
          +  port: "9084"
        changed: true; output: configmap/x serverside-applied
        job.batch/migrate condition met
        log line 1
        log line 2
        exec: 0 ran in pod

        changed
          kubernetes  1 object(s) changed
        ok in [T]
    "#]]
    .assert_eq(&fake.run(&["run", "pinned"]).transcript());
    // The `exec::run` line is the user switching contexts; every `kubectl::` call after it
    // still says `--context auto-test`.
    expect![[r#"
        argv: --context auto-test get deployment/hive-metastore --namespace acme --output json   [current-context: auto-test]
        argv: config use-context someone-elses   [current-context: auto-test]
        argv: --context auto-test rollout status deployment/hive-metastore --timeout=120s --namespace acme   [current-context: someone-elses]
        argv: --context auto-test diff --server-side --field-manager=auto --namespace acme -f -   [current-context: someone-elses]
        stdin: apiVersion: v1
        kind: ConfigMap
        metadata:
          name: x
        argv: --context auto-test apply --server-side --field-manager=auto --namespace acme -f -   [current-context: someone-elses]
        stdin: apiVersion: v1
        kind: ConfigMap
        metadata:
          name: x
        argv: --context auto-test wait job/migrate --for=condition=complete --timeout=300s --namespace acme   [current-context: someone-elses]
        argv: --context auto-test wait pod/old --for=delete --timeout=30s   [current-context: someone-elses]
        argv: --context auto-test rollout restart deployment/hive-metastore --namespace acme   [current-context: someone-elses]
        argv: --context auto-test delete job/migrate --namespace acme --ignore-not-found   [current-context: someone-elses]
        argv: --context auto-test logs pod/metastore-0 --namespace acme --container metastore --tail=2   [current-context: someone-elses]
        argv: --context auto-test exec pod/metastore-0 --namespace acme -- hive --version   [current-context: someone-elses]
    "#]].assert_eq(&fake.calls());
}

#[test]
fn auto_kube_context_overrides_within_the_allowed_contexts_only() {
    let fake = Fake::new();
    fake.repo.write(
        "environments/dev/env.toml",
        &support::ENV_TOML
            .replace(r#"allowed_contexts = ["auto-test"]"#, r#"allowed_contexts = ["auto-test", "auto-admin"]"#),
    );
    fake.repo.script("get", "kubectl::get(\"dev\", \"deployment/hive-metastore\");\n");
    let allowed = fake.run_with(&["run", "get", "-q"], &[("AUTO_KUBE_CONTEXT", "auto-admin")]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(fake.calls().starts_with("argv: --context auto-admin get deployment/hive-metastore"), "{}", fake.calls());

    let refused = Fake::new();
    refused.repo.script("get", "kubectl::get(\"dev\", \"deployment/hive-metastore\");\n");
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        auto scripts/get.rhai (run, run [RUN])
        error: AUTO_KUBE_CONTEXT=`prod-aks` is not allowed for environment `dev`: allowed contexts are `auto-test`; unset AUTO_KUBE_CONTEXT or add the context to `kubernetes.allowed_contexts` in environments/dev/env.toml
          --> scripts/get.rhai:1:10
          |
        1 | kubectl::get("dev", "deployment/hive-metastore");
          |          ^
    "#]].assert_eq(&refused.run_with(&["run", "get"], &[("AUTO_KUBE_CONTEXT", "prod-aks")]).transcript());
    assert_eq!(refused.calls(), "", "nothing may run against a refused context");
}

#[test]
fn secret_data_goes_on_stdin_never_on_argv() {
    let fake = Fake::new();
    fake.repo.write(
        "templates/db-secret.yaml.j2",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-url\nstringData:\n  url: postgres://hive:{{ pw }}@pg\n",
    );
    fake.repo.script(
        "secret",
        r#"let pw = secret("hunter2-db-pass");
let r = kubectl::create_secret("dev", "hive-db", #{ password: pw, user: "hive" }, #{ namespace: "acme" });
print(`changed: ${r.changed}; diff: ${r.diff}`);
let manifest = template::render_file("templates/db-secret.yaml.j2", #{ pw: pw });
kubectl::apply("dev", #{ manifest: manifest, namespace: "acme" });
"#,
    );
    let outcome = fake.run(&["run", "secret", "-v"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let encoded = base64::engine::general_purpose::STANDARD.encode("hunter2-db-pass");
    let calls = fake.calls();
    let argv: Vec<&str> = calls.lines().filter(|l| l.starts_with("argv:")).collect();
    let stdin: Vec<&str> = calls.lines().filter(|l| l.starts_with("stdin:")).collect();
    assert_eq!(argv.len(), 4, "diff and apply for each: {calls}");
    for line in &argv {
        assert!(
            line.contains("--context auto-test") && line.ends_with("-f -   [current-context: auto-test]"),
            "{line}"
        );
        assert!(!line.contains("hunter2") && !line.contains(&encoded), "secret on argv: {line}");
    }
    assert!(stdin[0].contains(&format!(r#""password":"{encoded}""#)), "{}", stdin[0]);
    assert!(stdin[0].contains(r#""user":"aGl2ZQ==""#), "{}", stdin[0]);
    // The rendered manifest is multi-line: its value is further down in the log.
    assert!(calls.contains("  url: postgres://hive:hunter2-db-pass@pg"), "{calls}");
    for text in [&outcome.stdout, &outcome.stderr] {
        assert!(!text.contains("hunter2") && !text.contains(&encoded), "secret in auto's output:\n{text}");
    }
    assert!(outcome.stderr.contains("changed: true; diff: (secret: diff not shown)"), "{}", outcome.stderr);
}

const DIFF: &str = r#"let d = kubectl::diff("dev", #{ file: "k8s/cm.yaml", namespace: "acme" });
print(`changed: ${d.changed}`);
print(d.diff);
"#;

#[test]
fn diff_exit_1_means_differences_not_failure() {
    let fake = Fake::new();
    fake.repo.write("k8s/cm.yaml", "kind: ConfigMap\n").script("diff", DIFF);
    fake.set("diff-exit", "1");
    expect![[r#"
        exit 3
        --- stdout
        --- stderr
        auto scripts/diff.rhai (run, run [RUN])
        kubectl diff: v1.ConfigMap.acme.x differs
          --- /tmp/LIVE/v1.ConfigMap.acme.x
          +++ /tmp/MERGED/v1.ConfigMap.acme.x
          +  port: "9084"
        changed: true
        --- /tmp/LIVE/v1.ConfigMap.acme.x
        +++ /tmp/MERGED/v1.ConfigMap.acme.x
        +  port: "9084"

        changes left pending (a plan of this run was not applied)
        pending in [T]
    "#]]
    .assert_eq(&fake.run(&["run", "diff"]).transcript());
    fake.set("diff-exit", "0");
    expect![[r#"
        exit 0
        --- stdout
        --- stderr
        auto scripts/diff.rhai (run, run [RUN])
        changed: false
        ok in [T]
    "#]]
    .assert_eq(&fake.run(&["run", "diff"]).transcript());
    fake.set("fail.diff", "error: the server could not find the requested resource\n").set("fail-code.diff", "2");
    expect![[r#"
        exit 1
        --- stdout
        --- stderr
        auto scripts/diff.rhai (run, run [RUN])
        error: `kubectl --context auto-test diff --server-side '--field-manager=auto' --namespace acme -f [REPO]/k8s/cm.yaml` failed with exit code 2:
        error: the server could not find the requested resource
          --> scripts/diff.rhai:1:18
          |
        1 | let d = kubectl::diff("dev", #{ file: "k8s/cm.yaml", namespace: "acme" });
          |                  ^
    "#]].assert_eq(&fake.run(&["run", "diff"]).transcript());
}

const APPLY: &str = r#"let r = kubectl::apply("dev", #{ file: "k8s/cm.yaml", namespace: "acme" });
print(`changed: ${r.changed}`);
kubectl::rollout_status("dev", "deployment/hive-metastore", #{ namespace: "acme" });
"#;

#[test]
fn apply_runs_only_when_the_diff_shows_changes() {
    let fake = Fake::new();
    fake.repo.write("k8s/cm.yaml", "kind: ConfigMap\n").script("apply", APPLY);
    fake.set("diff-exit", "0");
    let unchanged = fake.run(&["run", "apply"]);
    assert!(unchanged.stderr.contains("changed: false"), "{}", unchanged.stderr);
    fake.set("diff-exit", "1");
    let changed = fake.run(&["run", "apply"]);
    assert!(changed.stderr.contains("changed: true"), "{}", changed.stderr);
    expect![[r#"
        argv: --context auto-test diff --server-side --field-manager=auto --namespace acme -f [REPO]/k8s/cm.yaml   [current-context: auto-test]
        argv: --context auto-test rollout status deployment/hive-metastore --timeout=300s --namespace acme   [current-context: auto-test]
        argv: --context auto-test diff --server-side --field-manager=auto --namespace acme -f [REPO]/k8s/cm.yaml   [current-context: auto-test]
        argv: --context auto-test apply --server-side --field-manager=auto --namespace acme -f [REPO]/k8s/cm.yaml   [current-context: auto-test]
        argv: --context auto-test rollout status deployment/hive-metastore --timeout=300s --namespace acme   [current-context: auto-test]
    "#]].assert_eq(&fake.calls().replace(&fake.repo.path().display().to_string(), "[REPO]"));
}

/// Issue 21: `auto apply` of a plan bundle applies only the diff that was reviewed. The
/// cluster is the fake kubectl (no API server can run here); it shows another diff once
/// someone changed the cluster after the review.
#[test]
fn an_apply_of_a_plan_bundle_applies_the_reviewed_diff_only() {
    let fake = Fake::new();
    fake.repo.write("k8s/cm.yaml", "kind: ConfigMap\n").script("apply", APPLY);
    fake.set("diff-exit", "1");
    let bundle = fake.repo.path().join("plan.bundle");
    let planned = fake.run(&["run", "apply", "--plan", "--out", bundle.to_str().unwrap()]);
    assert_eq!(planned.code, 3, "{}", planned.stderr);

    fake.set("diff-port", "9085");
    let stopped = fake.run(&["apply", bundle.to_str().unwrap()]);
    assert_eq!(stopped.code, 5, "{}", stopped.stderr);
    assert!(
        stopped.stderr.contains("kubectl apply of k8s/cm.yaml in dev differs from the reviewed plan: the cluster's diff is not the reviewed diff"),
        "{}",
        stopped.stderr
    );
    assert!(!fake.calls().contains(" apply --server-side"), "nothing was applied:\n{}", fake.calls());

    std::fs::remove_file(fake.repo.path().join(".fake-kubectl/diff-port")).unwrap();
    let applied = fake.run(&["apply", bundle.to_str().unwrap()]);
    assert_eq!(applied.code, 0, "the reviewed diff again: {}", applied.stderr);
    assert!(fake.calls().contains(" apply --server-side"), "{}", fake.calls());
}

#[test]
fn plan_runs_the_diff_and_records_the_apply() {
    let fake = Fake::new();
    fake.repo.write("k8s/cm.yaml", "kind: ConfigMap\n").script("apply", APPLY);
    fake.set("diff-exit", "1");
    expect![[r#"
        exit 3
        --- stdout
        --- stderr
        auto scripts/apply.rhai (plan, not journaled)
        would run kubectl --context auto-test apply --server-side '--field-manager=auto' --namespace acme -f [REPO]/k8s/cm.yaml
        kubectl diff: v1.ConfigMap.acme.x differs
          --- /tmp/LIVE/v1.ConfigMap.acme.x
          +++ /tmp/MERGED/v1.ConfigMap.acme.x
          +  port: "9084"
        (plan, nothing done) changed: true
        would run kubectl --context auto-test rollout status deployment/hive-metastore '--timeout=[T]' --namespace acme

        plan: would change; nothing was changed
          kubernetes  1 object(s) differ
          recorded    2 command(s) and file write(s), not run
        pending in [T]
    "#]].assert_eq(&fake.run(&["run", "apply", "--plan"]).transcript());
    // Only the diff ran: the apply, and the rollout that would follow it, were recorded.
    expect![[r#"
        argv: --context auto-test diff --server-side --field-manager=auto --namespace acme -f [REPO]/k8s/cm.yaml   [current-context: auto-test]
    "#]].assert_eq(&fake.calls().replace(&fake.repo.path().display().to_string(), "[REPO]"));

    let clean = Fake::new();
    clean.repo.write("k8s/cm.yaml", "kind: ConfigMap\n").script("apply", APPLY);
    clean.set("diff-exit", "0");
    let outcome = clean.run(&["run", "apply", "--plan"]);
    assert_eq!(outcome.code, 0, "no changes pending: {}", outcome.stderr);
    assert_eq!(clean.calls().lines().count(), 2, "diff and rollout status ran: {}", clean.calls());
}

#[test]
fn plan_records_applies_of_what_is_not_known_or_not_written_yet() {
    let fake = Fake::new();
    fake.repo.write("templates/k8s/cm.yaml.j2", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ name }}\n");
    fake.repo.script(
        "unknown",
        r#"// Under --plan a write's output is known only after apply.
let id = exec::run(["uuidgen"]);
let manifest = template::render("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ id }}\n", #{ id: id.stdout });
print(`manifest: ${manifest}`);
let r = kubectl::apply("dev", #{ manifest: manifest });
print(`changed: ${r.changed}`);
// Rendered files are not written under --plan, so there is nothing to diff yet.
template::render_dir("templates/k8s", ".auto/rendered/k8s", #{ name: "x" });
kubectl::apply("dev", #{ dir: ".auto/rendered/k8s" });
"#,
    );
    expect![[r#"
        exit 3
        --- stdout
        --- stderr
        auto scripts/unknown.rhai (plan, not journaled)
        would run uuidgen
        (plan, nothing done) manifest: (known after apply: template using exec uuidgen.stdout)
        would run kubectl --context auto-test apply --server-side '--field-manager=auto' -f - < (stdin: 55 bytes)
        (plan, nothing done) changed: (known after apply: kubectl apply.changed)
        would create .auto/rendered/k8s/cm.yaml (51 bytes)
        render templates/k8s → .auto/rendered/k8s: 1 created, 0 updated, 0 unchanged
        would run kubectl --context auto-test apply --server-side '--field-manager=auto' -f [REPO]/.auto/rendered/k8s --recursive

        plan: would change; nothing was changed
          files     1 to write
          recorded  4 command(s) and file write(s), not run
        pending in [T]
    "#]].assert_eq(&fake.run(&["run", "unknown", "--plan"]).transcript());
    assert_eq!(fake.calls(), "", "nothing could be diffed");
}

#[test]
fn dry_run_runs_no_kubectl_at_all() {
    let fake = Fake::new();
    fake.repo.script("pinned", PINNED);
    expect![[r#"
        exit 3
        --- stdout
        --- stderr
        auto scripts/pinned.rhai (dry-run, not journaled)
        would read kubectl --context auto-test get deployment/hive-metastore --namespace acme --output json
        (dry-run, nothing done) ready: (known after apply: kubectl get deployment/hive-metastore.status.readyReplicas)
        would run kubectl config use-context someone-elses
        would read kubectl --context auto-test rollout status deployment/hive-metastore '--timeout=[T]' --namespace acme
        would read kubectl --context auto-test diff --server-side '--field-manager=auto' --namespace acme -f - < (stdin: 51 bytes)
        would run kubectl --context auto-test apply --server-side '--field-manager=auto' --namespace acme -f - < (stdin: 51 bytes)
        (dry-run, nothing done) changed: (known after apply: kubectl apply.changed); output: (known after apply: kubectl apply.output)
        would run kubectl --context auto-test wait job/migrate '--for=condition=complete' '--timeout=[T]' --namespace acme
        (dry-run, nothing done) (known after apply: kubectl wait job/migrate)
        would run kubectl --context auto-test wait pod/old '--for=delete' '--timeout=[T]'
        would run kubectl --context auto-test rollout restart deployment/hive-metastore --namespace acme
        would run kubectl --context auto-test delete job/migrate --namespace acme --ignore-not-found
        would read kubectl --context auto-test logs pod/metastore-0 --namespace acme --container metastore '--tail=2'
        (dry-run, nothing done) (known after apply: kubectl logs pod/metastore-0)
        would run kubectl --context auto-test exec pod/metastore-0 --namespace acme -- hive --version
        (dry-run, nothing done) exec: (known after apply: kubectl exec pod/metastore-0.code) (known after apply: kubectl exec pod/metastore-0.stdout)

        dry-run: would change; nothing was changed
          recorded  7 command(s) and file write(s), not run
        pending in [T]
    "#]].assert_eq(&fake.run(&["run", "pinned", "--dry-run"]).transcript());
    assert_eq!(fake.calls(), "");
}

#[test]
fn get_returns_unit_for_a_missing_optional_object() {
    let fake = Fake::new();
    fake.set("fail.get", "Error from server (NotFound): deployments.apps \"hive-metastore\" not found\n");
    fake.repo.script(
        "get",
        r#"let d = kubectl::get("dev", "deployment/hive-metastore", #{ namespace: "acme", optional: true });
print(`absent: ${d == ()}`);
kubectl::get("dev", "deployment/hive-metastore", #{ namespace: "acme" });
"#,
    );
    expect![[r#"
        exit 1
        --- stdout
        --- stderr
        auto scripts/get.rhai (run, run [RUN])
        absent: true
        error: `deployments.apps "hive-metastore"` was not found in namespace `acme` in context `auto-test`
        hint: check the name, and pass the namespace it lives in (`#{ namespace: "..." }`)
          --> scripts/get.rhai:3:10
          |
        3 | kubectl::get("dev", "deployment/hive-metastore", #{ namespace: "acme" });
          |          ^
    "#]]
    .assert_eq(&fake.run(&["run", "get"]).transcript());
}

#[test]
fn forbidden_names_the_verb_and_resource() {
    let fake = Fake::new();
    fake.set("fail.rollout", "Error from server (Forbidden): deployments.apps \"hive-metastore\" is forbidden: User \"ci@example.com\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"acme\"\n");
    fake.repo.script(
        "restart",
        "kubectl::rollout_restart(\"dev\", \"deployment/hive-metastore\", #{ namespace: \"acme\" });\n",
    );
    expect![[r#"
        exit 1
        --- stdout
        --- stderr
        auto scripts/restart.rhai (run, run [RUN])
        error: kubectl may not patch deployments.apps in namespace `acme` in context `auto-test`: Error from server (Forbidden): deployments.apps "hive-metastore" is forbidden: User "ci@example.com" cannot patch resource "deployments" in API group "apps" in the namespace "acme"
        hint: check the RBAC role bindings of your identity: `kubectl auth can-i patch deployments.apps -n acme --context auto-test`
          --> scripts/restart.rhai:1:10
          |
        1 | kubectl::rollout_restart("dev", "deployment/hive-metastore", #{ namespace: "acme" });
          |          ^
    "#]].assert_eq(&fake.run(&["run", "restart"]).transcript());
}

#[test]
fn exec_returns_the_commands_exit_code() {
    let fake = Fake::new();
    fake.set("exec-exit", "3");
    fake.repo.script(
        "exec",
        r#"let e = kubectl::exec("dev", "pod/metastore-0", ["sh", "-c", "exit 3"], #{ namespace: "acme", stdin: secret("sql-secret-1") });
print(`code ${e.code}: ${e.stdout} secret=${is_secret(e.stdout)}`);
"#,
    );
    let outcome = fake.run(&["run", "exec"]);
    // Given a secret on stdin, the command's output may be derived from it: a secret.
    assert!(outcome.stderr.contains("code 3: *** secret=true"), "{}", outcome.stderr);
    expect![[r#"
        argv: --context auto-test exec pod/metastore-0 --namespace acme --stdin -- sh -c exit 3   [current-context: auto-test]
        stdin: sql-secret-1
    "#]].assert_eq(&fake.calls());
}

#[test]
fn a_missing_kubectl_says_how_to_install_it() {
    let repo = TestRepo::new();
    repo.script("get", "kubectl::get(\"dev\", \"deployment/hive-metastore\");\n");
    let empty = tempfile::tempdir().expect("empty PATH dir");
    let outcome = Outcome::from(
        repo.command(&["run", "get"]).env("PATH", empty.path()).output().expect("auto runs"),
        repo.path(),
    );
    expect![[r#"
        exit 1
        --- stdout
        --- stderr
        auto scripts/get.rhai (run, run [RUN])
        error: `kubectl` was not found on PATH: install kubectl 1.29+ or run `auto doctor`
          --> scripts/get.rhai:1:10
          |
        1 | kubectl::get("dev", "deployment/hive-metastore");
          |          ^
    "#]]
    .assert_eq(&outcome.transcript());
}

/// A real kubectl with a kubeconfig whose server is a closed port.
#[test]
fn an_unreachable_cluster_names_the_context_real_kubectl() {
    let kubectl = tool("kubectl");
    let repo = TestRepo::new();
    repo.write(
        "kubeconfig",
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\ncontexts:\n- name: auto-test\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {token: t}\ncurrent-context: auto-test\n",
    );
    repo.script("get", "kubectl::get(\"dev\", \"deployment/hive-metastore\", #{ namespace: \"acme\" });\n");
    let path = format!("{}:{}", kubectl.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let run = |kubeconfig: &str| {
        let mut command = repo.command(&["run", "get"]);
        command.env("PATH", &path).env("KUBECONFIG", repo.path().join(kubeconfig)).env_remove("AUTO_KUBE_CONTEXT");
        Outcome::from(command.output().expect("auto runs"), repo.path())
    };
    expect![[r#"
        exit 1
        --- stdout
        --- stderr
        auto scripts/get.rhai (run, run [RUN])
        error: cannot reach the Kubernetes API server of context `auto-test` (environment `dev`): The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?
        hint: check your network or VPN; if the cluster's address or credentials changed, run `az aks get-credentials --resource-group <group> --name <cluster> --context auto-test`
          --> scripts/get.rhai:1:10
          |
        1 | kubectl::get("dev", "deployment/hive-metastore", #{ namespace: "acme" });
          |          ^
    "#]].assert_eq(&run("kubeconfig").transcript());
    // A kubeconfig without the context.
    repo.write("empty-kubeconfig", "apiVersion: v1\nkind: Config\n");
    expect![[r#"
        exit 1
        --- stdout
        --- stderr
        auto scripts/get.rhai (run, run [RUN])
        error: context `auto-test` (environment `dev`) is not in your kubeconfig: fetch it with `az aks get-credentials --resource-group <group> --name <cluster> --context auto-test`
          --> scripts/get.rhai:1:10
          |
        1 | kubectl::get("dev", "deployment/hive-metastore", #{ namespace: "acme" });
          |          ^
    "#]].assert_eq(&run("empty-kubeconfig").transcript());
}

#[test]
fn secret_builder_matches_kubectl_create_secret_real_kubectl() {
    let kubectl = tool("kubectl");
    let value = "p@ss w0rd/+\"x";
    let ours = auto::primitives::kubectl::secret_manifest(
        "hive-db",
        &BTreeMap::from([
            ("password".to_string(), auto::runtime::data::Data::Secret(auto::secret::Secret::new(value))),
            ("user".to_string(), auto::runtime::data::Data::Str("hive".into())),
        ]),
        &auto::primitives::kubectl::SecretOptions { namespace: Some("acme".into()), secret_type: None },
    )
    .expect("secret manifest");
    let ours: serde_json::Value = serde_json::from_str(ours.expose()).expect("our JSON");
    let output = Command::new(kubectl)
        .args(["create", "secret", "generic", "hive-db", "--namespace", "acme"])
        .arg(format!("--from-literal=password={value}"))
        .args(["--from-literal=user=hive", "--dry-run=client", "--output=json"])
        .env("KUBECONFIG", "/dev/null")
        .output()
        .expect("kubectl runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let theirs: serde_json::Value = serde_json::from_slice(&output.stdout).expect("kubectl JSON");
    for field in ["/apiVersion", "/kind", "/metadata/name", "/metadata/namespace", "/data"] {
        assert_eq!(ours.pointer(field), theirs.pointer(field), "{field}");
    }
    // kubectl leaves `type` to the API server, which defaults it to Opaque.
    assert_eq!(ours.pointer("/type").and_then(|t| t.as_str()), Some("Opaque"));
    assert_eq!(theirs.pointer("/type").and_then(|t| t.as_str()).unwrap_or("Opaque"), "Opaque");
}

/// The manifest templates to check: every `apps/*/kubernetes/**/*.yaml.j2` when there are
/// any, else the fixture manifests. Each folder's variables come from its
/// `vars.example.json`.
fn manifest_template_dirs() -> Vec<PathBuf> {
    let apps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../apps");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&apps)
        .into_iter()
        .flatten()
        .flatten()
        .map(|app| app.path().join("kubernetes"))
        .filter(|dir| has_yaml_templates(dir))
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        dirs.push(PathBuf::from(MANIFEST_FIXTURES));
    }
    dirs
}

fn has_yaml_templates(dir: &Path) -> bool {
    std::fs::read_dir(dir).into_iter().flatten().flatten().any(|entry| {
        let path = entry.path();
        (path.is_dir() && has_yaml_templates(&path)) || path.to_string_lossy().ends_with(".yaml.j2")
    })
}

#[test]
fn manifest_templates_render_to_valid_kubernetes_objects() {
    let validate = tool("kubernetes-validate");
    let kubectl = tool("kubectl");
    for dir in manifest_template_dirs() {
        let vars_file = dir.join("vars.example.json");
        let vars_text = std::fs::read_to_string(&vars_file).unwrap_or_else(|_| {
            panic!(
                "{} has manifest templates but no vars.example.json with the variables to render them",
                dir.display()
            )
        });
        let vars =
            auto::runtime::data::Data::from_json(serde_json::from_str(&vars_text).expect("vars.example.json is JSON"));
        // Render in place of a repository rooted at the template folder's parent.
        let root = dir.parent().expect("parent").to_path_buf();
        let out = tempfile::tempdir().expect("output dir");
        let rendered = render_all(&root, &dir, &vars, out.path());
        assert!(!rendered.is_empty(), "no manifests rendered from {}", dir.display());

        let output =
            Command::new(&validate).arg("--strict").args(&rendered).output().expect("kubernetes-validate runs");
        assert!(
            output.status.success(),
            "kubernetes-validate --strict rejected manifests from {}:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );

        let names: Vec<String> =
            rendered.iter().map(|p| p.strip_prefix(out.path()).unwrap().display().to_string()).collect();
        std::fs::write(
            out.path().join("kustomization.yaml"),
            format!("resources:\n{}", names.iter().map(|n| format!("- {n}\n")).collect::<String>()),
        )
        .unwrap();
        let built = Command::new(&kubectl)
            .arg("kustomize")
            .arg(out.path())
            .env("KUBECONFIG", "/dev/null")
            .output()
            .expect("kubectl runs");
        assert!(
            built.status.success(),
            "kubectl kustomize failed for {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&built.stderr)
        );
        let objects = String::from_utf8_lossy(&built.stdout).matches("\nkind: ").count() + 1;
        assert!(objects >= rendered.len(), "{objects} objects from {} files", rendered.len());
    }
}

fn render_all(root: &Path, dir: &Path, vars: &auto::runtime::data::Data, out: &Path) -> Vec<PathBuf> {
    let repo = auto::repo::Repo::at(root).expect("repository");
    let templates = auto::primitives::template::Templates::new(&repo);
    let mut rendered = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Some(name) = path.to_string_lossy().strip_suffix(".j2").filter(|n| n.ends_with(".yaml")) {
                let relative = path.strip_prefix(repo.root()).expect("inside").to_str().expect("utf-8");
                let text = templates
                    .render_file(&repo.confine(relative).expect("confined"), vars)
                    .unwrap_or_else(|e| panic!("{} does not render:\n{e}", path.display()))
                    .text;
                let target = out.join(Path::new(name).strip_prefix(dir).expect("inside"));
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(&target, text).unwrap();
                rendered.push(target);
            }
        }
    }
    rendered.sort();
    rendered
}
