//! Rendering [`Affected`] for people (`list`), tools (`json`) and GitHub Actions job
//! matrices (`github-matrix`). Everything is sorted; the same change renders byte for byte
//! the same.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::changes::Affected;
use super::error::short;
use super::mapping::root_env_and_customer;
use super::targets::{Reasons, Targets};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Root,
    Script,
    All,
}

/// A matrix holds one kind of job, so `All` is not representable here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixKind {
    Image,
    Root,
    Script,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    List(Kind),
    Json(Kind),
    GithubMatrix(MatrixKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Explain {
    /// Add every target's reasons and the ignored files.
    Why,
    Targets,
}

/// The most jobs GitHub Actions accepts in one matrix.
pub const GITHUB_MATRIX_LIMIT: usize = 256;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    pub stdout: String,
    /// Reasons for a matrix (stdout must stay exactly the JSON) and warnings.
    pub stderr: String,
}

impl Kind {
    fn images(self) -> bool {
        matches!(self, Kind::Image | Kind::All)
    }
    fn roots(self) -> bool {
        matches!(self, Kind::Root | Kind::All)
    }
    fn scripts(self) -> bool {
        matches!(self, Kind::Script | Kind::All)
    }
}

pub fn render(affected: &Affected, rendering: Rendering, explain: Explain) -> Rendered {
    match rendering {
        Rendering::List(kind) => Rendered { stdout: list(affected, kind, explain), stderr: String::new() },
        Rendering::Json(kind) => Rendered { stdout: json(affected, kind, explain), stderr: String::new() },
        Rendering::GithubMatrix(kind) => matrix(affected, kind, explain),
    }
}

fn list(affected: &Affected, kind: Kind, explain: Explain) -> String {
    // A line is a label and a path: enough room for most, grown once at most.
    let targets = affected.images.len() + affected.roots.len() + affected.scripts.len() + affected.deleted_roots.len();
    let mut out = String::with_capacity(64 * targets);
    let mut section = |label: &str, targets: &Targets| {
        for (target, reasons) in targets.iter() {
            // Thousands of lines when a shared module changed: no `format!` per line.
            out.push_str(label);
            out.push(' ');
            out.push_str(target);
            out.push('\n');
            if explain == Explain::Why {
                for reason in reasons.iter() {
                    // Writing to a String cannot fail.
                    let _ = writeln!(out, "  {}", reason.display(target));
                }
            }
        }
    };
    if kind.images() {
        section("image", &affected.images);
    }
    if kind.roots() {
        section("root", &affected.roots);
    }
    if kind.scripts() {
        section("script", &affected.scripts);
    }
    if kind.roots() {
        section("deleted root", &affected.deleted_roots);
    }
    if explain == Explain::Why && kind == Kind::All {
        for (file, why) in &affected.ignored {
            out.push_str(&format!("ignored {file}: {why}\n"));
        }
    }
    out
}

#[derive(Serialize)]
struct JsonRoot<'a> {
    path: &'a str,
    env: String,
    customer: Option<String>,
}

#[derive(Serialize)]
struct JsonWhy<'a> {
    images: BTreeMap<&'a str, Vec<String>>,
    roots: BTreeMap<&'a str, Vec<String>>,
    scripts: BTreeMap<&'a str, Vec<String>>,
    deleted_roots: BTreeMap<&'a str, Vec<String>>,
    ignored: BTreeMap<&'a str, &'a str>,
}

/// `auto affected --format json` / `--output json` (docs/schemas/auto.affected.v1.json).
pub const SCHEMA: &str = "auto.affected/v1";

#[derive(Serialize)]
struct JsonOutput<'a> {
    schema: &'static str,
    base: &'a str,
    head: &'a str,
    images: Vec<&'a str>,
    roots: Vec<JsonRoot<'a>>,
    scripts: Vec<&'a str>,
    deleted_roots: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<JsonWhy<'a>>,
}

fn pick(targets: &Targets, wanted: bool) -> Vec<(&str, Reasons<'_>)> {
    targets.iter().filter(|_| wanted).collect()
}

fn reasons_text<'a>(targets: &[(&'a str, Reasons<'_>)]) -> BTreeMap<&'a str, Vec<String>> {
    targets
        .iter()
        .map(|(t, reasons)| (*t, reasons.iter().map(|reason| reason.display(t).to_string()).collect()))
        .collect()
}

