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
    write_all_atomically(std::slice::from_ref(write)).map(|changes| changes[0]).map_err(|(_, error)| error)
}

/// Writes each of `writes` atomically, only those whose content changed. The temporary
/// files are flushed together, from a few threads, before any is renamed into place:
/// rendering a folder of 1,000 templates then waits for the disk a handful of times
/// instead of 1,000 (an fsync costs milliseconds on a busy disk). A crash still leaves
/// each file old or new. On error: which file, and no temporary file left behind.
pub fn write_all_atomically(writes: &[FileWrite]) -> Result<Vec<FileChange>, (String, std::io::Error)> {
    let changes: Vec<FileChange> = writes.iter().map(compare).collect();
    let pending: Vec<(&FileWrite, PathBuf)> = writes
        .iter()
        .zip(&changes)
        .filter(|(_, change)| **change != FileChange::Unchanged)
        .map(|(write, _)| (write, temp_path(write)))
        .collect();
    let result = (|| {
        let mut folders = std::collections::HashSet::new();
        for (write, temp) in &pending {
            let fail = |error| (write.display.clone(), error);
            let dir = write.path.parent().unwrap_or(Path::new("."));
            if folders.insert(dir) {
                fs::create_dir_all(dir).map_err(fail)?;
            }
            write_unflushed(write, temp).map_err(fail)?;
        }
        flush_all(&pending)?;
        for (write, temp) in &pending {
            fs::rename(temp, &write.path).map_err(|error| (write.display.clone(), error))?;
        }
        Ok(())
    })();
    if result.is_err() {
        for (_, temp) in &pending {
            let _ = fs::remove_file(temp);
        }
    }
    result.map(|()| changes)
}

fn temp_path(write: &FileWrite) -> PathBuf {
    let dir = write.path.parent().unwrap_or(Path::new("."));
    dir.join(format!(
        ".{}.auto-tmp-{}",
        write.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        std::process::id()
    ))
}

fn write_unflushed(write: &FileWrite, temp: &Path) -> std::io::Result<()> {
    let mode = match write.contents {
        Value::Secret(_) => 0o600,
        Value::Plain(_) => 0o644,
    };
    let mut file = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(mode).open(temp)?;
    file.set_permissions(fs::Permissions::from_mode(mode))?;
    file.write_all(write.contents.expose().as_bytes())
}

/// `fsync`s the temporary files from up to 8 threads: concurrent flushes share the file
/// system's journal commits. Files are reopened (fsync acts on the file, not the
/// descriptor), so no more than 8 are open at once.
fn flush_all(pending: &[(&FileWrite, PathBuf)]) -> Result<(), (String, std::io::Error)> {
    const FLUSHERS: usize = 8;
    let flush = |(write, temp): &(&FileWrite, PathBuf)| {
        fs::File::open(temp).and_then(|file| file.sync_all()).map_err(|e| (write.display.clone(), e))
    };
    if pending.len() <= 1 {
        // One file (every write_file): no thread to start.
        return pending.iter().try_for_each(flush);
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..FLUSHERS.min(pending.len()))
            .map(|_| {
                scope.spawn(|| loop {
                    let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = pending.get(at) else { return Ok(()) };
                    flush(item)?;
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|worker| worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, contents: Value) -> FileWrite {
        FileWrite { path: path.to_path_buf(), display: path.file_name().unwrap().to_string_lossy().into(), contents }
    }

    fn temp_files(dir: &Path) -> Vec<String> {
        let mut found = Vec::new();
        for entry in walk(dir) {
            let name = entry.file_name().unwrap().to_string_lossy().into_owned();
            if name.contains(".auto-tmp-") {
                found.push(name);
            }
        }
        found
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                out.extend(walk(&entry.path()));
            }
            out.push(entry.path());
        }
        out
    }

    #[test]
    fn a_batch_writes_what_changed_with_the_right_modes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let same = dir.path().join("same.txt");
        fs::write(&same, "kept\n").expect("write");
        let writes: Vec<FileWrite> = (0..40)
            .map(|i| write(&dir.path().join(format!("d{}/f{i}.txt", i % 3)), Value::Plain(format!("{i}\n"))))
            .chain([
                write(&same, Value::Plain("kept\n".into())),
                write(&dir.path().join("secret.env"), Value::Secret(crate::runtime::secret::Secret::new("TOKEN=x\n"))),
            ])
            .collect();
        let changes = write_all_atomically(&writes).expect("writes");
        assert_eq!(changes.iter().filter(|c| **c == FileChange::Created).count(), 41);
        assert_eq!(changes[40], FileChange::Unchanged);
        assert_eq!(fs::read_to_string(dir.path().join("d1/f7.txt")).expect("read"), "7\n");
        let mode = |p: &Path| fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("secret.env")), 0o600);
        assert_eq!(mode(&dir.path().join("d0/f0.txt")), 0o644);
        assert!(temp_files(dir.path()).is_empty());
        // Again: nothing changes, nothing is written.
        assert!(write_all_atomically(&writes).expect("writes").iter().all(|c| *c == FileChange::Unchanged));
    }

    #[test]
    fn a_failed_batch_names_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("blocker"), "a file where a folder should be\n").expect("write");
        let writes = [
            write(&dir.path().join("ok/a.txt"), Value::Plain("a\n".into())),
            write(&dir.path().join("blocker/b.txt"), Value::Plain("b\n".into())),
        ];
        let (display, _) = write_all_atomically(&writes).expect_err("a file is in the way");
        assert_eq!(display, "b.txt");
        assert!(temp_files(dir.path()).is_empty(), "{:?}", temp_files(dir.path()));
        assert!(!dir.path().join("ok/a.txt").exists(), "nothing renamed before every file was flushed");
    }
}
