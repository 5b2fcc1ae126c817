//! `auto affected`: git change detection → the targets CI must run (images, terraform
//! roots, scripts), each with the reason it is affected.
//!
//! One diff gives the changed paths; [`mapping`] says which area each belongs to; the files
//! at head ([`tree`]) say which folder is a root or a module; the module graph ([`modules`]
//! reads it, [`graph`] walks it, kept between runs by [`index`]) finds the roots that reach
//! a changed module; [`changes`] puts these together into the targets. Roots that no
//! longer exist are reported as deleted and never become targets: removing a root's folder
//! must not turn into a destroy.
//!
//! Git is read in-process ([`odb`]) when possible, else through git processes ([`git`]):
//! the same questions, the same answers (the tests run both).
//!
//! This file is the detection itself: the request, the commits it compares, and the reads
//! of git and of the index that [`map_changes`] needs. The types every part speaks
//! ([`error`], [`reason`]) have files of their own, so the parts depend on them and not on
//! this file, and the dependencies inside `affected/` point one way.

pub mod calls;
pub mod changes;
pub mod error;
pub mod git;
pub mod graph;
pub mod index;
pub mod mapping;
pub mod modules;
pub mod odb;
pub mod output;
pub mod reason;
pub mod scan;
pub mod snapshot;
pub mod targets;
pub mod tree;

pub use changes::{map_changes, Affected};
pub use error::{short, AffectedError, RefRole};
pub use reason::{Cause, Reason};

use std::collections::BTreeSet;
use std::path::Path;

use git::{ChangedFile, FileStatus, Git, GitRead};
use graph::ModuleGraph;
use index::Index;
use tree::{parent, Blob, Tree};

use crate::process::Runner;

/// What to compare.
#[derive(Debug, Clone)]
pub struct Request {
    /// Default: the merge-base of HEAD with the default branch, or `HEAD^` on it.
    pub base: Option<String>,
    /// Default: HEAD. Must be the checked-out commit: targets are read from the files on disk.
    pub head: Option<String>,
    /// `main` means `origin/main`; a value with a `/` is used as the ref itself.
    pub default_branch: String,
    pub uncommitted: Uncommitted,
    pub graph_index: GraphIndex,
    /// Keep head's module graph even when no module changed.
    pub save_graph_index: bool,
    pub git_reader: GitReader,
}

/// Where the module graph is kept between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphIndex {
    /// `<git common dir>/auto/affected-graph`.
    InGitDir,
    At(std::path::PathBuf),
    /// Read the whole graph every time; keep nothing.
    Off,
}

/// Who answers git questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitReader {
    /// In-process when the repository allows it, else git processes.
    InProcessFirst,
    /// Git processes only (`--git-processes`; the tests compare both readers with it).
    Processes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uncommitted {
    /// Also count staged, unstaged and untracked files (a local run before committing).
    Include,
    Exclude,
}

/// The commits compared and where the repository sits inside the git work tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub base: String,
    pub head: String,
    /// The repository folder relative to the git top level (`""` or `sub/dir/`).
    pub prefix: String,
    /// The git folder shared by all work trees.
    pub common_dir: std::path::PathBuf,
}

/// Detects the targets affected between two commits of the repository at `repo_root`.
pub fn detect(repo_root: &Path, runner: &dyn Runner, request: &Request) -> Result<Affected, AffectedError> {
    detect_using(&InProcessReader::open(repo_root, request), repo_root, runner, request)
}

/// The in-process git reader for one detection, or why git processes answer instead.
/// Opened apart from [`detect_using`] so that a process about to exit may keep it rather
/// than unmap its packs and free its caches one by one (`auto affected` does).
pub struct InProcessReader(Result<odb::InProcess, String>);

impl InProcessReader {
    pub fn open(repo_root: &Path, request: &Request) -> InProcessReader {
        let opened = match request.git_reader {
            GitReader::Processes => Err("git processes were asked for".to_string()),
            GitReader::InProcessFirst => odb::InProcess::open(repo_root),
        };
        InProcessReader(opened)
    }
}

