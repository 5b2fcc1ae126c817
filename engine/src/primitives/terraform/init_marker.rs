//! Whether a root's `.terraform/` is already initialised for what this run needs, so
//! repeated runs skip `init` (seconds per root, and a registry round-trip).
//!
//! The marker `.terraform/auto-init` holds two hashes: the backend configuration and the
//! requirements (see [`super::config::requirements`]). It is written with `std::fs`, not
//! through the runner: it records what a real `init` just did to `.terraform/` (terraform's
//! own cache), not a change a plan should show, and it is only written after an init
//! actually ran.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::config;
use super::invocation::InitBackend;
use crate::runtime::hex::hex;

const MARKER: &str = "auto-init";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub backend: String,
    pub requirements: String,
}

fn path(dir: &Path) -> PathBuf {
    dir.join(".terraform").join(MARKER)
}

pub fn backend_hash(backend: &InitBackend) -> String {
    match backend {
        InitBackend::Disabled => "none".to_string(),
        InitBackend::Configured(pairs) => hex(&Sha256::digest(pairs.join("\n").as_bytes())),
    }
}

pub fn current(dir: &Path, backend: &InitBackend) -> Marker {
    Marker {
        backend: backend_hash(backend),
        requirements: config::requirements(crate::process::PlannedWrites::none(), dir),
    }
}

pub fn read(dir: &Path) -> Option<Marker> {
    let text = std::fs::read_to_string(path(dir)).ok()?;
    let mut backend = None;
    let mut requirements = None;
    for line in text.lines() {
        match line.split_once(' ') {
            Some(("backend", value)) => backend = Some(value.to_string()),
            Some(("requirements", value)) => requirements = Some(value.to_string()),
            _ => {}
        }
    }
    Some(Marker { backend: backend?, requirements: requirements? })
}

/// Best effort: a marker that cannot be written only costs an `init` next time.
pub fn write(dir: &Path, marker: &Marker) {
    let _ = std::fs::write(path(dir), format!("backend {}\nrequirements {}\n", marker.backend, marker.requirements));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), "terraform {\n  backend \"azurerm\" {}\n}\n").unwrap();
        let azure = InitBackend::Configured(vec!["key=dev/a.tfstate".into()]);
        assert_eq!(read(dir.path()), None);
        std::fs::create_dir(dir.path().join(".terraform")).unwrap();
        let marker = current(dir.path(), &azure);
        write(dir.path(), &marker);
        assert_eq!(read(dir.path()), Some(marker.clone()));
        assert_ne!(current(dir.path(), &InitBackend::Configured(vec!["key=dev/b.tfstate".into()])), marker);
        assert_eq!(current(dir.path(), &InitBackend::Disabled).requirements, marker.requirements);
    }
}
