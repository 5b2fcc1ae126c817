//! `auto affected` against real git repositories built in temp dirs: every mapping rule,
//! transitive modules, deletions, default bases (branch, main, shallow), uncommitted
//! changes, output formats and the user-facing errors.
#![allow(clippy::disallowed_methods)] // tests run git and the binary under test directly

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use expect_test::expect;

/// A git work tree in a temp dir (plus, optionally, a bare "origin" next to it).
struct Repo {
    _dir: tempfile::TempDir,
    /// The work tree.
    path: PathBuf,
}

const ENV_TOML: &str = "[naming]\nprefix = \"anl\"\n";

fn module_call(name: &str, source: &str) -> String {
    format!("module \"{name}\" {{\n  source = \"{source}\"\n}}\n")
}

impl Repo {
    /// An empty repository on branch `main`, committer identity set locally.
    fn empty() -> Repo {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("work");
        std::fs::create_dir_all(&path).expect("mkdir");
        let repo = Repo { _dir: dir, path };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "Test"]);
        repo.git(&["config", "user.email", "test@example.com"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// A small platform: two environments, env-level and customer roots, app modules
    /// calling infra modules, images, scripts; committed on `main`.
    fn platform() -> Repo {
        let repo = Repo::empty();
        repo.write_platform("");
        repo.commit("platform");
        repo
    }

    /// Writes the platform's files under `prefix` (`""` or `sub/`).
    fn write_platform(&self, prefix: &str) {
        let up4 = "../../../..";
        let files = [
            ("README.md", "# platform\n".to_string()),
            (".github/workflows/ci.yml", "on: push\n".into()),
            ("scripts/onboard_customer.rhai", "//! Onboard.\n".into()),
            ("scripts/build_images.rhai", "//! Build.\n".into()),
            ("scripts/lib/platform.rhai", "fn x() { 1 }\n".into()),
            ("apps/hive/docker/Dockerfile", "FROM alpine\n".into()),
            ("apps/trino/docker/Dockerfile", "FROM alpine\n".into()),
            ("apps/hive/kubernetes/main.tf", module_call("namespace", "../../../infra/kubernetes/namespace")),
            ("apps/superset/kubernetes/main.tf", module_call("namespace", "../../../infra/kubernetes/namespace")),
            ("apps/trino/kubernetes/main.tf", "resource \"terraform_data\" \"trino\" {}\n".into()),
            ("infra/kubernetes/namespace/main.tf", "resource \"terraform_data\" \"ns\" {}\n".into()),
            ("infra/kubernetes/namespace/templates/ns.yaml", "kind: Namespace\n".into()),
            ("infra/azure/resource_group/main.tf", "resource \"terraform_data\" \"rg\" {}\n".into()),
            ("environments/dev/env.toml", ENV_TOML.into()),
            ("environments/dev/infra/main.tf", module_call("rg", "../../../infra/azure/resource_group")),
            ("environments/dev/trino/main.tf", module_call("trino", "../../../apps/trino/kubernetes")),
            ("environments/dev/acme/customer.toml", "display_name = \"Acme\"\n".into()),
            ("environments/dev/acme/infra/main.tf", module_call("rg", &format!("{up4}/infra/azure/resource_group"))),
            ("environments/dev/acme/hive/main.tf", module_call("hive", &format!("{up4}/apps/hive/kubernetes"))),
            ("environments/dev/beta/customer.toml", "display_name = \"Beta\"\n".into()),
            ("environments/dev/beta/hive/main.tf", module_call("hive", &format!("{up4}/apps/hive/kubernetes"))),
            (
                "environments/dev/beta/superset/main.tf",
                module_call("superset", &format!("{up4}/apps/superset/kubernetes")),
            ),
            ("environments/qa/env.toml", ENV_TOML.into()),
            ("environments/qa/demo/customer.toml", "display_name = \"Demo\"\n".into()),
            ("environments/qa/demo/hive/main.tf", module_call("hive", &format!("{up4}/apps/hive/kubernetes"))),
        ];
        for (path, text) in files {
            self.write(&format!("{prefix}{path}"), &text);
        }
    }

    fn write(&self, relative: &str, text: &str) -> &Repo {
        let path = self.path.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
        self
    }

    fn append(&self, relative: &str) -> &Repo {
        let path = self.path.join(relative);
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str("# changed\n");
        std::fs::write(path, text).expect("write");
        self
    }

    fn remove(&self, relative: &str) -> &Repo {
        let path = self.path.join(relative);
        if path.is_dir() {
            std::fs::remove_dir_all(path).expect("rm -r");
        } else {
            std::fs::remove_file(path).expect("rm");
        }
        self
    }

    fn git_in(dir: &Path, args: &[&str]) -> String {
        let output = Command::new("git")
            .args(args)
            .current_dir(dir)
            // Fixed dates: the same commits get the same ids on every run.
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .stdin(Stdio::null())
            .output()
            .expect("git runs");
        assert!(output.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn git(&self, args: &[&str]) -> String {
        Repo::git_in(&self.path, args)
    }

    fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// A bare `origin` next to the work tree, with `main` pushed and fetched.
    fn with_origin(&self) -> PathBuf {
        let origin = self.path.parent().expect("parent").join("origin.git");
        Repo::git_in(self.path.parent().expect("parent"), &["init", "-q", "--bare", "-b", "main", "origin.git"]);
        self.git(&["remote", "add", "origin", origin.to_str().expect("utf-8 path")]);
        self.git(&["push", "-q", "origin", "main"]);
        self.git(&["fetch", "-q", "origin"]);
        origin
    }

    /// `auto affected <args>` in `dir`, once per way of reading git and the module graph:
    /// in-process with the index (twice: the second run finds the first one's index),
    /// in-process reading every root, and git processes reading every root. All must
    /// answer alike; the answer is returned.
    fn auto_in(&self, dir: &Path, args: &[&str]) -> String {
        let ways: [&[&str]; 4] = [&[], &[], &["--graph-index", "off"], &["--git-processes", "--graph-index", "off"]];
        let answers: Vec<String> = ways.iter().map(|way| self.auto_once(dir, &[args, way].concat())).collect();
        for (way, answer) in ways.iter().zip(&answers).skip(1) {
            assert_eq!(answer, &answers[0], "`auto affected {}` read with {way:?} answers differently", args.join(" "));
        }
        answers[0].clone()
    }

    fn auto_once(&self, dir: &Path, args: &[&str]) -> String {
        let output = Command::new(env!("CARGO_BIN_EXE_auto"))
            .arg("affected")
            .args(args)
            .current_dir(dir)
            .env_remove("AUTO_DEFAULT_BRANCH")
            .env_remove("AUTO_REPO")
            .env_remove("AUTO_GRAPH_INDEX")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("auto runs");
        let clean = |bytes: &[u8]| normalise(&String::from_utf8_lossy(bytes), &self.path);
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            output.status.code().unwrap_or(-1),
            clean(&output.stdout),
            clean(&output.stderr)
        )
    }

    /// `auto affected <args>` in the work tree: exit code, stdout and stderr, normalised.
    fn affected(&self, args: &[&str]) -> String {
        self.auto_in(&self.path, args)
    }
}

/// Temp paths and commit ids change between runs; the shape must not.
fn normalise(text: &str, root: &Path) -> String {
    let mut text = text.to_string();
    for path in [root.canonicalize().unwrap_or_default(), root.to_path_buf()] {
        let shown = path.display().to_string();
        if !shown.is_empty() {
            text = text.replace(&shown, "[REPO]");
        }
    }
    let full = regex::Regex::new(r"\b[0-9a-f]{40}\b").expect("regex");
    let short = regex::Regex::new(r"\b[0-9a-f]{12}\b").expect("regex");
    short.replace_all(&full.replace_all(&text, "[SHA]"), "[SHORT]").into_owned()
}

/// The platform with `change` applied and committed on top; returns the repo and the base.
fn changed(change: impl FnOnce(&Repo)) -> (Repo, String) {
    let repo = Repo::platform();
    let base = repo.git(&["rev-parse", "HEAD"]);
    change(&repo);
    repo.commit("change");
    (repo, base)
}

#[test]
fn image_files_map_to_the_image() {
    let (repo, base) = changed(|r| {
        r.append("apps/hive/docker/Dockerfile").write("apps/trino/docker/README.md", "copied into the image\n");
    });
    expect![[r#"
        exit 0
        --- stdout
        image hive
          hive (changed: apps/hive/docker/Dockerfile)
        image trino
          trino (changed: apps/trino/docker/README.md)
        --- stderr
        affected: 2 images, 0 roots, 0 scripts, 0 deleted roots from 2 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--why"]));
}

#[test]
fn root_files_map_to_their_root() {
    let (repo, base) = changed(|r| {
        r.append("environments/dev/trino/main.tf")
            .append("environments/dev/infra/main.tf")
            .write("environments/dev/acme/hive/variables.tf", "variable \"x\" {}\n")
            .write("environments/dev/acme/hive/templates/site.xml", "<x/>\n")
            .write("environments/dev/acme/hive/modules/local/main.tf", "resource \"terraform_data\" \"x\" {}\n");
    });
    expect![[r#"
        exit 0
        --- stdout
        root environments/dev/acme/hive
          environments/dev/acme/hive (changed: environments/dev/acme/hive/modules/local/main.tf, environments/dev/acme/hive/templates/site.xml, environments/dev/acme/hive/variables.tf)
        root environments/dev/infra
          environments/dev/infra (changed: environments/dev/infra/main.tf)
        root environments/dev/trino
          environments/dev/trino (changed: environments/dev/trino/main.tf)
        --- stderr
        affected: 0 images, 3 roots, 0 scripts, 0 deleted roots from 5 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--why"]));
}

#[test]
fn env_toml_maps_to_every_root_of_the_environment() {
    let (repo, base) = changed(|r| {
        r.append("environments/qa/env.toml");
    });
    expect![[r#"
        exit 0
        --- stdout
        root environments/qa/demo/hive
          environments/qa/demo/hive ← environments/qa (changed: environments/qa/env.toml)
        --- stderr
        affected: 0 images, 1 root, 0 scripts, 0 deleted roots from 1 changed file ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--why"]));
    let (repo, base) = changed(|r| {
        r.append("environments/dev/env.toml");
    });
    expect![[r#"
        exit 0
        --- stdout
        root environments/dev/acme/hive
        root environments/dev/acme/infra
        root environments/dev/beta/hive
        root environments/dev/beta/superset
        root environments/dev/infra
        root environments/dev/trino
        --- stderr
        affected: 0 images, 6 roots, 0 scripts, 0 deleted roots from 1 changed file ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base]));
}

#[test]
fn customer_toml_maps_to_the_customers_roots() {
    let (repo, base) = changed(|r| {
        r.append("environments/dev/acme/customer.toml");
    });
    expect![[r#"
        exit 0
        --- stdout
        root environments/dev/acme/hive
          environments/dev/acme/hive ← environments/dev/acme (changed: environments/dev/acme/customer.toml)
        root environments/dev/acme/infra
          environments/dev/acme/infra ← environments/dev/acme (changed: environments/dev/acme/customer.toml)
        --- stderr
        affected: 0 images, 2 roots, 0 scripts, 0 deleted roots from 1 changed file ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--why"]));
}

#[test]
fn scripts_map_to_themselves_and_the_library_to_every_script() {
    let (repo, base) = changed(|r| {
        r.append("scripts/onboard_customer.rhai").append("scripts/lib/platform.rhai").write("scripts/notes.txt", "x\n");
    });
    expect![[r#"
        exit 0
        --- stdout
        script build_images
          build_images ← scripts/lib (changed: scripts/lib/platform.rhai)
        script onboard_customer
          onboard_customer (changed: scripts/onboard_customer.rhai)
          onboard_customer ← scripts/lib (changed: scripts/lib/platform.rhai)
        ignored scripts/notes.txt: no rule maps it to a target
        --- stderr
        affected: 0 images, 0 roots, 2 scripts, 0 deleted roots from 3 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--why"]));
}

#[test]
fn an_infra_module_reaches_roots_through_app_modules() {
    let (repo, base) = changed(|r| {
        r.append("infra/kubernetes/namespace/main.tf").append("infra/kubernetes/namespace/templates/ns.yaml");
    });
    expect![[r#"
        exit 0
        --- stdout
        root environments/dev/acme/hive
          environments/dev/acme/hive ← apps/hive/kubernetes ← infra/kubernetes/namespace (changed: infra/kubernetes/namespace/main.tf, infra/kubernetes/namespace/templates/ns.yaml)
        root environments/dev/beta/hive
          environments/dev/beta/hive ← apps/hive/kubernetes ← infra/kubernetes/namespace (changed: infra/kubernetes/namespace/main.tf, infra/kubernetes/namespace/templates/ns.yaml)
        root environments/dev/beta/superset
          environments/dev/beta/superset ← apps/superset/kubernetes ← infra/kubernetes/namespace (changed: infra/kubernetes/namespace/main.tf, infra/kubernetes/namespace/templates/ns.yaml)
        root environments/qa/demo/hive
          environments/qa/demo/hive ← apps/hive/kubernetes ← infra/kubernetes/namespace (changed: infra/kubernetes/namespace/main.tf, infra/kubernetes/namespace/templates/ns.yaml)
        --- stderr
        affected: 0 images, 4 roots, 0 scripts, 0 deleted roots from 2 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--why"]));
}

#[test]
fn an_app_module_reaches_the_roots_that_call_it() {
    let (repo, base) = changed(|r| {
        r.append("apps/hive/kubernetes/main.tf").append("infra/azure/resource_group/main.tf");
    });
    expect![[r#"
        exit 0
        --- stdout
        root environments/dev/acme/hive
        root environments/dev/acme/infra
        root environments/dev/beta/hive
        root environments/dev/infra
        root environments/qa/demo/hive
        --- stderr
        affected: 0 images, 5 roots, 0 scripts, 0 deleted roots from 2 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base]));
}

#[test]
fn modules_outside_infra_and_unused_modules() {
    let (repo, base) = changed(|r| {
        r.write("modules/shared/main.tf", "resource \"terraform_data\" \"s\" {}\n")
            .write("infra/kubernetes/namespace/main.tf", &module_call("shared", "../../../modules/shared"))
            .write("infra/unused/main.tf", "resource \"terraform_data\" \"u\" {}\n");
    });
    let base_commit = base.clone();
    // A second change to the shared module alone, three levels below the roots.
    repo.append("modules/shared/main.tf");
    repo.commit("shared");
    let first = repo.git(&["rev-parse", "HEAD^"]);
    expect![[r#"
        exit 0
        --- stdout
        root environments/dev/acme/hive
          environments/dev/acme/hive ← apps/hive/kubernetes ← infra/kubernetes/namespace ← modules/shared (changed: modules/shared/main.tf)
        root environments/dev/beta/hive
          environments/dev/beta/hive ← apps/hive/kubernetes ← infra/kubernetes/namespace ← modules/shared (changed: modules/shared/main.tf)
        root environments/dev/beta/superset
          environments/dev/beta/superset ← apps/superset/kubernetes ← infra/kubernetes/namespace ← modules/shared (changed: modules/shared/main.tf)
        root environments/qa/demo/hive
          environments/qa/demo/hive ← apps/hive/kubernetes ← infra/kubernetes/namespace ← modules/shared (changed: modules/shared/main.tf)
        --- stderr
        affected: 0 images, 4 roots, 0 scripts, 0 deleted roots from 1 changed file ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &first, "--why"]));
    let unused = repo.affected(&["--base", &base_commit, "--why", "--format", "json"]);
    assert!(unused.contains(r#""infra/unused/main.tf":"module infra/unused is not used by any root""#), "{unused}");
}

#[test]
fn workflows_and_docs_map_to_nothing() {
    let (repo, base) = changed(|r| {
        r.append(".github/workflows/ci.yml")
            .append("README.md")
            .write("docs/affected.md", "# x\n")
            .write("Cargo.toml", "\n");
    });
    expect![[r#"
        exit 0
        --- stdout
        ignored .github/workflows/ci.yml: CI configuration
        ignored Cargo.toml: no rule maps it to a target
        ignored README.md: documentation
        ignored docs/affected.md: documentation
        --- stderr
        affected: 0 images, 0 roots, 0 scripts, 0 deleted roots from 4 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--why"]));
    expect![[r#"
        exit 0
        --- stdout
        --- stderr
        affected: 0 images, 0 roots, 0 scripts, 0 deleted roots from 4 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base]));
}

#[test]
fn deleted_roots_are_reported_separately_and_never_targets() {
    let (repo, base) = changed(|r| {
        r.remove("environments/dev/beta").remove("environments/dev/acme/hive/main.tf");
        r.write("environments/dev/acme/hive/templates/left.txt", "only a template remains\n");
    });
    expect![[r#"
        exit 0
        --- stdout
        deleted root environments/dev/acme/hive
          environments/dev/acme/hive (changed: environments/dev/acme/hive/main.tf, environments/dev/acme/hive/templates/left.txt)
        deleted root environments/dev/beta/hive
          environments/dev/beta/hive (changed: environments/dev/beta/hive/main.tf)
        deleted root environments/dev/beta/superset
          environments/dev/beta/superset (changed: environments/dev/beta/superset/main.tf)
        ignored environments/dev/beta/customer.toml: no terraform root under environments/dev/beta at head
        --- stderr
        affected: 0 images, 0 roots, 0 scripts, 3 deleted roots from 5 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--why"]));
    expect![[r#"
        exit 0
        --- stdout
        {"schema":"auto.affected/v1","base":"[SHA]","head":"[SHA]","images":[],"roots":[],"scripts":[],"deleted_roots":["environments/dev/acme/hive","environments/dev/beta/hive","environments/dev/beta/superset"]}
        --- stderr
        affected: 0 images, 0 roots, 0 scripts, 3 deleted roots from 5 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--format", "json"]));
}

#[test]
fn a_renamed_root_is_a_deletion_plus_a_new_root() {
    let (repo, base) = changed(|r| {
        r.git(&["mv", "environments/dev/acme/hive", "environments/dev/acme/metastore"]);
    });
    expect![[r#"
        exit 0
        --- stdout
        root environments/dev/acme/metastore
        deleted root environments/dev/acme/hive
        --- stderr
        affected: 0 images, 1 root, 0 scripts, 1 deleted root from 2 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base]));
}

#[test]
fn default_base_on_a_branch_is_the_merge_base_with_origin_main() {
    let repo = Repo::platform();
    repo.with_origin();
    let fork = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.append("apps/hive/docker/Dockerfile");
    repo.commit("feature work");
    // main moves on after the branch was cut: its changes are not the branch's.
    repo.git(&["checkout", "-q", "main"]);
    repo.append("scripts/build_images.rhai");
    repo.commit("main moves on");
    repo.git(&["push", "-q", "origin", "main"]);
    repo.git(&["checkout", "-q", "feature"]);
    repo.git(&["fetch", "-q", "origin"]);
    let json = repo.affected(&["--format", "json"]);
    expect![[r#"
        exit 0
        --- stdout
        {"schema":"auto.affected/v1","base":"[SHA]","head":"[SHA]","images":["hive"],"roots":[],"scripts":[],"deleted_roots":[]}
        --- stderr
        affected: 1 image, 0 roots, 0 scripts, 0 deleted roots from 1 changed file ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&json);
    let raw = Command::new(env!("CARGO_BIN_EXE_auto"))
        .args(["affected", "--format", "json"])
        .current_dir(&repo.path)
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&raw.stdout).contains(&format!("\"base\":\"{fork}\"")));
}

#[test]
fn default_base_on_main_is_the_previous_commit() {
    let repo = Repo::platform();
    repo.append("scripts/build_images.rhai");
    let previous = repo.git(&["rev-parse", "HEAD"]);
    repo.commit("one more");
    repo.append("apps/hive/docker/Dockerfile");
    repo.commit("latest");
    repo.with_origin();
    let raw = Command::new(env!("CARGO_BIN_EXE_auto"))
        .args(["affected", "--format", "json"])
        .current_dir(&repo.path)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&raw.stdout);
    assert!(!stdout.contains(&previous), "the base is HEAD^, not older: {stdout}");
    expect![[r#"
        exit 0
        --- stdout
        image hive
        --- stderr
        affected: 1 image, 0 roots, 0 scripts, 0 deleted roots from 1 changed file ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&[]));
}

#[test]
fn the_first_commit_on_main_affects_everything_in_it() {
    let repo = Repo::platform();
    repo.with_origin();
    let raw = Command::new(env!("CARGO_BIN_EXE_auto"))
        .args(["affected", "--format", "json"])
        .current_dir(&repo.path)
        .output()
        .expect("runs");
    // The empty tree: everything in the first commit is new.
    assert!(String::from_utf8_lossy(&raw.stdout).contains(r#""base":"4b825dc642cb6eb9a060e54bf8d69288fbee4904""#));
    let out = repo.affected(&["--kind", "image"]);
    expect![[r#"
        exit 0
        --- stdout
        image hive
        image trino
        --- stderr
        affected: 2 images, 7 roots, 2 scripts, 0 deleted roots from 25 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&out);
}

#[test]
fn the_default_branch_is_configurable() {
    let repo = Repo::platform();
    repo.git(&["branch", "-m", "main", "trunk"]);
    let origin = repo.path.parent().expect("parent").join("origin.git");
    Repo::git_in(repo.path.parent().expect("parent"), &["init", "-q", "--bare", "origin.git"]);
    repo.git(&["remote", "add", "origin", origin.to_str().expect("utf-8")]);
    repo.git(&["push", "-q", "origin", "trunk"]);
    repo.git(&["fetch", "-q", "origin"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.append("scripts/build_images.rhai");
    repo.commit("x");
    expect![[r#"
        exit 0
        --- stdout
        script build_images
        --- stderr
        affected: 0 images, 0 roots, 1 script, 0 deleted roots from 1 changed file ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--default-branch", "trunk"]));
    let with_env = Command::new(env!("CARGO_BIN_EXE_auto"))
        .args(["affected"])
        .env("AUTO_DEFAULT_BRANCH", "origin/trunk")
        .current_dir(&repo.path)
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&with_env.stdout), "script build_images\n");
}

#[test]
fn include_uncommitted_adds_staged_unstaged_and_untracked_files() {
    let repo = Repo::platform();
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.append("apps/hive/docker/Dockerfile");
    repo.git(&["add", "apps/hive/docker/Dockerfile"]);
    repo.append("environments/dev/trino/main.tf");
    repo.write("environments/dev/gamma/superset/main.tf", &module_call("s", "../../../../apps/superset/kubernetes"));
    repo.remove("environments/qa/demo/hive");
    expect![[r#"
        exit 0
        --- stdout
        --- stderr
        affected: 0 images, 0 roots, 0 scripts, 0 deleted roots from 0 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base]));
    expect![[r#"
        exit 0
        --- stdout
        image hive
          hive (changed: apps/hive/docker/Dockerfile)
        root environments/dev/gamma/superset
          environments/dev/gamma/superset (changed: environments/dev/gamma/superset/main.tf)
        root environments/dev/trino
          environments/dev/trino (changed: environments/dev/trino/main.tf)
        deleted root environments/qa/demo/hive
          environments/qa/demo/hive (changed: environments/qa/demo/hive/main.tf)
        --- stderr
        affected: 1 image, 2 roots, 0 scripts, 1 deleted root from 4 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--include-uncommitted", "--why"]));
    // A module changed only in the working tree is read from disk, as are its callers.
    repo.write("apps/trino/kubernetes/main.tf", &module_call("ns", "../../../infra/kubernetes/namespace"));
    repo.append("infra/kubernetes/namespace/main.tf");
    let out = repo.affected(&["--base", &base, "--include-uncommitted", "--kind", "root", "--why"]);
    assert!(out.contains("environments/dev/trino ← apps/trino/kubernetes ← infra/kubernetes/namespace (changed: infra/kubernetes/namespace/main.tf)"), "{out}");
}

#[test]
fn json_output_lists_roots_with_env_and_customer() {
    let (repo, base) = changed(|r| {
        r.append("environments/dev/trino/main.tf")
            .append("environments/dev/acme/hive/main.tf")
            .append("apps/hive/docker/Dockerfile");
    });
    expect![[r#"
        exit 0
        --- stdout
        {"schema":"auto.affected/v1","base":"[SHA]","head":"[SHA]","images":["hive"],"roots":[{"path":"environments/dev/acme/hive","env":"dev","customer":"acme"},{"path":"environments/dev/trino","env":"dev","customer":null}],"scripts":[],"deleted_roots":[]}
        --- stderr
        affected: 1 image, 2 roots, 0 scripts, 0 deleted roots from 3 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--format", "json"]));
    expect![[r#"
        exit 0
        --- stdout
        {"schema":"auto.affected/v1","base":"[SHA]","head":"[SHA]","images":[],"roots":[{"path":"environments/dev/acme/hive","env":"dev","customer":"acme"},{"path":"environments/dev/trino","env":"dev","customer":null}],"scripts":[],"deleted_roots":[],"why":{"images":{},"roots":{"environments/dev/acme/hive":["environments/dev/acme/hive (changed: environments/dev/acme/hive/main.tf)"],"environments/dev/trino":["environments/dev/trino (changed: environments/dev/trino/main.tf)"]},"scripts":{},"deleted_roots":{},"ignored":{}}}
        --- stderr
        affected: 1 image, 2 roots, 0 scripts, 0 deleted roots from 3 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--format", "json", "--kind", "root", "--why"]));
}

#[test]
fn github_matrices_for_roots_and_images() {
    let (repo, base) = changed(|r| {
        r.append("apps/hive/kubernetes/main.tf")
            .append("apps/hive/docker/Dockerfile")
            .append("environments/dev/trino/main.tf");
    });
    expect![[r#"
        exit 0
        --- stdout
        {"include":[{"name":"dev/acme/hive","env":"dev","script":"terraform_root","params":{"env":"dev","root":"environments/dev/acme/hive"}},{"name":"dev/beta/hive","env":"dev","script":"terraform_root","params":{"env":"dev","root":"environments/dev/beta/hive"}},{"name":"dev/trino","env":"dev","script":"terraform_root","params":{"env":"dev","root":"environments/dev/trino"}},{"name":"qa/demo/hive","env":"qa","script":"terraform_root","params":{"env":"qa","root":"environments/qa/demo/hive"}}]}
        --- stderr
        affected: 1 image, 4 roots, 0 scripts, 0 deleted roots from 3 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--format", "github-matrix", "--kind", "root"]));
    expect![[r#"
        exit 0
        --- stdout
        {"include":[{"name":"hive","script":"build_images","params":{"app":"hive"}}]}
        --- stderr
        hive: hive (changed: apps/hive/docker/Dockerfile)
        affected: 1 image, 4 roots, 0 scripts, 0 deleted roots from 3 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--format", "github-matrix", "--kind", "image", "--why"]));
    expect![[r#"
        exit 0
        --- stdout
        {"include":[]}
        --- stderr
        affected: 1 image, 4 roots, 0 scripts, 0 deleted roots from 3 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--format", "github-matrix", "--kind", "script"]));
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: `--format github-matrix` needs `--kind image`, `--kind root` or `--kind script`: a matrix holds one kind of job
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--format", "github-matrix"]));
}

#[test]
fn head_need_not_be_checked_out() {
    let repo = Repo::platform();
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("environments/dev/delta/hive/main.tf", &module_call("hive", "../../../../apps/hive/kubernetes"));
    repo.append("apps/hive/kubernetes/main.tf");
    repo.commit("feature");
    repo.git(&["checkout", "-q", "main"]);
    // The new root exists only at head, not on disk: the module graph is read from git.
    expect![[r#"
        exit 0
        --- stdout
        root environments/dev/acme/hive
        root environments/dev/beta/hive
        root environments/dev/delta/hive
        root environments/qa/demo/hive
        --- stderr
        affected: 0 images, 4 roots, 0 scripts, 0 deleted roots from 2 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--head", "feature"]));
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: `--include-uncommitted` adds the working tree, which is at [SHORT], but `--head feature` is commit [SHORT]: drop `--head` or check out `feature` first
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--head", "feature", "--include-uncommitted"]));
}

#[test]
fn a_root_whose_terraform_does_not_parse_is_included_to_be_safe() {
    let (repo, _) = changed(|r| {
        // Roots that do not parse might call the changed module: included, whatever they name.
        r.write(
            "environments/dev/broken/infra/main.tf",
            "module \"rg\" {\n  source = \"../../../../infra/azure/resource_group\"\n  name = \n}\n",
        );
        r.write("environments/dev/broken/hive/main.tf", "module \"x\" {\n  source = \n}\n");
        // A module that does not parse might call anything: its callers are included.
        r.write("infra/flaky/main.tf", "module \"x\" {\n");
        r.write("environments/dev/flaky/main.tf", &module_call("f", "../../../infra/flaky"));
    });
    repo.append("infra/azure/resource_group/main.tf");
    repo.commit("module change");
    let previous = repo.git(&["rev-parse", "HEAD^"]);
    expect![[r#"
        exit 0
        --- stdout
        root environments/dev/acme/infra
          environments/dev/acme/infra ← infra/azure/resource_group (changed: infra/azure/resource_group/main.tf)
        root environments/dev/broken/hive
          environments/dev/broken/hive (cannot read its module calls, included to be safe: environments/dev/broken/hive/main.tf:2:12: invalid expression; expected `"`, `[`, `{`, `-`, `!`, `(`, `_`, `<`, letter or digit)
        root environments/dev/broken/infra
          environments/dev/broken/infra (cannot read its module calls, included to be safe: environments/dev/broken/infra/main.tf:3:10: invalid expression; expected `"`, `[`, `{`, `-`, `!`, `(`, `_`, `<`, letter or digit)
        root environments/dev/flaky
          environments/dev/flaky ← infra/flaky (cannot read its module calls, included to be safe: infra/flaky/main.tf:1:14: invalid block body; expected `}`, newline or identifier)
        root environments/dev/infra
          environments/dev/infra ← infra/azure/resource_group (changed: infra/azure/resource_group/main.tf)
        --- stderr
        affected: 0 images, 5 roots, 0 scripts, 0 deleted roots from 1 changed file ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &previous, "--why"]));
}

#[test]
fn a_repository_in_a_subfolder_of_the_git_work_tree() {
    let repo = Repo::empty();
    repo.write("other/README.txt", "not ours\n");
    repo.write_platform("platform/");
    repo.commit("platform in a folder");
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.append("other/README.txt");
    repo.append("platform/infra/kubernetes/namespace/main.tf");
    repo.append("platform/environments/dev/trino/main.tf");
    repo.commit("change");
    expect![[r#"
        exit 0
        --- stdout
        root environments/dev/acme/hive
        root environments/dev/beta/hive
        root environments/dev/beta/superset
        root environments/dev/trino
        root environments/qa/demo/hive
        --- stderr
        affected: 0 images, 5 roots, 0 scripts, 0 deleted roots from 2 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.auto_in(&repo.path.join("platform"), &["--base", &base]));
}

#[test]
fn errors_name_the_problem_and_the_fix() {
    let plain = tempfile::tempdir().expect("temp");
    std::fs::create_dir_all(plain.path().join("scripts")).expect("mkdir");
    std::fs::create_dir_all(plain.path().join("environments")).expect("mkdir");
    let not_git = Repo { path: plain.path().to_path_buf(), _dir: plain };
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: `[REPO]` is not in a git repository: `auto affected` compares two commits, so run it in a clone of the repository
    "#]]
    .assert_eq(&not_git.affected(&[]));

    let repo = Repo::platform();
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: unknown git ref `origin/main` (the default branch, set with `--default-branch` or `AUTO_DEFAULT_BRANCH`): fetch it with `git fetch origin main`; in GitHub Actions check out with `actions/checkout` and `fetch-depth: 0`
    "#]]
    .assert_eq(&repo.affected(&[]));
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: unknown git ref `v9.9` (`--base`): fetch it with `git fetch origin v9.9`; in GitHub Actions check out with `actions/checkout` and `fetch-depth: 0`
    "#]]
    .assert_eq(&repo.affected(&["--base", "v9.9"]));
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: unknown git ref `nope` (`--head`): fetch it with `git fetch origin nope`; in GitHub Actions check out with `actions/checkout` and `fetch-depth: 0`
    "#]]
    .assert_eq(&repo.affected(&["--base", "HEAD", "--head", "nope"]));
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: invalid git ref `--output=x` for `--base`: a ref is a branch, tag or commit and cannot be empty or start with `-`
    "#]]
    .assert_eq(&repo.affected(&["--base=--output=x"]));

    let empty = Repo::empty();
    empty.write("scripts/x.rhai", "").write("environments/.keep", "");
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: the repository has no commits yet: commit something before asking what changed
    "#]]
    .assert_eq(&empty.affected(&["--base", "HEAD"]));

    // Unrelated histories: no merge-base to compare with.
    let repo = Repo::platform();
    repo.with_origin();
    repo.git(&["checkout", "-q", "--orphan", "island"]);
    repo.commit("unrelated");
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: `HEAD` and `origin/main` have no common commit: pass the commit to compare with `--base`
    "#]]
    .assert_eq(&repo.affected(&[]));
}

#[test]
fn a_shallow_clone_without_the_base_says_how_to_fetch_it() {
    let repo = Repo::platform();
    repo.append("apps/hive/docker/Dockerfile");
    repo.commit("second");
    let origin = repo.with_origin();
    let parent = repo.path.parent().expect("parent");
    let url = format!("file://{}", origin.display());
    Repo::git_in(parent, &["clone", "-q", "--depth", "1", &url, "shallow"]);
    let shallow = Repo { _dir: tempfile::tempdir().expect("temp"), path: parent.join("shallow") };
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: this clone is shallow and lacks the history to compare with (`HEAD^`): fetch it with `git fetch --unshallow`; in GitHub Actions check out with `fetch-depth: 0`
    "#]]
    .assert_eq(&shallow.affected(&[]));
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        error: unknown git ref `origin/develop` (the default branch, set with `--default-branch` or `AUTO_DEFAULT_BRANCH`) in this shallow clone: fetch it with `git fetch origin develop`; in GitHub Actions check out with `actions/checkout` and `fetch-depth: 0`
    "#]]
    .assert_eq(&shallow.affected(&["--default-branch", "develop"]));
}

#[test]
fn the_module_graph_index_is_brought_up_to_date_from_any_earlier_commit() {
    let repo = Repo::platform();
    let index = repo.path.join(".git/auto/affected-graph");
    // CI's run after a merge (here: a module change on main) leaves main's graph.
    repo.append("infra/kubernetes/namespace/main.tf");
    let first = repo.commit("module change");
    repo.affected(&["--base", "HEAD^"]);
    assert!(index.join(&first).is_file(), "the graph of {first} is kept");

    // Two commits later, roots changed what they call: acme/infra now reaches the
    // namespace module, beta/hive no longer does, a new root calls it, one is gone.
    repo.write("apps/hive/kubernetes/main.tf", "resource \"terraform_data\" \"hive\" {}\n");
    repo.commit("hive no longer needs a namespace module");
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.write("environments/dev/acme/infra/main.tf", &module_call("ns", "../../../../infra/kubernetes/namespace"))
        .write(
            "environments/dev/gamma/superset/main.tf",
            &module_call("superset", "../../../../apps/superset/kubernetes"),
        )
        .remove("environments/dev/beta/superset")
        .append("infra/kubernetes/namespace/main.tf");
    let head = repo.commit("roots change what they call");
    std::fs::remove_file(index.join(&head)).ok();
    // Neither base nor head has an index: the graph comes from `first`'s, refreshed with
    // the folders changed since. `auto_in` checks it against reading every root.
    expect![[r#"
        exit 0
        --- stdout
        root environments/dev/acme/infra
          environments/dev/acme/infra (changed: environments/dev/acme/infra/main.tf)
          environments/dev/acme/infra ← infra/kubernetes/namespace (changed: infra/kubernetes/namespace/main.tf)
        root environments/dev/gamma/superset
          environments/dev/gamma/superset (changed: environments/dev/gamma/superset/main.tf)
          environments/dev/gamma/superset ← apps/superset/kubernetes ← infra/kubernetes/namespace (changed: infra/kubernetes/namespace/main.tf)
        deleted root environments/dev/beta/superset
          environments/dev/beta/superset (changed: environments/dev/beta/superset/main.tf)
        --- stderr
        affected: 0 images, 2 roots, 0 scripts, 1 deleted root from 4 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--why", "--kind", "root"]));
    // A refresh of a few folders is cheaper to redo than to store; kept when asked.
    assert!(!index.join(&head).exists(), "a small refresh is not kept unasked");
    repo.auto_once(&repo.path, &["--base", &base, "--save-graph-index"]);
    assert!(index.join(&head).is_file(), "the refreshed graph is kept for head when asked");

    // An index that does not read back whole is passed over, never trusted.
    for file in std::fs::read_dir(&index).expect("index folder").flatten() {
        std::fs::write(file.path(), "auto affected module graph v1\nprefix\t\nenvironments/dev/acme/infra\t\n")
            .expect("corrupt");
    }
    let answer = repo.affected(&["--base", &base, "--why", "--kind", "root"]);
    assert!(answer.contains("root environments/dev/acme/infra\n"), "{answer}");

    // With uncommitted changes the graph is not kept: it would not be the commit's.
    std::fs::remove_dir_all(&index).expect("rm index");
    repo.append("infra/kubernetes/namespace/main.tf");
    repo.affected(&["--include-uncommitted"]);
    assert!(!index.exists(), "nothing kept for a work tree with uncommitted changes");
    // `--graph-index DIR` keeps it elsewhere (CI points it at a cached folder).
    let elsewhere = repo.path.parent().expect("parent").join("graph-cache");
    repo.git(&["checkout", "-q", "--", "."]);
    repo.auto_once(&repo.path, &["--base", &base, "--graph-index", elsewhere.to_str().expect("utf-8")]);
    assert!(elsewhere.join(&head).is_file());

    // A change without a module keeps nothing unless asked (CI's run on main asks).
    repo.append("environments/dev/trino/main.tf");
    let plain = repo.commit("a root only");
    repo.auto_once(&repo.path, &["--base", "HEAD^"]);
    assert!(!index.exists(), "no module changed: the graph was not even read");
    repo.auto_once(&repo.path, &["--base", "HEAD^", "--save-graph-index"]);
    assert!(index.join(&plain).is_file());
}

#[test]
fn odd_tree_changes_read_alike_in_process_and_by_git() {
    // A file that becomes a folder and back, a symlink, a submodule entry, unusual names:
    // the in-process tree diff must list what `git diff` lists (`auto_in` compares them).
    let (repo, _) = changed(|r| {
        r.write("environments/dev/acme/hive/notes", "a file for now\n")
            .write("environments/dev/beta/hive/extra/main.tf", "locals {}\n");
    });
    repo.write("scripts/déjà vu.rhai", "//! Odd name.\n").write("apps/hive/docker/entry point.sh", "#!/bin/sh\n");
    repo.remove("environments/dev/acme/hive/notes");
    repo.write("environments/dev/acme/hive/notes/main.tf", "locals {}\n");
    repo.remove("environments/dev/beta/hive/extra");
    repo.write("environments/dev/beta/hive/extra", "now a file\n");
    std::os::unix::fs::symlink("Dockerfile", repo.path.join("apps/trino/docker/Dockerfile.link")).expect("symlink");
    // A gitlink (submodule commit) without a .gitmodules: git lists it, it holds no files.
    let commit = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["add", "-A"]);
    repo.git(&["update-index", "--add", "--cacheinfo", &format!("160000,{commit},vendor/module")]);
    repo.git(&["commit", "-q", "-m", "odd changes"]);
    let base = repo.git(&["rev-parse", "HEAD^"]);
    expect![[r#"
        exit 0
        --- stdout
        image hive
          hive (changed: apps/hive/docker/entry point.sh)
        image trino
          trino (changed: apps/trino/docker/Dockerfile.link)
        root environments/dev/acme/hive
          environments/dev/acme/hive (changed: environments/dev/acme/hive/notes, environments/dev/acme/hive/notes/main.tf)
        root environments/dev/beta/hive
          environments/dev/beta/hive (changed: environments/dev/beta/hive/extra, environments/dev/beta/hive/extra/main.tf)
        script déjà vu
          déjà vu (changed: scripts/déjà vu.rhai)
        ignored vendor/module: no rule maps it to a target
        --- stderr
        affected: 2 images, 2 roots, 1 script, 0 deleted roots from 8 changed files ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", &base, "--why"]));
}

#[test]
fn a_linked_work_tree_and_an_index_that_cannot_be_written() {
    let (repo, base) = changed(|r| {
        r.append("infra/kubernetes/namespace/main.tf");
    });
    // A linked work tree: its git folder is not the shared one, where the index lives.
    let linked = repo.path.parent().expect("parent").join("linked");
    repo.git(&["worktree", "add", "-q", "--detach", linked.to_str().expect("utf-8"), "HEAD"]);
    let from_linked = repo.auto_in(&linked, &["--base", &base]);
    assert!(from_linked.contains("root environments/dev/acme/hive\n"), "{from_linked}");
    assert!(repo.path.join(".git/auto/affected-graph").is_dir(), "kept in the shared git folder");
    // A file where the index folder should be: nothing is kept, the answer is the same.
    std::fs::remove_dir_all(repo.path.join(".git/auto")).expect("rm");
    std::fs::write(repo.path.join(".git/auto"), "not a folder\n").expect("write");
    assert_eq!(repo.affected(&["--base", &base]), from_linked);
}

#[test]
fn replace_refs_are_honoured_as_git_honours_them() {
    // gitoxide applies `refs/replace/` as git does; this pins it.
    let repo = Repo::platform();
    repo.append("apps/hive/docker/Dockerfile");
    let original = repo.commit("hive image");
    // A sibling of HEAD that changes the trino image instead, put in HEAD's place.
    repo.git(&["checkout", "-q", "HEAD^"]);
    repo.append("apps/trino/docker/Dockerfile");
    let replacement = repo.commit("trino image");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["replace", &original, &replacement]);
    assert_eq!(repo.git(&["diff", "--name-only", "HEAD^", "HEAD"]), "apps/trino/docker/Dockerfile");
    expect![[r#"
        exit 0
        --- stdout
        image trino
        --- stderr
        affected: 1 image, 0 roots, 0 scripts, 0 deleted roots from 1 changed file ([SHORT]..[SHORT])
    "#]]
    .assert_eq(&repo.affected(&["--base", "HEAD^"]));
}

#[test]
fn a_missing_object_sends_detection_to_git() {
    // A partial clone lacks objects until git fetches them; here one is simply gone. The
    // in-process reader must not guess: git processes answer, and say what they can.
    let (repo, base) = changed(|r| {
        r.append("infra/kubernetes/namespace/main.tf");
    });
    let blob = repo.git(&["rev-parse", "HEAD:environments/dev/beta/hive/main.tf"]);
    std::fs::remove_file(repo.path.join(".git/objects").join(&blob[..2]).join(&blob[2..])).expect("remove object");
    let answer = repo.affected(&["--base", &base, "--why", "--kind", "root"]);
    // The roots sharing that file's contents (the same blob) cannot be read either.
    assert!(
        answer.contains(
            "environments/dev/beta/hive (cannot read its module calls, included to be safe: environments/dev/beta/hive/main.tf: git object [SHA] is missing)"
        ),
        "{answer}"
    );
    assert!(answer.contains("environments/dev/beta/superset ← apps/superset/kubernetes ← infra/kubernetes/namespace"));
}

#[test]
fn auto_log_tells_which_reader_answered_and_whether_the_index_was_used() {
    let (repo, base) = changed(|r| {
        r.append("infra/kubernetes/namespace/main.tf");
    });
    let stderr_with = |variables: &[(&str, &str)]| {
        let output = Command::new(env!("CARGO_BIN_EXE_auto"))
            .args(["affected", "--base", &base])
            .current_dir(&repo.path)
            .env("AUTO_LOG", "debug")
            .env("NO_COLOR", "1")
            .envs(variables.iter().copied())
            .stdin(Stdio::null())
            .output()
            .expect("auto runs");
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let first = stderr_with(&[]);
    assert!(!first.contains("module graph from the index"), "no index yet: {first}");
    let second = stderr_with(&[]);
    assert!(second.contains("module graph from the index"), "{second}");
    let with_git_dir = stderr_with(&[("GIT_DIR", ".git")]);
    assert!(with_git_dir.contains("GIT_DIR is set: git decides what it means"), "{with_git_dir}");
    assert!(!with_git_dir.contains('\u{1b}'), "no colour codes in a pipe");
}
