//! A terraform root as the repository sees it: `environments/<env>/[<customer>/]<name>`.
//!
//! The path decides everything a run needs besides the script's variables: the
//! environment (and so the backend from its env.toml), the state key, and the scope lock
//! two runs must not hold at once.

use std::path::{Path, PathBuf};

use crate::repo::{BackendConfig, Repo};

#[derive(Debug, Clone, PartialEq)]
pub struct Root {
    /// Absolute path of the folder.
    pub dir: PathBuf,
    /// Repository-relative path: `environments/dev/acme/infra` (`-chdir=`, messages).
    pub path: String,
    /// The path below `environments/`: `dev/acme/infra` (state key, summaries, unknowns).
    pub label: String,
    pub env: String,
    /// `dev/acme` for a root inside a customer folder, `dev` for an environment root.
    pub lock_scope: String,
    pub backend: BackendConfig,
    /// The environment's resource types that an apply never destroys unless named.
    pub protected_types: Vec<String>,
}

impl Root {
    /// Finds and checks the root a script named.
    pub fn locate(planned: &crate::process::PlannedWrites, repo: &Repo, path: &str) -> Result<Root, String> {
        let dir = tf_dir(planned, repo, path)?;
        let relative = repo.relative(&dir);
        let below = relative.strip_prefix("environments/").unwrap_or_default();
        let segments: Vec<&str> = below.split('/').filter(|s| !s.is_empty()).collect();
        if segments.len() < 2 {
            return Err(format!(
                "terraform root `{path}` is not inside an environment: roots live under `environments/<env>/` (e.g. `environments/dev/acme/infra`), where env.toml names the state backend"
            ));
        }
        let env = segments[0].to_string();
        let environment = repo.environment(&env).map_err(|e| e.to_string())?;
        let is_customer = segments.len() >= 3 && environment.dir.join(segments[1]).join("customer.toml").is_file();
        let lock_scope = if is_customer { format!("{env}/{}", segments[1]) } else { env.clone() };
        let label = segments.join("/");
        Ok(Root {
            dir,
            path: relative,
            label,
            env,
            lock_scope,
            backend: environment.config.backend,
            protected_types: environment.config.terraform.protected_types,
        })
    }

    /// `dev/acme/infra.tfstate`: one state blob per root, named after its place in the tree.
    pub fn state_key(&self) -> String {
        format!("{}.tfstate", self.label)
    }
}

/// Resolves a script path to a folder holding terraform files (any folder in the
/// repository: `validate` also checks modules under `infra/`).
pub fn tf_dir(planned: &crate::process::PlannedWrites, repo: &Repo, path: &str) -> Result<PathBuf, String> {
    let dir = repo.resolve(path).map_err(|e| e.to_string())?;
    // A root a dry-run scaffolds exists in the plan: it can be planned (recorded) too.
    if !planned.is_dir(&dir) {
        return Err(format!("terraform root `{path}` does not exist: expected a folder with *.tf files (paths are relative to the repository root)"));
    }
    if tf_files(planned, &dir).is_empty() {
        return Err(format!("terraform root `{path}` has no *.tf files"));
    }
    Ok(dir)
}

/// The `*.tf` files directly in `dir`, sorted.
pub fn tf_files(planned: &crate::process::PlannedWrites, dir: &Path) -> Vec<PathBuf> {
    planned.files_in(dir).into_iter().filter(|path| path.extension().is_some_and(|e| e == "tf")).collect()
}

/// Whether `path` is something terraform reads as the root's configuration: `*.tf`,
/// `*.tf.json`, variables files, the provider lock file.
pub fn is_configuration(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    [".tf", ".tf.json", ".tfvars", ".tfvars.json"].iter().any(|end| name.ends_with(end))
        || name == ".terraform.lock.hcl"
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENV: &str = "[azure]\nsubscription_id = \"s\"\ntenant_id = \"t\"\nlocation = \"westeurope\"\n[naming]\nprefix = \"anl\"\n[backend]\nkind = \"azurerm\"\nresource_group = \"rg-state\"\nstorage_account = \"ststate\"\ncontainer = \"tfstate\"\n[kubernetes]\ncontext = \"c\"\nallowed_contexts = [\"c\"]\n[registry]\nserver = \"r\"\n";

    fn repo() -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("scripts/.keep", "");
        write("environments/dev/env.toml", ENV);
        write("environments/dev/acme/customer.toml", "display_name = \"Acme\"\n");
        write("environments/dev/acme/infra/main.tf", "");
        write("environments/dev/network/main.tf", "");
        write("environments/dev/empty/README.md", "");
        write("infra/azure/naming/main.tf", "");
        let repo = Repo::at(dir.path()).expect("repository");
        (dir, repo)
    }

    #[test]
    fn customer_and_environment_roots() {
        let (_dir, repo) = repo();
        let root = Root::locate(crate::process::PlannedWrites::none(), &repo, "environments/dev/acme/infra").unwrap();
        assert_eq!(
            (root.path.as_str(), root.label.as_str(), root.env.as_str()),
            ("environments/dev/acme/infra", "dev/acme/infra", "dev")
        );
        assert_eq!((root.lock_scope.as_str(), root.state_key()), ("dev/acme", "dev/acme/infra.tfstate".to_string()));
        let root = Root::locate(crate::process::PlannedWrites::none(), &repo, "environments/dev/network/").unwrap();
        assert_eq!((root.label.as_str(), root.lock_scope.as_str()), ("dev/network", "dev"));
    }

    #[test]
    fn roots_that_cannot_be_used() {
        let (_dir, repo) = repo();
        let error = |path: &str| {
            Root::locate(crate::process::PlannedWrites::none(), &repo, path)
                .unwrap_err()
                .replace(&repo.root().display().to_string(), "[REPO]")
        };
        expect_test::expect!["terraform root `infra/azure/naming` is not inside an environment: roots live under `environments/<env>/` (e.g. `environments/dev/acme/infra`), where env.toml names the state backend"]
            .assert_eq(&error("infra/azure/naming"));
        expect_test::expect!["terraform root `environments/dev/nope` does not exist: expected a folder with *.tf files (paths are relative to the repository root)"]
            .assert_eq(&error("environments/dev/nope"));
        expect_test::expect!["terraform root `environments/dev/empty` has no *.tf files"]
            .assert_eq(&error("environments/dev/empty"));
        expect_test::expect!["`../elsewhere` is outside the repository: scripts may only reach files under `[REPO]`"]
            .assert_eq(&error("../elsewhere"));
    }
}