/// [`detect`] with the in-process reader opened already.
pub fn detect_using(
    reader: &InProcessReader,
    repo_root: &Path,
    runner: &dyn Runner,
    request: &Request,
) -> Result<Affected, AffectedError> {
    let git = Git::new(runner, repo_root);
    match &reader.0 {
        Ok(in_process) => match detect_with(in_process, &git, repo_root, request) {
            // Bad refs and the like are explained by git already; anything else, git may
            // still read (a partial clone fetching a missing object, a newer repository format).
            Err(error) if !error.is_usage() => {
                tracing::debug!(%error, "reading git in-process failed; running git instead");
                detect_with(&git, &git, repo_root, request)
            }
            outcome => outcome,
        },
        Err(why) => {
            if request.git_reader == GitReader::InProcessFirst {
                tracing::debug!(%why, "git cannot be read in-process here; running git");
            }
            detect_with(&git, &git, repo_root, request)
        }
    }
}

/// Detection with `reader` answering git questions; `git` runs `git status` and explains
/// refs that do not resolve.
fn detect_with(
    reader: &dyn GitRead,
    git: &Git,
    repo_root: &Path,
    request: &Request,
) -> Result<Affected, AffectedError> {
    let range = resolve_range(reader, git, request)?;
    let prefix = range.prefix.as_str();
    // The diff and the working tree's state are independent: read them side by side.
    let (diff, status) = std::thread::scope(|scope| {
        let status = (request.uncommitted == Uncommitted::Include).then(|| scope.spawn(|| git.status()));
        (reader.diff(&range.base, &range.head), status.map(join))
    });
    let status = status.transpose()?;
    let committed = diff?;
    let mut changes = committed.clone();
    if let Some(status) = &status {
        changes = git::merge_changes(changes, status.clone());
    }
    let changes = inside(prefix, changes);
    let scope = mapping::listing_scope(changes.iter().map(|c| c.path.as_str()));
    let listed = match &scope {
        scope if scope.is_empty() => Vec::new(),
        scope => {
            let from_top = |paths: &BTreeSet<String>| paths.iter().map(|p| format!("{prefix}{p}")).collect::<Vec<_>>();
            reader.ls_tree(&range.head, &from_top(&scope.below), &from_top(&scope.files_in))?
        }
    };
    let tree = head_tree(repo_root, prefix, listed, status.as_deref());
    let index = match &request.graph_index {
        GraphIndex::InGitDir => Some(Index::in_git_dir(&range.common_dir)),
        GraphIndex::At(dir) => Some(Index::new(dir.clone())),
        GraphIndex::Off => None,
    };
    let sources = GraphSources {
        reader,
        repo_root,
        range: &range,
        listed: (&tree, &scope),
        committed: &committed,
        status: status.as_deref(),
        always_save: request.save_graph_index,
    };
    let mut graph_read = false;
    let mut affected = map_changes(&tree, &changes, &mut || {
        graph_read = true;
        sources.graph(index.as_ref())
    })?;
    if request.save_graph_index && !graph_read && index.is_some() && status.is_none() {
        // No module changed, but the branches starting here will want this commit's graph
        // (CI's run on the default branch asks): brought up to date, cheap from the last.
        sources.graph(index.as_ref())?;
    }
    affected.base = range.base;
    affected.head = range.head;
    Ok(affected)
}

/// Changes inside the repository folder, relative to it (git gives them from its top).
fn inside(prefix: &str, changes: Vec<ChangedFile>) -> Vec<ChangedFile> {
    changes
        .into_iter()
        .filter_map(|c| c.path.strip_prefix(prefix).map(|p| ChangedFile { path: p.to_string(), status: c.status }))
        .collect()
}

/// The files at head: `listed` from the head commit (paths from the git top level) with,
/// when uncommitted changes count, the working tree winning for every file it changed.
fn head_tree(repo_root: &Path, prefix: &str, listed: Vec<(String, String)>, status: Option<&[ChangedFile]>) -> Tree {
    let mut entries: Vec<(String, Blob)> = listed.into_iter().map(|(path, id)| (path, Blob::Git(id))).collect();
    if let Some(status) = status {
        // Changed files are read from disk, deleted ones are gone.
        let touched: std::collections::HashSet<&str> = status.iter().map(|c| c.path.as_str()).collect();
        entries.retain(|(path, _)| !touched.contains(path.as_str()));
        entries.extend(status.iter().filter(|c| c.status != FileStatus::Deleted).map(|c| (c.path.clone(), Blob::Disk)));
    }
    Tree::new(
        repo_root,
        // Without a prefix (the common case) paths are moved, not copied.
        entries.into_iter().filter_map(|(path, blob)| {
            if prefix.is_empty() {
                Some((path, blob))
            } else {
                path.strip_prefix(prefix).map(|relative| (relative.to_string(), blob))
            }
        }),
    )
}

