//! The documentation stays true:
//!
//! - docs/script-api.md and docs/auto.d.rhai are what `auto docs` generates from the
//!   engine (`auto docs --check` against the workspace), every function the engine
//!   exposes has exactly one doc entry in the Markdown beside its binding
//!   (engine/src/script/bindings/*.md), and every option table matches its option struct;
//! - the commands the README and the guides show run, in order, in a copy of the
//!   repository's scripts/, templates/ and environments/.
//!
//! How commands are found in markdown (the convention guide writers follow):
//!
//! - Every line of a ```` ```sh ```` block is a command (`\` continues a line; `#` lines are
//!   comments). It runs with `bash -c` in the copy, `auto` being the binary under test.
//!   Other fences (`console`, `text`, `bash`, `yaml`, …) are never run.
//! - `cargo run --release -p auto -- ` is run as `auto `.
//! - A trailing `# not run in tests: <reason>` skips a command (what needs Azure, a
//!   cluster, cargo or a git history). Nothing else skips one.
//! - A trailing `# exits N` (e.g. `# exits 3: changes pending`) expects exit code N;
//!   every other command must exit 0.
//! - `<run-id>` is replaced by the newest run under `.auto/runs`.
//! - A ```` ```rhai file=scripts/x.rhai ```` block is written to that file when reached.
//!
//! Commands run with the pinned terraform 1.0.3 and its null-provider mirror
//! (`.tools/`, `TF_CLI_CONFIG_FILE`) first on PATH, and with `KUBECONFIG` pointing at an
//! empty file: the `test` environment has no cluster, so kubectl fails the way it does for
//! a reader without one — which is what the tutorial's resume section relies on (it then
//! puts its own stand-in kubectl on PATH).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::{normalise, pinned_tools, TestRepo};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

