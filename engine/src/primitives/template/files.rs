//! Files for templates and the `fs::` module: reading text, listing, and writing through
//! the runner (atomic, only when changed, 0600 for secrets; recorded in dry-run and plan).
//!
//! Paths arrive as [`RepoPath`]s (confined to the repository by their text, never into
//! `.git/`); every read, listing and write goes through the repository's directory
//! capability, which refuses a link anywhere on the way and special files.

use super::{Rendered, TemplateError, Templates};
use crate::process::{FileChange, FileWrite, Runner, Value, WriteOutcome};
use crate::repo::{Confinement, Kind, Repo, RepoPath};
use crate::runtime::data::Data;

/// The most a template file may hold: the default largest string of a script.
pub const TEMPLATE_MAX_BYTES: usize = 16 * 1024 * 1024;

/// What `render_dir` did (or, in dry-run and plan, would do), by repository path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirReport {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    /// Whether a file was really written (false when the runner only recorded).
    pub wrote: bool,
}

impl crate::runtime::steps::Outcome for DirReport {
    fn changes(&self) -> crate::runtime::steps::Changes {
        crate::runtime::steps::Changes {
            counted: crate::report::summary::Counted::files((self.created.len() + self.updated.len()) as u64),
            ..crate::runtime::steps::Changes::changed_if(self.wrote)
        }
    }
}

impl DirReport {
    fn add(&mut self, display: String, outcome: WriteOutcome) {
        let change = match outcome {
            WriteOutcome::Written(change) => {
                self.wrote |= change != FileChange::Unchanged;
                change
            }
            WriteOutcome::Recorded(change) => change,
        };
        match change {
            FileChange::Created => self.created.push(display),
            FileChange::Updated => self.updated.push(display),
            FileChange::Unchanged => self.unchanged.push(display),
        }
    }
}

/// One entry of `fs::list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsEntry {
    pub path: String,
    pub is_dir: bool,
}

/// A refusal of the sandbox as a template error: absent or unreadable files are the
/// world's problem (a read error), links, `.git/` and special files the script's (a path
/// error).
fn refused(error: Confinement) -> TemplateError {
    match error {
        Confinement::NotFound { path } => TemplateError::Read { path, message: "no such file or directory".into() },
        Confinement::Io { path, message } => TemplateError::Read { path, message },
        other => TemplateError::Path(other.to_string()),
    }
}

/// A failed write: the runner's error names the file already.
fn write_failed(path: String, error: crate::process::RunError) -> TemplateError {
    match error {
        crate::process::RunError::Write { path, message } => TemplateError::Write { path, message },
        crate::process::RunError::NotReviewed { message } => TemplateError::NotReviewed(message),
        other => TemplateError::Write { path, message: other.to_string() },
    }
}

/// The text of the repository file `path`, at most `limit` bytes.
pub fn read_text(repo: &Repo, path: &RepoPath, limit: usize) -> Result<String, TemplateError> {
    let bytes = repo.dir().read(path, limit).map_err(refused)?;
    String::from_utf8(bytes)
        .map_err(|_| TemplateError::NotText { path: path.display(), what: "only text files can be read" })
}

/// The text of `path` as `fs::read` gives it: a secret when only its owner may read the
/// file (mode 0600, as a secret is written), since that is how a secret comes back. When
/// the umask makes every new file private, a private file says nothing: then it is text.
pub fn read_data(repo: &Repo, path: &RepoPath, limit: usize) -> Result<Data, TemplateError> {
    let (bytes, mode) = repo.dir().read_with_mode(path, limit).map_err(refused)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| TemplateError::NotText { path: path.display(), what: "only text files can be read" })?;
    let private = mode & 0o077 == 0 && !umask_makes_files_private();
    Ok(if private { Data::Secret(crate::secret::Secret::new(text)) } else { Data::Str(text) })
}

