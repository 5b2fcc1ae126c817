//! The repository as a directory capability. Scripts come from repositories that other
//! people commit to, so a path a script names is resolved against an open descriptor of
//! the repository folder, one component at a time, with `O_NOFOLLOW`: a symbolic link
//! anywhere on the way is refused, whatever it points to. Checking a path's text and then
//! opening it cannot be made safe — a folder swapped for a link between the check and the
//! use wins the race — but a walk of descriptors cannot be redirected: every step opens
//! the next component *inside the folder already opened*.
//!
//! Links are refused rather than followed when they stay inside, because "inside" is not
//! enough: `gitlink -> .git` stays in the repository and lets a script write git hooks.
//! Nothing in the platform's layout needs a link; the error names the one found.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use nix::errno::Errno;
use nix::fcntl::AtFlags;
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstat, fstatat, mkdirat, Mode, SFlag};

/// Why a script may not reach a path, or could not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Confinement {
    #[error("`{path}` is outside the repository: scripts may only reach files under `{}`", .root.display())]
    Outside { path: String, root: PathBuf },
    #[error("`{path}` is inside `.git/`: scripts may not read or write git's own files (a hook or `core.fsmonitor` there runs commands)")]
    Git { path: String },
    #[error("`{path}` goes through the symbolic link `{link}`: scripts reach repository files by their real paths only (a link can lead out of the repository or into `.git/`)")]
    Symlink { path: String, link: String },
    #[error("`{path}` is {kind}, not a regular file: scripts read and write regular files only")]
    NotRegular { path: String, kind: &'static str },
    #[error("`{path}` is not a folder")]
    NotADirectory { path: String },
    #[error("`{path}` is {size} bytes, more than the {limit} bytes a script's string may hold")]
    TooLarge { path: String, size: u64, limit: usize },
    #[error("`{path}`: no such file or directory")]
    NotFound { path: String },
    #[error("`{path}`: {message}")]
    Io { path: String, message: String },
}

impl Confinement {
    /// The same refusal, about `path` (a file below the folder that was refused).
    pub fn for_path(self, path: &str) -> Confinement {
        let path = path.to_string();
        match self {
            Confinement::Symlink { link, .. } => Confinement::Symlink { path, link },
            Confinement::Git { .. } => Confinement::Git { path },
            Confinement::NotFound { .. } => Confinement::NotFound { path },
            other => other,
        }
    }
}

/// A repository-relative path in normal form: only plain components (no `.`, `..`, root),
/// never through `.git`. The empty path is the repository itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepoPath(PathBuf);

impl RepoPath {
    pub fn as_path(&self) -> &Path {
        &self.0
    }

    /// With `/` separators, as shown to people (`.` for the repository itself).
    pub fn display(&self) -> String {
        if self.0.as_os_str().is_empty() {
            ".".to_string()
        } else {
            self.0.to_string_lossy().into_owned()
        }
    }

    /// `self/name`; `name` must be plain components (a file name, or the rest of a path
    /// taken from another `RepoPath`).
    pub fn join(&self, name: impl AsRef<Path>) -> RepoPath {
        debug_assert!(name.as_ref().components().all(|c| matches!(c, Component::Normal(_))));
        RepoPath(self.0.join(name))
    }

    pub fn strip_prefix(&self, base: &RepoPath) -> Option<&Path> {
        self.0.strip_prefix(&base.0).ok()
    }

    pub fn parent(&self) -> Option<RepoPath> {
        self.0.parent().map(|p| RepoPath(p.to_path_buf()))
    }

    pub fn file_name(&self) -> Option<&OsStr> {
        self.0.file_name()
    }

    pub fn starts_with(&self, other: &RepoPath) -> bool {
        self.0.starts_with(&other.0)
    }

    fn components(&self) -> Vec<&OsStr> {
        self.0.components().map(|c| c.as_os_str()).collect()
    }
}

/// What a name in the repository is, without following a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other(&'static str),
}

