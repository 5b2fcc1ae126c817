//! Files for templates and the `fs::` module: reading text, listing, and writing through
//! the runner (atomic, only when changed, 0600 for secrets; recorded in dry-run and plan).
//!
//! Paths arrive already confined to the repository (`Repo::resolve`); writes are also
//! refused inside `.git/`.

use std::path::{Path, PathBuf};

use super::{Rendered, TemplateError, Templates};
use crate::process::{FileChange, FileWrite, Runner, Value, WriteOutcome};
use crate::repo::Repo;
use crate::runtime::data::Data;

/// What `render_dir` did (or, in dry-run and plan, would do), by repository path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirReport {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    /// Whether a file was really written (false when the runner only recorded).
    pub wrote: bool,
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

pub fn read_text(path: &Path, display: &str) -> Result<String, TemplateError> {
    let bytes =
        std::fs::read(path).map_err(|e| TemplateError::Read { path: display.to_string(), message: io_message(&e) })?;
    String::from_utf8(bytes)
        .map_err(|_| TemplateError::NotText { path: display.to_string(), what: "only text files can be read" })
}

/// Direct children of `dir`, sorted, as repository paths.
pub fn list(repo: &Repo, dir: &Path) -> Result<Vec<FsEntry>, TemplateError> {
    let display = repo.relative(dir);
    let entries =
        std::fs::read_dir(dir).map_err(|e| TemplateError::Read { path: display.clone(), message: io_message(&e) })?;
    let mut out: Vec<FsEntry> = entries
        .flatten()
        .map(|entry| FsEntry { path: repo.relative(&entry.path()), is_dir: entry.path().is_dir() })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Writes `contents` to `path` through the runner.
pub fn write(runner: &dyn Runner, repo: &Repo, path: &Path, contents: Value) -> Result<WriteOutcome, TemplateError> {
    let write = file_write(repo, path.to_path_buf(), contents)?;
    runner.write_file(&write).map_err(|e| TemplateError::Write { path: write.display, message: e.to_string() })
}

/// A write to `path`, refused inside `.git/`.
fn file_write(repo: &Repo, path: PathBuf, contents: Value) -> Result<FileWrite, TemplateError> {
    let display = repo.relative(&path);
    if display == ".git" || display.starts_with(".git/") {
        return Err(TemplateError::Path(format!("`{display}` is inside `.git/`: scripts may not write there")));
    }
    Ok(FileWrite { path, display, contents })
}

impl Templates {
    /// Renders every `*.j2` file under `src` into the same place under `dest` without the
    /// `.j2` suffix, and copies the other files as they are. Files are visited in sorted
    /// order; every template is rendered before anything is written, so a template error
    /// leaves `dest` untouched.
    pub fn render_dir(
        &self,
        runner: &dyn Runner,
        src: &Path,
        dest: &Path,
        vars: &Data,
    ) -> Result<DirReport, TemplateError> {
        let src_display = self.repo.relative(src);
        if !src.is_dir() {
            return Err(TemplateError::Read { path: src_display, message: "not a directory".into() });
        }
        if dest.starts_with(src) {
            return Err(TemplateError::Path(format!(
                "the destination `{}` is inside the source `{src_display}`: render into a separate folder (e.g. under `.auto/`)",
                self.repo.relative(dest)
            )));
        }
        let mut sources = Vec::new();
        walk(src, &mut sources)
            .map_err(|e| TemplateError::Read { path: src_display.clone(), message: io_message(&e) })?;
        sources.sort();

        let mut outputs = Vec::new();
        for source in &sources {
            let relative = source.strip_prefix(src).unwrap_or(source);
            let name = self.repo.relative(source);
            // A symlink inside the tree may point out of the repository.
            self.repo.resolve(&name).map_err(|e| TemplateError::Path(e.to_string()))?;
            let real = source.canonicalize().unwrap_or_else(|_| source.clone());
            if !real.starts_with(self.repo.root()) {
                return Err(TemplateError::Path(format!("`{name}` links outside the repository")));
            }
            let text = std::fs::read(source)
                .map_err(|e| TemplateError::Read { path: name.clone(), message: io_message(&e) })
                .and_then(|bytes| {
                    String::from_utf8(bytes).map_err(|_| TemplateError::NotText {
                        path: name.clone(),
                        what: "render_dir copies text files only",
                    })
                })?;
            let (target, contents) = match relative.to_str().and_then(|r| r.strip_suffix(".j2")) {
                Some(stripped) => (dest.join(stripped), self.render_named(&name, &text, vars)?.into_value()),
                None => (dest.join(relative), Rendered { text, secret: false, unknowns: Vec::new() }.into_value()),
            };
            outputs.push((target, contents));
        }

        let writes = outputs
            .into_iter()
            .map(|(target, contents)| file_write(&self.repo, target, contents))
            .collect::<Result<Vec<_>, _>>()?;
        let outcomes = runner
            .write_files(&writes)
            .map_err(|e| TemplateError::Write { path: self.repo.relative(dest), message: e.to_string() })?;
        let mut report = DirReport::default();
        for (write, outcome) in writes.into_iter().zip(outcomes) {
            report.add(write.display, outcome);
        }
        Ok(report)
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn io_message(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => error.to_string(),
    }
}
