//! `auto affected`: git change detection → the targets CI must run (images, terraform
//! roots, scripts), each with the reason it is affected.
//!
//! One diff gives the changed paths; [`mapping`] says which area each belongs to; the files
//! at head say which folder is a root or a module; the module graph ([`modules`], kept
//! between runs by [`index`]) finds the roots that reach a changed module. Roots that no
//! longer exist are reported as deleted and never become targets: removing a root's folder
//! must not turn into a destroy.
//!
//! Git is read in-process ([`odb`]) when possible, else through git processes ([`git`]):
//! the same questions, the same answers (the tests run both).

pub mod calls;
pub mod git;
pub mod graph;
pub mod index;
pub mod mapping;
pub mod modules;
pub mod odb;
pub mod output;
pub mod scan;
pub mod snapshot;
pub mod targets;
pub mod tree;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use git::{ChangedFile, FileStatus, Git, GitRead};
use graph::ModuleGraph;
use index::Index;
use mapping::{classify, Area};
use targets::Targets;
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

/// Why one target is affected: the chain from the target down to what changed, and what
/// changed there. Shared parts are shared: a module used by 4,000 roots gives 4,000 reasons
/// pointing at the same few chains and files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reason {
    /// The folders after the target on the way to the change (`[module, …, changed
    /// module]`, or the settings folder); empty when the change is in the target itself.
    pub via: Arc<[String]>,
    pub cause: Arc<Cause>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// These files changed (sorted).
    Changed(Vec<String>),
    /// The last folder of the chain could not be read, so what it calls is unknown.
    Unreadable(String),
}

/// Files listed in a reason before "and N more": a module change can touch dozens.
const FILES_SHOWN: usize = 3;

impl Reason {
    pub fn new(via: impl Into<Arc<[String]>>, cause: Cause) -> Reason {
        Reason { via: via.into(), cause: Arc::new(cause) }
    }

    /// `target ← module ← … (changed: files)`.
    pub fn display<'a>(&'a self, target: &'a str) -> impl fmt::Display + 'a {
        ReasonOf { target, reason: self }
    }
}

struct ReasonOf<'a> {
    target: &'a str,
    reason: &'a Reason,
}

impl fmt::Display for ReasonOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.target)?;
        for folder in self.reason.via.iter() {
            write!(f, " ← {folder}")?;
        }
        match self.reason.cause.as_ref() {
            Cause::Changed(files) => {
                write!(f, " (changed: {}", files.iter().take(FILES_SHOWN).cloned().collect::<Vec<_>>().join(", "))?;
                if files.len() > FILES_SHOWN {
                    write!(f, " and {} more", files.len() - FILES_SHOWN)?;
                }
                write!(f, ")")
            }
            Cause::Unreadable(why) => write!(f, " (cannot read its module calls, included to be safe: {why})"),
        }
    }
}

/// The targets of one change, each with its reasons; sorted, so output is stable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Affected {
    /// Commit ids compared (base may be the empty tree for a first commit).
    pub base: String,
    pub head: String,
    /// Changed paths inside the repository folder.
    pub changed_files: usize,
    pub images: Targets,
    pub roots: Targets,
    pub scripts: Targets,
    /// Roots that existed at base and hold no `.tf` at head: reported, never targets.
    pub deleted_roots: Targets,
    /// Changed paths that map to no target, with why.
    pub ignored: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AffectedError {
    #[error("`{}` is not in a git repository: `auto affected` compares two commits, so run it in a clone of the repository", .dir.display())]
    NotGitRepo { dir: std::path::PathBuf },
    #[error("the repository has no commits yet: commit something before asking what changed")]
    NoCommits,
    #[error("invalid git ref `{reference}` for {role}: a ref is a branch, tag or commit and cannot be empty or start with `-`")]
    BadRef { reference: String, role: RefRole },
    #[error("unknown git ref `{reference}` ({role}){}: fetch it with `{}`; in GitHub Actions check out with `actions/checkout` and `fetch-depth: 0`", if *.shallow { " in this shallow clone" } else { "" }, fetch_hint(.reference))]
    UnknownRef { reference: String, role: RefRole, shallow: bool },
    #[error("this clone is shallow and lacks the history to compare with ({what}): fetch it with `git fetch --unshallow`; in GitHub Actions check out with `fetch-depth: 0`")]
    ShallowWithoutBase { what: String },
    #[error("`{head}` and `{reference}` have no common commit: pass the commit to compare with `--base`")]
    NoCommonHistory { head: String, reference: String },
    #[error("`--include-uncommitted` adds the working tree, which is at {}, but `--head {head}` is commit {}: drop `--head` or check out `{head}` first", short(.checked_out), short(.head_commit))]
    UncommittedNeedsCheckout { head: String, head_commit: String, checked_out: String },
    #[error("{message}")]
    Git { message: String },
}

