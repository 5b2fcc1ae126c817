//! The scripts the workflows run (.github/scripts), run here with bash and jq.
//!
//! - plan-comment.sh: GitHub's API cannot exist here, so `gh` is a FAKE on PATH that logs
//!   its arguments, answers the listing of comments with canned JSON and keeps the body it
//!   was sent. Everything else (bash, jq, awk) is real.
//! - terraform-plan.sh: with the real `auto` on a root of environment `test` (null
//!   provider); a broken events file can only come from a FAKE `auto`, and so can an
//!   unencrypted bundle; where only the arguments matter, a FAKE `auto` logs them.
//! - apply-reviewed.sh: GitHub's API (the merged pull request, its runs, their artifacts)
//!   cannot exist here, so `gh` is a FAKE on PATH that logs its arguments and answers with
//!   canned JSON and a canned artifact; `auto apply` is a FAKE too (the real one is tested
//!   in plan_bundle.rs), logging the commit it was started on. git is real: an origin and
//!   a shallow clone of its main, as actions/checkout makes one, in temp dirs, so the
//!   tree comparison, the fetch of the head commit and its checkout are git's own.
//! - drift-issues.py (python3): GitHub cannot be reached from the tests, so `gh` is a FAKE
//!   on PATH that answers `gh api` from RECORDED answers shaped like GitHub's REST API
//!   responses (the issues with the label, the label, a created issue, an edit, a comment)
//!   and logs every request (method, path, body): each test checks those requests. The
//!   alert webhook is a real HTTP server on 127.0.0.1 (python http.server) that records
//!   what it is sent. The drift.json files are written by the tests, in the schema
//!   `auto run detect_drift` writes (auto.drift/v1).
#![allow(clippy::disallowed_methods)] // tests start the scripts under test directly

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use expect_test::expect;
use support::{pinned_tools, TestRepo};

const MARKER: &str = "<!-- auto-terraform-plan -->";
/// GitHub refuses a longer comment body.
const GITHUB_LIMIT: usize = 65_536;

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").join(".github/scripts").join(name)
}

fn executable(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

const FAKE_GH: &str = r#"#!/bin/sh
# Fake gh: no GitHub API can be reached from the tests. Logs argv (the --input file as
# [FILE], kept as sent.json), lists the comments of $FAKE_GH_DIR/comments.json.
line="gh" prev=""
for arg in "$@"; do
  if [ "$prev" = "--input" ]; then
    cp "$arg" "$FAKE_GH_DIR/sent.json"
    line="$line [FILE]"
  else
    line="$line $arg"
  fi
  prev="$arg"
done
echo "$line" >> "$FAKE_GH_DIR/calls.log"
case "$*" in
  *--paginate*) cat "$FAKE_GH_DIR/comments.json" ;;
  *--input*) echo "https://github.com/o/r/pull/7#issuecomment-1" ;;
esac
"#;

/// A pull request's plan artifacts, as the comment job downloads them, and its comments.
struct PlanComment {
    dir: tempfile::TempDir,
}

/// What plan-comment.sh did: its exit code and output, the `gh` calls, the body it sent.
struct Posted {
    code: i32,
    output: String,
    calls: Vec<String>,
    body: Option<String>,
}

impl PlanComment {
    /// `comments`: what GitHub answers to the listing, one JSON array per page.
    fn new(comments: &str) -> PlanComment {
        let this = PlanComment { dir: tempfile::tempdir().expect("temp dir") };
        executable(&this.dir.path().join("bin/gh"), FAKE_GH);
        std::fs::write(this.dir.path().join("comments.json"), comments).expect("comments");
        this
    }

    /// One root's artifact: plan.jsonl ending the way auto's does, plan.md when the plan ran.
    fn root(&self, artifact: &str, md: Option<&str>, counts: [u32; 4], exit_code: i32) -> &Self {
        let dir = self.dir.path().join("plans").join(artifact);
        std::fs::create_dir_all(&dir).expect("artifact dir");
        let [add, change, replace, destroy] = counts;
        let mut events =
            String::from(r#"{"schema":"auto.event/v1","type":"run_started","script":"scripts/terraform_root.rhai"}"#);
        if let Some(md) = md {
            std::fs::write(dir.join("plan.md"), md).expect("plan.md");
            events.push_str(&format!(
                "\n{{\"schema\":\"auto.event/v1\",\"type\":\"plan_summary\",\"terraform\":{{\"add\":{add},\"change\":{change},\"replace\":{replace},\"destroy\":{destroy}}}}}"
            ));
        }
        events.push_str(&format!(
            "\n{{\"schema\":\"auto.event/v1\",\"type\":\"run_finished\",\"exit_code\":{exit_code}}}\n"
        ));
        std::fs::write(dir.join("plan.jsonl"), events).expect("plan.jsonl");
        self
    }

    fn run(&self, matrix: &str) -> Posted {
        let path = format!("{}:{}", self.dir.path().join("bin").display(), std::env::var("PATH").unwrap_or_default());
        let output = Command::new("bash")
            .arg(script("plan-comment.sh"))
            .env("PATH", path)
            .env("FAKE_GH_DIR", self.dir.path())
            .env("PLANS_DIR", self.dir.path().join("plans"))
            .env("MATRIX", matrix)
            .env("PR_NUMBER", "7")
            .env("HEAD_SHA", "0123456789abcdef0123456789abcdef01234567")
            .env("GITHUB_REPOSITORY", "o/r")
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_RUN_ID", "99")
            .env_remove("COMMENT_AUTHOR")
            .output()
            .expect("bash runs");
        let read = |name: &str| std::fs::read_to_string(self.dir.path().join(name)).ok();
        let body = read("sent.json").map(|sent| {
            let payload: serde_json::Value = serde_json::from_str(&sent).expect("gh --input is JSON");
            payload["body"].as_str().expect("a body").to_string()
        });
        Posted {
            code: output.status.code().unwrap_or(-1),
            output: format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)),
            calls: read("calls.log").unwrap_or_default().lines().map(str::to_string).collect(),
            body,
        }
    }
}

fn plan_md(root: &str, counts: &str) -> String {
    format!(
        "### auto plan: `scripts/terraform_root.rhai` — would change (exit 3)\n\n<details><summary><code>{root}</code>: {counts}</summary>\n\n```diff\n+ null_resource.x  create\n```\n\n</details>\n\n"
    )
}

const ONE_ROOT: &str = r#"{"include":[{"name":"dev/demo/infra"}]}"#;
const LISTING: &str = "gh api --paginate repos/o/r/issues/7/comments";

