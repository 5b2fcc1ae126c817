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
