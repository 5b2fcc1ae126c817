//! The repository model: environments, customers and terraform roots, found on disk and
//! validated before any script sees them.

mod environment;
pub mod names;
pub mod sandbox;

pub use environment::{BackendConfig, Customer, CustomerConfig, Environment, EnvironmentConfig};
pub use sandbox::{Confinement, Kind, RepoDir, RepoPath};

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RepoError {
    #[error("no repository found from `{start}` upwards: expected a folder with `scripts/` and `environments/` (or pass --repo)")]
    NotFound { start: PathBuf },
    #[error("{0}")]
    Name(#[from] names::NameError),
    #[error("unknown environment `{name}`: known environments are {}", list(.known))]
    UnknownEnvironment { name: String, known: Vec<String> },
    #[error("unknown customer `{customer}` in environment `{env}`: known customers are {}", list(.known))]
    UnknownCustomer { env: String, customer: String, known: Vec<String> },
    #[error("cannot read `{}`: {message}", .path.display())]
    Read { path: PathBuf, message: String },
    #[error("invalid configuration in `{}{}`: {message}", .path.display(), .line.map(|l| format!(":{l}")).unwrap_or_default())]
    Config { path: PathBuf, line: Option<usize>, message: String },
    #[error(transparent)]
    Confined(#[from] Confinement),
    #[error("cannot open the repository folder `{}`: {message}", .path.display())]
    Open { path: PathBuf, message: String },
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none (add one under environments/)".to_string()
    } else {
        items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
    }
}

#[derive(Debug, Clone)]
pub struct Repo {
    root: PathBuf,
    /// The folder opened once: every path a script names is resolved against it.
    dir: RepoDir,
}

impl Repo {
    /// Walks up from `start` to the first folder holding both `scripts/` and `environments/`.
    pub fn discover(start: &Path) -> Result<Repo, RepoError> {
        let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
        let root = start
            .ancestors()
            .find(|dir| dir.join("scripts").is_dir() && dir.join("environments").is_dir())
            .ok_or_else(|| RepoError::NotFound { start: start.clone() })?;
        Repo::at(root)
    }

    pub fn at(root: impl Into<PathBuf>) -> Result<Repo, RepoError> {
        let root = root.into();
        let root = root.canonicalize().unwrap_or(root);
        let dir = RepoDir::open(&root).map_err(|e| RepoError::Open { path: root.clone(), message: e.to_string() })?;
        Ok(Repo { root, dir })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The repository as a directory capability: reads and writes a script asks for.
    pub fn dir(&self) -> &RepoDir {
        &self.dir
    }

    /// `path` as a repository path, by its text (see [`RepoDir::confine`]).
    pub fn confine(&self, path: &str) -> Result<RepoPath, RepoError> {
        Ok(self.dir.confine(path)?)
    }

    pub fn scripts_dir(&self) -> PathBuf {
        self.root.join("scripts")
    }

    pub fn environments_dir(&self) -> PathBuf {
        self.root.join("environments")
    }

    /// Environment names (folders with an `env.toml`), sorted.
    pub fn environment_names(&self) -> Vec<String> {
        subdirs_with(&self.environments_dir(), "env.toml")
    }

    pub fn environment(&self, name: &str) -> Result<Environment, RepoError> {
        names::validate("environment", name)?;
        let dir = self.environments_dir().join(name);
        let path = dir.join("env.toml");
        if !path.is_file() {
            return Err(RepoError::UnknownEnvironment { name: name.to_string(), known: self.environment_names() });
        }
        let config: EnvironmentConfig = environment::parse_toml(&path)?;
        config.validate(&path)?;
        Ok(Environment { name: name.to_string(), dir, config })
    }

    pub fn customer_ids(&self, env: &str) -> Result<Vec<String>, RepoError> {
        let environment = self.environment(env)?;
        Ok(subdirs_with(&environment.dir, "customer.toml"))
    }

    pub fn customer(&self, env: &str, id: &str) -> Result<Customer, RepoError> {
        let environment = self.environment(env)?;
        names::validate("customer", id)?;
        let dir = environment.dir.join(id);
        let path = dir.join("customer.toml");
        if !path.is_file() {
            return Err(RepoError::UnknownCustomer {
                env: env.to_string(),
                customer: id.to_string(),
                known: self.customer_ids(env)?,
            });
        }
        let config: CustomerConfig = environment::parse_toml(&path)?;
        Ok(Customer { env: env.to_string(), id: id.to_string(), dir, config })
    }

    /// Repository-relative form of `path`, with `/` separators (state keys, messages).
    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root).unwrap_or(path).to_string_lossy().replace('\\', "/")
    }

    /// The absolute path of a script-supplied path that a tool will open (a terraform root,
    /// a docker context, a working folder): inside the repository, not in `.git/`, and no
    /// link on the way (a committed link would point the tool, and what it writes, out).
    /// Files `auto` opens itself go through [`Repo::dir`] instead, which cannot be raced.
    pub fn resolve(&self, path: &str) -> Result<PathBuf, RepoError> {
        let confined = self.dir.confine(path)?;
        self.dir.check_no_links(&confined)?;
        Ok(self.dir.absolute(&confined))
    }
}

fn subdirs_with(dir: &Path, marker: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().join(marker).is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| names::validate("folder", name).is_ok())
        .collect();
    names.sort();
    names
}
