//! What `apply` and `diff` send to kubectl: a file, a folder, text or data on stdin (a
//! secret stays a secret), or a manifest rendered from values only an apply would produce.

use std::path::PathBuf;

use super::KubectlError;
use crate::process::{Invocation, Stdin, Value};
use crate::runtime::data::Data;
use crate::secret::Secret;

/// What to apply or diff.
#[derive(Debug, Clone)]
pub enum Manifests {
    File(PathBuf),
    Dir(PathBuf),
    /// Sent on stdin (`-f -`).
    Stdin(Value),
    /// Rendered from values only an apply would produce (dry-run, plan): nothing can be
    /// diffed; the apply is recorded with a placeholder. Such values exist only when the
    /// runner records writes, so this never reaches a real kubectl.
    Unknown(String),
}

impl Manifests {
    /// From the `file`/`dir`/`manifest` options: exactly one must be given. `resolve`
    /// confines paths to the repository.
    pub fn from_options(
        function: &str,
        file: Option<&str>,
        dir: Option<&str>,
        manifest: Option<&Data>,
        resolve: impl Fn(&str) -> Result<PathBuf, String>,
    ) -> Result<Manifests, KubectlError> {
        let bad = |m: String| KubectlError::BadRequest(format!("{function}: {m}"));
        match (file, dir, manifest) {
            (Some(file), None, None) => Ok(Manifests::File(resolve(file).map_err(bad)?)),
            (None, Some(dir), None) => Ok(Manifests::Dir(resolve(dir).map_err(bad)?)),
            (None, None, Some(manifest)) => Ok(Manifests::Stdin(match manifest {
                Data::Str(text) => Value::Plain(text.clone()),
                Data::Secret(secret) => Value::Secret(secret.clone()),
                Data::Unknown(what) => return Ok(Manifests::Unknown(what.clone())),
                Data::Map(_) | Data::List(_) => {
                    let json = manifest.to_json_exposed().to_string();
                    if manifest.contains_secret() {
                        Value::Secret(Secret::new(json))
                    } else {
                        Value::Plain(json)
                    }
                }
                other => return Err(bad(format!("`manifest` must be text, a secret or a map, not {}", other.kind()))),
            })),
            _ => Err(bad("give exactly one of `file`, `dir` or `manifest`".into())),
        }
    }

    pub(super) fn add_to(&self, invocation: Invocation) -> Invocation {
        match self {
            Manifests::File(path) => invocation.args(["-f".to_string(), path.display().to_string()]),
            // Rendered trees keep their subfolders.
            Manifests::Dir(path) => {
                invocation.args(["-f".to_string(), path.display().to_string(), "--recursive".into()])
            }
            Manifests::Stdin(Value::Plain(text)) => {
                invocation.args(["-f", "-"]).stdin(Stdin::Plain(text.clone().into_bytes()))
            }
            Manifests::Stdin(Value::Secret(secret)) => {
                invocation.args(["-f", "-"]).stdin(Stdin::Secret(secret.clone()))
            }
            Manifests::Unknown(what) => {
                invocation.args(["-f", "-"]).stdin(Stdin::Plain(format!("(known after apply: {what})").into_bytes()))
            }
        }
    }

    /// Whether a diff can say anything: not for unknown manifests, nor for files that do
    /// not exist yet (rendered by an earlier step whose writes `--plan` only recorded).
    pub(super) fn diffable(&self) -> bool {
        match self {
            Manifests::File(path) | Manifests::Dir(path) => path.exists(),
            Manifests::Stdin(_) => true,
            Manifests::Unknown(_) => false,
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Manifests::File(path) | Manifests::Dir(path) => path.display().to_string(),
            Manifests::Stdin(_) => "the manifest".to_string(),
            Manifests::Unknown(what) => format!("the manifest ({what})"),
        }
    }

    pub(super) fn is_secret(&self) -> bool {
        matches!(self, Manifests::Stdin(Value::Secret(_)))
    }
}