/// Whether this process's umask takes the group and other read bits away (077 and the
/// like), read from /proc: `umask(2)` can only be read by setting it, which races with
/// threads creating files.
fn umask_makes_files_private() -> bool {
    static PRIVATE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PRIVATE.get_or_init(|| {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                let line = status.lines().find(|l| l.starts_with("Umask:"))?;
                u32::from_str_radix(line.trim_start_matches("Umask:").trim(), 8).ok()
            })
            .is_some_and(|umask| umask & 0o044 == 0o044)
    })
}

/// Whether `path` exists (a link counts: it is there, though no script may go through it).
pub fn exists(repo: &Repo, path: &RepoPath) -> Result<bool, TemplateError> {
    repo.dir().kind(path).map(|kind| kind.is_some()).map_err(refused)
}

/// Direct children of `dir`, sorted, as repository paths.
pub fn list(repo: &Repo, dir: &RepoPath) -> Result<Vec<FsEntry>, TemplateError> {
    let entries = repo.dir().list(dir).map_err(refused)?;
    Ok(entries
        .into_iter()
        .map(|(name, kind)| FsEntry { path: dir.join(&name).display(), is_dir: kind == Kind::Dir })
        .collect())
}

/// Writes `contents` to `path` through the runner.
pub fn write(
    runner: &dyn Runner,
    repo: &Repo,
    path: &RepoPath,
    contents: Value,
) -> Result<WriteOutcome, TemplateError> {
    repo.dir().check_writable(path).map_err(refused)?;
    let write = FileWrite::new(repo.dir(), path.clone(), contents);
    runner.write_file(&write).map_err(|e| write_failed(write.display, e))
}

impl Templates {
    /// Renders every `*.j2` file under `src` into the same place under `dest` without the
    /// `.j2` suffix, and copies the other files as they are. Files are visited in sorted
    /// order; every template is rendered before anything is written, so a template error
    /// leaves `dest` untouched.
    pub fn render_dir(
        &self,
        runner: &dyn Runner,
        src: &RepoPath,
        dest: &RepoPath,
        vars: &Data,
    ) -> Result<DirReport, TemplateError> {
        let src_display = src.display();
        if self.repo.dir().kind(src).map_err(refused)? != Some(Kind::Dir) {
            return Err(TemplateError::Read { path: src_display, message: "not a directory".into() });
        }
        if dest.starts_with(src) {
            return Err(TemplateError::Path(format!(
                "the destination `{}` is inside the source `{src_display}`: render into a separate folder (e.g. under `.auto/`)",
                dest.display()
            )));
        }
        // A link anywhere in the source tree is refused, like one on the way to it.
        let sources = self.repo.dir().files_under(src).map_err(refused)?;
        let mut writes = Vec::with_capacity(sources.len());
        for source in &sources {
            let relative = source.strip_prefix(src).unwrap_or(source.as_path());
            let name = source.display();
            let text = match read_text(&self.repo, source, TEMPLATE_MAX_BYTES) {
                Err(TemplateError::NotText { path, .. }) => {
                    return Err(TemplateError::NotText { path, what: "render_dir copies text files only" })
                }
                other => other?,
            };
            let (target, contents) = match relative.to_str().and_then(|r| r.strip_suffix(".j2")) {
                Some(stripped) => (dest.join(stripped), self.render_named(&name, &text, vars)?.into_value()),
                None => (dest.join(relative), Rendered { text, secret: false, unknowns: Vec::new() }.into_value()),
            };
            self.repo.dir().check_writable(&target).map_err(refused)?;
            writes.push(FileWrite::new(self.repo.dir(), target, contents));
        }
        let outcomes = runner.write_files(&writes).map_err(|e| write_failed(dest.display(), e))?;
        let mut report = DirReport::default();
        for (write, outcome) in writes.into_iter().zip(outcomes) {
            report.add(write.display, outcome);
        }
        Ok(report)
    }
}
