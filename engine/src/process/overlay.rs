//! The plan's view of the tree: files a recording backend "wrote" in this run, so a
//! dry-run that scaffolds a customer can go on to plan that customer's roots. Never written
//! to disk; the contents stay in memory, and belong to one run (two runs in one process see
//! their own).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::files::FileWrite;

#[derive(Default)]
pub struct PlannedWrites {
    files: Mutex<BTreeMap<PathBuf, String>>,
}

impl PlannedWrites {
    pub fn new() -> PlannedWrites {
        PlannedWrites::default()
    }

    /// No planned writes: the tree as it is on disk, for code outside a run (`auto doctor`,
    /// `auto lint-terraform`). Shared, and never written to: only a recording backend's
    /// own overlay is.
    pub fn none() -> &'static PlannedWrites {
        static NONE: std::sync::OnceLock<PlannedWrites> = std::sync::OnceLock::new();
        NONE.get_or_init(PlannedWrites::new)
    }

    pub(super) fn record(&self, write: &FileWrite) {
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(write.path.clone(), write.contents.expose().to_string());
    }

    /// True when `path` exists only as planned writes (a file, or a folder holding some).
    pub fn is_planned_only(&self, path: &Path) -> bool {
        // `Path` orders by components, so a folder's descendants follow it contiguously.
        !path.exists()
            && self
                .files
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .range(path.to_path_buf()..)
                .next()
                .is_some_and(|(p, _)| p.starts_with(path))
    }

    /// Whether the plan writes a file directly in `dir` that is new or changed and that
    /// `counts` (terraform's configuration, say): what is on disk there is not what the
    /// plan is about.
    pub fn changes_in(&self, dir: &Path, counts: impl Fn(&Path) -> bool) -> bool {
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .range(dir.to_path_buf()..)
            .take_while(|(p, _)| p.starts_with(dir))
            .any(|(p, text)| p.parent() == Some(dir) && counts(p) && fs::read_to_string(p).ok().as_ref() != Some(text))
    }

    /// Whether `dir` is a folder on disk or in the plan.
    pub fn is_dir(&self, dir: &Path) -> bool {
        dir.is_dir() || self.is_planned_only(dir)
    }

    /// A file's text: the planned contents when the plan writes it, else the disk's.
    pub fn read_text(&self, path: &Path) -> std::io::Result<String> {
        if let Some(text) = self.files.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
            return Ok(text.clone());
        }
        fs::read_to_string(path)
    }

    /// The files directly in `dir`, on disk or planned, sorted.
    pub fn files_in(&self, dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> =
            fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
        let planned = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.extend(
            planned
                .range(dir.to_path_buf()..)
                .take_while(|(p, _)| p.starts_with(dir))
                .filter(|(p, _)| p.parent() == Some(dir))
                .map(|(p, _)| p.clone()),
        );
        files.sort();
        files.dedup();
        files
    }
}
