//! Writing files is an effect like running a command: the real runner writes atomically
//! (temp file + rename, only when the content changed, 0600 for secrets); the recording
//! runners say what would be written and write nothing.
//!
//! Every write is to a repository file and goes through the repository's directory
//! capability ([`RepoDir`]): folders are opened (and made) one component at a time without
//! following links, and the temporary file and the rename happen inside the folder
//! descriptor, so swapping a folder for a link while the run goes on redirects nothing.

use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::PathBuf;

use nix::fcntl::{openat, renameat, OFlag};
use nix::sys::stat::Mode;
use nix::unistd::{unlinkat, UnlinkatFlags};

use super::invocation::Value;
use crate::repo::{Confinement, RepoDir, RepoPath};

#[derive(Debug, Clone)]
pub struct FileWrite {
    pub dir: RepoDir,
    pub target: RepoPath,
    /// The absolute path: the plan's overlay and messages.
    pub path: PathBuf,
    /// Repository-relative path, as shown in plans.
    pub display: String,
    pub contents: Value,
}

impl FileWrite {
    pub fn new(dir: &RepoDir, target: RepoPath, contents: Value) -> FileWrite {
        FileWrite { path: dir.absolute(&target), display: target.display(), dir: dir.clone(), target, contents }
    }
}

/// Why a write failed: the file, and an I/O error (a refusal of the sandbox becomes one,
/// its message kept).
fn refused(error: Confinement) -> std::io::Error {
    let kind = match error {
        Confinement::NotFound { .. } => std::io::ErrorKind::NotFound,
        _ => std::io::ErrorKind::PermissionDenied,
    };
    std::io::Error::new(kind, error.to_string())
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
/// every mode). A link, a special file or a folder where the file should be is refused
/// here (the sandbox's read refuses them), so dry-run and plan report it as the real run
/// would.
pub fn compare(write: &FileWrite) -> std::io::Result<FileChange> {
    // A file larger than the new contents differs: the read stops at its size (from fstat).
    match write.dir.read(&write.target, write.contents.expose().len()) {
        Ok(existing) if existing == write.contents.expose().as_bytes() => Ok(FileChange::Unchanged),
        Ok(_) | Err(Confinement::TooLarge { .. }) => Ok(FileChange::Updated),
        Err(Confinement::NotFound { .. }) => Ok(FileChange::Created),
        Err(error) => Err(refused(error.for_path(&write.display))),
    }
}

/// The most of an existing file a plan reads to show how a write would change it.
const DIFF_MAX_BYTES: usize = 1024 * 1024;
/// Lines of a write's diff shown before the rest is only counted.
const DIFF_MAX_LINES: usize = 80;

/// How `write` would change the file on disk, as a unified diff (2 lines of context),
/// redacted and cut to [`DIFF_MAX_LINES`]. `None` for a secret's file (its old and new
/// contents are both secret), or when either side is not text or too large to read.
pub fn diff_against_disk(write: &FileWrite) -> Option<String> {
    let Value::Plain(new) = &write.contents else { return None };
    let old = write.dir.read(&write.target, DIFF_MAX_BYTES).ok()?;
    let old = String::from_utf8(old).ok()?;
    let diff = similar::TextDiff::from_lines(old.as_str(), new.as_str());
    let text = diff.unified_diff().context_radius(2).header(&write.display, &write.display).to_string();
    let lines: Vec<&str> = text.lines().collect();
    let mut shown = lines.iter().take(DIFF_MAX_LINES).copied().collect::<Vec<_>>().join("\n");
    if lines.len() > DIFF_MAX_LINES {
        shown.push_str(&format!("\n… {} more line(s) of diff", lines.len() - DIFF_MAX_LINES));
    }
    Some(crate::secret::redact(&shown))
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
    let changes: Vec<FileChange> =
        writes.iter().map(|w| compare(w).map_err(|e| (w.display.clone(), e))).collect::<Result<_, _>>()?;
    let changed: Vec<&FileWrite> =
        writes.iter().zip(&changes).filter(|(_, change)| **change != FileChange::Unchanged).map(|(w, _)| w).collect();
    // Every folder is opened (made where missing) before anything is written, so a link
    // in the way of the last file stops the batch before the first is touched.
    let mut folders: Vec<(RepoPath, std::sync::Arc<OwnedFd>)> = Vec::new();
    let mut pending: Vec<Pending> = Vec::with_capacity(changed.len());
    for write in changed {
        let fail = |error| (write.display.clone(), error);
        let parent = write.target.parent().unwrap_or_default();
        let folder = match folders.iter().find(|(p, _)| *p == parent) {
            Some((_, fd)) => fd.clone(),
            None => {
                let fd = write.dir.open_dir(&parent, true).map_err(|e| refused(e.for_path(&write.display)));
                let fd = std::sync::Arc::new(fd.map_err(fail)?);
                folders.push((parent, fd.clone()));
                fd
            }
        };
        let name = write.target.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        pending.push(Pending { write, folder, temp: temp_name(&name), name });
    }
    let result = (|| {
        for item in &pending {
            write_unflushed(item).map_err(|e| (item.write.display.clone(), e))?;
        }
        flush_all(&pending)?;
        for item in &pending {
            renameat(&*item.folder, item.temp.as_os_str(), &*item.folder, item.name.as_os_str())
                .map_err(|e| (item.write.display.clone(), e.into()))?;
        }
        Ok(())
    })();
    if result.is_err() {
        for item in &pending {
            let _ = unlinkat(&*item.folder, item.temp.as_os_str(), UnlinkatFlags::NoRemoveDir);
        }
    }
    result.map(|()| changes)
}

/// A changed file on its way to disk: the open folder it goes into, its name there and
/// the temporary name it is written under first.
struct Pending<'w> {
    write: &'w FileWrite,
    folder: std::sync::Arc<OwnedFd>,
    name: OsString,
    temp: OsString,
}

