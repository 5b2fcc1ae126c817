//! `auto affected`: git change detection → the targets CI must run (images, terraform
//! roots, scripts), each with the reason it is affected.
//!
//! One `git diff` gives the changed paths; [`mapping`] says which area each belongs to; the
//! working tree (checked out at head) says which folder is a root or a module; the module
//! graph ([`modules`]) finds the roots that reach a changed module. Roots that no longer
//! exist are reported as deleted and never become targets: removing a root's folder must
//! not turn into a destroy.

pub mod git;
pub mod mapping;
pub mod modules;
pub mod output;
pub mod tree;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use git::{ChangedFile, FileStatus, Git};
use mapping::{classify, Area, Scope};
use modules::{Fetch, ModuleGraph};
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uncommitted {
    /// Also count staged, unstaged and untracked files (a local run before committing).
    Include,
    Exclude,
}

/// Why one target is affected: a chain from the target down to what changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reason {
    /// `[root, module, …, changed module]`, or just `[target]` for a direct change.
    pub chain: Vec<String>,
    pub cause: Cause,
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

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.chain.join(" ← "))?;
        match &self.cause {
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

/// The targets of one change, each with its reasons; sorted maps, so output is stable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Affected {
    /// Commit ids compared (base may be the empty tree for a first commit).
    pub base: String,
    pub head: String,
    /// Changed paths inside the repository folder.
    pub changed_files: usize,
    pub images: BTreeMap<String, Vec<Reason>>,
    pub roots: BTreeMap<String, Vec<Reason>>,
    pub scripts: BTreeMap<String, Vec<Reason>>,
    /// Roots that existed at base and hold no `.tf` at head: reported, never targets.
    pub deleted_roots: BTreeMap<String, Vec<Reason>>,
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
}

/// Detects the targets affected between two commits of the repository at `repo_root`.
pub fn detect(repo_root: &Path, runner: &dyn Runner, request: &Request) -> Result<Affected, AffectedError> {
    let git = Git::new(runner, repo_root);
    let range = resolve_range(&git, request)?;
    let prefix = range.prefix.as_str();
    // The diff and the working tree's state are independent: read them side by side.
    let (diff, status) = std::thread::scope(|scope| {
        let status = (request.uncommitted == Uncommitted::Include).then(|| scope.spawn(|| git.status()));
        (git.diff(&range.base, &range.head), status.map(join))
    });
    let status = status.transpose()?;
    let mut changes = diff?;
    if let Some(status) = &status {
        changes = git::merge_changes(changes, status.clone());
    }
    // Paths come relative to the git top level; keep those inside the repository folder.
    let changes: Vec<ChangedFile> = changes
        .into_iter()
        .filter_map(|c| c.path.strip_prefix(prefix).map(|p| ChangedFile { path: p.to_string(), status: c.status }))
        .collect();
    let pathspecs = match mapping::listing_scope(changes.iter().map(|c| c.path.as_str())) {
        Scope::Everything if prefix.is_empty() => Some(Vec::new()),
        Scope::Everything => Some(vec![prefix.to_string()]),
        Scope::Paths(paths) if paths.is_empty() => None,
        Scope::Paths(paths) => Some(paths.into_iter().map(|p| format!("{prefix}{p}")).collect()),
    };
    let mut entries: Vec<(String, Blob)> = match pathspecs {
        Some(pathspecs) => {
            git.ls_tree(&range.head, &pathspecs)?.into_iter().map(|(path, id)| (path, Blob::Git(id))).collect()
        }
        None => Vec::new(),
    };
    if let Some(status) = &status {
        // The working tree wins: changed files are read from disk, deleted ones are gone.
        let touched: std::collections::HashSet<&str> = status.iter().map(|c| c.path.as_str()).collect();
        entries.retain(|(path, _)| !touched.contains(path.as_str()));
        entries.extend(status.iter().filter(|c| c.status != FileStatus::Deleted).map(|c| (c.path.clone(), Blob::Disk)));
    }
    let tree = Tree::new(
        repo_root,
        // Without a prefix (the common case) paths are moved, not copied.
        entries.into_iter().filter_map(|(path, blob)| {
            if prefix.is_empty() {
                Some((path, blob))
            } else {
                path.strip_prefix(prefix).map(|relative| (relative.to_string(), blob))
            }
        }),
    );
    let mut affected = map_changes(&tree, &changes, &|ids: &[&str]| git.cat_file(ids))?;
    affected.base = range.base;
    affected.head = range.head;
    Ok(affected)
}

