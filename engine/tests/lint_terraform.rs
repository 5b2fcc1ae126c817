//! `auto lint-terraform`: small module trees in temp dirs, each rule broken on purpose,
//! and the repository's own terraform checked for real.
#![allow(clippy::disallowed_methods)] // tests start the binary under test directly

use std::path::Path;
use std::process::{Command, Stdio};

use expect_test::expect;

/// A repository (scripts/ and environments/ make it one) holding a root that calls an app
/// module that calls an infra module: every rule satisfied.
fn good_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let files: [(&str, &str); 8] = [
        ("scripts/.keep", ""),
        (
            "infra/kubernetes/namespace/main.tf",
            r#"variable "name" {
  type = string
}

variable "labels" {
  type    = map(string)
  default = {}
}

resource "terraform_data" "ns" {
  input = { name = var.name, labels = var.labels }
}
"#,
        ),
        (
            "infra/kubernetes/namespace/outputs.tf",
            r#"output "name" {
  value = var.name
}
"#,
        ),
        (
            "apps/hive/kubernetes/main.tf",
            r#"variable "customer" {
  type = string
}

module "namespace" {
  source = "../../../infra/kubernetes/namespace"
  count  = 1
  name   = "hive-${var.customer}"
}

output "namespace" {
  value = module.namespace[0].name
}

output "all" {
  value = "${module.namespace[*].name}"
}
"#,
        ),
        (
            "apps/hive/kubernetes/versions.tf",
            r#"terraform {
  required_version = ">= 1.0"
}
"#,
        ),
        (
            "environments/dev/acme/hive/main.tf",
            r#"module "hive" {
  source     = "../../../../apps/hive/kubernetes"
  customer   = "acme"
  depends_on = [module.registry]
  providers  = {}
}

module "registry" {
  source  = "Azure/avm-res-containerregistry-registry/azurerm"
  version = "0.4.0"
  anything = "not checked: fetched by terraform init"
}

output "namespace" {
  value = module.hive.namespace
}