impl AffectedError {
    /// Bad input (a ref, the clone, the checkout) rather than git failing: exit code 2.
    pub fn is_usage(&self) -> bool {
        !matches!(self, AffectedError::Git { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefRole {
    Base,
    Head,
    DefaultBranch,
}

impl fmt::Display for RefRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefRole::Base => "`--base`",
            RefRole::Head => "`--head`",
            RefRole::DefaultBranch => "the default branch, set with `--default-branch` or `AUTO_DEFAULT_BRANCH`",
        })
    }
}

fn fetch_hint(reference: &str) -> String {
    match reference.split_once('/') {
        Some(("origin", branch)) => format!("git fetch origin {branch}"),
        _ => format!("git fetch origin {reference}"),
    }
}

pub fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
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

/// Collects reasons per target, merging the files of identical chains.
#[derive(Default)]
struct Collector {
    targets: BTreeMap<String, BTreeMap<Vec<String>, BTreeSet<String>>>,
}

impl Collector {
    /// `file` changed in `target`, or `via` these folders below it.
    fn add(&mut self, target: &str, via: &[&str], file: &str) {
        let via = via.iter().map(|folder| folder.to_string()).collect();
        self.targets.entry(target.to_string()).or_default().entry(via).or_default().insert(file.to_string());
    }

    fn into_map(self) -> BTreeMap<String, Vec<Reason>> {
        self.targets
            .into_iter()
            .map(|(target, chains)| {
                let reasons = chains
                    .into_iter()
                    .map(|(via, files)| Reason::new(via, Cause::Changed(files.into_iter().collect())))
                    .collect();
                (target, reasons)
            })
            .collect()
    }

    fn into_targets(self) -> Targets {
        Targets::from(self.into_map())
    }
}