/// The open repository folder. Cheap to clone (the descriptor is shared).
#[derive(Debug, Clone)]
pub struct RepoDir {
    fd: Arc<OwnedFd>,
    root: PathBuf,
}

impl RepoDir {
    pub fn open(root: &Path) -> std::io::Result<RepoDir> {
        let fd = nix::fcntl::open(root, OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())?;
        Ok(RepoDir { fd: Arc::new(fd), root: root.to_path_buf() })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` (repository-relative, or absolute under the root) in normal form, by its
    /// text alone: `..` may not climb above the root and no component may be `.git`.
    pub fn confine(&self, path: &str) -> Result<RepoPath, Confinement> {
        let outside = || Confinement::Outside { path: path.to_string(), root: self.root.clone() };
        let candidate = Path::new(path);
        let relative = if candidate.is_absolute() {
            let normal = lexical(candidate).ok_or_else(outside)?;
            normal.strip_prefix(&self.root).map_err(|_| outside())?.to_path_buf()
        } else {
            lexical(candidate).ok_or_else(outside)?
        };
        if relative.components().any(|c| c.as_os_str() == ".git") {
            return Err(Confinement::Git { path: path.to_string() });
        }
        Ok(RepoPath(relative))
    }

    /// The absolute path of `path`, for messages, the plan's overlay and tools.
    pub fn absolute(&self, path: &RepoPath) -> PathBuf {
        self.root.join(&path.0)
    }

    /// Opens the folder `path`, each component without following links; `create` makes the
    /// missing ones (mode 0755 less the umask).
    pub fn open_dir(&self, path: &RepoPath, create: bool) -> Result<OwnedFd, Confinement> {
        let mut current = self.fd.as_fd().try_clone_to_owned().map_err(|e| self.io(path, e))?;
        let components = path.components();
        for (i, name) in components.iter().enumerate() {
            let walked = RepoPath(components[..=i].iter().collect());
            current = match open_child_dir(&current, name) {
                Ok(fd) => fd,
                Err(Errno::ENOENT) if create => {
                    match mkdirat(&current, *name, Mode::from_bits_truncate(0o755)) {
                        Ok(()) | Err(Errno::EEXIST) => {}
                        Err(e) => return Err(self.io(&walked, e)),
                    }
                    open_child_dir(&current, name).map_err(|e| self.refusal(&current, name, path, &walked, e))?
                }
                Err(e) => return Err(self.refusal(&current, name, path, &walked, e)),
            };
        }
        Ok(current)
    }

    /// The folder holding `path` (opened as [`open_dir`](Self::open_dir) does) and the
    /// name in it.
    pub fn open_parent(&self, path: &RepoPath, create: bool) -> Result<(OwnedFd, OsString), Confinement> {
        let name = path
            .file_name()
            .ok_or_else(|| Confinement::NotRegular { path: ".".into(), kind: "the repository folder" })?;
        let parent = path.parent().unwrap_or_default();
        Ok((self.open_dir(&parent, create)?, name.to_os_string()))
    }

    /// What `path` is (`None` when it does not exist), refusing a link on the way to it
    /// but reporting the last component as a [`Kind::Symlink`] when it is one.
    pub fn kind(&self, path: &RepoPath) -> Result<Option<Kind>, Confinement> {
        let Some(name) = path.file_name() else { return Ok(Some(Kind::Dir)) };
        let parent = path.parent().unwrap_or_default();
        let dir = match self.open_dir(&parent, false) {
            Ok(dir) => dir,
            Err(Confinement::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        match fstatat(&dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some(kind_of(stat.st_mode))),
            Err(Errno::ENOENT) => Ok(None),
            Err(e) => Err(self.io(path, e)),
        }
    }

    /// The contents of the regular file `path`, at most `limit` bytes. A FIFO, a device or
    /// a socket is refused before a byte is read (opening is non-blocking, so a FIFO
    /// nobody writes to cannot hang the run).
    pub fn read(&self, path: &RepoPath, limit: usize) -> Result<Vec<u8>, Confinement> {
        self.read_with_mode(path, limit).map(|(bytes, _)| bytes)
    }

    /// [`read`](Self::read), with the file's permission bits (as they were when opened).
    pub fn read_with_mode(&self, path: &RepoPath, limit: usize) -> Result<(Vec<u8>, u32), Confinement> {
        let (dir, name) = self.open_parent(path, false)?;
        let flags = OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC | OFlag::O_NOCTTY;
        let fd = openat(&dir, name.as_os_str(), flags, Mode::empty())
            .map_err(|e| self.refusal(&dir, &name, path, path, e))?;
        let stat = fstat(&fd).map_err(|e| self.io(path, e))?;
        match kind_of(stat.st_mode) {
            Kind::File => {}
            Kind::Dir => return Err(Confinement::NotRegular { path: path.display(), kind: "a folder" }),
            Kind::Symlink => unreachable!("O_NOFOLLOW does not open links"),
            Kind::Other(kind) => return Err(Confinement::NotRegular { path: path.display(), kind }),
        }
        let size = stat.st_size.max(0) as u64;
        if size > limit as u64 {
            return Err(Confinement::TooLarge { path: path.display(), size, limit });
        }
        let mut bytes = Vec::with_capacity(size as usize);
        // The file can grow after the fstat: never read more than the limit.
        std::fs::File::from(fd)
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Confinement::Io { path: path.display(), message: e.to_string() })?;
        if bytes.len() > limit {
            return Err(Confinement::TooLarge { path: path.display(), size: bytes.len() as u64, limit });
        }
        Ok((bytes, stat.st_mode & 0o7777))
    }

    /// The entries of the folder `path` (names and kinds, links reported, not followed),
    /// sorted by name.
    pub fn list(&self, path: &RepoPath) -> Result<Vec<(OsString, Kind)>, Confinement> {
        let dir = self.open_dir(path, false)?;
        let listing = nix::dir::Dir::from_fd(dir).map_err(|e| self.io(path, e))?;
        let fd = listing.as_fd().try_clone_to_owned().map_err(|e| self.io(path, e))?;
        let mut entries = Vec::new();
        let mut listing = listing;
        for entry in listing.iter() {
            let entry = entry.map_err(|e| self.io(path, e))?;
            let name = OsStr::from_bytes(entry.file_name().to_bytes()).to_os_string();
            if name == "." || name == ".." {
                continue;
            }
            let kind = match fstatat(&fd, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) {
                Ok(stat) => kind_of(stat.st_mode),
                Err(Errno::ENOENT) => continue, // removed while listing
                Err(e) => return Err(self.io(&path.join(&name), e)),
            };
            entries.push((name, kind));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entries)
    }

    /// Every regular file under the folder `path`, as repository paths, sorted; a link or
    /// a special file anywhere in the tree is refused.
    pub fn files_under(&self, path: &RepoPath) -> Result<Vec<RepoPath>, Confinement> {
        let mut out = Vec::new();
        let mut pending = vec![path.clone()];
        while let Some(dir) = pending.pop() {
            for (name, kind) in self.list(&dir)? {
                let child = dir.join(&name);
                match kind {
                    Kind::File => out.push(child),
                    Kind::Dir if name == ".git" => return Err(Confinement::Git { path: child.display() }),
                    Kind::Dir => pending.push(child),
                    Kind::Symlink => return Err(Confinement::Symlink { path: child.display(), link: child.display() }),
                    Kind::Other(kind) => return Err(Confinement::NotRegular { path: child.display(), kind }),
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Checks that every existing component of `path` is a real folder or file, no link:
    /// for paths handed to tools (a terraform root, a docker context), which open them
    /// themselves. Tools run the repository's code anyway; this keeps a committed link
    /// from pointing them, and what they write, outside. A missing part, or a file where a
    /// folder would be, leaves nothing below it to check.
    pub fn check_no_links(&self, path: &RepoPath) -> Result<(), Confinement> {
        match self.kind(path) {
            Ok(Some(Kind::Symlink)) => Err(Confinement::Symlink { path: path.display(), link: path.display() }),
            Ok(_) | Err(Confinement::NotADirectory { .. }) => Ok(()),
            Err(refused) => Err(refused.for_path(&path.display())),
        }
    }

    /// Whether a file may be written at `path`: no link on the way or in its place, and
    /// nothing but a regular file there. The write itself walks again (and cannot be
    /// raced); this says why before anything is rendered or recorded.
    pub fn check_writable(&self, path: &RepoPath) -> Result<(), Confinement> {
        match self.kind(path).map_err(|refused| refused.for_path(&path.display()))? {
            None | Some(Kind::File) => Ok(()),
            Some(Kind::Symlink) => Err(Confinement::Symlink { path: path.display(), link: path.display() }),
            Some(Kind::Dir) => Err(Confinement::NotRegular { path: path.display(), kind: "a folder" }),
            Some(Kind::Other(kind)) => Err(Confinement::NotRegular { path: path.display(), kind }),
        }
    }

    /// Turns a failed open of `name` in `dir` into the reason: a link, not a folder, absent.
    fn refusal(&self, dir: &OwnedFd, name: &OsStr, path: &RepoPath, walked: &RepoPath, error: Errno) -> Confinement {
        match error {
            Errno::ELOOP | Errno::ENOTDIR => match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
                Ok(stat) if kind_of(stat.st_mode) == Kind::Symlink => {
                    Confinement::Symlink { path: path.display(), link: walked.display() }
                }
                Ok(_) => Confinement::NotADirectory { path: walked.display() },
                Err(e) => self.io(walked, e),
            },
            Errno::ENOENT => Confinement::NotFound { path: path.display() },
            other => self.io(walked, other),
        }
    }

    fn io(&self, path: &RepoPath, error: impl Into<std::io::Error>) -> Confinement {
        Confinement::Io { path: path.display(), message: error.into().to_string() }
    }
}

fn open_child_dir(dir: &OwnedFd, name: &OsStr) -> nix::Result<OwnedFd> {
    openat(dir, name, OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC, Mode::empty())
}

fn kind_of(mode: nix::libc::mode_t) -> Kind {
    match SFlag::from_bits_truncate(mode & SFlag::S_IFMT.bits()) {
        SFlag::S_IFREG => Kind::File,
        SFlag::S_IFDIR => Kind::Dir,
        SFlag::S_IFLNK => Kind::Symlink,
        SFlag::S_IFIFO => Kind::Other("a FIFO (named pipe)"),
        SFlag::S_IFCHR => Kind::Other("a character device"),
        SFlag::S_IFBLK => Kind::Other("a block device"),
        SFlag::S_IFSOCK => Kind::Other("a socket"),
        _ => Kind::Other("of an unknown kind"),
    }
}

/// Lexical normalisation (`a/./b/../c` → `a/c`), keeping a leading `/`; `None` when `..`
/// climbs above the start.
fn lexical(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    let mut depth = 0usize;
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if depth == 0 {
                    return None;
                }
                out.pop();
                depth -= 1;
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => out.push(component.as_os_str()),
            Component::Normal(name) => {
                out.push(name);
                depth += 1;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn repo() -> (tempfile::TempDir, RepoDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical");
        std::fs::create_dir_all(root.join("a/b")).expect("mkdir");
        std::fs::write(root.join("a/b/f.txt"), "inside\n").expect("write");
        std::fs::create_dir_all(root.join(".git/hooks")).expect("mkdir");
        let sandbox = RepoDir::open(&root).expect("open");
        (dir, sandbox)
    }

    #[test]
    fn paths_are_confined_by_their_text() {
        let (_dir, repo) = repo();
        assert_eq!(repo.confine("a/./b/../b/f.txt").expect("inside").display(), "a/b/f.txt");
        let absolute = repo.root().join("a/b").to_string_lossy().into_owned();
        assert_eq!(repo.confine(&absolute).expect("inside").display(), "a/b");
        assert!(matches!(repo.confine("../x"), Err(Confinement::Outside { .. })));
        assert!(matches!(repo.confine("a/../../x"), Err(Confinement::Outside { .. })));
        assert!(matches!(repo.confine("/etc/passwd"), Err(Confinement::Outside { .. })));
        assert!(matches!(repo.confine(".git/config"), Err(Confinement::Git { .. })));
        assert!(matches!(repo.confine("a/.git/hooks/x"), Err(Confinement::Git { .. })));
        assert_eq!(repo.confine("").expect("root").display(), ".");
    }

    #[test]
    fn a_link_anywhere_on_the_way_is_refused() {
        let (dir, repo) = repo();
        let outside = tempfile::tempdir().expect("outside");
        std::fs::write(outside.path().join("f.txt"), "outside\n").expect("write");
        symlink(outside.path(), dir.path().join("out")).expect("link");
        symlink(".git", dir.path().join("gitlink")).expect("link");
        symlink("a/b/f.txt", dir.path().join("inner")).expect("link");
        for path in ["out/f.txt", "gitlink/config", "gitlink/hooks/pre-commit", "inner"] {
            let path = repo.confine(path).expect("text is fine");
            assert!(matches!(repo.read(&path, 1 << 20), Err(Confinement::Symlink { .. })), "{path:?}");
            assert!(
                matches!(repo.open_parent(&path, true), Err(Confinement::Symlink { .. })) || path.display() == "inner"
            );
        }
        assert!(matches!(repo.kind(&repo.confine("inner").unwrap()), Ok(Some(Kind::Symlink))));
        assert!(!outside.path().join("config").exists());
        assert_eq!(repo.read(&repo.confine("a/b/f.txt").unwrap(), 1 << 20).expect("read"), b"inside\n");
    }

    #[test]
    fn special_files_are_refused_and_reads_are_capped() {
        let (dir, repo) = repo();
        nix::unistd::mkfifo(&dir.path().join("fifo"), Mode::from_bits_truncate(0o600)).expect("fifo");
        symlink("/dev/zero", dir.path().join("zero")).expect("link");
        let fifo = repo.confine("fifo").unwrap();
        assert!(matches!(repo.read(&fifo, 1 << 20), Err(Confinement::NotRegular { kind: "a FIFO (named pipe)", .. })));
        assert!(matches!(repo.read(&repo.confine("zero").unwrap(), 1 << 20), Err(Confinement::Symlink { .. })));
        assert!(matches!(
            repo.read(&repo.confine("a/b/f.txt").unwrap(), 3),
            Err(Confinement::TooLarge { size: 7, .. })
        ));
        assert!(matches!(
            repo.read(&repo.confine("a").unwrap(), 10),
            Err(Confinement::NotRegular { kind: "a folder", .. })
        ));
        assert!(matches!(repo.read(&repo.confine("nope").unwrap(), 10), Err(Confinement::NotFound { .. })));
    }

    #[test]
    fn folders_are_made_inside_and_listed_without_following_links() {
        let (dir, repo) = repo();
        symlink("/tmp", dir.path().join("a/tmp")).expect("link");
        repo.open_dir(&repo.confine("new/deep").unwrap(), true).expect("made");
        assert!(dir.path().join("new/deep").is_dir());
        let names: Vec<_> = repo.list(&repo.confine("a").unwrap()).expect("list");
        assert_eq!(names, vec![("b".into(), Kind::Dir), ("tmp".into(), Kind::Symlink)]);
        assert!(matches!(repo.files_under(&repo.confine("a").unwrap()), Err(Confinement::Symlink { .. })));
        assert!(matches!(repo.check_no_links(&repo.confine("a/tmp/x").unwrap()), Err(Confinement::Symlink { .. })));
        repo.check_no_links(&repo.confine("a/b/missing/x").unwrap()).expect("missing parts are fine");
    }
}