fn json(affected: &Affected, kind: Kind, explain: Explain) -> String {
    let images = pick(&affected.images, kind.images());
    let roots = pick(&affected.roots, kind.roots());
    let scripts = pick(&affected.scripts, kind.scripts());
    let deleted = pick(&affected.deleted_roots, kind.roots());
    let why = (explain == Explain::Why).then(|| JsonWhy {
        images: reasons_text(&images),
        roots: reasons_text(&roots),
        scripts: reasons_text(&scripts),
        deleted_roots: reasons_text(&deleted),
        ignored: affected.ignored.iter().filter(|_| kind == Kind::All).map(|(f, w)| (f.as_str(), w.as_str())).collect(),
    });
    let output = JsonOutput {
        schema: SCHEMA,
        base: &affected.base,
        head: &affected.head,
        images: images.iter().map(|(name, _)| *name).collect(),
        roots: roots
            .iter()
            .map(|(path, _)| {
                let (env, customer) = root_env_and_customer(path);
                JsonRoot { path, env, customer }
            })
            .collect(),
        scripts: scripts.iter().map(|(name, _)| *name).collect(),
        deleted_roots: deleted.iter().map(|(name, _)| *name).collect(),
        why,
    };
    to_json_line(&output)
}

#[derive(Serialize)]
struct Matrix<T> {
    include: Vec<T>,
}

#[derive(Serialize)]
struct ImageJob<'a> {
    name: &'a str,
    script: &'static str,
    params: ImageParams<'a>,
}

#[derive(Serialize)]
struct ImageParams<'a> {
    app: &'a str,
}

#[derive(Serialize)]
struct RootJob<'a> {
    name: &'a str,
    env: String,
    script: &'static str,
    params: RootParams<'a>,
}

#[derive(Serialize)]
struct RootParams<'a> {
    env: String,
    root: &'a str,
}

#[derive(Serialize)]
struct ScriptJob<'a> {
    name: &'a str,
    script: &'a str,
    path: String,
}

fn matrix(affected: &Affected, kind: MatrixKind, explain: Explain) -> Rendered {
    let (stdout, targets) = match kind {
        MatrixKind::Image => {
            let include = affected
                .images
                .names()
                .map(|app| ImageJob { name: app, script: "build_images", params: ImageParams { app } })
                .collect();
            (to_json_line(&Matrix { include }), &affected.images)
        }
        MatrixKind::Root => {
            let include = affected
                .roots
                .names()
                .map(|root| {
                    let (env, _) = root_env_and_customer(root);
                    let name = root.strip_prefix("environments/").unwrap_or(root);
                    RootJob { name, env: env.clone(), script: "terraform_root", params: RootParams { env, root } }
                })
                .collect();
            (to_json_line(&Matrix { include }), &affected.roots)
        }
        MatrixKind::Script => {
            let include = affected
                .scripts
                .names()
                .map(|name| ScriptJob { name, script: name, path: format!("scripts/{name}.rhai") })
                .collect();
            (to_json_line(&Matrix { include }), &affected.scripts)
        }
    };
    let mut stderr = String::new();
    if explain == Explain::Why {
        for (target, reasons) in targets.iter() {
            for reason in reasons.iter() {
                stderr.push_str(&format!("{target}: {}\n", reason.display(target)));
            }
        }
    }
    if targets.len() > GITHUB_MATRIX_LIMIT {
        stderr.push_str(&format!(
            "warning: {} jobs exceed GitHub Actions' limit of {GITHUB_MATRIX_LIMIT} per matrix: split the matrix (one per environment, say) or run the targets in fewer jobs\n",
            targets.len()
        ));
    }
    Rendered { stdout, stderr }
}

fn to_json_line(value: &impl Serialize) -> String {
    // Serialising plain structs of strings cannot fail.
    let mut text = serde_json::to_string(value).unwrap_or_default();
    text.push('\n');
    text
}

/// `3 images, 12 roots, 1 script, 1 deleted root from 50 changed files (abc..def)`.
pub fn summary(affected: &Affected) -> String {
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    format!(
        "affected: {}, {}, {}, {} from {} ({}..{})",
        count(affected.images.len(), "image"),
        count(affected.roots.len(), "root"),
        count(affected.scripts.len(), "script"),
        count(affected.deleted_roots.len(), "deleted root"),
        count(affected.changed_files, "changed file"),
        short(&affected.base),
        short(&affected.head),
    )
}

#[cfg(test)]
mod tests {
    use super::super::reason::{Cause, Reason};
    use super::*;

    fn sample() -> Affected {
        let reason = |chain: &[&str], files: &[&str]| {
            let via: Vec<String> = chain[1..].iter().map(|s| s.to_string()).collect();
            Reason::new(via, Cause::Changed(files.iter().map(|s| s.to_string()).collect()))
        };
        let mut affected =
            Affected { base: "a".repeat(40), head: "b".repeat(40), changed_files: 9, ..Affected::default() };
        affected.images.insert("hive".into(), vec![reason(&["hive"], &["apps/hive/docker/Dockerfile"])]);
        affected.roots.insert(
            "environments/dev/demo/hive".into(),
            vec![reason(
                &["environments/dev/demo/hive", "apps/hive/kubernetes", "infra/kubernetes/namespace"],
                &[
                    "infra/kubernetes/namespace/a.tf",
                    "infra/kubernetes/namespace/b.tf",
                    "infra/kubernetes/namespace/c.tf",
                    "infra/kubernetes/namespace/d.tf",
                ],
            )],
        );
        affected.roots.insert(
            "environments/dev/trino".into(),
            vec![reason(&["environments/dev/trino", "environments/dev"], &["environments/dev/env.toml"])],
        );
        affected.scripts.insert(
            "onboard_customer".into(),
            vec![reason(&["onboard_customer", "scripts/lib"], &["scripts/lib/platform.rhai"])],
        );
        affected.deleted_roots.insert(
            "environments/dev/old/hive".into(),
            vec![reason(&["environments/dev/old/hive"], &["environments/dev/old/hive/main.tf"])],
        );
        affected.ignored.insert(".github/workflows/ci.yml".into(), "CI configuration".into());
        affected
    }