/// A git read that panicked (it cannot: it only parses) is re-raised, not swallowed.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Resolves base and head with as few git processes as possible: one `rev-parse` for the
/// refs, then a merge-base (or `HEAD^`) when the base is the default.
pub fn resolve_range(git: &Git, request: &Request) -> Result<Range, AffectedError> {
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
    let Some(state) = git.state(&names)? else {
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
        match git.resolve(&format!("{head}^"))? {
            Some(parent) => parent,
            None if state.shallow => return Err(AffectedError::ShallowWithoutBase { what: format!("`{head_name}^`") }),
            // The first commit: everything in it is new.
            None => git::EMPTY_TREE.to_string(),
        }
    } else {
        match git.merge_base(&head, &last)? {
            Some(base) => base,
            None if state.shallow => {
                return Err(AffectedError::ShallowWithoutBase {
                    what: format!("the merge-base of `{head_name}` and `{default_ref}`"),
                })
            }
            None => return Err(AffectedError::NoCommonHistory { head: head_name.to_string(), reference: default_ref }),
        }
    };
    Ok(Range { base, head, prefix: state.prefix })
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
    fn add(&mut self, target: &str, chain: Vec<String>, file: &str) {
        self.targets.entry(target.to_string()).or_default().entry(chain).or_default().insert(file.to_string());
    }

    fn into_reasons(self, into: &mut BTreeMap<String, Vec<Reason>>) {
        for (target, chains) in self.targets {
            let reasons = into.entry(target).or_default();
            for (chain, files) in chains {
                reasons.push(Reason { chain, cause: Cause::Changed(files.into_iter().collect()) });
            }
            reasons.sort();
        }
    }
}

/// Maps changed paths (repository-relative) to targets, given the tree at head; `fetch`
/// reads file contents when the module graph is needed.
pub fn map_changes(
    tree: &Tree,
    changes: &[ChangedFile],
    fetch: &Fetch<AffectedError>,
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
                    images.add(app, vec![app.to_string()], path);
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
                Some(root) => roots.add(&root, vec![root.clone()], path),
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
                    scripts.add(name, vec![name.to_string()], path);
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
            Some(root) => deleted.add(root, vec![root.to_string()], path),
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
                roots.add(root, vec![root.clone(), scope.clone()], file);
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
                scripts.add(name, vec![name.clone(), "scripts/lib".into()], file);
            }
        }
    }

    if !changed_modules.is_empty() {
        let all_roots = tree.roots_under("environments");
        let changed: BTreeSet<String> = changed_modules.keys().cloned().collect();
        let graph = ModuleGraph::build(tree, &all_roots, &changed, fetch)?;
        let unreadable = graph.unreadable();
        let seeds: BTreeSet<String> =
            changed_modules.keys().cloned().chain(unreadable.keys().map(|d| d.to_string())).collect();
        let chains = graph.chains(&all_roots, &seeds);
        let mut used: BTreeSet<&str> = BTreeSet::new();
        for (root, root_chains) in &chains {
            let reasons = affected.roots.entry(root.clone()).or_default();
            for chain in root_chains {
                let seed = chain.last().map(String::as_str).unwrap_or_default();
                match changed_modules.get(seed) {
                    Some(files) => {
                        used.insert(seed);
                        reasons.push(Reason {
                            chain: chain.clone(),
                            cause: Cause::Changed(files.iter().cloned().collect()),
                        });
                    }
                    None => reasons.push(Reason {
                        chain: chain.clone(),
                        cause: Cause::Unreadable(unreadable.get(seed).map(|s| s.to_string()).unwrap_or_default()),
                    }),
                }
            }
        }
        for (module, files) in &changed_modules {
            if !used.contains(module.as_str()) {
                for file in files {
                    affected.ignored.insert(file.clone(), format!("module {module} is not used by any root"));
                }
            }
        }
    }

    images.into_reasons(&mut affected.images);
    roots.into_reasons(&mut affected.roots);
    scripts.into_reasons(&mut affected.scripts);
    deleted.into_reasons(&mut affected.deleted_roots);
    for reasons in affected.roots.values_mut() {
        reasons.sort();
        reasons.dedup();
    }
    Ok(affected)
}

/// `scripts/*.rhai` at head: the scripts a library change may reach.
fn named_scripts(tree: &Tree) -> Vec<String> {
    tree.files_in("scripts")
        .iter()
        .filter_map(|(name, _)| name.strip_suffix(".rhai").filter(|n| !n.is_empty()).map(str::to_string))
        .collect()
}