/// Maps changed paths (repository-relative) to targets, given the files at head that the
/// changes' [`mapping::listing_scope`] names; `graph` gives the module graph at head when
/// a module changed.
pub fn map_changes(
    tree: &Tree,
    changes: &[ChangedFile],
    graph: &mut dyn FnMut() -> Result<ModuleGraph, AffectedError>,
) -> Result<Affected, AffectedError> {
    let mut affected = Affected { changed_files: changes.len(), ..Affected::default() };
    let (mut images, mut roots, mut scripts, mut deleted) =
        (Collector::default(), Collector::default(), Collector::default(), Collector::default());
    let mut changed_modules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut library_files = Vec::new();
    // Environment files in no root at head: in a deleted root, or settings for the roots below.
    let mut outside_roots: Vec<&ChangedFile> = Vec::new();
    let mut deleted_candidates: BTreeSet<String> = BTreeSet::new();

    for change in changes {
        let path = change.path.as_str();
        match classify(path) {
            Area::Image { app } => {
                if tree.is_dir(&format!("apps/{app}/docker")) {
                    images.add(app, &[], path);
                } else {
                    affected.ignored.insert(path.into(), format!("the image folder apps/{app}/docker is gone at head"));
                }
            }
            Area::Module { boundary } => match tree.module_of(path, boundary) {
                Some(module) => {
                    changed_modules.entry(module).or_default().insert(path.to_string());
                }
                None if boundary.is_empty() => {
                    affected.ignored.insert(path.into(), mapping::Ignored::NoRule.describe().into());
                }
                None => {
                    affected
                        .ignored
                        .insert(path.into(), "in no terraform module at head (the module was removed)".into());
                }
            },
            Area::Environment { .. } => match tree.root_of(path) {
                Some(root) => roots.add(&root, &[], path),
                None => {
                    let dir = parent(path);
                    if change.status == FileStatus::Deleted && path.ends_with(".tf") && dir.split('/').count() >= 3 {
                        deleted_candidates.insert(dir.to_string());
                    }
                    outside_roots.push(change);
                }
            },
            Area::Script { name } => {
                if tree.is_file(path) {
                    scripts.add(name, &[], path);
                } else {
                    affected.ignored.insert(path.into(), "the script was deleted".into());
                }
            }
            Area::ScriptLibrary => library_files.push(path),
            Area::Ignored(why) => {
                affected.ignored.insert(path.into(), why.describe().into());
            }
        }
    }

    // A deleted root's own folders (local modules) are not roots of their own.
    let deleted_roots: Vec<&String> = deleted_candidates
        .iter()
        .filter(|dir| !deleted_candidates.iter().any(|other| dir.starts_with(&format!("{other}/"))))
        .collect();
    let mut settings: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for change in outside_roots {
        let path = change.path.as_str();
        match deleted_roots.iter().find(|root| path.starts_with(&format!("{root}/"))) {
            Some(root) => deleted.add(root, &[], path),
            None => settings.entry(parent(path).to_string()).or_default().push(path),
        }
    }
    // Settings (env.toml, customer.toml, …) apply to every root below their folder.
    for (scope, files) in settings {
        let below = tree.roots_under(&scope);
        for file in &files {
            if below.is_empty() {
                affected.ignored.insert(file.to_string(), format!("no terraform root under {scope} at head"));
            }
            for root in &below {
                roots.add(root, &[&scope], file);
            }
        }
    }

    if !library_files.is_empty() {
        let names = named_scripts(tree);
        for file in library_files {
            if names.is_empty() {
                affected.ignored.insert(file.into(), "no named script under scripts/ at head".into());
            }
            for name in &names {
                scripts.add(name, &["scripts/lib"], file);
            }
        }
    }

    if !changed_modules.is_empty() {
        let graph = graph()?;
        let unreadable = graph.unreadable();
        let seeds: BTreeSet<String> =
            changed_modules.keys().cloned().chain(unreadable.keys().map(|d| d.to_string())).collect();
        let reaches = graph.reach(&seeds);
        let mut reached: Vec<(graph::FolderId, Reason)> =
            Vec::with_capacity(reaches.iter().map(|reach| reach.roots.len()).sum());
        for reach in reaches {
            let seed = graph.name(reach.seed);
            let cause = Arc::new(match changed_modules.get(seed) {
                Some(files) => Cause::Changed(files.iter().cloned().collect()),
                None => Cause::Unreadable(unreadable.get(seed).map(|s| s.to_string()).unwrap_or_default()),
            });
            if !reach.roots.is_empty() {
                changed_modules.remove(seed);
            }
            // Every root calling the same folder shares the chain below it: built once.
            let mut chain_from: foldhash::HashMap<graph::FolderId, Arc<[String]>> = Default::default();
            for root in &reach.roots {
                let via = match reach.next(*root) {
                    Some(next) => chain_from
                        .entry(next)
                        .or_insert_with(|| {
                            std::iter::successors(Some(next), |at| reach.next(*at))
                                .map(|id| graph.name(id).to_string())
                                .collect()
                        })
                        .clone(),
                    None => Arc::from([]),
                };
                reached.push((*root, Reason { via, cause: cause.clone() }));
            }
        }
        for (module, files) in &changed_modules {
            for file in files {
                affected.ignored.insert(file.clone(), format!("module {module} is not used by any root"));
            }
        }
        affected.roots = Targets::with_reached(roots.into_map(), Arc::new(graph), reached);
    } else {
        affected.roots = roots.into_targets();
    }
    affected.images = images.into_targets();
    affected.scripts = scripts.into_targets();
    affected.deleted_roots = deleted.into_targets();
    Ok(affected)
}

/// `scripts/*.rhai` at head: the scripts a library change may reach.
fn named_scripts(tree: &Tree) -> Vec<String> {
    tree.files_in("scripts")
        .iter()
        .filter_map(|(name, _)| name.strip_suffix(".rhai").filter(|n| !n.is_empty()).map(str::to_string))
        .collect()
}