moved {
  from = module.old_name
  to   = module.hive
}
"#,
        ),
        ("environments/dev/acme/hive/.terraform/modules/x/main.tf", "this is not even HCL {{{"),
        ("environments/dev/env.toml", "[naming]\nprefix = \"anl\"\n"),
    ];
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    dir
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn lint(root: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_auto"))
        .arg("lint-terraform")
        .args(args)
        .current_dir(root)
        .env_remove("AUTO_REPO")
        .stdin(Stdio::null())
        .output()
        .expect("auto runs");
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The good tree with one file replaced.
fn broken(path: &str, text: &str) -> String {
    let dir = good_tree();
    write(dir.path(), path, text);
    lint(dir.path(), &[])
}

#[test]
fn a_consistent_tree_passes() {
    let dir = good_tree();
    expect![[r#"
        exit 0
        --- stdout
        lint-terraform: 5 files, 3 modules, 0 problems
        --- stderr
    "#]]
    .assert_eq(&lint(dir.path(), &[]));
}

#[test]
fn syntax_errors_give_file_line_and_column() {
    expect![[r#"
        exit 1
        --- stdout
        apps/hive/kubernetes/versions.tf:2:22: syntax error: invalid expression; expected `"`, `[`, `{`, `-`, `!`, `(`, `_`, `<`, letter or digit
        lint-terraform: 5 files, 3 modules, 1 problem
        --- stderr
        error: 1 problem(s) in terraform code: see the lines above
    "#]]
    .assert_eq(&broken("apps/hive/kubernetes/versions.tf", "terraform {\n  required_version = \n}\n"));
}

#[test]
fn a_missing_module_source_is_caught() {
    expect![[r#"
        exit 1
        --- stdout
        apps/hive/kubernetes/main.tf:5: module "namespace": source "../../../infra/kubernetes/namespaces" does not exist (resolved to infra/kubernetes/namespaces)
        lint-terraform: 5 files, 3 modules, 1 problem
        --- stderr
        error: 1 problem(s) in terraform code: see the lines above
    "#]]
    .assert_eq(&broken(
        "apps/hive/kubernetes/main.tf",
        r#"variable "customer" {
  type = string
}

module "namespace" {
  source = "../../../infra/kubernetes/namespaces"
  name   = "x"
}

output "namespace" {
  value = module.namespace.name
}
"#,
    ));
}

#[test]
fn a_source_folder_without_terraform_is_caught() {
    let dir = good_tree();
    write(dir.path(), "infra/empty/README.md", "no terraform here\n");
    write(
        dir.path(),
        "environments/dev/acme/hive/extra.tf",
        "module \"empty\" {\n  source = \"../../../../infra/empty\"\n}\n",
    );
    write(
        dir.path(),
        "environments/dev/acme/hive/outside.tf",
        "module \"out\" {\n  source = \"../../../../../elsewhere\"\n}\n",
    );
    expect![[r#"
        exit 1
        --- stdout
        environments/dev/acme/hive/extra.tf:1: module "empty": source "../../../../infra/empty" (infra/empty) holds no .tf files
        environments/dev/acme/hive/outside.tf:1: module "out": source "../../../../../elsewhere" points outside the repository
        lint-terraform: 7 files, 3 modules, 2 problems
        --- stderr
        error: 2 problem(s) in terraform code: see the lines above
    "#]]
    .assert_eq(&lint(dir.path(), &[]));
}

#[test]
fn a_missing_required_variable_is_caught() {
    expect![[r#"
        exit 1
        --- stdout
        environments/dev/acme/hive/main.tf:1: module "hive": missing required variable "customer" of apps/hive/kubernetes
        lint-terraform: 5 files, 3 modules, 1 problem
        --- stderr
        error: 1 problem(s) in terraform code: see the lines above
    "#]]
    .assert_eq(&broken(
        "environments/dev/acme/hive/main.tf",
        "module \"hive\" {\n  source = \"../../../../apps/hive/kubernetes\"\n}\n",
    ));
}

#[test]
fn an_unknown_argument_is_caught_with_a_suggestion() {
    expect![[r#"
        exit 1
        --- stdout
        environments/dev/acme/hive/main.tf:1: module "hive": missing required variable "customer" of apps/hive/kubernetes
        environments/dev/acme/hive/main.tf:3: module "hive": unknown argument "custmer": apps/hive/kubernetes has no variable "custmer": did you mean "customer"?
        environments/dev/acme/hive/main.tf:4: module "hive": unknown argument "lifecycle_rules": apps/hive/kubernetes has no variable "lifecycle_rules"
        lint-terraform: 5 files, 3 modules, 3 problems
        --- stderr
        error: 3 problem(s) in terraform code: see the lines above
    "#]]
    .assert_eq(&broken(
        "environments/dev/acme/hive/main.tf",
        "module \"hive\" {\n  source = \"../../../../apps/hive/kubernetes\"\n  custmer = \"acme\"\n  lifecycle_rules = 1\n}\n",
    ));
}

#[test]
fn an_unknown_output_or_module_reference_is_caught() {
    expect![[r#"
        exit 1
        --- stdout
        apps/hive/kubernetes/main.tf:11: module.namespace.nmae: module "namespace" (infra/kubernetes/namespace) has no output "nmae": did you mean "name"?
        apps/hive/kubernetes/main.tf:15: module.nope.id: no module "nope" is declared in apps/hive/kubernetes
        lint-terraform: 5 files, 3 modules, 2 problems
        --- stderr
        error: 2 problem(s) in terraform code: see the lines above
    "#]]
    .assert_eq(&broken(
        "apps/hive/kubernetes/main.tf",
        r#"variable "customer" {
  type = string
}

module "namespace" {
  source = "../../../infra/kubernetes/namespace"
  name   = "hive-${var.customer}"
}

output "namespace" {
  value = module.namespace.nmae
}

output "other" {
  value = "${module.nope.id}"
}
"#,
    ));
}

#[test]
fn blocks_and_non_literal_sources_in_module_calls_are_caught() {
    expect![[r#"
        exit 1
        --- stdout
        environments/dev/acme/hive/main.tf:1: module "hive": `source` must be a literal string: terraform resolves it before evaluating anything
        environments/dev/acme/hive/main.tf:3: module "hive": unexpected block `lifecycle`: a module block takes arguments (`name = value`), not blocks
        environments/dev/acme/hive/main.tf:5: module "nosource": no `source`: say where the module is, e.g. `source = "../../infra/azure/naming"`
        lint-terraform: 5 files, 3 modules, 3 problems
        --- stderr
        error: 3 problem(s) in terraform code: see the lines above
    "#]]
    .assert_eq(&broken(
        "environments/dev/acme/hive/main.tf",
        "module \"hive\" {\n  source = \"${path.module}/x\"\n  lifecycle {}\n}\nmodule \"nosource\" {\n}\n",
    ));
}

#[test]
fn paths_limit_the_check_and_missing_paths_are_errors() {
    let dir = good_tree();
    write(dir.path(), "infra/kubernetes/namespace/main.tf", "variable {\n");
    // Only the root is checked, but the syntax error of a module it reaches is reported.
    expect![[r#"
        exit 1
        --- stdout
        infra/kubernetes/namespace/main.tf:1:12: syntax error: invalid block body; expected `}`, newline or identifier
        lint-terraform: 1 file, 1 module, 1 problem
        --- stderr
        error: 1 problem(s) in terraform code: see the lines above
    "#]]
    .assert_eq(&lint(dir.path(), &["environments/dev/acme/hive/main.tf"]));
    expect![[r#"
        exit 1
        --- stdout
        --- stderr
        error: cannot read `nowhere`: no such file or folder
    "#]]
    .assert_eq(&lint(dir.path(), &["nowhere"]));
}

/// The repository's own terraform: what CI lints on every push. Other people are writing
/// it, so on failure this prints every problem for them to fix.
#[test]
fn the_repository_terraform_is_consistent() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
    let targets = auto::terraform_lint::default_targets(repo);
    assert!(!targets.is_empty(), "no infra/, apps/*/kubernetes or environments/ under {}", repo.display());
    let report = auto::terraform_lint::lint(repo, &targets);
    for problem in &report.problems {
        eprintln!("{problem}");
    }
    eprintln!("{}", report.summary());
    assert!(
        report.problems.is_empty(),
        "{} problem(s) in the repository's terraform (listed above)",
        report.problems.len()
    );
}