#[test]
fn generated_api_docs_are_up_to_date() {
    #[allow(clippy::disallowed_methods)] // the binary under test
    let output = Command::new(env!("CARGO_BIN_EXE_auto"))
        .args(["docs", "--check"])
        .current_dir(workspace())
        .env_remove("AUTO_REPO")
        .output()
        .expect("auto runs");
    assert!(
        output.status.success(),
        "`auto docs --check` failed (run `auto docs` and commit the result):\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_engine_function_has_exactly_one_doc_entry() {
    let engine = auto::commands::docs::engine(&auto::repo::Repo::at(workspace()).expect("repository"));
    let problems = auto::script::reference::problems(&engine, &auto::script::bindings::reference());
    assert!(problems.is_empty(), "the doc table and the engine disagree:\n  - {}", problems.join("\n  - "));
}

/// The struct a function's option table is generated from (engine/src/script/bindings/mod.rs)
/// is the one its binding deserialises: called with an unknown key, every function taking
/// options names exactly the table's keys as the ones there are.
#[test]
fn each_option_table_is_the_struct_its_binding_reads() {
    let engine = auto::commands::docs::engine(&auto::repo::Repo::at(workspace()).expect("repository"));
    let sections = auto::script::bindings::reference();
    let mut wrong = Vec::new();
    let mut checked = 0;
    // serde's wording: "expected `a`", "expected `a` or `b`", "expected one of `a`, `b`, `c`".
    let list = regex::Regex::new(r"^(?:one of )?`[^`]+`(?:(?:, | or )`[^`]+`)*").expect("regex");
    let key = regex::Regex::new(r"`([^`]+)`").expect("regex");
    for f in sections.iter().flat_map(|s| &s.functions) {
        let Some(options) = &f.options else { continue };
        let Some(sig) = f
            .signatures
            .iter()
            .filter_map(|s| auto::script::reference::api::Signature::parse(s).ok())
            .find(|s| s.options_index().is_some())
        else {
            continue;
        };
        let args: Vec<&str> = sig
            .params
            .iter()
            .map(|(name, ty)| match (name.as_str(), ty.as_str()) {
                ("options", _) => "#{ not_an_option: 1 }",
                ("env", _) => "\"dev\"",
                (_, "string") => "\"environments/dev\"",
                (_, "Fn") => "|| ()",
                (_, "array") => "[\"x\"]",
                (_, "map") => "#{}",
                _ => "[]",
            })
            .collect();
        let call = format!("{}({})", f.name, args.join(", "));
        let result = match f.name.as_str() {
            // Evaluated only among a script's leading declarations: ask the parser directly.
            "param" => {
                let options = auto::runtime::data::Data::Map(
                    [("not_an_option".to_string(), auto::runtime::data::Data::Int(1))].into(),
                );
                auto::script::params::ParamSpec::declare("x", &options).map(|_| ()).map_err(|e| e.into())
            }
            _ => engine.eval::<rhai::Dynamic>(&call).map(|_| ()),
        };
        let error = match result.map_err(|e| *e) {
            Ok(_) => "no error".to_string(),
            Err(rhai::EvalAltResult::ErrorRuntime(value, _)) if value.is::<auto::script::ScriptError>() => {
                value.cast::<auto::script::ScriptError>().message
            }
            Err(e) => e.to_string(),
        };
        let listed: Option<Vec<&str>> =
            error.split_once("unknown field `not_an_option`, expected ").and_then(|(_, rest)| {
                list.find(rest)
                    .map(|m| key.captures_iter(m.as_str()).map(|c| c.get(1).expect("key").as_str()).collect())
            });
        let keys: Vec<&str> = options.key_names();
        match listed {
            Some(listed) if listed == keys => checked += 1,
            Some(listed) => wrong.push(format!("{}: the binding reads {listed:?}, the table shows {keys:?}", f.name)),
            None => wrong.push(format!("{}: `{call}` did not reject the unknown key: {error}", f.name)),
        }
    }
    assert!(wrong.is_empty(), "option tables that are not their binding's struct:\n  {}", wrong.join("\n  "));
    assert!(checked >= 25, "only {checked} functions with options were checked");
}

#[test]
fn docs_check_names_the_stale_files_and_auto_docs_fixes_them() {
    let repo = TestRepo::new();
    let missing = repo.run(&["docs", "--check"]);
    expect_test::expect![[r#"
        exit 1
        --- stdout
        --- stderr
        error: `docs/script-api.md` is missing, `docs/auto.d.rhai` is missing: the script API changed since they were generated; run `auto docs` and commit the result
    "#]]
    .assert_eq(&missing.transcript());

    let generated = repo.run(&["docs"]);
    expect_test::expect![[r#"
        exit 0
        --- stdout
        created docs/script-api.md
        created docs/auto.d.rhai
        --- stderr
    "#]]
    .assert_eq(&generated.transcript());
    assert_eq!(
        std::fs::read_to_string(repo.path().join("docs/script-api.md")).expect("generated"),
        std::fs::read_to_string(workspace().join("docs/script-api.md")).expect("committed"),
        "the reference does not depend on the repository it is generated in"
    );

    repo.write("docs/auto.d.rhai", "module static;\n");
    let stale = repo.run(&["docs", "--check"]);
    expect_test::expect![[r#"
        exit 1
        --- stdout
        --- stderr
        error: `docs/auto.d.rhai` is out of date: the script API changed since they were generated; run `auto docs` and commit the result
    "#]]
    .assert_eq(&stale.transcript());
    assert_eq!(repo.run(&["docs"]).stdout, "unchanged docs/script-api.md\nupdated docs/auto.d.rhai\n");
    assert_eq!(repo.run(&["docs", "--check"]).code, 0);
}

// ----- commands in markdown -----

#[derive(Debug)]
enum Block {
    /// One command of a ```sh block, with its line number.
    Command { line: usize, text: String },
    /// A ```rhai file=<path> block.
    File { path: String, content: String },
}

/// The commands and files of a markdown document, in order.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((_, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else { continue };
        let info = info.trim();
        let body: Vec<(usize, &str)> = lines.by_ref().take_while(|(_, l)| l.trim_start() != "```").collect();
        if let Some(path) = info.strip_prefix("rhai file=") {
            let content = body.iter().map(|(_, l)| format!("{l}\n")).collect();
            out.push(Block::File { path: path.trim().to_string(), content });
        } else if info == "sh" {
            let mut pending: Option<(usize, String)> = None;
            for (index, text) in body {
                let (start, mut joined) = pending.take().unwrap_or((index + 1, String::new()));
                joined.push_str(text.trim());
                if let Some(stripped) = joined.strip_suffix('\\') {
                    pending = Some((start, format!("{} ", stripped.trim_end())));
                } else if !joined.is_empty() && !joined.starts_with('#') {
                    out.push(Block::Command { line: start, text: joined });
                }
            }
        }
    }
    out
}

/// What the trailing comment of a command asks for.
#[derive(Debug, PartialEq)]
enum Expect {
    Exit(i32),
    NotRun(String),
}

fn split_comment(command: &str) -> (String, Expect) {
    let (command, comment) = match command.find(" # ") {
        Some(i) => (command[..i].trim_end(), command[i + 3..].trim()),
        None => (command, ""),
    };
    let expect = if let Some(reason) = comment.strip_prefix("not run in tests:") {
        assert!(!reason.trim().is_empty(), "`# not run in tests:` needs a reason: {command}");
        Expect::NotRun(reason.trim().to_string())
    } else if let Some(code) = comment.strip_prefix("exits ") {
        let digits: String = code.chars().take_while(char::is_ascii_digit).collect();
        Expect::Exit(digits.parse().unwrap_or_else(|_| panic!("`# exits N` needs a number: {command}")))
    } else {
        Expect::Exit(0)
    };
    let command = command.replace("cargo run --release -p auto -- ", "auto ");
    (command, expect)
}

/// A copy of the repository's scripts, templates and environments, with `auto` on PATH.
struct Sandbox {
    repo: TestRepo,
    path: String,
    terraform_config: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let repo = TestRepo { dir: tempfile::tempdir().expect("temp dir") };
        for folder in ["scripts", "templates", "environments"] {
            support::copy_from_workspace(&repo, folder);
        }
        let bin = repo.path().join(".docs-test-bin");
        std::fs::create_dir_all(&bin).expect("bin dir");
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_auto"), bin.join("auto")).expect("auto on PATH");
        std::fs::write(repo.path().join(".docs-test-bin/kubeconfig"), "").expect("empty kubeconfig");
        let (tools, terraform_config) = pinned_tools();
        let path = format!("{}:{}:{}", bin.display(), tools.display(), std::env::var("PATH").unwrap_or_default());
        Sandbox { repo, path, terraform_config }
    }

    fn newest_run(&self) -> Option<String> {
        support::run_ids(&self.repo).pop()
    }

    /// Runs every command and writes every file of `doc`, in order; returns what was skipped.
    fn follow(&self, doc: &str) -> Vec<String> {
        let markdown = std::fs::read_to_string(workspace().join(doc)).expect("doc");
        let mut skipped = Vec::new();
        for block in blocks(&markdown) {
            match block {
                Block::File { path, content } => {
                    self.repo.write(&path, &content);
                }
                Block::Command { line, text } => {
                    let (command, expect) = split_comment(&text);
                    match expect {
                        Expect::NotRun(reason) => skipped.push(format!("{doc}:{line}: {command} ({reason})")),
                        Expect::Exit(code) => self.check(&format!("{doc}:{line}"), &command, code),
                    }
                }
            };
        }
        skipped
    }

    fn check(&self, at: &str, command: &str, expected: i32) {
        let command = match command.contains("<run-id>") {
            true => command.replace(
                "<run-id>",
                &self.newest_run().unwrap_or_else(|| panic!("{at}: `{command}` needs a run, and there is none")),
            ),
            false => command.to_string(),
        };
        #[allow(clippy::disallowed_methods)] // the documented command, as a reader runs it
        let output = Command::new("bash")
            .args(["-c", &command])
            .current_dir(self.repo.path())
            .env("PATH", &self.path)
            .env("TF_CLI_CONFIG_FILE", &self.terraform_config)
            .env("CHECKPOINT_DISABLE", "1")
            .env("KUBECONFIG", self.repo.path().join(".docs-test-bin/kubeconfig"))
            .env("NO_COLOR", "1")
            .env_remove("AUTO_REPO")
            .env_remove("AUTO_KUBE_CONTEXT")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY")
            .stdin(Stdio::null())
            .output()
            .expect("bash runs");
        let code = output.status.code().unwrap_or(-1);
        assert_eq!(
            code,
            expected,
            "{at}: `{command}` exited {code}, the doc expects {expected} (mark a command that cannot run here with `# not run in tests: <reason>`)\n--- stdout\n{}--- stderr\n{}",
            normalise(&String::from_utf8_lossy(&output.stdout), self.repo.path()),
            normalise(&String::from_utf8_lossy(&output.stderr), self.repo.path()),
        );
    }
}

/// README commands that need what no test has. The README carries no `# not run in tests`
/// markers (it is the front page); a command added to it runs unless listed here. A
/// trailing `# exits N: …` (what a reader should expect) is checked as everywhere.
const README_NOT_RUN: &[(&str, &str)] = &[
    ("bash .ci/install-tools.sh && bash .ci/test", "the test suite itself"),
    ("auto run onboard_customer --set env=dev --set customer=acme", "needs Azure and the dev cluster"),
    ("auto run onboard_customer --set env=dev --set customer=acme --plan", "needs Azure"),
    ("auto run onboard_customer --set env=dev --set customer=acme --plan --out plan.bundle", "needs Azure"),
    ("auto run --resume 20261125T133000.123Z-4f2a", "an example run id"),
    ("auto runs / auto runs show <id>", "two commands on one line, an example id"),
    ("auto affected --format github-matrix --kind root", "needs a clone with origin/main"),
];

#[test]
fn readme_commands_run() {
    let sandbox = Sandbox::new();
    let markdown = std::fs::read_to_string(workspace().join("README.md")).expect("README");
    let commands: Vec<(usize, String, Expect)> = blocks(&markdown)
        .into_iter()
        .filter_map(|b| match b {
            Block::Command { line, text } => {
                let (command, expect) = split_comment(&text);
                Some((line, command, expect))
            }
            Block::File { .. } => None,
        })
        .collect();
    assert_eq!(
        commands.first().map(|(_, c, _)| c.as_str()),
        Some("auto run onboard_customer --set env=dev --set customer=demo --dry-run"),
        "the README's first command is the dry-run of onboarding `demo`"
    );
    let mut ran = 0;
    for (line, command, expect) in &commands {
        if README_NOT_RUN.iter().any(|(text, _)| text == command) {
            continue;
        }
        let code = match expect {
            Expect::Exit(code) => *code,
            Expect::NotRun(_) => panic!("README.md:{line}: the README lists what it does not run in README_NOT_RUN"),
        };
        sandbox.check(&format!("README.md:{line}"), command, code);
        ran += 1;
    }
    assert!(ran >= 5, "only {ran} README commands ran");
    for (text, _) in README_NOT_RUN {
        assert!(
            commands.iter().any(|(_, c, _)| c == text),
            "README_NOT_RUN lists `{text}`, which the README no longer has"
        );
    }
}

#[test]
fn tutorial_commands_run_in_order() {
    let sandbox = Sandbox::new();
    let skipped = sandbox.follow("docs/guide/writing-a-rollout-script.md");
    let runs = support::run_ids(&sandbox.repo);
    assert!(runs.len() >= 4, "the tutorial's real runs leave journals, got {runs:?}");
    assert!(skipped.len() <= 2, "the tutorial should run, not be skipped: {skipped:#?}");
}

#[test]
fn guide_commands_run() {
    for doc in [
        "docs/guide/run-modes.md",
        "docs/guide/secrets.md",
        "docs/guide/resuming.md",
        "docs/guide/ci.md",
        "docs/guide/install.md",
        "docs/guide/drift.md",
        "docs/guide/json-output.md",
        "docs/guide/observing-runs.md",
        "docs/editor.md",
    ] {
        Sandbox::new().follow(doc);
    }
}

#[test]
fn markdown_blocks_are_found() {
    let doc = "text\n```sh\nauto list\nauto run x \\\n  --dry-run  # exits 3: pending\n# a comment\n\nmake  # not run in tests: needs make\n```\n```rhai file=scripts/x.rhai\n//! x\n```\n```console\n$ auto nope\n```\n";
    let found: Vec<String> = blocks(doc)
        .into_iter()
        .map(|b| match b {
            Block::Command { line, text } => format!("{line}: {:?}", split_comment(&text)),
            Block::File { path, content } => format!("file {path}: {content:?}"),
        })
        .collect();
    expect_test::expect![[r#"
        [
            "3: (\"auto list\", Exit(0))",
            "4: (\"auto run x --dry-run\", Exit(3))",
            "8: (\"make\", NotRun(\"needs make\"))",
            "file scripts/x.rhai: \"//! x\\n\"",
        ]
    "#]]
    .assert_debug_eq(&found);
}

#[test]
fn links_between_the_docs_resolve() {
    let mut docs: Vec<PathBuf> =
        ["docs/script-api.md", "docs/editor.md", "README.md"].map(|d| workspace().join(d)).into();
    for entry in std::fs::read_dir(workspace().join("docs/guide")).expect("docs/guide").flatten() {
        if entry.path().extension().is_some_and(|e| e == "md") {
            docs.push(entry.path());
        }
    }
    let link = regex::Regex::new(r"\]\(([^)\s]+)\)").expect("regex");
    let mut broken = Vec::new();
    for doc in &docs {
        let text = std::fs::read_to_string(doc).expect("doc");
        for target in link.captures_iter(&text).map(|c| c[1].to_string()) {
            if target.starts_with("http") {
                continue;
            }
            let (file, fragment) = target.split_once('#').unwrap_or((&target, ""));
            let path = if file.is_empty() { doc.clone() } else { doc.parent().expect("folder").join(file) };
            let Ok(content) = std::fs::read_to_string(&path) else {
                if !path.exists() {
                    broken.push(format!("{}: `{target}` does not exist", doc.display()));
                }
                continue;
            };
            let anchors: Vec<String> = content
                .lines()
                .filter(|l| l.starts_with('#'))
                .map(|l| auto::script::reference::anchor(l.trim_start_matches('#').trim()))
                .collect();
            if !fragment.is_empty() && !anchors.iter().any(|a| a == fragment) {
                broken.push(format!("{}: `{target}` names no heading of {}", doc.display(), path.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n  {}", broken.join("\n  "));
}
