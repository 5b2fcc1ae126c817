//! Path → area rules, purely lexical (no file system): which kind of target a changed
//! path can affect. `mod.rs` then resolves areas against the files at head (which folder
//! is a root, which module holds a file).

use std::collections::BTreeSet;

use super::tree::parent;

/// What a changed path belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Area<'a> {
    /// `apps/<app>/docker/**`: the image's build context.
    Image {
        app: &'a str,
    },
    /// A file that may belong to a terraform module; the module is the nearest folder at or
    /// above the file holding `*.tf`, searched no higher than `boundary`.
    Module {
        boundary: &'a str,
    },
    /// `environments/<env>/**`.
    Environment {
        env: &'a str,
    },
    /// `scripts/<name>.rhai`.
    Script {
        name: &'a str,
    },
    /// `scripts/lib/**`: every named script may import it.
    ScriptLibrary,
    Ignored(Ignored),
}

/// Why a path maps to no target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    Workflow,
    Documentation,
    NoRule,
}

impl Ignored {
    pub fn describe(self) -> &'static str {
        match self {
            Ignored::Workflow => "CI configuration",
            Ignored::Documentation => "documentation",
            Ignored::NoRule => "no rule maps it to a target",
        }
    }
}

/// Classifies a repository-relative, `/`-separated path.
pub fn classify(path: &str) -> Area<'_> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        // The build context is copied into the image whole, documentation included.
        ["apps", app, "docker", _, ..] => Area::Image { app },
        _ if is_documentation(&parts) => Area::Ignored(Ignored::Documentation),
        [".github", ..] => Area::Ignored(Ignored::Workflow),
        ["apps", app, "kubernetes", _, ..] => {
            let end = "apps/".len() + app.len() + "/kubernetes".len();
            Area::Module { boundary: &path[..end] }
        }
        ["infra", _, ..] => Area::Module { boundary: "infra" },
        ["environments", env, _, ..] => Area::Environment { env },
        ["scripts", "lib", _, ..] => Area::ScriptLibrary,
        ["scripts", file] => match file.strip_suffix(".rhai") {
            Some(name) if !name.is_empty() => Area::Script { name },
            _ => Area::Ignored(Ignored::NoRule),
        },
        // Terraform elsewhere (a `modules/` folder, say) is still a module roots may call;
        // only the file system can tell.
        [_, _, ..] if !path.starts_with('.') => Area::Module { boundary: "" },
        _ => Area::Ignored(Ignored::NoRule),
    }
}

/// What mapping some paths needs listed at head: folders with everything below them, and
/// folders with only the files directly in them. Listing 30,000 files costs more than the
/// whole diff, and most changes need a handful of folders. (The module graph, which spans
/// every root, is read on its own: see `ModuleGraph`.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Folders (or files) listed with everything below them.
    pub below: BTreeSet<String>,
    /// Folders whose own files are listed, not their subfolders'.
    pub files_in: BTreeSet<String>,
}

impl Listing {
    pub fn is_empty(&self) -> bool {
        self.below.is_empty() && self.files_in.is_empty()
    }

    /// Whether the files directly in `dir` are listed.
    pub fn covers(&self, dir: &str) -> bool {
        self.files_in.contains(dir)
            || std::iter::successors(Some(dir), |at| (!at.is_empty()).then(|| parent(at)))
                .any(|at| self.below.contains(at))
    }
}

pub fn listing_scope<'a>(paths: impl IntoIterator<Item = &'a str>) -> Listing {
    let mut needed = Listing::default();
    for path in paths {
        match classify(path) {
            Area::Image { app } => {
                needed.below.insert(format!("apps/{app}/docker"));
            }
            // The folders a changed file's module may be in.
            Area::Module { boundary } => {
                needed.below.insert(match boundary {
                    "" => path.split('/').next().unwrap_or_default().to_string(),
                    boundary => boundary.to_string(),
                });
            }
            Area::Environment { .. } => {
                let parts: Vec<&str> = path.split('/').collect();
                match parts.len() {
                    // A file of the environment folder (env.toml) or of a customer folder
                    // (customer.toml): settings for every root below it.
                    3 | 4 => {
                        needed.below.insert(parts[..parts.len() - 1].join("/"));
                    }
                    // `environments/<env>/<x>/<y>/…`: its root is `<x>` if that holds `.tf`,
                    // else `<y>` or below; `<x>`'s other folders are other roots.
                    _ => {
                        needed.files_in.insert(parts[..3].join("/"));
                        needed.below.insert(parts[..4].join("/"));
                    }
                }
            }
            Area::Script { .. } => {
                needed.below.insert(path.to_string());
            }
            Area::ScriptLibrary => {
                needed.below.insert("scripts".to_string());
            }
            Area::Ignored(_) => {}
        }
    }
    // What a folder listed with everything below it holds already is left out.
    let below = std::mem::take(&mut needed.below);
    let inside_another = |path: &str| {
        std::iter::successors(Some(parent(path)), |at| (!at.is_empty()).then(|| parent(at)))
            .any(|at| below.contains(at))
    };
    needed.below = below.iter().filter(|path| !inside_another(path)).cloned().collect();
    let files_in = std::mem::take(&mut needed.files_in);
    needed.files_in = files_in.into_iter().filter(|dir| !needed.covers(dir)).collect();
    needed
}