#[test]
fn without_a_plan_comment_one_is_posted_with_the_marker_destroys_first() {
    let pr = PlanComment::new(r#"[{"id":5,"user":{"login":"alice"},"body":"looks good"}]"#);
    pr.root("plan-dev_demo_infra", Some(&plan_md("dev/demo/infra", "1 to add")), [1, 0, 0, 0], 3);
    pr.root("plan-dev_demo_hive", Some(&plan_md("dev/demo/hive", "1 to destroy")), [0, 0, 0, 1], 3);
    pr.root("plan-dev_trino", Some("### auto plan: `scripts/terraform_root.rhai` — no changes\n\n"), [0, 0, 0, 0], 0);
    let posted = pr.run(r#"{"include":[{"name":"dev/trino"},{"name":"dev/demo/infra"},{"name":"dev/demo/hive"}]}"#);
    assert_eq!(posted.code, 0, "{}", posted.output);
    assert_eq!(
        posted.calls,
        [LISTING, "gh api --method POST repos/o/r/issues/7/comments --input [FILE] --jq .html_url"]
    );
    expect![[r#"
        <!-- auto-terraform-plan -->
        ## Terraform plan

        Head `0123456789ab` · [workflow run](https://github.com/o/r/actions/runs/99) · this comment is updated on every push.

        ### auto plan: `scripts/terraform_root.rhai` — would change (exit 3)

        <details><summary><code>dev/demo/hive</code>: 1 to destroy</summary>

        ```diff
        + null_resource.x  create
        ```

        </details>

        ### auto plan: `scripts/terraform_root.rhai` — would change (exit 3)

        <details><summary><code>dev/demo/infra</code>: 1 to add</summary>

        ```diff
        + null_resource.x  create
        ```

        </details>

        ### auto plan: `scripts/terraform_root.rhai` — no changes

    "#]]
    .assert_eq(&posted.body.expect("a body was sent"));
}

#[test]
fn an_existing_plan_comment_is_edited_not_posted_again() {
    // Two pages; a human's comment that starts with the marker is not ours to edit.
    let pr = PlanComment::new(&format!(
        r#"[{{"id":5,"user":{{"login":"alice"}},"body":"{MARKER} mine"}}][{{"id":42,"user":{{"login":"github-actions[bot]"}},"body":"{MARKER}\n## Terraform plan\nold"}}]"#
    ));
    pr.root("plan-dev_demo_infra", Some(&plan_md("dev/demo/infra", "1 to add")), [1, 0, 0, 0], 3);
    let posted = pr.run(ONE_ROOT);
    assert_eq!(posted.code, 0, "{}", posted.output);
    assert_eq!(
        posted.calls,
        [LISTING, "gh api --method PATCH repos/o/r/issues/comments/42 --input [FILE] --jq .html_url"]
    );
    let body = posted.body.expect("a body was sent");
    assert!(body.starts_with(&format!("{MARKER}\n")) && body.contains("<code>dev/demo/infra</code>"), "{body}");
}

#[test]
fn a_body_over_githubs_limit_is_cut_under_it_with_a_note_and_a_link_to_the_run() {
    let pr = PlanComment::new("[]");
    // auto keeps each plan.md under the limit; three of them together are not.
    let big = |root: &str| format!("{}{}\n", plan_md(root, "1 to add"), "+ a long line of the plan\n".repeat(1_200));
    for name in ["a", "b", "c"] {
        pr.root(&format!("plan-dev_{name}_infra"), Some(&big(&format!("dev/{name}/infra"))), [1, 0, 0, 0], 3);
    }
    let posted = pr.run(r#"{"include":[{"name":"dev/a/infra"},{"name":"dev/b/infra"},{"name":"dev/c/infra"}]}"#);
    assert_eq!(posted.code, 0, "{}", posted.output);
    let body = posted.body.expect("a body was sent");
    assert!(body.len() < GITHUB_LIMIT, "{} bytes", body.len());
    assert!(body.contains(&big("dev/a/infra")) && body.contains(&big("dev/b/infra")), "the first two fit");
    assert!(!body.contains("<code>dev/c/infra</code>"), "the third does not");
    let tail = &body[body.find("### `dev/c/infra`").expect("the cut root is named")..];
    expect![[r#"
        ### `dev/c/infra`: not shown here

        The plan would take this comment past GitHub's size limit: it is in the [run](https://github.com/o/r/actions/runs/99)'s summary and its artifact `plan-dev_c_infra`.


        ---
        _Cut to stay under GitHub's 65536-character limit for a comment: 1 plan(s) not shown in full. The [workflow run](https://github.com/o/r/actions/runs/99) has every plan._
    "#]]
    .assert_eq(tail);
}

#[test]
fn a_root_without_a_plan_is_named_first_not_left_out() {
    let pr = PlanComment::new("[]");
    pr.root("plan-dev_demo_infra", Some(&plan_md("dev/demo/infra", "1 to add")), [1, 0, 0, 0], 3);
    // dev/demo/hive: the plan failed, so events and no plan.md; dev/trino: its job failed
    // before the upload, so no artifact at all.
    pr.root("plan-dev_demo_hive", None, [0; 4], 1);
    let posted = pr.run(r#"{"include":[{"name":"dev/demo/infra"},{"name":"dev/demo/hive"},{"name":"dev/trino"}]}"#);
    assert_eq!(posted.code, 0, "{}", posted.output);
    let body = posted.body.expect("a body was sent");
    let plans = &body[body.find("### ").expect("sections")..body.find("<details>").expect("the plan")];
    expect![[r#"
        ### `dev/demo/hive`: no plan

        Its plan job failed (exit 1) or stopped before it wrote a plan: see the [run](https://github.com/o/r/actions/runs/99).

        ### `dev/trino`: no plan

        Its plan job failed or stopped before it wrote a plan: see the [run](https://github.com/o/r/actions/runs/99).

        ### auto plan: `scripts/terraform_root.rhai` — would change (exit 3)

    "#]]
    .assert_eq(plans);
}

#[test]
fn with_no_root_affected_an_existing_comment_says_so_and_none_is_created() {
    let nothing = r#"{"include":[]}"#;
    let fresh = PlanComment::new("[]").run(nothing);
    assert_eq!(fresh.code, 0, "{}", fresh.output);
    assert_eq!(fresh.calls, [LISTING]);
    assert!(fresh.body.is_none());

    let stale =
        PlanComment::new(&format!(r#"[{{"id":42,"user":{{"login":"github-actions[bot]"}},"body":"{MARKER}\nold"}}]"#))
            .run(nothing);
    assert_eq!(stale.code, 0, "{}", stale.output);
    assert_eq!(
        stale.calls,
        [LISTING, "gh api --method PATCH repos/o/r/issues/comments/42 --input [FILE] --jq .html_url"]
    );
    let body = stale.body.expect("a body was sent");
    assert!(body.ends_with("No terraform root is affected by this pull request any more.\n"), "{body}");
}

/// terraform-plan.sh in a copy of the repository, as the plan job runs it under Actions.
struct PlanJob {
    repo: TestRepo,
    temp: PathBuf,
}

impl PlanJob {
    fn new() -> PlanJob {
        let repo = TestRepo::new();
        for folder in ["scripts", "templates", "environments/test"] {
            support::copy_from_workspace(&repo, folder);
        }
        let temp = repo.path().join(".runner-temp");
        std::fs::create_dir_all(&temp).expect("runner temp");
        PlanJob { repo, temp }
    }

    /// Runs the script with `auto` (the one under test, or `fake`) first on PATH.
    fn run(&self, fake: Option<&str>) -> (i32, String) {
        self.run_with(fake, &[])
    }

    /// `run`, with more variables (PLAN_BUNDLE, PR_HEAD_SHA, AUTO_PLAN_KEY).
    fn run_with(&self, fake: Option<&str>, vars: &[(&str, &str)]) -> (i32, String) {
        let bin = self.repo.path().join(".test-bin");
        match fake {
            Some(text) => executable(&bin.join("auto"), text),
            None => {
                std::fs::create_dir_all(&bin).expect("bin dir");
                std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_auto"), bin.join("auto")).expect("auto on PATH");
            }
        }
        let (tools, config) = pinned_tools();
        let path = format!("{}:{}:{}", bin.display(), tools.display(), std::env::var("PATH").unwrap_or_default());
        let output = Command::new("bash")
            .arg(script("terraform-plan.sh"))
            .current_dir(self.repo.path())
            .env_remove("PLAN_BUNDLE")
            .env_remove("PR_HEAD_SHA")
            .env_remove("AUTO_PLAN_KEY")
            .envs(vars.iter().copied())
            .env("PATH", path)
            .env("TF_CLI_CONFIG_FILE", config)
            .env("NO_COLOR", "1")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", self.temp.join("output"))
            .env("GITHUB_STEP_SUMMARY", self.temp.join("summary.md"))
            .env("RUNNER_TEMP", &self.temp)
            .env("MATRIX_PARAMS", r#"{"env":"test","root":"environments/test/demo/infra"}"#)
            .env("ROOT_NAME", "test/demo/infra")
            .output()
            .expect("bash runs");
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        (output.status.code().unwrap_or(-1), text)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.temp.join(name)).unwrap_or_default()
    }
}

#[test]
fn the_plan_job_logs_the_human_view_and_keeps_json_lines_and_markdown() {
    let job = PlanJob::new();
    let (code, log) = job.run(None);
    // Never applied here: changes pending, which is a successful plan.
    assert_eq!(code, 0, "{log}");
    assert_eq!(job.read("output"), "artifact=plan-test_demo_infra\nbundle=false\nchanges=true\n");
    assert!(log.contains("test/demo/infra: 1 to add") && !log.contains(r#"{"schema""#), "{log}");
    let events = job.read("plan/plan.jsonl");
    let types: Vec<String> = events
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            event["type"].as_str().expect("a type").to_string()
        })
        .collect();
    assert_eq!(types[types.len() - 2..], ["plan_summary", "run_finished"], "{events}");
    let md = job.read("plan/plan.md");
    assert!(md.contains("<code>test/demo/infra</code>: 1 to add"), "{md}");
    // auto itself appends the step table and the same plan to the step summary.
    assert!(job.read("summary.md").contains(&md), "{}", job.read("summary.md"));
}

#[test]
fn the_plan_job_fails_loudly_when_the_events_are_not_json_lines() {
    // Only a broken auto writes a broken file: a fake one, writing what the old
    // `--output json | tee` kept (workflow commands among the events).
    let job = PlanJob::new();
    let fake = r#"#!/bin/sh
while [ $# -gt 0 ]; do [ "$1" = --events ] && printf '::group::plan\n{"type":"run_finished"}\n' > "$2"; shift; done
exit 3
"#;
    let (code, log) = job.run(Some(fake));
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("::error title=terraform test/demo/infra::plan.jsonl is not valid JSON lines"), "{log}");
}

/// git in `dir`, with a fixed identity and no user or system configuration.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

const KEY: &str = "correct horse battery staple";

impl PlanJob {
    /// The plan job's checkout of a pull request: GitHub's test merge commit, whose second
    /// parent is the head. `behind`: the base has a commit the head has not, so the test
    /// merge's tree is not the head's. Returns the head commit.
    fn pull_request(&self, behind: bool) -> String {
        let dir = self.repo.path();
        std::fs::write(dir.join(".gitignore"), "/.runner-temp/\n/.test-bin/\n/.auto/\n.terraform/\n*.tfstate*\n")
            .expect(".gitignore");
        git(dir, &["init", "-q", "-b", "main"]);
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "base"]);
        let base = git(dir, &["rev-parse", "HEAD"]);
        std::fs::write(dir.join("environments/test/NOTES.md"), "the pull request's change\n").expect("change");
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "head"]);
        let head = git(dir, &["rev-parse", "HEAD"]);
        let merge = if behind {
            git(dir, &["checkout", "-q", &base]);
            std::fs::write(dir.join("environments/test/BASE.md"), "merged on the base since\n").expect("base");
            git(dir, &["add", "-A"]);
            git(dir, &["commit", "-q", "-m", "base moved"]);
            git(dir, &["merge", "-q", "--no-edit", &head]);
            git(dir, &["rev-parse", "HEAD"])
        } else {
            let tree = git(dir, &["rev-parse", "HEAD^{tree}"]);
            git(dir, &["commit-tree", &tree, "-p", &base, "-p", &head, "-m", "Merge into base"])
        };
        git(dir, &["checkout", "-q", "--detach", &merge]);
        head
    }
}

#[test]
fn a_pull_requests_plan_is_kept_as_an_encrypted_bundle_of_the_apply_planned_on_the_head() {
    let job = PlanJob::new();
    let head = job.pull_request(false);
    let (code, log) = job.run_with(None, &[("PLAN_BUNDLE", "true"), ("PR_HEAD_SHA", &head), ("AUTO_PLAN_KEY", KEY)]);
    assert_eq!(code, 0, "{log}");
    assert_eq!(job.read("output"), "artifact=plan-test_demo_infra\nbundle=true\nchanges=true\n");
    assert!(log.contains(r#"params: {"env":"test","root":"environments/test/demo/infra","action":"apply"}"#), "{log}");
    assert!(log.contains("plan bundle written to"), "{log}");
    // Planned on the head commit (the same tree as the test merge), as main looks it up.
    assert_eq!(git(job.repo.path(), &["rev-parse", "HEAD"]), head);
    let bundle = std::fs::read(job.temp.join("plan/plan.bundle")).expect("plan.bundle");
    assert!(bundle.starts_with(b"auto-plan-bundle/v1 age\n"), "encrypted");
    // The comment is rendered from the bundle: what main applies is what is shown.
    let md = job.read("plan/plan.md");
    assert!(md.starts_with("Plan bundle `"), "{md}");
    assert!(md.contains("<code>test/demo/infra</code>: 1 to add"), "{md}");
}

/// Logs its arguments; writes the events file, and a bundle WITHOUT encryption for --out.
const FAKE_PLAN_AUTO: &str = r#"#!/bin/sh
echo "auto $*" >> "$RUNNER_TEMP/auto.log"
while [ $# -gt 0 ]; do
  case "$1" in
    --events) printf '{"type":"run_finished","exit_code":3}\n' > "$2" ;;
    --out) printf 'auto-plan-bundle/v1 sha256 00\n{"saved_plan":"db_password=hunter2"}\n' > "$2" ;;
  esac
  shift
done
exit 3
"#;

#[test]
fn without_the_key_or_with_a_branch_behind_its_base_no_bundle_is_made_and_main_plans_again() {
    let job = PlanJob::new();
    let head = job.pull_request(false);
    let (code, log) = job.run_with(Some(FAKE_PLAN_AUTO), &[("PLAN_BUNDLE", "true"), ("PR_HEAD_SHA", &head)]);
    assert_eq!(code, 0, "{log}");
    assert!(
        log.contains("::warning title=terraform test/demo/infra::AUTO_PLAN_KEY is not set: no plan bundle (it would not be encrypted); main will plan again before it applies"),
        "{log}"
    );
    assert!(!job.read("auto.log").contains("--out"), "{}", job.read("auto.log"));
    assert!(job.read("auto.log").contains(r#""action":"apply""#), "the same plan as with a bundle");
    assert_eq!(job.read("output"), "artifact=plan-test_demo_infra\nbundle=false\nchanges=true\n");

    let job = PlanJob::new();
    let head = job.pull_request(true);
    let merge = git(job.repo.path(), &["rev-parse", "HEAD"]);
    let (code, log) =
        job.run_with(Some(FAKE_PLAN_AUTO), &[("PLAN_BUNDLE", "true"), ("PR_HEAD_SHA", &head), ("AUTO_PLAN_KEY", KEY)]);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("::warning title=terraform test/demo/infra::the branch is behind its base"), "{log}");
    assert!(!job.read("auto.log").contains("--out"), "{}", job.read("auto.log"));
    assert_eq!(git(job.repo.path(), &["rev-parse", "HEAD"]), merge, "the test merge is planned, as before");
    assert!(!job.temp.join("plan/plan.bundle").exists());
}

#[test]
fn a_bundle_that_is_not_encrypted_is_removed_and_fails_the_plan_job() {
    let job = PlanJob::new();
    let head = job.pull_request(false);
    let (code, log) =
        job.run_with(Some(FAKE_PLAN_AUTO), &[("PLAN_BUNDLE", "true"), ("PR_HEAD_SHA", &head), ("AUTO_PLAN_KEY", KEY)]);
    assert_eq!(code, 1, "{log}");
    assert!(job.read("auto.log").contains(&format!("--out {}", job.temp.join("plan/plan.bundle").display())));
    assert!(
        log.contains("::error title=terraform test/demo/infra::plan.bundle is not encrypted: removed, not uploaded"),
        "{log}"
    );
    assert!(!job.temp.join("plan/plan.bundle").exists(), "never uploaded");
}

const FAKE_GH_RUNS: &str = r#"#!/bin/sh
# Fake gh: no GitHub API can be reached from the tests. Logs argv; answers the commit's
# pull requests with $FAKE_GH_DIR/pulls.json, the run list with runs.json, and downloads
# an artifact from $FAKE_GH_DIR/artifacts/<name>/ (absent: gh's error, exit 1).
echo "gh $*" >> "$FAKE_GH_DIR/calls.log"
case "$1 $2" in
  "api repos/"*) cat "$FAKE_GH_DIR/pulls.json" ;;
  "run list") cat "$FAKE_GH_DIR/runs.json" ;;
  "run download")
    name="" dest=""
    while [ $# -gt 0 ]; do
      case "$1" in
        -n) name="$2" ;;
        -D) dest="$2" ;;
      esac
      shift
    done
    [ -d "$FAKE_GH_DIR/artifacts/$name" ] || { echo "no artifact matches any of the names or patterns provided" >&2; exit 1; }
    cp -R "$FAKE_GH_DIR/artifacts/$name/." "$dest/"
    ;;
  *) echo "fake gh: unexpected: $*" >&2; exit 1 ;;
esac
"#;

/// Logs how it was called and on which commit; exits $FAKE_AUTO_EXIT.
const FAKE_APPLY_AUTO: &str = r#"#!/bin/sh
echo "auto $* (on $(git rev-parse HEAD), AUTO_PLAN_KEY ${AUTO_PLAN_KEY:+set})" >> "$FAKE_GH_DIR/calls.log"
[ "${FAKE_AUTO_EXIT:-0}" = 5 ] && echo "error: terraform apply of dev/demo/hive differs from the reviewed plan" >&2
exit "${FAKE_AUTO_EXIT:-0}"
"#;

/// A push to main: an origin whose main has the merge (a squash) of pull request 7, whose
/// branch is gone (its head kept as refs/pull/7/head, as GitHub keeps it), and the apply
/// job's checkout, a shallow clone of main.
struct Merged {
    dir: tempfile::TempDir,
    merge: String,
    head: String,
}

/// What apply-reviewed.sh did.
struct Decided {
    code: i32,
    output: String,
    /// The gh and auto calls, in order, with the temp dir as [TMP], the commits as [MERGE] and [HEAD].
    calls: Vec<String>,
    /// The step outputs.
    outputs: String,
    /// The checkout's commit afterwards.
    checked_out: String,
}

const ARTIFACT: &str = "plan-dev_demo_hive";

impl Merged {
    /// `same_tree`: the branch was up to date, so the merge commit's tree is the head's;
    /// else main had another commit the pull request's plan never saw.
    fn new(same_tree: bool) -> Merged {
        let dir = tempfile::tempdir().expect("temp dir");
        let origin = dir.path().join("origin");
        std::fs::create_dir_all(&origin).expect("origin");
        git(&origin, &["init", "-q", "-b", "main"]);
        let write = |name: &str, text: &str| std::fs::write(origin.join(name), text).expect("write");
        write("main.tf", "# base\n");
        git(&origin, &["add", "-A"]);
        git(&origin, &["commit", "-q", "-m", "base"]);
        git(&origin, &["checkout", "-q", "-b", "feature"]);
        write("main.tf", "# base\n# the pull request's change\n");
        git(&origin, &["commit", "-q", "-am", "change"]);
        let head = git(&origin, &["rev-parse", "HEAD"]);
        git(&origin, &["update-ref", "refs/pull/7/head", &head]);
        git(&origin, &["checkout", "-q", "main"]);
        if !same_tree {
            write("other.tf", "# merged on main after the pull request's plan\n");
            git(&origin, &["add", "-A"]);
            git(&origin, &["commit", "-q", "-m", "another pull request"]);
        }
        write("main.tf", "# base\n# the pull request's change\n");
        git(&origin, &["commit", "-q", "-am", "change (#7)"]);
        git(&origin, &["branch", "-q", "-D", "feature"]);
        let merge = git(&origin, &["rev-parse", "HEAD"]);
        let url = format!("file://{}", origin.display());
        git(dir.path(), &["clone", "-q", "--depth=1", "--branch", "main", &url, "checkout"]);
        executable(&dir.path().join("bin/gh"), FAKE_GH_RUNS);
        executable(&dir.path().join("bin/auto"), FAKE_APPLY_AUTO);
        let this = Merged { dir, merge, head };
        this.pulls(&format!(
            r#"[{{"number":3,"merged_at":null,"merge_commit_sha":"0000000000000000000000000000000000000000","head":{{"sha":"{merge}"}}}},
               {{"number":7,"merged_at":"2026-12-01T10:00:00Z","merge_commit_sha":"{merge}","head":{{"sha":"{head}"}}}}]"#,
            merge = this.merge,
            head = this.head
        ));
        std::fs::write(this.dir.path().join("runs.json"), r#"[{"databaseId":4242}]"#).expect("runs");
        this
    }

    /// What GitHub answers to the commit's pull requests.
    fn pulls(&self, json: &str) -> &Self {
        std::fs::write(self.dir.path().join("pulls.json"), json).expect("pulls");
        self
    }

    /// The pull request run's artifact of the root: plan.md and plan.jsonl, and a bundle.
    fn artifact(&self, bundle: bool) -> &Self {
        let dir = self.dir.path().join("artifacts").join(ARTIFACT);
        std::fs::create_dir_all(&dir).expect("artifact");
        std::fs::write(dir.join("plan.md"), "### auto plan\n").expect("plan.md");
        std::fs::write(dir.join("plan.jsonl"), "{}\n").expect("plan.jsonl");
        if bundle {
            std::fs::write(dir.join("plan.bundle"), "auto-plan-bundle/v1 age\n(encrypted)").expect("bundle");
        }
        self
    }

    fn run(&self, vars: &[(&str, &str)]) -> Decided {
        let base = self.dir.path();
        let checkout = base.join("checkout");
        let path = format!("{}:{}", base.join("bin").display(), std::env::var("PATH").unwrap_or_default());
        let output = Command::new("bash")
            .arg(script("apply-reviewed.sh"))
            .current_dir(&checkout)
            .env("PATH", path)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("FAKE_GH_DIR", base)
            .env("GITHUB_REPOSITORY", "o/r")
            .env("GITHUB_SHA", &self.merge)
            .env("GITHUB_OUTPUT", base.join("output"))
            .env("GITHUB_RUN_ATTEMPT", "1")
            .env("RUNNER_TEMP", base.join("runner-temp"))
            .env("ROOT_NAME", "dev/demo/hive")
            .env("AUTO_PLAN_KEY", KEY)
            .env_remove("FAKE_AUTO_EXIT")
            .envs(vars.iter().copied())
            .output()
            .expect("bash runs");
        let read = |name: &str| std::fs::read_to_string(base.join(name)).unwrap_or_default();
        let tmp = base.display().to_string();
        Decided {
            code: output.status.code().unwrap_or(-1),
            output: format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)),
            calls: read("calls.log")
                .lines()
                .map(|line| line.replace(&tmp, "[TMP]").replace(&self.merge, "[MERGE]").replace(&self.head, "[HEAD]"))
                .collect(),
            outputs: read("output"),
            checked_out: git(&checkout, &["rev-parse", "HEAD"]),
        }
    }
}

const PULLS_OF_THE_MERGE: &str = "gh api repos/o/r/commits/[MERGE]/pulls";

#[test]
fn a_merge_with_the_heads_tree_applies_the_reviewed_bundle_on_the_head_commit() {
    let merged = Merged::new(true);
    merged.artifact(true);
    let decided = merged.run(&[]);
    assert_eq!(decided.code, 0, "{}", decided.output);
    assert_eq!(decided.outputs, "mode=bundle\npull_request=7\nrun=4242\n");
    assert_eq!(
        decided.calls,
        [
            PULLS_OF_THE_MERGE,
            "gh run list --workflow terraform.yml --commit [HEAD] --event pull_request --status success --limit 1 --json databaseId",
            "gh run download 4242 -n plan-dev_demo_hive -D [TMP]/runner-temp/reviewed/plan-dev_demo_hive",
            // The bundle records the head: auto apply runs on it (fetched: a squash merge's
            // head is not in main's history), the same tree as the merge commit.
            "auto apply [TMP]/runner-temp/reviewed/plan-dev_demo_hive/plan.bundle (on [HEAD], AUTO_PLAN_KEY set)",
        ]
    );
    assert_eq!(decided.checked_out, merged.head);
}

#[test]
fn a_merge_whose_tree_is_not_the_heads_downloads_nothing_and_plans_again() {
    let merged = Merged::new(false);
    merged.artifact(true);
    let decided = merged.run(&[]);
    assert_eq!(decided.code, 0, "{}", decided.output);
    assert_eq!(decided.outputs, "mode=replan\n");
    assert_eq!(decided.calls, [PULLS_OF_THE_MERGE], "no run looked up, nothing downloaded, no auto apply");
    assert!(
        decided.output.contains(&format!(
            "::notice title=terraform dev/demo/hive::the merge commit's tree is not the tree of pull request #7's head {} (main changed after its plan): planning again",
            &merged.head[..12]
        )),
        "{}",
        decided.output
    );
    assert_eq!(decided.checked_out, merged.merge, "main's commit stays checked out for the plan");
}

#[test]
fn a_commit_no_pull_request_merged_plans_again() {
    let merged = Merged::new(true);
    merged.artifact(true);
    // Pushed to main directly: GitHub lists only a pull request that contains the commit.
    merged.pulls(&format!(
        r#"[{{"number":3,"merged_at":null,"merge_commit_sha":"0000000000000000000000000000000000000000","head":{{"sha":"{}"}}}}]"#,
        merged.merge
    ));
    let decided = merged.run(&[]);
    assert_eq!(decided.code, 0, "{}", decided.output);
    assert_eq!(decided.outputs, "mode=replan\n");
    assert_eq!(decided.calls, [PULLS_OF_THE_MERGE]);
    assert!(decided.output.contains("is not the merge commit of a pull request: planning again"), "{}", decided.output);

    merged.pulls("[]");
    std::fs::remove_file(merged.dir.path().join("output")).expect("outputs");
    let decided = merged.run(&[]);
    assert_eq!((decided.code, decided.outputs.as_str()), (0, "mode=replan\n"), "{}", decided.output);
}

#[test]
fn a_pull_request_run_without_a_bundle_plans_again() {
    let merged = Merged::new(true);
    // The pull request was planned without AUTO_PLAN_KEY: plan.md and plan.jsonl only.
    merged.artifact(false);
    let decided = merged.run(&[]);
    assert_eq!(decided.code, 0, "{}", decided.output);
    assert_eq!(decided.outputs, "mode=replan\n");
    assert_eq!(decided.calls.len(), 3, "no auto apply: {:?}", decided.calls);
    assert!(
        decided
            .output
            .contains("the plan of pull request #7 (run 4242) made no bundle for dev/demo/hive: planning again"),
        "{}",
        decided.output
    );

    // No artifact of the root at all (it was not affected on the pull request).
    let merged = Merged::new(true);
    let decided = merged.run(&[]);
    assert_eq!((decided.code, decided.outputs.as_str()), (0, "mode=replan\n"), "{}", decided.output);
    assert!(
        decided.output.contains("run 4242 of pull request #7 has no artifact plan-dev_demo_hive"),
        "{}",
        decided.output
    );
}

#[test]
fn a_bundle_that_no_longer_applies_fails_the_job_and_says_to_re_plan() {
    let merged = Merged::new(true);
    merged.artifact(true);
    let decided = merged.run(&[("FAKE_AUTO_EXIT", "5")]);
    assert_eq!(decided.code, 5, "{}", decided.output);
    assert_eq!(decided.outputs, "mode=bundle\npull_request=7\nrun=4242\n", "the next step (the re-plan) is skipped");
    assert!(decided.output.contains("error: terraform apply of dev/demo/hive differs from the reviewed plan"));
    expect![[r#"
        ::error title=terraform dev/demo/hive::the plan reviewed on pull request #7 no longer applies (auto apply exit 5, the reason is above; nothing of it was applied): re-plan it by re-running this workflow run ("Re-run all jobs": a re-run plans again and waits for the environment's approval)
    "#]]
    .assert_eq(&decided.output.lines().filter(|line| line.starts_with("::error")).map(|l| format!("{l}\n")).collect::<String>());

    // Any other failure of auto apply is passed on as it is.
    let merged = Merged::new(true);
    merged.artifact(true);
    let failed = merged.run(&[("FAKE_AUTO_EXIT", "1")]);
    assert_eq!(failed.code, 1, "{}", failed.output);
    assert!(!failed.output.contains("::error"), "{}", failed.output);
}

#[test]
fn a_re_run_plans_again_without_asking_github() {
    let merged = Merged::new(true);
    merged.artifact(true);
    let decided = merged.run(&[("GITHUB_RUN_ATTEMPT", "2")]);
    assert_eq!(decided.code, 0, "{}", decided.output);
    assert_eq!(decided.outputs, "mode=replan\n");
    assert!(decided.calls.is_empty(), "{:?}", decided.calls);
    assert!(
        decided.output.contains("attempt 2 of this run: a re-run does not use the reviewed bundle"),
        "{}",
        decided.output
    );
}

/// The two scripts with the real `auto` (the real plan bundle and `auto apply`); only `gh`
/// is a fake: the pull request's plan job writes the bundle on the head commit, then a
/// squash merge of it (another commit, the same tree) is pushed and its apply job applies
/// that very bundle. `auto apply` on the merge commit itself refuses it: that is why the
/// script checks out the head.
#[test]
fn the_pull_requests_bundle_is_applied_on_main_by_the_real_auto() {
    let job = PlanJob::new();
    let head = job.pull_request(false);
    let (code, log) = job.run_with(None, &[("PLAN_BUNDLE", "true"), ("PR_HEAD_SHA", &head), ("AUTO_PLAN_KEY", KEY)]);
    assert_eq!(code, 0, "{log}");
    let dir = job.repo.path();
    let tree = git(dir, &["rev-parse", &format!("{head}^{{tree}}")]);
    let merge = git(dir, &["commit-tree", &tree, "-p", &format!("{head}^"), "-m", "change (#7)"]);
    git(dir, &["checkout", "-q", "--detach", &merge]);

    let fakes = tempfile::tempdir().expect("temp dir");
    executable(&fakes.path().join("bin/gh"), FAKE_GH_RUNS);
    let write = |name: &str, text: &str| std::fs::write(fakes.path().join(name), text).expect("write");
    write(
        "pulls.json",
        &format!(
            r#"[{{"number":7,"merged_at":"2026-12-01T10:00:00Z","merge_commit_sha":"{merge}","head":{{"sha":"{head}"}}}}]"#
        ),
    );
    write("runs.json", r#"[{"databaseId":4242}]"#);
    support::copy_tree(&job.temp.join("plan"), &fakes.path().join("artifacts/plan-test_demo_infra"));

    let (tools, config) = pinned_tools();
    let bin = dir.join(".test-bin"); // the auto under test, linked there by run_with
    let path = format!(
        "{}:{}:{}:{}",
        fakes.path().join("bin").display(),
        bin.display(),
        tools.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let bundle = fakes.path().join("artifacts/plan-test_demo_infra/plan.bundle");
    let on_merge = Command::new(env!("CARGO_BIN_EXE_auto"))
        .args(["apply", bundle.to_str().expect("utf-8")])
        .current_dir(dir)
        .env("PATH", &path)
        .env("TF_CLI_CONFIG_FILE", &config)
        .env("AUTO_PLAN_KEY", KEY)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("auto runs");
    assert_eq!(on_merge.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&on_merge.stderr)
        .contains(&format!("it was planned on commit {head}, this is {merge}")));

    let output = Command::new("bash")
        .arg(script("apply-reviewed.sh"))
        .current_dir(dir)
        .env("PATH", &path)
        .env("TF_CLI_CONFIG_FILE", &config)
        .env("NO_COLOR", "1")
        .env("FAKE_GH_DIR", fakes.path())
        .env("GITHUB_REPOSITORY", "o/r")
        .env("GITHUB_SHA", &merge)
        .env("GITHUB_OUTPUT", fakes.path().join("output"))
        .env("GITHUB_RUN_ATTEMPT", "1")
        .env("RUNNER_TEMP", fakes.path().join("runner-temp"))
        .env("ROOT_NAME", "test/demo/infra")
        .env("AUTO_PLAN_KEY", KEY)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("bash runs");
    let log = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{log}");
    assert_eq!(
        std::fs::read_to_string(fakes.path().join("output")).expect("outputs"),
        "mode=bundle\npull_request=7\nrun=4242\n"
    );
    let state = std::fs::read_to_string(dir.join("environments/test/demo/infra/terraform.tfstate")).expect("applied");
    assert!(state.contains("null_resource"), "the reviewed plan was applied: {state}");
}

// ----- install.sh: a release, served from a local directory -----

fn workspace_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").join(relative)
}

/// Runs `program args` in `dir`; panics with its output unless it succeeds.
fn succeed(dir: &Path, program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).current_dir(dir).output().expect("runs");
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A release as release.yml publishes it, in a temp dir: `release/` holds
/// auto-<version>-<target>.tar.gz (the auto under test inside) and SHA256SUMS; install.sh
/// installs into `bin/`.
struct Release {
    dir: tempfile::TempDir,
    version: String,
    target: String,
}

impl Release {
    /// The release of install.sh's pinned version for this machine's target.
    fn new() -> Release {
        let dir = tempfile::tempdir().expect("temp dir");
        let version = std::fs::read_to_string(workspace_file(".github/auto-version")).expect("the pin");
        let target = succeed(dir.path(), "sh", &[workspace_file("install.sh").to_str().expect("utf-8"), "--target"]);
        let this = Release { dir, version: version.trim().to_string(), target: target.trim().to_string() };
        let name = format!("auto-{}-{}", this.version, this.target);
        let staging = this.dir.path().join("staging").join(&name);
        std::fs::create_dir_all(&staging).expect("staging");
        std::fs::copy(env!("CARGO_BIN_EXE_auto"), staging.join("auto")).expect("the binary");
        let release = this.dir.path().join("release");
        std::fs::create_dir_all(&release).expect("release dir");
        // As release.yml packs (`tar -czf`) and sums them; gzip -1 writes the same format
        // in a third of the time for a debug binary of some 300 MB.
        let mut tar = Command::new("tar")
            .args(["-cf", "-", &name])
            .current_dir(this.dir.path().join("staging"))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("tar runs");
        let archive = std::fs::File::create(release.join(this.archive())).expect("archive");
        let gzip = Command::new("gzip")
            .arg("-1")
            .stdin(tar.stdout.take().expect("tar's stdout"))
            .stdout(archive)
            .status()
            .expect("gzip runs");
        assert!(tar.wait().expect("tar").success() && gzip.success(), "the archive is written");
        let sums = succeed(&release, "sha256sum", &[&this.archive()]);
        std::fs::write(release.join("SHA256SUMS"), sums).expect("SHA256SUMS");
        this
    }

    fn archive(&self) -> String {
        format!("auto-{}-{}.tar.gz", self.version, self.target)
    }

    fn release_dir(&self) -> PathBuf {
        self.dir.path().join("release")
    }

    fn installed(&self) -> PathBuf {
        self.dir.path().join("bin/auto")
    }

    /// install.sh with AUTO_RELEASE_URL=`url` (and `vars`), installing into bin/.
    fn install(&self, url: &str, vars: &[(&str, &str)]) -> (i32, String) {
        let output = Command::new("sh")
            .arg(workspace_file("install.sh"))
            .current_dir(self.dir.path())
            .env("AUTO_RELEASE_URL", url)
            .env("AUTO_INSTALL_DIR", self.dir.path().join("bin"))
            .env("HOME", self.dir.path().join("home"))
            .env("TMPDIR", self.dir.path())
            .env_remove("AUTO_VERSION")
            .env_remove("AUTO_TARGET")
            .env_remove("AUTO_REPOSITORY")
            .envs(vars.iter().copied())
            .output()
            .expect("sh runs");
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        (output.status.code().unwrap_or(-1), text.replace(&self.dir.path().display().to_string(), "[TMP]"))
    }

    /// The temp dir holds nothing install.sh left behind (its work dir is removed).
    fn leftovers(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("temp dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("auto-install."))
            .collect();
        names.sort();
        names
    }
}

/// `python3 -m http.server` on 127.0.0.1 (a port the kernel picks), serving `dir`; stopped
/// by its pid when dropped.
struct HttpServer {
    child: std::process::Child,
    url: String,
}

impl HttpServer {
    fn serve(dir: &Path) -> HttpServer {
        use std::io::BufRead;
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory"])
            .arg(dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 runs");
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ...": printed
        // once the socket listens.
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("a line");
        let port = line.split(" port ").nth(1).and_then(|rest| rest.split_whitespace().next()).map(str::to_string);
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("http.server did not say its port: {line:?}");
        };
        HttpServer { child, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn install_sh_installs_a_release_served_over_http_and_the_installed_auto_runs() {
    let release = Release::new();
    let server = HttpServer::serve(&release.release_dir());
    let (code, output) = release.install(&server.url, &[]);
    assert_eq!(code, 0, "{output}");
    let version = Command::new(release.installed()).arg("--version").output().expect("the installed auto runs");
    assert_eq!(String::from_utf8_lossy(&version.stdout), format!("auto {}\n", env!("CARGO_PKG_VERSION")));
    assert!(
        output.contains(&format!("install.sh: installed [TMP]/bin/auto (auto {})\n", env!("CARGO_PKG_VERSION"))),
        "{output}"
    );
    assert!(output.contains("install.sh: note: [TMP]/bin is not on PATH"), "{output}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(release.installed()).expect("installed").permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
    assert_eq!(release.leftovers(), Vec::<String>::new());
}

#[test]
fn install_sh_refuses_an_archive_whose_checksum_is_not_the_listed_one_and_installs_nothing() {
    let release = Release::new();
    // The archive changed after SHA256SUMS was written (damaged, or not the one released).
    let archive = release.release_dir().join(release.archive());
    let mut bytes = std::fs::read(&archive).expect("archive");
    bytes.extend_from_slice(b"tampered");
    std::fs::write(&archive, bytes).expect("tamper");
    // An auto installed earlier stays as it was.
    std::fs::create_dir_all(release.dir.path().join("bin")).expect("bin");
    std::fs::write(release.installed(), "the auto installed before\n").expect("old auto");

    let url = format!("file://{}", release.release_dir().display());
    let (code, output) = release.install(&url, &[]);
    assert_eq!(code, 1, "{output}");
    let listed = std::fs::read_to_string(release.release_dir().join("SHA256SUMS")).expect("sums");
    let listed = listed.split_whitespace().next().expect("a hash");
    let actual = succeed(&release.release_dir(), "sha256sum", &[&release.archive()]);
    let actual = actual.split_whitespace().next().expect("a hash");
    assert_eq!(
        output.lines().last().expect("an error"),
        format!(
            "install.sh: error: checksum mismatch for {}: SHA256SUMS says {listed}, the download is {actual}; not installed (a damaged or altered download: try again, or report it)",
            release.archive()
        )
    );
    assert_eq!(std::fs::read_to_string(release.installed()).expect("old auto"), "the auto installed before\n");
    let names: Vec<_> = std::fs::read_dir(release.dir.path().join("bin")).expect("bin").flatten().collect();
    assert_eq!(names.len(), 1, "nothing else written to the install dir: {names:?}");
    assert_eq!(release.leftovers(), Vec::<String>::new());
}

#[test]
fn install_sh_says_what_is_missing_when_a_release_or_its_checksum_line_is_not_there() {
    let release = Release::new();
    let server = HttpServer::serve(&release.release_dir());
    // A release's files under their tag, as on GitHub: there is no v9.9.9.
    let (code, output) = release.install(&format!("{}/v9.9.9", server.url), &[("AUTO_VERSION", "v9.9.9")]);
    assert_eq!(code, 1, "{output}");
    assert!(
        output.ends_with(&format!(
            "install.sh: error: cannot download {}/v9.9.9/SHA256SUMS: is there a release v9.9.9?\n",
            server.url
        )),
        "{output}"
    );
    // The release has no build for the target asked for.
    let (code, output) = release.install(&server.url, &[("AUTO_TARGET", "riscv64gc-unknown-linux-musl")]);
    assert_eq!(code, 1, "{output}");
    assert!(
        output.ends_with(&format!(
            "install.sh: error: cannot download {}/auto-{v}-riscv64gc-unknown-linux-musl.tar.gz: does release v{v} have a build for riscv64gc-unknown-linux-musl?\n",
            server.url,
            v = release.version
        )),
        "{output}"
    );

    // SHA256SUMS of another build: the archive is not listed, so it is not installed.
    std::fs::write(release.release_dir().join("SHA256SUMS"), format!("{}  auto-other.tar.gz\n", "0".repeat(64)))
        .expect("sums");
    let (code, output) = release.install(&server.url, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(
        output.ends_with(&format!(
            "install.sh: error: SHA256SUMS of v{} does not list {}: not installed\n",
            release.version,
            release.archive()
        )),
        "{output}"
    );
    assert!(!release.installed().exists());

    // Without a URL or a repository there is nothing to download from.
    let output = Command::new("sh")
        .arg(workspace_file("install.sh"))
        .env("AUTO_INSTALL_DIR", release.dir.path().join("bin"))
        .env_remove("AUTO_RELEASE_URL")
        .env_remove("AUTO_REPOSITORY")
        .env_remove("GITHUB_REPOSITORY")
        .output()
        .expect("sh runs");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "install.sh: error: which repository's release? set AUTO_REPOSITORY=<owner>/<repo> (or AUTO_RELEASE_URL)\n"
    );
}

/// install.sh runs where no checkout is (`curl … | sh`), so it carries the pin itself.
#[test]
fn install_sh_pins_the_release_that_github_auto_version_pins() {
    let pin = std::fs::read_to_string(workspace_file(".github/auto-version")).expect("the pin");
    let installer = std::fs::read_to_string(workspace_file("install.sh")).expect("install.sh");
    assert!(
        installer.lines().any(|line| line == format!("pinned_version={}", pin.trim())),
        "install.sh's pinned_version is not {} (.github/auto-version)",
        pin.trim()
    );
}

// ----- run-script.sh (.github/workflows/run-script.yml) -----

/// Logs its arguments to $RUNNER_TEMP/auto.log; exits $FAKE_AUTO_EXIT.
const FAKE_RUN_AUTO: &str = r#"#!/bin/sh
echo "auto $*" >> "$RUNNER_TEMP/auto.log"
exit "${FAKE_AUTO_EXIT:-0}"
"#;

/// What run-script.sh did.
struct Ran {
    code: i32,
    output: String,
    /// The auto command lines (fake auto only), the temp dir as [TMP].
    calls: String,
    outputs: String,
    temp: PathBuf,
}

/// run-script.sh in `repo` with `vars`, the real auto or `fake` first on PATH.
fn run_script(repo: &TestRepo, fake: Option<&str>, vars: &[(&str, &str)]) -> Ran {
    let bin = repo.path().join(".test-bin");
    let _ = std::fs::remove_dir_all(&bin);
    match fake {
        Some(text) => executable(&bin.join("auto"), text),
        None => {
            std::fs::create_dir_all(&bin).expect("bin dir");
            std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_auto"), bin.join("auto")).expect("auto on PATH");
        }
    }
    let temp = repo.path().join(".runner-temp");
    let _ = std::fs::remove_dir_all(&temp);
    std::fs::create_dir_all(&temp).expect("runner temp");
    let (tools, config) = pinned_tools();
    let path = format!("{}:{}:{}", bin.display(), tools.display(), std::env::var("PATH").unwrap_or_default());
    let output = Command::new("bash")
        .arg(script("run-script.sh"))
        .current_dir(repo.path())
        .env_remove("CUSTOMER")
        .env_remove("FAKE_AUTO_EXIT")
        .envs(vars.iter().copied())
        .env("PATH", path)
        .env("TF_CLI_CONFIG_FILE", config)
        .env("NO_COLOR", "1")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", temp.join("output"))
        .env("GITHUB_STEP_SUMMARY", temp.join("summary.md"))
        .env("RUNNER_TEMP", &temp)
        .output()
        .expect("bash runs");
    let read = |name: &str| std::fs::read_to_string(temp.join(name)).unwrap_or_default();
    Ran {
        code: output.status.code().unwrap_or(-1),
        output: format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)),
        calls: read("auto.log").replace(&temp.display().to_string(), "[TMP]"),
        outputs: read("output"),
        temp,
    }
}

#[test]
fn run_script_passes_the_inputs_as_parameters_plans_with_markdown_and_lets_only_offboarding_destroy() {
    let repo = TestRepo::new();
    let mut log = String::new();
    for (script, customer, mode, exit) in [
        ("onboard_customer", "acme", "plan", "3"),
        ("plan_environment", "", "plan", "0"),
        ("onboard_customer", "acme", "apply", "0"),
        ("offboard_customer", "acme", "apply", "0"),
        ("offboard_customer", "acme", "plan", "1"),
    ] {
        let ran = run_script(
            &repo,
            Some(FAKE_RUN_AUTO),
            &[
                ("SCRIPT", script),
                ("ENV_NAME", "dev"),
                ("CUSTOMER", customer),
                ("MODE", mode),
                ("FAKE_AUTO_EXIT", exit),
            ],
        );
        log.push_str(&format!("{} → exit {}, {}", ran.calls.trim_end(), ran.code, ran.outputs));
    }
    expect![[r#"
        auto run onboard_customer --set env=dev --set customer=acme --plan --plan-md [TMP]/run/plan.md --events [TMP]/run/events.jsonl → exit 0, changes=true
        auto run plan_environment --set env=dev --plan --plan-md [TMP]/run/plan.md --events [TMP]/run/events.jsonl → exit 0, changes=false
        auto run onboard_customer --set env=dev --set customer=acme --events [TMP]/run/events.jsonl → exit 0, changes=false
        auto run offboard_customer --set env=dev --set customer=acme --allow-destroy --events [TMP]/run/events.jsonl → exit 0, changes=false
        auto run offboard_customer --set env=dev --set customer=acme --plan --plan-md [TMP]/run/plan.md --events [TMP]/run/events.jsonl → exit 1, changes=unknown
    "#]]
    .assert_eq(&log);

    let ran = run_script(
        &repo,
        Some(FAKE_RUN_AUTO),
        &[("SCRIPT", "plan_environment"), ("ENV_NAME", "dev"), ("MODE", "destroy")],
    );
    assert_eq!(ran.code, 2, "{}", ran.output);
    assert_eq!(ran.output, "::error title=run-script::MODE is `destroy`: plan or apply\n");
    assert_eq!(ran.calls, "", "auto never ran");
}

#[test]
fn run_script_plans_with_the_real_auto_and_the_plan_reaches_the_step_summary() {
    let repo = TestRepo::new();
    for folder in ["scripts", "templates", "environments/test"] {
        support::copy_from_workspace(&repo, folder);
    }
    let ran = run_script(&repo, None, &[("SCRIPT", "plan_environment"), ("ENV_NAME", "test"), ("MODE", "plan")]);
    // Never applied here: changes pending, a successful plan.
    assert_eq!(ran.code, 0, "{}", ran.output);
    assert_eq!(ran.outputs, "changes=true\n");
    assert!(
        ran.output.contains("::notice title=plan_environment test::plan has pending changes: dispatch it again with mode apply to make them"),
        "{}",
        ran.output
    );
    let md = std::fs::read_to_string(ran.temp.join("run/plan.md")).expect("plan.md");
    assert!(md.contains("<code>test/infra</code>: 1 to add"), "{md}");
    let summary = std::fs::read_to_string(ran.temp.join("summary.md")).expect("the step summary");
    assert!(summary.contains(&md), "auto appends the plan to the step summary:\n{summary}");
    let events = std::fs::read_to_string(ran.temp.join("run/events.jsonl")).expect("events");
    assert!(events.lines().last().is_some_and(|line| line.contains(r#""type":"run_finished""#)), "{events}");

    // A customer is a parameter plan_environment does not take: auto says so, nothing runs.
    let ran = run_script(
        &repo,
        None,
        &[("SCRIPT", "plan_environment"), ("ENV_NAME", "test"), ("CUSTOMER", "acme"), ("MODE", "plan")],
    );
    assert_eq!(ran.code, 2, "{}", ran.output);
    assert_eq!(ran.outputs, "changes=unknown\n");
}

/// The workflow offers what exists: every script choice is a script of scripts/ that takes
/// `env` (and `customer`, but plan_environment), every env choice an environment.
#[test]
fn run_script_workflow_offers_scripts_and_environments_that_exist() {
    let text = std::fs::read_to_string(workspace_file(".github/workflows/run-script.yml")).expect("run-script.yml");
    let workflow: serde_json::Value = serde_yaml_ng::from_str(&text).expect("YAML");
    let inputs = &workflow["on"]["workflow_dispatch"]["inputs"];
    let options = |name: &str| -> Vec<String> {
        inputs[name]["options"]
            .as_array()
            .unwrap_or_else(|| panic!("input `{name}` has options"))
            .iter()
            .map(|o| o.as_str().expect("a string").to_string())
            .collect()
    };
    for script in options("script") {
        let source = std::fs::read_to_string(workspace_file(&format!("scripts/{script}.rhai")))
            .unwrap_or_else(|e| panic!("scripts/{script}.rhai: {e}"));
        assert!(source.contains(r#"param("env""#), "{script} takes env");
        if script != "plan_environment" {
            assert!(source.contains(r#"param("customer""#), "{script} takes customer");
        }
    }
    for env in options("env") {
        assert!(workspace_file(&format!("environments/{env}/env.toml")).is_file(), "environments/{env}");
    }
    assert_eq!(options("mode"), ["plan", "apply"]);
}

// ----- drift-issues.py (.github/workflows/drift.yml, job issues) -----

/// A FAKE gh: GitHub cannot be reached from the tests. It takes what drift-issues.py
/// sends, `gh api [--paginate] [--method M] PATH [--input -]`, logs every request (method,
/// path, body) as a JSON line, and answers from RECORDED answers, shaped like GitHub's
/// REST API responses, that the test writes.
const FAKE_GH_API: &str = r#"#!/usr/bin/env python3
# Fake gh: no GitHub can be reached from the tests. Logs each request as a JSON line
# (method, path, paginate, body) to $FAKE_GH_DIR/requests.jsonl and answers from
# $FAKE_GH_DIR/answers.json, keyed "METHOD PATH": {"status": N, "pages": [page, ...]}
# (with --paginate every page, one after the other, as gh prints them; else the first).
# A status of 400 or more answers as gh does: the body on stdout, "gh: <message>
# (HTTP <status>)" on stderr, exit 1. A request without a recorded answer fails.
import json, os, sys

home = os.environ["FAKE_GH_DIR"]
args = sys.argv[1:]
if args[:1] != ["api"]:
    sys.exit(f"fake gh: only `gh api` is recorded, not `gh {' '.join(args)}`")
method, path, paginate, body, i = "GET", None, False, None, 1
while i < len(args):
    arg = args[i]
    if arg == "--paginate":
        paginate = True
    elif arg == "--method":
        i += 1
        method = args[i]
    elif arg == "--input" and args[i + 1] == "-":
        i += 1
        body = json.loads(sys.stdin.read())
    elif arg.startswith("-") or path is not None:
        sys.exit(f"fake gh: unexpected argument `{arg}`")
    else:
        path = arg
    i += 1
with open(os.path.join(home, "requests.jsonl"), "a") as log:
    log.write(json.dumps({"method": method, "path": path, "paginate": paginate, "body": body}) + "\n")
with open(os.path.join(home, "answers.json")) as f:
    answer = json.load(f).get(f"{method} {path}")
if answer is None:
    sys.exit(f"fake gh: no recorded answer for {method} {path}")
if answer["status"] >= 400:
    print(json.dumps(answer["pages"][0]))
    sys.exit(f"gh: {answer['pages'][0]['message']} (HTTP {answer['status']})")
for page in answer["pages"] if paginate else answer["pages"][:1]:
    sys.stdout.write(json.dumps(page))
"#;

/// The listing of the issues with the label, open and closed, 100 a page.
const LIST: &str = "GET repos/o/r/issues?labels=drift&state=all&per_page=100";

/// The repository `o/r` as drift-issues.py sees it through the fake gh: its issues with
/// the label `drift` (what the listing answers, 100 a page), and the answers to the writes.
struct Tracker {
    dir: tempfile::TempDir,
    issues: Vec<serde_json::Value>,
    answers: serde_json::Map<String, serde_json::Value>,
}

/// One request the fake gh received.
#[derive(Debug)]
struct Request {
    call: String,
    paginate: bool,
    body: serde_json::Value,
}

/// What drift-issues.py did: its exit code and output, every request, the webhook's posts.
struct Handled {
    code: i32,
    output: String,
    requests: Vec<Request>,
    alerts: Vec<serde_json::Value>,
}

impl Handled {
    /// "METHOD path" of each request, in order.
    fn calls(&self) -> Vec<&str> {
        self.requests.iter().map(|r| r.call.as_str()).collect()
    }

    /// The JSON body of the one request `call`.
    fn sent(&self, call: &str) -> &serde_json::Value {
        let found: Vec<_> = self.requests.iter().filter(|r| r.call == call).collect();
        assert_eq!(found.len(), 1, "one `{call}` in {:?}", self.calls());
        &found[0].body
    }

    /// The `body` field of the one request `call` (an issue's or a comment's Markdown).
    fn text(&self, call: &str) -> &str {
        self.sent(call)["body"].as_str().unwrap_or_else(|| panic!("`{call}` sent a body"))
    }
}

fn github_issue(number: u64, title: &str, state: &str, body: &str) -> serde_json::Value {
    serde_json::json!({
        "id": 1000 + number,
        "number": number,
        "title": title,
        "state": state,
        "state_reason": if state == "closed" { serde_json::json!("completed") } else { serde_json::Value::Null },
        "body": body,
        "labels": [{"id": 7, "name": "drift", "color": "d93f0b", "default": false}],
        "user": {"login": "github-actions[bot]", "type": "Bot"},
        "html_url": format!("https://github.com/o/r/issues/{number}"),
        "created_at": "2026-11-20T05:20:00Z",
    })
}

impl Tracker {
    /// No issue yet; the label `drift` exists; a new issue gets number 101.
    fn new() -> Tracker {
        let mut this =
            Tracker { dir: tempfile::tempdir().expect("temp dir"), issues: Vec::new(), answers: Default::default() };
        executable(&this.dir.path().join("bin/gh"), FAKE_GH_API);
        this.answer(
            "GET repos/o/r/labels/drift",
            200,
            serde_json::json!({"id": 7, "name": "drift", "color": "d93f0b"}),
        );
        this.answer("POST repos/o/r/labels", 201, serde_json::json!({"id": 7, "name": "drift", "color": "d93f0b"}));
        this.answer("POST repos/o/r/issues", 201, github_issue(101, "(as sent)", "open", "(as sent)"));
        this
    }

    fn answer(&mut self, call: &str, status: u16, body: serde_json::Value) -> &mut Self {
        self.answers.insert(call.to_string(), serde_json::json!({"status": status, "pages": [body]}));
        self
    }

    /// An issue of the listing, with GitHub's answers to editing it and commenting on it.
    fn issue(&mut self, number: u64, title: &str, state: &str, body: &str) -> &mut Self {
        let issue = github_issue(number, title, state, body);
        self.answer(&format!("PATCH repos/o/r/issues/{number}"), 200, issue.clone());
        let comment = serde_json::json!({
            "id": 5000 + number,
            "html_url": format!("https://github.com/o/r/issues/{number}#issuecomment-{}", 5000 + number),
        });
        self.answer(&format!("POST repos/o/r/issues/{number}/comments"), 201, comment);
        self.issues.push(issue);
        self
    }

    /// drift-issues.py on `drift` (written as drift.json) with `args`, the fake gh first on
    /// PATH; `webhook`: DRIFT_WEBHOOK_URL.
    fn run(&self, drift: &serde_json::Value, args: &[&str], webhook: Option<&str>) -> Handled {
        let dir = self.dir.path();
        let pages: Vec<serde_json::Value> = match self.issues.is_empty() {
            true => vec![serde_json::json!([])],
            false => self.issues.chunks(100).map(|page| serde_json::Value::from(page.to_vec())).collect(),
        };
        let mut answers = self.answers.clone();
        answers.entry(LIST).or_insert_with(|| serde_json::json!({"status": 200, "pages": pages}));
        std::fs::write(dir.join("answers.json"), serde_json::Value::from(answers).to_string()).expect("answers");
        std::fs::write(dir.join("drift.json"), drift.to_string()).expect("drift.json");
        let _ = std::fs::remove_file(dir.join("requests.jsonl"));
        let path = format!("{}:{}", dir.join("bin").display(), std::env::var("PATH").unwrap_or_default());
        let mut command = Command::new("python3");
        command
            .arg(script("drift-issues.py"))
            .arg("--drift")
            .arg(dir.join("drift.json"))
            .args(args)
            .current_dir(dir)
            .env("PATH", path)
            .env("FAKE_GH_DIR", dir)
            .env("GITHUB_REPOSITORY", "o/r")
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_RUN_ID", "99")
            .env_remove("DRIFT_WEBHOOK_URL");
        if let Some(url) = webhook {
            command.env("DRIFT_WEBHOOK_URL", url);
        }
        let output = command.output().expect("python3 runs");
        let requests = std::fs::read_to_string(dir.join("requests.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|line| {
                let r: serde_json::Value = serde_json::from_str(line).expect("a logged request");
                Request {
                    call: format!("{} {}", r["method"].as_str().expect("method"), r["path"].as_str().expect("path")),
                    paginate: r["paginate"].as_bool().expect("paginate"),
                    body: r["body"].clone(),
                }
            })
            .collect();
        Handled {
            code: output.status.code().unwrap_or(-1),
            output: format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
                .replace(&dir.display().to_string(), "[TMP]"),
            requests,
            alerts: Vec::new(),
        }
    }
}

/// A webhook on 127.0.0.1 (a port the kernel picks), a python http.server subclass that
/// answers every POST with 200 and records its path, content type and JSON body; stopped
/// by its pid when dropped.
struct Webhook {
    child: std::process::Child,
    url: String,
    log: tempfile::NamedTempFile,
}

const WEBHOOK_SERVER: &str = r#"
import http.server, json, sys
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(sys.argv[1], "a") as log:
            log.write(json.dumps({"path": self.path, "type": self.headers.get("Content-Type"),
                                  "body": json.loads(body)}) + "\n")
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// The webhook's path holds its secret, as Slack's and Teams' URLs do.
const HOOK_SECRET: &str = "T0000/B0000/s3cr3t-hook-token";

impl Webhook {
    fn start() -> Webhook {
        use std::io::BufRead;
        let log = tempfile::NamedTempFile::new().expect("log");
        let mut child = Command::new("python3")
            .args(["-u", "-c", WEBHOOK_SERVER])
            .arg(log.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("the port");
        let port: u16 = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("the webhook did not say its port: {line:?}")
        });
        Webhook { child, url: format!("http://127.0.0.1:{port}/services/{HOOK_SECRET}"), log }
    }

    /// The POSTs so far: path, content type and body.
    fn received(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.log.path())
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a recorded post"))
            .collect()
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Tracker {
    /// `run` with the webhook: the alerts it received are in `Handled::alerts`, and the
    /// secret URL is never in the output.
    fn run_alerting(&self, drift: &serde_json::Value, args: &[&str]) -> Handled {
        let hook = Webhook::start();
        let mut handled = self.run(drift, args, Some(&hook.url));
        handled.alerts = hook.received();
        assert!(!handled.output.contains(HOOK_SECRET), "the webhook's URL was printed:\n{}", handled.output);
        for alert in &handled.alerts {
            assert_eq!(alert["path"], format!("/services/{HOOK_SECRET}"));
            assert_eq!(alert["type"], "application/json");
        }
        handled
    }
}

/// drift.json as `auto run detect_drift` writes it (auto.drift/v1), for environment `test`.
fn drift_report(generated: &str, roots: Vec<serde_json::Value>) -> serde_json::Value {
    let count = |status: &[&str]| roots.iter().filter(|r| status.contains(&r["status"].as_str().unwrap_or(""))).count();
    serde_json::json!({
        "format": "auto.drift/v1",
        "generated": generated,
        "environment": "test",
        "roots": roots.clone(),
        "groups": [],
        "summary": {
            "roots": roots.len(),
            "clean": count(&["clean"]),
            "drifted": count(&["drifted", "drifted_and_pending"]),
            "pending": count(&["pending", "drifted_and_pending"]),
            "failed": count(&["failed"]),
        },
    })
}

fn drift_root(root: &str, status: &str, drift: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"root": root, "status": status, "drift": drift, "pending": []})
}

/// The hive root's drift: the image and the replicas changed outside terraform, the config
/// map deleted; a value with a `|`, which a Markdown table must escape.
fn hive_drift() -> serde_json::Value {
    serde_json::json!([
        {"address": "terraform_data.hive", "type": "terraform_data", "action": "update", "attributes": [
            {"path": "input[\"image\"]", "before": "\"hive:4.0.1\"", "after": "\"hive:4.0.2\""},
            {"path": "input[\"replicas\"]", "before": "1", "after": "2"},
        ]},
        {"address": "kubernetes_config_map.hive", "type": "kubernetes_config_map", "action": "delete", "attributes": []},
        {"address": "terraform_data.args", "type": "terraform_data", "action": "update", "attributes": [
            {"path": "input[\"args\"]", "before": "\"a|b\"", "after": "\"a\""},
        ]},
    ])
}

const NEW_ISSUE: &str = "POST repos/o/r/issues";

/// The body of the issue drift-issues.py opens for `hive_drift()` on 2026-12-04: what
/// GitHub then holds, for the runs of the days after.
fn opened_body() -> String {
    let handled = Tracker::new().run(
        &drift_report("2026-12-04T05:20:00Z", vec![drift_root("test/demo/hive", "drifted", hive_drift())]),
        &[],
        None,
    );
    assert_eq!(handled.code, 0, "{}", handled.output);
    handled.text(NEW_ISSUE).to_string()
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// (a) New drift: the label is created (it was missing), one issue is opened with the
/// label, the title `Drift: <root>`, the marker and the table, and the webhook is told.
#[test]
fn new_drift_opens_one_issue_with_the_label_and_the_marker_and_alerts_the_webhook() {
    let mut tracker = Tracker::new();
    tracker.answer("GET repos/o/r/labels/drift", 404, serde_json::json!({"message": "Not Found", "status": "404"}));
    let mut pending = drift_root("test/demo/hive", "drifted_and_pending", hive_drift());
    pending["pending"] = serde_json::json!([{"address": "terraform_data.sidecar", "type": "terraform_data", "action": "create", "attributes": []}]);
    let drift =
        drift_report("2026-12-04T05:20:00Z", vec![pending, drift_root("test/trino", "clean", serde_json::json!([]))]);
    let handled = tracker.run_alerting(&drift, &[]);
    assert_eq!(handled.code, 0, "{}", handled.output);
    assert_eq!(
        handled.calls(),
        [LIST, "GET repos/o/r/labels/drift", "POST repos/o/r/labels", NEW_ISSUE],
        "the clean root without an issue needs none"
    );
    assert!(handled.requests[0].paginate, "the listing is paginated");
    assert_eq!(handled.sent("POST repos/o/r/labels")["name"], "drift");
    let sent = handled.sent(NEW_ISSUE);
    assert_eq!(sent["title"], "Drift: test/demo/hive");
    assert_eq!(sent["labels"], serde_json::json!(["drift"]));
    expect![[r#"
        <!-- auto-drift root=test/demo/hive first-seen=2026-12-04T05:20:00Z fingerprint=7aceb2d78d572f8c152860e541958c961f1ffaeea8fadc112b37983f3cf4efb4 -->
        <!-- auto-drift-entries [["kubernetes_config_map.hive\t","b13c9f7b5e7e"],["terraform_data.args\tinput[\"args\"]","2bc0082f10d9"],["terraform_data.hive\tinput[\"image\"]","65f5e4defecf"],["terraform_data.hive\tinput[\"replicas\"]","cc3f2a1ffd63"]] -->
        The terraform root `test/demo/hive` (`environments/test/demo/hive`) has drifted: its resources are not what its state says, they were changed outside terraform. _before_ is the state's value, _after_ the real one.

        Drift first seen: 2026-12-04T05:20:00Z
        Last seen: 2026-12-04T05:20:00Z ([run](https://github.com/o/r/actions/runs/99))

        ### 3 resources drifted

        | resource | action | attribute | before | after |
        |---|---|---|---|---|
        | `kubernetes_config_map.hive` | delete | — | — | — |
        | `terraform_data.args` | update | `input["args"]` | `"a\|b"` | `"a"` |
        | `terraform_data.hive` | update | `input["image"]` | `"hive:4.0.1"` | `"hive:4.0.2"` |
        | `terraform_data.hive` | update | `input["replicas"]` | `1` | `2` |

        Also pending, not drift (the code changed and was not applied yet): `terraform_data.sidecar`.

        ### What to do

        - **Put back what the code says**: apply the root, `auto run terraform_root --set env=test --set root=environments/test/demo/hive --set action=apply`, with the environment's rights;
        - **or keep the change**: change the code to match it, in a pull request.

        The daily drift workflow (`.github/workflows/drift.yml`) keeps this issue: it updates it while the drift stays, comments when the drift changes, and closes it once the root is clean again. Its first lines are its memory: leave them as they are.
    "#]].assert_eq(handled.text(NEW_ISSUE));
    expect![[r#"
        [
            Object {
                "body": Object {
                    "text": String("Drift in test/demo/hive (new): 3 resources drifted. https://github.com/o/r/issues/101"),
                },
                "path": String("/services/T0000/B0000/s3cr3t-hook-token"),
                "type": String("application/json"),
            },
        ]
    "#]].assert_debug_eq(&handled.alerts);
    assert!(
        handled.output.contains("test/demo/hive: opened https://github.com/o/r/issues/101: new drift\n"),
        "{}",
        handled.output
    );
    assert!(handled.output.contains("test/demo/hive: alerted the webhook\n"), "{}", handled.output);
}

/// The marker's fingerprint is the SHA-256 of the root's drift entries, sorted: for one
/// entry with one attribute, of exactly this JSON (keys sorted, no spaces).
#[test]
fn the_fingerprint_is_the_sha256_of_the_sorted_drift_entries() {
    let entry = serde_json::json!([{"address": "terraform_data.hive", "type": "terraform_data", "action": "update",
        "attributes": [{"path": "input[\"image\"]", "before": "\"a\"", "after": "\"b\""}]}]);
    let handled = Tracker::new().run(
        &drift_report("2026-12-04T19:00:00Z", vec![drift_root("test/demo/hive", "drifted", entry)]),
        &[],
        None,
    );
    assert_eq!(handled.code, 0, "{}", handled.output);
    let canonical = r#"[{"action":"update","address":"terraform_data.hive","attributes":[{"after":"\"b\"","before":"\"a\"","path":"input[\"image\"]"}],"type":"terraform_data"}]"#;
    let marker = format!(
        "<!-- auto-drift root=test/demo/hive first-seen=2026-12-04T19:00:00Z fingerprint={} -->\n",
        sha256_hex(canonical)
    );
    assert!(handled.text(NEW_ISSUE).starts_with(&marker), "{}", handled.text(NEW_ISSUE));
}

/// `hive_drift()` reported in another order (resources and attributes) is the same drift.
fn hive_drift_reordered() -> serde_json::Value {
    let mut drift = hive_drift();
    let entries = drift.as_array_mut().expect("entries");
    entries.reverse();
    let attributes = entries[2]["attributes"].as_array_mut().expect("attributes");
    attributes.reverse();
    drift
}

/// (b) The same drift the next day: the body is edited (first seen kept, last seen moved
/// on), no comment, no alert, no second issue.
#[test]
fn the_same_drift_again_edits_the_body_without_a_comment_an_alert_or_a_new_issue() {
    let opened = opened_body();
    let mut tracker = Tracker::new();
    tracker.issue(101, "Drift: test/demo/hive", "open", &opened);
    let drift =
        drift_report("2026-12-05T05:20:00Z", vec![drift_root("test/demo/hive", "drifted", hive_drift_reordered())]);
    let handled = tracker.run_alerting(&drift, &[]);
    assert_eq!(handled.code, 0, "{}", handled.output);
    assert_eq!(handled.calls(), [LIST, "PATCH repos/o/r/issues/101"]);
    assert_eq!(handled.sent("PATCH repos/o/r/issues/101").as_object().map(|o| o.len()), Some(1), "only the body");
    let edited = handled.text("PATCH repos/o/r/issues/101");
    assert_eq!(
        edited,
        opened.replace("Last seen: 2026-12-04T05:20:00Z", "Last seen: 2026-12-05T05:20:00Z"),
        "the same marker (first seen, fingerprint) and table; only the last seen moved on"
    );
    assert!(handled.alerts.is_empty(), "{:?}", handled.alerts);
    assert_eq!(handled.output, "test/demo/hive: updated #101 (the same drift)\n");
}

/// (c) The drift changed: the body is edited, a comment says what changed, and the
/// webhook is told.
#[test]
fn changed_drift_edits_the_body_comments_what_changed_and_alerts() {
    let opened = opened_body();
    let mut tracker = Tracker::new();
    tracker.issue(101, "Drift: test/demo/hive", "open", &opened);
    let mut drift = hive_drift();
    // The image moved on again, the args are back as the code says, a label was added.
    drift[0]["attributes"][0]["after"] = serde_json::json!("\"hive:4.0.3\"");
    drift[0]["attributes"].as_array_mut().expect("attributes").push(serde_json::json!(
        {"path": "input[\"labels\"][\"team\"]", "before": null, "after": "\"data\""}
    ));
    drift.as_array_mut().expect("entries").remove(2);
    let report = drift_report("2026-12-05T05:20:00Z", vec![drift_root("test/demo/hive", "drifted", drift)]);
    let handled = tracker.run_alerting(&report, &[]);
    assert_eq!(handled.code, 0, "{}", handled.output);
    assert_eq!(handled.calls(), [LIST, "PATCH repos/o/r/issues/101", "POST repos/o/r/issues/101/comments"]);
    let edited = handled.text("PATCH repos/o/r/issues/101");
    assert!(edited.contains("first-seen=2026-12-04T05:20:00Z"), "first seen is kept: {edited}");
    assert!(edited.contains("\nDrift first seen: 2026-12-04T05:20:00Z\nLast seen: 2026-12-05T05:20:00Z"), "{edited}");
    assert!(
        edited
            .contains("| `terraform_data.hive` | update | `input[\"image\"]` | `\"hive:4.0.1\"` | `\"hive:4.0.3\"` |"),
        "{edited}"
    );
    assert!(!edited.contains("terraform_data.args"), "{edited}");
    let fingerprint = |body: &str| body.split("fingerprint=").nth(1).map(|rest| rest[..64].to_string());
    assert_ne!(fingerprint(edited), fingerprint(&opened));
    expect![[r#"
        The drift changed as of 2026-12-05T05:20:00Z: 2 resources drifted now.

        - changed: `terraform_data.hive` `input["image"]`: now `"hive:4.0.1"` → `"hive:4.0.3"`
        - new: `terraform_data.hive` `input["labels"]["team"]`: — → `"data"`
        - no longer drifting: `terraform_data.args` `input["args"]`

        The description shows the drift as it is now.
    "#]]
    .assert_eq(handled.text("POST repos/o/r/issues/101/comments"));
    expect![[r#"
        [
            Object {
                "body": Object {
                    "text": String("Drift in test/demo/hive (changed): 2 resources drifted. https://github.com/o/r/issues/101"),
                },
                "path": String("/services/T0000/B0000/s3cr3t-hook-token"),
                "type": String("application/json"),
            },
        ]
    "#]].assert_debug_eq(&handled.alerts);
}

/// (d) Clean again (or only pending): a comment with the dates, then the issue is closed.
#[test]
fn a_clean_root_gets_a_comment_and_its_issue_closed() {
    let opened = opened_body().replace("Last seen: 2026-12-04T05:20:00Z", "Last seen: 2026-12-09T05:20:00Z");
    let mut tracker = Tracker::new();
    tracker.issue(101, "Drift: test/demo/hive", "open", &opened);
    tracker.issue(102, "Drift: test/trino", "open", &opened.replace("test/demo/hive", "test/trino"));
    let mut pending = drift_root("test/trino", "pending", serde_json::json!([]));
    pending["pending"] = serde_json::json!([{"address": "terraform_data.catalog", "type": "terraform_data", "action": "create", "attributes": []}]);
    let report = drift_report(
        "2026-12-10T05:20:00Z",
        vec![drift_root("test/demo/hive", "clean", serde_json::json!([])), pending],
    );
    let handled = tracker.run_alerting(&report, &[]);
    assert_eq!(handled.code, 0, "{}", handled.output);
    assert_eq!(
        handled.calls(),
        [
            LIST,
            "POST repos/o/r/issues/101/comments",
            "PATCH repos/o/r/issues/101",
            "POST repos/o/r/issues/102/comments",
            "PATCH repos/o/r/issues/102",
        ]
    );
    assert_eq!(
        handled.text("POST repos/o/r/issues/101/comments"),
        "The root is clean again as of 2026-12-10T05:20:00Z (drift from 2026-12-04T05:20:00Z to 2026-12-09T05:20:00Z).\n"
    );
    assert_eq!(
        handled.sent("PATCH repos/o/r/issues/101"),
        &serde_json::json!({"state": "closed", "state_reason": "completed"})
    );
    assert_eq!(
        handled.text("POST repos/o/r/issues/102/comments"),
        "The root is clean again as of 2026-12-10T05:20:00Z (drift from 2026-12-04T05:20:00Z to 2026-12-09T05:20:00Z).\n\nIt has changes pending (the code changed and was not applied yet): that is not drift.\n"
    );
    assert_eq!(
        handled.sent("PATCH repos/o/r/issues/102"),
        &serde_json::json!({"state": "closed", "state_reason": "completed"})
    );
    assert!(handled.alerts.is_empty(), "{:?}", handled.alerts);
}

/// (e) Drift back after the issue was closed: that issue is reopened (no second one), with
/// a comment, and the webhook is told.
#[test]
fn drift_back_after_a_close_reopens_the_issue_instead_of_opening_another() {
    let opened = opened_body();
    let mut tracker = Tracker::new();
    tracker.issue(101, "Drift: test/demo/hive", "closed", &opened);
    // Someone's issue with another title, and a pull request titled like the issue (the
    // issues API lists pull requests too): neither is the root's issue.
    tracker.issue(90, "Drift: test/demo/hive is back?", "open", "a question");
    let mut pull = github_issue(95, "Drift: test/demo/hive", "open", "a pull request");
    pull["pull_request"] = serde_json::json!({"url": "https://api.github.com/repos/o/r/pulls/95"});
    tracker.issues.push(pull);
    let report = drift_report("2026-12-20T05:20:00Z", vec![drift_root("test/demo/hive", "drifted", hive_drift())]);
    let handled = tracker.run_alerting(&report, &[]);
    assert_eq!(handled.code, 0, "{}", handled.output);
    assert_eq!(handled.calls(), [LIST, "PATCH repos/o/r/issues/101", "POST repos/o/r/issues/101/comments"]);
    let reopened = handled.sent("PATCH repos/o/r/issues/101");
    assert_eq!(reopened["state"], "open");
    let body = reopened["body"].as_str().expect("a body");
    assert!(
        body.contains("first-seen=2026-12-20T05:20:00Z") && body.contains("\nDrift first seen: 2026-12-20T05:20:00Z\n"),
        "a new spell of drift: {body}"
    );
    assert_eq!(
        handled.text("POST repos/o/r/issues/101/comments"),
        "Drift is back as of 2026-12-20T05:20:00Z: 3 resources drifted (the description shows what). This issue was closed when the root was clean.\n"
    );
    expect![[r#"
        [
            Object {
                "body": Object {
                    "text": String("Drift in test/demo/hive (back): 3 resources drifted. https://github.com/o/r/issues/101"),
                },
                "path": String("/services/T0000/B0000/s3cr3t-hook-token"),
                "type": String("application/json"),
            },
        ]
    "#]].assert_debug_eq(&handled.alerts);
}

/// (f) A root that could not be planned, and the issues of another environment: untouched.
#[test]
fn a_failed_root_and_another_environments_issues_are_left_untouched() {
    let opened = opened_body();
    let mut tracker = Tracker::new();
    tracker.issue(101, "Drift: test/demo/hive", "open", &opened);
    tracker.issue(201, "Drift: dev/demo/hive", "open", &opened.replace("test/", "dev/"));
    tracker.issue(202, "Drift: dev/trino", "closed", &opened.replace("test/", "dev/"));
    // A root drift.json no longer has (offboarded?): not closed by a guess.
    tracker.issue(103, "Drift: test/gone/hive", "open", &opened.replace("test/demo/hive", "test/gone/hive"));
    let mut failed = drift_root("test/demo/hive", "failed", serde_json::json!([]));
    failed["error"] = serde_json::json!("Error acquiring the state lock:\n  state blob is already locked");
    // The run of `test` also says dev's roots are clean, as a broken drift.json could:
    // roots of another environment are never this run's to judge.
    let report = drift_report(
        "2026-12-05T05:20:00Z",
        vec![
            failed,
            drift_root("dev/demo/hive", "clean", serde_json::json!([])),
            drift_root("dev/trino", "drifted", hive_drift()),
        ],
    );
    let handled = tracker.run_alerting(&report, &[]);
    assert_eq!(handled.code, 0, "{}", handled.output);
    assert_eq!(handled.calls(), [LIST], "nothing but the listing");
    assert!(handled.alerts.is_empty(), "{:?}", handled.alerts);
    expect![[r#"
        ::warning title=drift test/demo/hive::could not be planned (Error acquiring the state lock: state blob is already locked): its drift issue (#101) is left as it is
        ::warning title=drift dev/demo/hive::not a root of environment test: left out
        ::warning title=drift dev/trino::not a root of environment test: left out
        ::warning title=drift test/gone/hive::#103 is open, and drift.json has no such root: left as it is (close it by hand if the root is gone)
    "#]].assert_eq(&handled.output);
}

/// (g) --dry-run reads the issues, says what it would do, and changes nothing: no write
/// to GitHub, no alert.
#[test]
fn a_dry_run_says_what_it_would_do_and_changes_nothing() {
    let opened = opened_body();
    let mut tracker = Tracker::new();
    tracker.answer("GET repos/o/r/labels/drift", 404, serde_json::json!({"message": "Not Found", "status": "404"}));
    tracker.issue(101, "Drift: test/demo/hive", "open", &opened);
    tracker.issue(102, "Drift: test/trino", "open", &opened.replace("test/demo/hive", "test/trino"));
    tracker.issue(103, "Drift: test/infra", "closed", &opened.replace("test/demo/hive", "test/infra"));
    let mut changed = hive_drift();
    changed[0]["attributes"][1]["after"] = serde_json::json!("3");
    let report = drift_report(
        "2026-12-05T05:20:00Z",
        vec![
            drift_root("test/demo/hive", "drifted", changed),
            drift_root("test/trino", "clean", serde_json::json!([])),
            drift_root("test/infra", "drifted", hive_drift()),
            drift_root("test/acme/hive", "drifted", hive_drift()),
        ],
    );
    let handled = tracker.run_alerting(&report, &["--dry-run"]);
    assert_eq!(handled.code, 0, "{}", handled.output);
    assert_eq!(handled.calls(), [LIST, "GET repos/o/r/labels/drift"], "reads only");
    assert!(handled.alerts.is_empty(), "{:?}", handled.alerts);
    expect![[r#"
        dry-run: test/demo/hive: would update #101 and comment: the drift changed
        dry-run: test/demo/hive: would alert the webhook: Drift in test/demo/hive (changed): 3 resources drifted. https://github.com/o/r/issues/101
        dry-run: test/trino: would close #102: the root is clean
        dry-run: test/infra: would reopen #103: drift is back
        dry-run: test/infra: would alert the webhook: Drift in test/infra (back): 3 resources drifted. https://github.com/o/r/issues/103
        dry-run: test/acme/hive: would create the label `drift`
        dry-run: test/acme/hive: would open an issue `Drift: test/acme/hive`: new drift
        dry-run: test/acme/hive: would alert the webhook: Drift in test/acme/hive (new): 3 resources drifted. (the new issue `Drift: test/acme/hive`)
    "#]].assert_eq(&handled.output);
}

/// More than 100 issues: the root's issue is on the listing's second page, and it is the
/// one updated (no duplicate opened).
#[test]
fn an_issue_on_the_second_page_of_the_listing_is_found() {
    let opened = opened_body();
    let mut tracker = Tracker::new();
    for n in 1..=120 {
        tracker.issue(n, &format!("Drift: test/c{n}/hive"), "closed", "old");
    }
    tracker.issue(150, "Drift: test/demo/hive", "open", &opened);
    let report = drift_report("2026-12-05T05:20:00Z", vec![drift_root("test/demo/hive", "drifted", hive_drift())]);
    let handled = tracker.run(&report, &[], None);
    assert_eq!(handled.code, 0, "{}", handled.output);
    assert_eq!(handled.calls(), [LIST, "PATCH repos/o/r/issues/150"]);
}

/// gh failing is a failure: exit 1 and a message naming the call and what gh said; the
/// other roots are still handled.
#[test]
fn a_failing_gh_call_fails_the_run_with_a_message_naming_it() {
    let opened = opened_body();
    let mut tracker = Tracker::new();
    tracker.issue(101, "Drift: test/demo/hive", "open", &opened);
    tracker.issue(102, "Drift: test/trino", "open", &opened.replace("test/demo/hive", "test/trino"));
    tracker.answer(
        "PATCH repos/o/r/issues/101",
        403,
        serde_json::json!({"message": "Resource not accessible by integration", "status": "403"}),
    );
    let report = drift_report(
        "2026-12-05T05:20:00Z",
        vec![
            drift_root("test/demo/hive", "drifted", hive_drift()),
            drift_root("test/trino", "clean", serde_json::json!([])),
        ],
    );
    let handled = tracker.run(&report, &[], None);
    assert_eq!(handled.code, 1, "{}", handled.output);
    assert_eq!(
        handled.calls(),
        [LIST, "PATCH repos/o/r/issues/101", "POST repos/o/r/issues/102/comments", "PATCH repos/o/r/issues/102"]
    );
    expect![[r#"
        test/trino: closed #102: the root is clean
        drift-issues.py: error: test/demo/hive: `gh api --method PATCH repos/o/r/issues/101 --input -` failed (exit 1): gh: Resource not accessible by integration (HTTP 403)
        drift-issues.py: error: the issues of test/demo/hive could not be updated (see above)
    "#]].assert_eq(&handled.output);

    // The listing itself fails: nothing else is tried.
    let mut tracker = Tracker::new();
    tracker.answer(LIST, 401, serde_json::json!({"message": "Bad credentials", "status": "401"}));
    let handled = tracker.run(&report, &[], None);
    assert_eq!(handled.code, 1, "{}", handled.output);
    assert_eq!(handled.calls(), [LIST]);
    expect![[r#"
        drift-issues.py: error: `gh api --paginate 'repos/o/r/issues?labels=drift&state=all&per_page=100'` failed (exit 1): gh: Bad credentials (HTTP 401)
    "#]].assert_eq(&handled.output);
}

/// A webhook that cannot be reached is a warning, not a failure: the issue is opened, the
/// run exits 0, and the URL (a secret) is not printed.
#[test]
fn an_unreachable_webhook_is_a_warning_and_its_url_is_never_printed() {
    // A port that was just free: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("address").port();
    let url = format!("http://127.0.0.1:{port}/services/{HOOK_SECRET}");
    let report = drift_report("2026-12-04T05:20:00Z", vec![drift_root("test/demo/hive", "drifted", hive_drift())]);
    let handled = Tracker::new().run(&report, &[], Some(&url));
    assert_eq!(handled.code, 0, "{}", handled.output);
    assert_eq!(handled.calls(), [LIST, "GET repos/o/r/labels/drift", NEW_ISSUE]);
    assert!(!handled.output.contains(HOOK_SECRET) && !handled.output.contains(&port.to_string()), "{}", handled.output);
    expect![[r#"
        test/demo/hive: opened https://github.com/o/r/issues/101: new drift
        ::warning title=drift test/demo/hive::the webhook could not be reached ([Errno 111] Connection refused): the issue is https://github.com/o/r/issues/101
    "#]].assert_eq(&handled.output);
}

/// drift.json that is not auto.drift/v1, or a root with an unknown status: exit 2 before
/// any call to GitHub.
#[test]
fn a_drift_json_that_is_not_auto_drift_v1_is_refused_before_any_call() {
    let tracker = Tracker::new();
    let mut report = drift_report("2026-12-04T05:20:00Z", vec![drift_root("test/demo/hive", "drifted", hive_drift())]);
    report["format"] = serde_json::json!("auto.drift/v0");
    let old = tracker.run(&report, &[], None);
    assert_eq!(old.code, 2, "{}", old.output);
    assert_eq!(old.calls(), Vec::<&str>::new());
    let report = drift_report("2026-12-04T05:20:00Z", vec![drift_root("test/demo/hive", "drifting", hive_drift())]);
    let unknown = tracker.run(&report, &[], None);
    assert_eq!(unknown.code, 2, "{}", unknown.output);
    assert_eq!(unknown.calls(), Vec::<&str>::new());
    let output = Command::new("python3")
        .arg(script("drift-issues.py"))
        .args(["--drift", "/nonexistent/drift.json"])
        .env("GITHUB_REPOSITORY", "o/r")
        .output()
        .expect("python3 runs");
    assert_eq!(output.status.code(), Some(2));
    expect![[r#"
        drift-issues.py: error: [TMP]/drift.json is not auto.drift/v1 (format: "auto.drift/v0")
        drift-issues.py: error: [TMP]/drift.json: root test/demo/hive has status "drifting", not one of clean, drifted, pending, drifted_and_pending, failed
        drift-issues.py: error: cannot read /nonexistent/drift.json: No such file or directory
    "#]].assert_eq(&format!("{}{}{}", old.output, unknown.output, String::from_utf8_lossy(&output.stderr)));
}

/// drift.yml offers and schedules the real environments (every one but `test`), and each
/// job has only the permissions it needs.
#[test]
fn the_drift_workflow_checks_every_real_environment_with_the_least_permissions() {
    let text = std::fs::read_to_string(workspace_file(".github/workflows/drift.yml")).expect("drift.yml");
    let workflow: serde_json::Value = serde_yaml_ng::from_str(&text).expect("YAML");
    let mut real: Vec<String> = std::fs::read_dir(workspace_file("environments"))
        .expect("environments")
        .flatten()
        .filter(|e| e.path().join("env.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "test")
        .collect();
    real.sort();
    let options: Vec<String> = workflow["on"]["workflow_dispatch"]["inputs"]["env"]["options"]
        .as_array()
        .expect("env has options")
        .iter()
        .map(|o| o.as_str().expect("a string").to_string())
        .collect();
    assert_eq!(options[0], "all");
    assert_eq!(options[1..], real[..], "the choices are the environments but test");
    let scheduled = format!("'[{}]'", real.iter().map(|e| format!("\"{e}\"")).collect::<Vec<_>>().join(","));
    for job in ["detect", "issues"] {
        let matrix = workflow["jobs"][job]["strategy"]["matrix"]["env"].as_str().expect("a matrix expression");
        assert!(matrix.contains(&scheduled), "{job}'s matrix {matrix} is not {scheduled} when scheduled");
    }
    assert!(workflow["on"]["schedule"][0]["cron"].is_string());
    assert_eq!(workflow["permissions"], serde_json::json!({"contents": "read"}));
    assert_eq!(workflow["jobs"]["detect"]["permissions"], serde_json::json!({"contents": "read", "id-token": "write"}));
    assert_eq!(workflow["jobs"]["issues"]["permissions"], serde_json::json!({"contents": "read", "issues": "write"}));
    for job in ["detect", "issues"] {
        assert_eq!(workflow["jobs"][job]["concurrency"]["cancel-in-progress"], false, "{job}");
    }
    assert!(text.contains("auto run detect_drift --set \"env=${ENV_NAME}\" --set out=drift-out"), "{text}");
    assert!(text.contains("python3 .github/scripts/drift-issues.py --drift drift-in/drift.json"), "{text}");
}

/// docs/guide/drift.md shows an issue's description and its alert: they are what
/// drift-issues.py writes for that drift (the guide's repository `acme/analytics` is `o/r`
/// here).
#[test]
fn the_drift_guides_example_issue_and_alert_are_what_the_script_writes() {
    let guide = std::fs::read_to_string(workspace_file("docs/guide/drift.md")).expect("drift.md");
    let guide = guide.replace("acme/analytics", "o/r");
    let block = |starts: &str| -> String {
        let at = guide.find(&format!("```text\n{starts}")).unwrap_or_else(|| panic!("a text block starting {starts}"));
        let text = &guide[at + "```text\n".len()..];
        text[..text.find("```\n").expect("the block's end")].to_string()
    };
    let deployment = serde_json::json!([{
        "address": "module.stack.kubernetes_deployment.hive", "type": "kubernetes_deployment", "action": "update",
        "attributes": [
            {"path": "spec[0].replicas", "before": "\"1\"", "after": "\"3\""},
            {"path": "spec[0].template[0].spec[0].container[0].image",
             "before": "\"acranldev.azurecr.io/hive:4.0.1-3f2a\"", "after": "\"acranldev.azurecr.io/hive:4.0.1-debug\""},
        ],
    }]);
    let mut report = drift_report("2026-12-04T05:21:37Z", vec![drift_root("dev/demo/hive", "drifted", deployment)]);
    report["environment"] = serde_json::json!("dev");
    let mut tracker = Tracker::new();
    tracker.answer(NEW_ISSUE, 201, github_issue(42, "Drift: dev/demo/hive", "open", "(as sent)"));
    let handled = tracker.run_alerting(&report, &[]);
    assert_eq!(handled.code, 0, "{}", handled.output);
    let body = handled.text(NEW_ISSUE).replace("/actions/runs/99)", "/actions/runs/12345678)");
    assert_eq!(body, block("<!-- auto-drift root=dev/demo/hive"));
    assert_eq!(
        format!("{}\n", handled.alerts[0]["body"]["text"].as_str().expect("text")),
        block("Drift in dev/demo/hive")
    );
}