/// What reading the module graph at head needs.
struct GraphSources<'a> {
    reader: &'a dyn GitRead,
    repo_root: &'a Path,
    range: &'a Range,
    /// The committed changes from base to head (from the git top level).
    committed: &'a [ChangedFile],
    status: Option<&'a [ChangedFile]>,
    /// Keep head's graph even when it came cheaply from an index (`--save-graph-index`).
    always_save: bool,
    /// The files at head already listed for mapping the changes, and what was listed: a
    /// refresh within it needs no listing of its own.
    listed: (&'a Tree, &'a mapping::Listing),
}

/// A refresh that re-read more folders than this is kept for head even unasked: the next
/// run from the older index would redo as much.
const REFRESH_WORTH_KEEPING: usize = 200;

impl GraphSources<'_> {
    /// The module graph at head: a stored one brought up to date when there is one, else
    /// every terraform folder read. Kept for head when it was read in full, when the
    /// refresh was large, or when asked; a small refresh is cheaper to redo than to store
    /// (a pull request's runs all start from its base's index). Never with uncommitted
    /// changes: the index describes commits.
    fn graph(&self, index: Option<&Index>) -> Result<ModuleGraph, AffectedError> {
        let (range, prefix) = (self.range, self.range.prefix.as_str());
        let fetch = |ids: &[&str]| self.reader.cat_file(ids);
        let stored = index.and_then(|index| {
            // Head's or base's when there is one (opened by name, no listing of the folder);
            // else a few of the newest: an index of a commit this clone lacks is passed over.
            let preferred = [range.head.clone(), range.base.clone()];
            let newest = || index.newest().into_iter().filter(|c| !preferred.contains(c)).take(3);
            preferred.clone().into_iter().chain(std::iter::once_with(newest).flatten()).find_map(|commit| {
                let graph = index.load(&commit, prefix)?;
                let since = if commit == range.head {
                    Vec::new()
                } else if commit == range.base {
                    self.committed.to_vec()
                } else {
                    self.reader.diff(&commit, &range.head).ok()?
                };
                Some((commit, graph, since))
            })
        });
        let (from, refreshed, graph) = match stored {
            Some((commit, mut graph, since)) => {
                let changed =
                    inside(prefix, since).into_iter().chain(inside(prefix, self.status.unwrap_or_default().to_vec()));
                let dirs: BTreeSet<String> =
                    changed.filter(|c| c.path.ends_with(".tf")).map(|c| parent(&c.path).to_string()).collect();
                let (listed, scope) = self.listed;
                if dirs.iter().all(|dir| scope.covers(dir)) {
                    // The usual case: the index is base's, so the folders changed since are
                    // among those listed for the changes.
                    graph.refresh(listed, &dirs, &fetch)?;
                } else {
                    let paths: Vec<String> = dirs.iter().map(|dir| format!("{prefix}{dir}")).collect();
                    let tree =
                        head_tree(self.repo_root, prefix, self.reader.ls_tree(&range.head, &paths, &[])?, self.status);
                    graph.refresh(&tree, &dirs, &fetch)?;
                }
                tracing::debug!(index = short(&commit), refreshed = dirs.len(), "module graph from the index");
                (Some(commit), dirs.len(), graph)
            }
            None => {
                let everything = if prefix.is_empty() { Vec::new() } else { vec![prefix.to_string()] };
                let tree =
                    head_tree(self.repo_root, prefix, self.reader.ls_tree(&range.head, &everything, &[])?, self.status);
                (None, 0, ModuleGraph::read(&tree, &fetch)?)
            }
        };
        let worth_keeping = from.is_none() || refreshed > REFRESH_WORTH_KEEPING || self.always_save;
        if let (Some(index), None, true) = (index, self.status, worth_keeping) {
            if from.as_deref() != Some(range.head.as_str()) {
                if let Err(why) = index.save(&range.head, prefix, &graph) {
                    // Only the next run's speed depends on it.
                    tracing::debug!(%why, dir = %index.dir().display(), "module graph index not saved");
                }
            }
        }
        Ok(graph)
    }
}