fn is_documentation(parts: &[&str]) -> bool {
    let file = parts.last().copied().unwrap_or_default();
    parts.first() == Some(&"docs")
        || file.ends_with(".md")
        || file == "LICENSE"
        || file.starts_with("README")
        || file == "CODEOWNERS"
}

/// Root metadata from its path: `environments/<env>/<root>` (environment-level) or
/// `environments/<env>/<customer>/<root>`.
pub fn root_env_and_customer(root: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = root.split('/').collect();
    let env = parts.get(1).copied().unwrap_or_default().to_string();
    let customer = if parts.len() >= 4 { parts.get(2).map(|c| c.to_string()) } else { None };
    (env, customer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_each_area() {
        let cases = [
            "apps/hive/docker/Dockerfile",
            "apps/hive/docker/README.md",
            "apps/hive/kubernetes/main.tf",
            "apps/hive/kubernetes/templates/core-site.xml",
            "apps/hive/kubernetes",
            "apps/hive/notes.txt",
            "infra/kubernetes/namespace/main.tf",
            "infra/README.md",
            "environments/dev/env.toml",
            "environments/dev/acme/hive/main.tf",
            "environments/README.md",
            "environments/dev",
            "scripts/onboard_customer.rhai",
            "scripts/lib/platform.rhai",
            "scripts/notes.txt",
            "scripts/.rhai",
            ".github/workflows/ci.yml",
            "docs/affected.md",
            "README.md",
            "Cargo.toml",
            "modules/shared/main.tf",
            ".ci/env.sh",
        ];
        let shown: Vec<String> = cases.iter().map(|c| format!("{c}: {:?}", classify(c))).collect();
        expect_test::expect![[r#"
            apps/hive/docker/Dockerfile: Image { app: "hive" }
            apps/hive/docker/README.md: Image { app: "hive" }
            apps/hive/kubernetes/main.tf: Module { boundary: "apps/hive/kubernetes" }
            apps/hive/kubernetes/templates/core-site.xml: Module { boundary: "apps/hive/kubernetes" }
            apps/hive/kubernetes: Module { boundary: "" }
            apps/hive/notes.txt: Module { boundary: "" }
            infra/kubernetes/namespace/main.tf: Module { boundary: "infra" }
            infra/README.md: Ignored(Documentation)
            environments/dev/env.toml: Environment { env: "dev" }
            environments/dev/acme/hive/main.tf: Environment { env: "dev" }
            environments/README.md: Ignored(Documentation)
            environments/dev: Module { boundary: "" }
            scripts/onboard_customer.rhai: Script { name: "onboard_customer" }
            scripts/lib/platform.rhai: ScriptLibrary
            scripts/notes.txt: Ignored(NoRule)
            scripts/.rhai: Ignored(NoRule)
            .github/workflows/ci.yml: Ignored(Workflow)
            docs/affected.md: Ignored(Documentation)
            README.md: Ignored(Documentation)
            Cargo.toml: Ignored(NoRule)
            modules/shared/main.tf: Module { boundary: "" }
            .ci/env.sh: Ignored(NoRule)"#]]
        .assert_eq(&shown.join("\n"));
    }

    #[test]
    fn lists_only_what_the_changes_need() {
        let scope = listing_scope([
            "apps/hive/docker/Dockerfile",
            "environments/dev/acme/hive/main.tf",
            "environments/dev/acme/customer.toml",
            "environments/qa/env.toml",
            "scripts/onboard_customer.rhai",
            "scripts/lib/platform.rhai",
            "README.md",
        ]);
        expect_test::expect![[r#"
            Listing {
                below: {
                    "apps/hive/docker",
                    "environments/dev/acme",
                    "environments/qa",
                    "scripts",
                },
                files_in: {},
            }
        "#]]
        .assert_debug_eq(&scope);
        // A file in a root: the customer folder's own files and that root's folder, not the
        // customer's other roots.
        let scope = listing_scope(["environments/dev/acme/hive/main.tf", "environments/dev/beta/infra/modules/a.tf"]);
        expect_test::expect![[r#"
            Listing {
                below: {
                    "environments/dev/acme/hive",
                    "environments/dev/beta/infra",
                },
                files_in: {
                    "environments/dev/acme",
                    "environments/dev/beta",
                },
            }
        "#]]
        .assert_debug_eq(&scope);
        assert!(scope.covers("environments/dev/acme") && scope.covers("environments/dev/beta/infra/modules"));
        assert!(!scope.covers("environments/dev/acme/superset") && !scope.covers("environments/dev"));
        assert!(listing_scope(["README.md"]).is_empty());
        // A module's folders, not every root: the module graph is read on its own.
        expect_test::expect![[r#"
            {
                "apps/hive/kubernetes",
                "infra",
                "modules",
            }
        "#]]
        .assert_debug_eq(
            &listing_scope(["infra/x/main.tf", "apps/hive/kubernetes/templates/a.yaml", "modules/shared/main.tf"])
                .below,
        );
    }

    #[test]
    fn root_metadata_comes_from_the_path() {
        assert_eq!(root_env_and_customer("environments/dev/acme/hive"), ("dev".into(), Some("acme".into())));
        assert_eq!(root_env_and_customer("environments/dev/trino"), ("dev".into(), None));
    }
}
