//! The state each apply by auto left a root in, kept beside the run journals
//! (`.auto/applied/<env>/…/<root>[@workspace].json`): lineage and serial, the run, when.
//! A drift check compares it with the state now: another serial means someone wrote the
//! state since without auto (`terraform apply` by hand, `state rm`, an import), which no
//! refresh can see when the provider reads nothing back. The marks are this checkout's:
//! a machine that never applied the root has none, and then only the refresh tells.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::runtime::review::StateIdentity;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub state: StateIdentity,
    pub run_id: String,
    pub at: String,
}

fn path(repo_root: &Path, label: &str, workspace: Option<&str>) -> PathBuf {
    let name = match workspace {
        Some(workspace) => format!("{label}@{workspace}.json"),
        None => format!("{label}.json"),
    };
    repo_root.join(".auto").join("applied").join(name)
}

pub fn write(
    repo_root: &Path,
    label: &str,
    workspace: Option<&str>,
    state: &StateIdentity,
    run_id: &str,
) -> std::io::Result<()> {
    let path = path(repo_root, label, workspace);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mark = Mark { state: state.clone(), run_id: run_id.to_string(), at: crate::clock::now_rfc3339() };
    // Written whole, then renamed: a reader never sees half a mark.
    let partial = path.with_extension("json.partial");
    std::fs::write(&partial, serde_json::to_vec(&mark).unwrap_or_default())?;
    std::fs::rename(partial, path)
}

/// The mark of the last apply here, if there is one (an unreadable one is none).
pub fn read(repo_root: &Path, label: &str, workspace: Option<&str>) -> Option<Mark> {
    serde_json::from_slice(&std::fs::read(path(repo_root, label, workspace)).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_is_read_back_per_root_and_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateIdentity { lineage: "l".into(), serial: 4 };
        write(dir.path(), "test/demo/hive", None, &state, "run-1").unwrap();
        assert_eq!(read(dir.path(), "test/demo/hive", None).unwrap().state, state);
        assert_eq!(read(dir.path(), "test/demo/hive", Some("blue")), None);
        assert!(dir.path().join(".auto/applied/test/demo/hive.json").is_file());
    }
}