/// A git read that panicked (it cannot: it only parses) is re-raised, not swallowed.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Resolves base and head with as few git processes as possible: one `rev-parse` for the
/// refs, then a merge-base (or `HEAD^`) when the base is the default.
pub fn resolve_range(reader: &dyn GitRead, git: &Git, request: &Request) -> Result<Range, AffectedError> {
    let default_ref = if request.default_branch.contains('/') {
        request.default_branch.clone()
    } else {
        format!("origin/{}", request.default_branch)
    };
    let mut refs: Vec<(&str, RefRole)> = vec![("HEAD", RefRole::Head)];
    if let Some(head) = &request.head {
        refs.push((head, RefRole::Head));
    }
    match &request.base {
        Some(base) => refs.push((base, RefRole::Base)),
        None => refs.push((&default_ref, RefRole::DefaultBranch)),
    }
    for (reference, role) in &refs {
        if reference.is_empty() || reference.starts_with('-') {
            return Err(AffectedError::BadRef { reference: reference.to_string(), role: *role });
        }
    }
    let names: Vec<&str> = refs.iter().map(|(r, _)| *r).collect();
    let Some(state) = reader.state(&names)? else {
        return Err(diagnose(git, &refs));
    };
    let checked_out = state.commits[0].clone();
    let head = if request.head.is_some() { state.commits[1].clone() } else { checked_out.clone() };
    if let (Some(name), Uncommitted::Include) = (&request.head, request.uncommitted) {
        if head != checked_out {
            return Err(AffectedError::UncommittedNeedsCheckout { head: name.clone(), head_commit: head, checked_out });
        }
    }
    let last = state.commits[state.commits.len() - 1].clone();
    let head_name = request.head.as_deref().unwrap_or("HEAD");
    let base = if request.base.is_some() {
        last
    } else if last == head {
        // On the default branch: what the last commit (a merge, usually) brought in.
        match reader.parent(&head)? {
            Some(parent) => parent,
            None if state.shallow => return Err(AffectedError::ShallowWithoutBase { what: format!("`{head_name}^`") }),
            // The first commit: everything in it is new.
            None => git::EMPTY_TREE.to_string(),
        }
    } else {
        match reader.merge_base(&head, &last)? {
            Some(base) => base,
            None if state.shallow => {
                return Err(AffectedError::ShallowWithoutBase {
                    what: format!("the merge-base of `{head_name}` and `{default_ref}`"),
                })
            }
            None => return Err(AffectedError::NoCommonHistory { head: head_name.to_string(), reference: default_ref }),
        }
    };
    Ok(Range { base, head, prefix: state.prefix, common_dir: state.common_dir })
}

/// Works out why the batched `rev-parse` failed (only on the error path, so extra git
/// calls cost nothing in the common case).
fn diagnose(git: &Git, refs: &[(&str, RefRole)]) -> AffectedError {
    let outcome = (|| {
        if !git.is_inside_work_tree()? {
            return Ok(AffectedError::NotGitRepo { dir: git.dir().to_path_buf() });
        }
        if git.resolve("HEAD")?.is_none() {
            return Ok(AffectedError::NoCommits);
        }
        for (reference, role) in refs.iter().skip(1) {
            if git.resolve(reference)?.is_none() {
                return Ok(AffectedError::UnknownRef {
                    reference: reference.to_string(),
                    role: *role,
                    shallow: git.is_shallow()?,
                });
            }
        }
        let names: Vec<&str> = refs.iter().map(|(r, _)| *r).collect();
        git.checked(&git::state_invocation(git.dir(), &names))?;
        Ok(AffectedError::Git { message: "`git rev-parse` gave output `auto` does not understand".into() })
    })();
    outcome.unwrap_or_else(|error| error)
}
