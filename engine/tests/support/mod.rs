//! One builder drives the binary tests: write a repository into a temp dir, run `auto`,
//! and compare normalised output (run IDs, timings and the temp path replaced).
#![allow(dead_code, clippy::disallowed_methods)] // tests start the binary under test directly

pub mod pane;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const ENV_TOML: &str = r#"[azure]
subscription_id = "00000000-0000-0000-0000-000000000000"
tenant_id = "00000000-0000-0000-0000-000000000000"
location = "westeurope"
[naming]
prefix = "anl"
[backend]
kind = "local"
[kubernetes]
context = "auto-test"
allowed_contexts = ["auto-test"]
[registry]
server = "127.0.0.1:5000"
[runtime]
parallelism = 3
"#;

pub struct TestRepo {
    pub dir: tempfile::TempDir,
}

impl TestRepo {
    /// A repository with environment `dev` (customers `acme`, `beta`) and no scripts.
    pub fn new() -> TestRepo {
        let repo = TestRepo { dir: tempfile::tempdir().expect("temp dir") };
        repo.write("environments/dev/env.toml", ENV_TOML);
        repo.write("environments/dev/acme/customer.toml", "display_name = \"Acme Corp\"\napps = [\"hive\"]\n");
        repo.write("environments/dev/beta/customer.toml", "display_name = \"Beta\"\napps = []\n");
        std::fs::create_dir_all(repo.path().join("scripts/lib")).expect("scripts dir");
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, relative: &str, contents: &str) -> &Self {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
        self
    }

    pub fn script(&self, name: &str, source: &str) -> &Self {
        self.write(&format!("scripts/{name}.rhai"), source)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_auto"));
        command
            .args(args)
            .current_dir(self.path())
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY")
            .env("NO_COLOR", "1")
            // The glyphs depend on the locale (ASCII unless UTF-8): the same on every machine.
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_CTYPE")
            .stdin(Stdio::null());
        command
    }

    pub fn run(&self, args: &[&str]) -> Outcome {
        Outcome::from(self.command(args).output().expect("auto runs"), self.path())
    }
}

