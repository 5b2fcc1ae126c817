//! Writing files is an effect like running a command: the real runner writes atomically
//! (temp file + rename, only when the content changed, 0600 for secrets); the recording
//! runners say what would be written and write nothing.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::invocation::Value;

#[derive(Debug, Clone)]
pub struct FileWrite {
    pub path: PathBuf,
    /// Repository-relative path, as shown in plans.
    pub display: String,
    pub contents: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileChange {
    Created,
    Updated,
    Unchanged,
}

impl FileChange {
    pub fn label(self) -> &'static str {
        match self {
            FileChange::Created => "create",
            FileChange::Updated => "update",
            FileChange::Unchanged => "unchanged",
        }
    }
}

/// What writing `write` would do, by comparing with the file on disk (a read: allowed in
/// every mode).
pub fn compare(write: &FileWrite) -> FileChange {
    match fs::read(&write.path) {
        Ok(existing) if existing == write.contents.expose().as_bytes() => FileChange::Unchanged,
        Ok(_) => FileChange::Updated,
        Err(_) => FileChange::Created,
    }
}

/// Writes atomically: a crash leaves the old file or the new one, never half of either.
pub fn write_atomically(write: &FileWrite) -> std::io::Result<FileChange> {
    let change = compare(write);
    if change == FileChange::Unchanged {
        return Ok(change);
    }
    let dir = write.path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mode = match write.contents {
        Value::Secret(_) => 0o600,
        Value::Plain(_) => 0o644,
    };
    let temp_path = dir.join(format!(
        ".{}.auto-tmp-{}",
        write.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(mode).open(&temp_path)?;
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        file.write_all(write.contents.expose().as_bytes())?;
        file.sync_all()?;
        fs::rename(&temp_path, &write.path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp_path);
    }
    result.map(|_| change)
}

/// Files a recording runner "wrote" in this process: the plan's view of the tree, so a
/// dry-run that scaffolds a customer can go on to plan that customer's roots. Never
/// written to disk; the contents stay in memory.
static PLANNED: std::sync::Mutex<std::collections::BTreeMap<PathBuf, String>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

pub(super) fn plan_write(write: &FileWrite) {
    PLANNED.lock().unwrap_or_else(|e| e.into_inner()).insert(write.path.clone(), write.contents.expose().to_string());
}

/// True when `path` exists only as planned writes (a file, or a folder holding some).
pub fn is_planned_only(path: &Path) -> bool {
    // `Path` orders by components, so a folder's descendants follow it contiguously.
    !path.exists()
        && PLANNED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .range(path.to_path_buf()..)
            .next()
            .is_some_and(|(p, _)| p.starts_with(path))
}

/// Whether `dir` is a folder on disk or in the plan.
pub fn is_dir(dir: &Path) -> bool {
    dir.is_dir() || is_planned_only(dir)
}

/// A file's text: the planned contents when the plan writes it, else the disk's.
pub fn read_text(path: &Path) -> std::io::Result<String> {
    if let Some(text) = PLANNED.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
        return Ok(text.clone());
    }
    fs::read_to_string(path)
}

/// The files directly in `dir`, on disk or planned, sorted.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    let planned = PLANNED.lock().unwrap_or_else(|e| e.into_inner());
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