    #[test]
    fn list_with_reasons() {
        let out = render(&sample(), Rendering::List(Kind::All), Explain::Why);
        expect_test::expect![[r#"
            image hive
              hive (changed: apps/hive/docker/Dockerfile)
            root environments/dev/demo/hive
              environments/dev/demo/hive ← apps/hive/kubernetes ← infra/kubernetes/namespace (changed: infra/kubernetes/namespace/a.tf, infra/kubernetes/namespace/b.tf, infra/kubernetes/namespace/c.tf and 1 more)
            root environments/dev/trino
              environments/dev/trino ← environments/dev (changed: environments/dev/env.toml)
            script onboard_customer
              onboard_customer ← scripts/lib (changed: scripts/lib/platform.rhai)
            deleted root environments/dev/old/hive
              environments/dev/old/hive (changed: environments/dev/old/hive/main.tf)
            ignored .github/workflows/ci.yml: CI configuration
        "#]]
        .assert_eq(&out.stdout);
        expect_test::expect![[r#"
            image hive
        "#]]
        .assert_eq(&render(&sample(), Rendering::List(Kind::Image), Explain::Targets).stdout);
    }

    #[test]
    fn json_shape() {
        expect_test::expect![[r#"
            {"schema":"auto.affected/v1","base":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","head":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","images":["hive"],"roots":[{"path":"environments/dev/demo/hive","env":"dev","customer":"demo"},{"path":"environments/dev/trino","env":"dev","customer":null}],"scripts":["onboard_customer"],"deleted_roots":["environments/dev/old/hive"]}
        "#]]
        .assert_eq(&render(&sample(), Rendering::Json(Kind::All), Explain::Targets).stdout);
        expect_test::expect![[r#"
            {"schema":"auto.affected/v1","base":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","head":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","images":[],"roots":[],"scripts":["onboard_customer"],"deleted_roots":[],"why":{"images":{},"roots":{},"scripts":{"onboard_customer":["onboard_customer ← scripts/lib (changed: scripts/lib/platform.rhai)"]},"deleted_roots":{},"ignored":{}}}
        "#]]
        .assert_eq(&render(&sample(), Rendering::Json(Kind::Script), Explain::Why).stdout);
    }

    #[test]
    fn github_matrices() {
        let shown: Vec<String> = [MatrixKind::Image, MatrixKind::Root, MatrixKind::Script]
            .into_iter()
            .map(|kind| render(&sample(), Rendering::GithubMatrix(kind), Explain::Targets).stdout)
            .collect();
        expect_test::expect![[r#"
            {"include":[{"name":"hive","script":"build_images","params":{"app":"hive"}}]}
            {"include":[{"name":"dev/demo/hive","env":"dev","script":"terraform_root","params":{"env":"dev","root":"environments/dev/demo/hive"}},{"name":"dev/trino","env":"dev","script":"terraform_root","params":{"env":"dev","root":"environments/dev/trino"}}]}
            {"include":[{"name":"onboard_customer","script":"onboard_customer","path":"scripts/onboard_customer.rhai"}]}
        "#]]
        .assert_eq(&shown.concat());
        let empty = render(&Affected::default(), Rendering::GithubMatrix(MatrixKind::Root), Explain::Why);
        assert_eq!(empty, Rendered { stdout: "{\"include\":[]}\n".into(), stderr: String::new() });
    }

    #[test]
    fn too_many_matrix_jobs_warn() {
        let mut affected = Affected::default();
        for i in 0..300 {
            affected.roots.insert(format!("environments/dev/c{i}/hive"), vec![]);
        }
        let out = render(&affected, Rendering::GithubMatrix(MatrixKind::Root), Explain::Targets);
        expect_test::expect![[r#"
            warning: 300 jobs exceed GitHub Actions' limit of 256 per matrix: split the matrix (one per environment, say) or run the targets in fewer jobs
        "#]]
        .assert_eq(&out.stderr);
    }

    #[test]
    fn summary_line() {
        expect_test::expect![
            "affected: 1 image, 2 roots, 1 script, 1 deleted root from 9 changed files (aaaaaaaaaaaa..bbbbbbbbbbbb)"
        ]
        .assert_eq(&summary(&sample()));
    }
}