#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn from(output: Output, root: &Path) -> Outcome {
        let clean = |bytes: &[u8]| normalise(&String::from_utf8_lossy(bytes), root);
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: clean(&output.stdout),
            stderr: clean(&output.stderr),
        }
    }

    /// `exit <code>\n--- stdout\n...\n--- stderr\n...`: one string to snapshot.
    pub fn transcript(&self) -> String {
        format!("exit {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Replaces what changes between runs: the temp path, run IDs, durations, timestamps.
pub fn normalise(text: &str, root: &Path) -> String {
    let root_text = root.display().to_string();
    let canonical = root.canonicalize().map(|p| p.display().to_string()).unwrap_or_default();
    let mut text = text.replace(&canonical, "[REPO]").replace(&root_text, "[REPO]");
    let rules: [(&str, &str); 4] = [
        (r"\d{8}T\d{6}(\.\d{3})?Z-[0-9a-f]{4}", "[RUN]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[TS]"),
        (r"\b\d+(\.\d+)?(ms|s)\b", "[T]"),
        (r"\b\d+m\d\ds\b", "[T]"),
    ];
    for (pattern, replacement) in rules {
        text = regex::Regex::new(pattern).expect("regex").replace_all(&text, replacement).into_owned();
    }
    // Durations are right-aligned in the recap: their width varies with the machine's load.
    regex::Regex::new(r" +\[T\]").expect("regex").replace_all(&text, " [T]").into_owned()
}

pub fn journal_text(repo: &TestRepo) -> String {
    let runs = repo.path().join(".auto/runs");
    let mut all = String::new();
    for entry in std::fs::read_dir(runs).into_iter().flatten().flatten() {
        all.push_str(&std::fs::read_to_string(entry.path().join("journal.jsonl")).unwrap_or_default());
    }
    all
}

pub fn run_ids(repo: &TestRepo) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(repo.path().join(".auto/runs"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    ids.sort();
    ids
}

pub fn bin_dir_with(repo: &TestRepo, name: &str, script: &str) -> PathBuf {
    let dir = repo.path().join(".test-bin");
    std::fs::create_dir_all(&dir).expect("bin dir");
    let path = dir.join(name);
    std::fs::write(&path, script).expect("fake tool");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

/// The pinned tools installed by `.ci/install-tools.sh`: (bin dir, terraform CLI config).
pub fn pinned_tools() -> (PathBuf, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
    let (bin, config) = (root.join(".tools/bin"), root.join(".tools/terraformrc"));
    assert!(
        bin.join("terraform").is_file() && config.is_file(),
        "these tests need the terraform that satisfies the roots (1.11) and the null provider mirror under {}: run `bash .ci/install-tools.sh && source .ci/env.sh`",
        root.join(".tools").display()
    );
    (bin, config)
}

/// A FAKE kubectl: no Kubernetes API server can exist here. It records its arguments in
/// `$AUTO_TEST_DIR/kubectl.log`, answers the smoke check's query, fails the superset
/// rollout while `$AUTO_TEST_DIR/break-superset` exists, and the next rollout status once
/// when `$AUTO_TEST_DIR/flaky-rollout` does.
pub const FAKE_KUBECTL: &str = r#"#!/bin/sh
echo "kubectl $*" >> "$AUTO_TEST_DIR/kubectl.log"
case "$*" in
  *"rollout status"*)
    if [ -f "$AUTO_TEST_DIR/flaky-rollout" ]; then
      rm -f "$AUTO_TEST_DIR/flaky-rollout"
      echo 'error: timed out waiting for the condition' >&2
      exit 1
    fi ;;
esac
case "$*" in
  *"rollout status deployment/superset"*)
    if [ -f "$AUTO_TEST_DIR/break-superset" ]; then
      echo 'error: deployment "superset" exceeded its progress deadline' >&2
      exit 1
    fi ;;
  *"--execute SHOW SCHEMAS"*) echo '"default"' ;;
esac
exit 0
"#;

/// Runs `auto` in `repo` as the platform tests do: the pinned terraform and the null
/// provider mirror, the fake kubectl first on PATH, no terminal, nothing of a CI job or
/// of the caller's plan key; then `env` on top.
pub fn auto_with_tools(repo: &TestRepo, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Outcome {
    let (bin, config) = pinned_tools();
    let fake_bin = bin_dir_with(repo, "kubectl", FAKE_KUBECTL);
    let mut command = repo.command(args);
    command
        .env("PATH", format!("{}:{}", fake_bin.display(), path_with(&bin)))
        .env("TF_CLI_CONFIG_FILE", config)
        .env("AUTO_TEST_DIR", repo.path())
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("AUTO_PLAN_KEY")
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    Outcome::from(command.output().expect("auto runs"), repo.path())
}

/// `first:$PATH`.
pub fn path_with(first: &Path) -> String {
    format!("{}:{}", first.display(), std::env::var("PATH").unwrap_or_default())
}

/// Copies a folder of the real repository (scripts, templates, an environment) into `repo`.
/// A repository with the workspace's scripts, templates and `test` environment (its
/// terraform stand-ins run offline), and no `dev` environment.
pub fn test_environment_repo() -> TestRepo {
    let repo = TestRepo::new();
    std::fs::remove_dir_all(repo.path().join("environments/dev")).unwrap();
    for folder in ["scripts", "templates", "environments/test"] {
        copy_from_workspace(&repo, folder);
    }
    repo
}

pub fn copy_from_workspace(repo: &TestRepo, relative: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
    copy_tree(&root.join(relative), &repo.path().join(relative));
}

/// Copies the folder `from` to `to`, creating `to`, leaving out local terraform state.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("source folder").flatten() {
        let name = entry.file_name();
        let path = entry.path();
        // Local terraform state and caches of someone's earlier run are not part of the tree.
        if name == ".terraform" || name.to_string_lossy().starts_with("terraform.tfstate") {
            continue;
        }
        if path.is_dir() {
            copy_tree(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).expect("copy");
        }
    }
}

/// Paths and contents of every file under `dir` (except .auto/), to prove nothing was written.
pub fn tree_digest(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    fn walk(dir: &Path, root: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == ".auto" || n == ".test-bin") {
                continue;
            }
            if path.is_dir() {
                walk(&path, root, files);
            } else {
                files.push((
                    path.strip_prefix(root).unwrap_or(&path).to_path_buf(),
                    std::fs::read(&path).unwrap_or_default(),
                ));
            }
        }
    }
    walk(dir, dir, &mut files);
    files.sort();
    files
}

/// `name` on PATH, else in the first of `elsewhere` that holds it.
pub fn find_program(name: &str, elsewhere: &[PathBuf]) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .chain(elsewhere.iter().cloned())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}