fn temp_name(name: &std::ffi::OsStr) -> OsString {
    format!(".{}.auto-tmp-{}", name.to_string_lossy(), std::process::id()).into()
}

fn write_unflushed(item: &Pending) -> std::io::Result<()> {
    let mode = match item.write.contents {
        Value::Secret(_) => 0o600,
        Value::Plain(_) => 0o644,
    };
    // A leftover of a killed run under the same pid is ours to replace; anything else
    // there (a link planted in its place) is not followed: O_EXCL | O_NOFOLLOW.
    let _ = unlinkat(&*item.folder, item.temp.as_os_str(), UnlinkatFlags::NoRemoveDir);
    let flags = OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let fd = openat(&*item.folder, item.temp.as_os_str(), flags, Mode::from_bits_truncate(mode))?;
    let mut file = fs::File::from(fd);
    // The umask may have taken bits away from a plain file; a secret's 0600 is exact.
    nix::sys::stat::fchmod(&file, Mode::from_bits_truncate(mode))?;
    file.write_all(item.write.contents.expose().as_bytes())
}

/// `fsync`s the temporary files from up to 8 threads: concurrent flushes share the file
/// system's journal commits. Files are reopened inside their folder (fsync acts on the
/// file, not the descriptor), so no more than 8 are open at once.
fn flush_all(pending: &[Pending]) -> Result<(), (String, std::io::Error)> {
    const FLUSHERS: usize = 8;
    let flush = |item: &Pending| {
        openat(
            &*item.folder,
            item.temp.as_os_str(),
            OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(std::io::Error::from)
        .and_then(|fd| fs::File::from(fd).sync_all())
        .map_err(|e| (item.write.display.clone(), e))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    fn write(repo: &RepoDir, path: &str, contents: Value) -> FileWrite {
        FileWrite::new(repo, repo.confine(path).expect("inside"), contents)
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
        let repo = RepoDir::open(dir.path()).expect("open");
        fs::write(dir.path().join("same.txt"), "kept\n").expect("write");
        let writes: Vec<FileWrite> = (0..40)
            .map(|i| write(&repo, &format!("d{}/f{i}.txt", i % 3), Value::Plain(format!("{i}\n"))))
            .chain([
                write(&repo, "same.txt", Value::Plain("kept\n".into())),
                write(&repo, "secret.env", Value::Secret(crate::secret::Secret::new("TOKEN=x\n"))),
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
        let repo = RepoDir::open(dir.path()).expect("open");
        fs::write(dir.path().join("blocker"), "a file where a folder should be\n").expect("write");
        let writes = [
            write(&repo, "ok/a.txt", Value::Plain("a\n".into())),
            write(&repo, "blocker/b.txt", Value::Plain("b\n".into())),
        ];
        let (display, _) = write_all_atomically(&writes).expect_err("a file is in the way");
        assert_eq!(display, "blocker/b.txt");
        assert!(temp_files(dir.path()).is_empty(), "{:?}", temp_files(dir.path()));
        assert!(!dir.path().join("ok/a.txt").exists(), "nothing renamed before every file was flushed");
    }
}
