//! The scripts the workflows run (.github/scripts), run here with bash and jq.
//!
//! - plan-comment.sh: GitHub's API cannot exist here, so `gh` is a FAKE on PATH that logs
//!   its arguments, answers the listing of comments with canned JSON and keeps the body it
//!   was sent. Everything else (bash, jq, awk) is real.
//! - terraform-plan.sh: with the real `auto` on a root of environment `test` (null
//!   provider); a broken events file can only come from a FAKE `auto`.
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
    assert_eq!(job.read("output"), "artifact=plan-test_demo_infra\nchanges=true\n");
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
