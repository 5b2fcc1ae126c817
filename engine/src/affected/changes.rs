//! From changed paths to the targets they affect: [`map_changes`], given the files at head
//! and, only when a module changed, the module graph.
//!
//! Each changed path is sorted into its area first ([`super::mapping::classify`]); the
//! areas whose changes reach further are then widened one by one, each in a function of its
//! own: settings to the roots below them, the script library to every named script, a
//! module to the roots that call it. Files in no root at head are split first between
//! deleted roots (reported, never targets) and settings.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::error::AffectedError;
use super::git::{ChangedFile, FileStatus};
use super::graph::{FolderId, ModuleGraph, Reach};
use super::mapping::{self, classify, Area};
use super::reason::{Cause, Reason};
use super::targets::Targets;
use super::tree::{parent, Tree, MIN_ROOT_DEPTH};

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

/// Changed paths that map to no target, with why.
type Ignored = BTreeMap<String, String>;

/// Maps changed paths (repository-relative) to targets, given the files at head that the
/// changes' [`mapping::listing_scope`] names; `graph` gives the module graph at head when
/// a module changed.
pub fn map_changes(
    tree: &Tree,
    changes: &[ChangedFile],
    graph: &mut dyn FnMut() -> Result<ModuleGraph, AffectedError>,
) -> Result<Affected, AffectedError> {
    let Sorted { images, mut roots, mut scripts, modules, library, outside_roots, mut ignored } =
        sort_changes(tree, changes);
    let (deleted, settings) = split_outside_roots(outside_roots);
    add_settings(tree, settings, &mut roots, &mut ignored);
    add_library(tree, &library, &mut scripts, &mut ignored);
    // The graph costs a read of every root (or of the index): asked for only when needed.
    let roots = if modules.is_empty() {
        roots.into_targets()
    } else {
        add_reached_roots(roots, graph()?, modules, &mut ignored)
    };
    Ok(Affected {
        changed_files: changes.len(),
        images: images.into_targets(),
        roots,
        scripts: scripts.into_targets(),
        deleted_roots: deleted.into_targets(),
        ignored,
        ..Affected::default()
    })
}

/// The changes sorted by area: the targets they name themselves, and what is left for the
/// widening steps of [`map_changes`].
#[derive(Default)]
struct Sorted<'a> {
    images: Collector,
    /// Roots holding a changed file.
    roots: Collector,
    scripts: Collector,
    /// Changed module folder → its changed files.
    modules: BTreeMap<String, BTreeSet<String>>,
    /// Changed files of the script library, which any named script may load.
    library: Vec<&'a str>,
    /// Environment files in no root at head: in a deleted root, or settings for the roots below.
    outside_roots: Vec<&'a ChangedFile>,
    ignored: Ignored,
}

/// Sorts each change into its area, looking at head only for whether its target is still
/// there.
fn sort_changes<'a>(tree: &Tree, changes: &'a [ChangedFile]) -> Sorted<'a> {
    let mut sorted = Sorted::default();
    for change in changes {
        let path = change.path.as_str();
        match classify(path) {
            Area::Image { app } => {
                if tree.is_dir(&format!("apps/{app}/docker")) {
                    sorted.images.add(app, &[], path);
                } else {
                    sorted.ignored.insert(path.into(), format!("the image folder apps/{app}/docker is gone at head"));
                }
            }
            Area::Module { boundary } => match tree.module_of(path, boundary) {
                Some(module) => {
                    sorted.modules.entry(module).or_default().insert(path.to_string());
                }
                None if boundary.is_empty() => {
                    sorted.ignored.insert(path.into(), mapping::Ignored::NoRule.describe().into());
                }
                None => {
                    sorted
                        .ignored
                        .insert(path.into(), "in no terraform module at head (the module was removed)".into());
                }
            },
            Area::Environment { .. } => match tree.root_of(path) {
                Some(root) => sorted.roots.add(&root, &[], path),
                None => sorted.outside_roots.push(change),
            },
            Area::Script { name } => {
                if tree.is_file(path) {
                    sorted.scripts.add(name, &[], path);
                } else {
                    sorted.ignored.insert(path.into(), "the script was deleted".into());
                }
            }
            Area::ScriptLibrary => sorted.library.push(path),
            Area::Ignored(why) => {
                sorted.ignored.insert(path.into(), why.describe().into());
            }
        }
    }
    sorted
}

/// Environment files in no root at head, split into those of deleted roots (by root) and
/// settings (by the folder they are in).
fn split_outside_roots(outside: Vec<&ChangedFile>) -> (Collector, BTreeMap<String, Vec<&str>>) {
    // A folder below `environments/<env>/` that lost `.tf` files and is in no root at head
    // was a root, or one of a deleted root's local modules.
    let candidates: BTreeSet<String> = outside
        .iter()
        .filter(|change| change.status == FileStatus::Deleted && change.path.ends_with(".tf"))
        .map(|change| parent(&change.path))
        .filter(|dir| dir.split('/').count() >= MIN_ROOT_DEPTH)
        .map(str::to_string)
        .collect();
    let deleted_roots = outermost(&candidates);
    let mut deleted = Collector::default();
    let mut settings: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for change in outside {
        let path = change.path.as_str();
        match deleted_roots.iter().find(|root| path.starts_with(&format!("{root}/"))) {
            Some(root) => deleted.add(root, &[], path),
            None => settings.entry(parent(path).to_string()).or_default().push(path),
        }
    }
    (deleted, settings)
}

/// The folders of `dirs` inside no other: a deleted root's own folders (local modules) are
/// not roots of their own.
fn outermost(dirs: &BTreeSet<String>) -> Vec<&String> {
    dirs.iter().filter(|dir| !dirs.iter().any(|other| dir.starts_with(&format!("{other}/")))).collect()
}

/// Settings (env.toml, customer.toml, …) apply to every root below their folder.
fn add_settings(tree: &Tree, settings: BTreeMap<String, Vec<&str>>, roots: &mut Collector, ignored: &mut Ignored) {
    for (scope, files) in settings {
        let below = tree.roots_under(&scope);
        for file in &files {
            if below.is_empty() {
                ignored.insert(file.to_string(), format!("no terraform root under {scope} at head"));
            }
            for root in &below {
                roots.add(root, &[&scope], file);
            }
        }
    }
}

/// A change to the script library may change what any named script does.
fn add_library(tree: &Tree, library: &[&str], scripts: &mut Collector, ignored: &mut Ignored) {
    if library.is_empty() {
        return;
    }
    let names = named_scripts(tree);
    for file in library {
        if names.is_empty() {
            ignored.insert(file.to_string(), "no named script under scripts/ at head".into());
        }
        for name in &names {
            scripts.add(name, &["scripts/lib"], file);
        }
    }
}

/// `scripts/*.rhai` at head: the scripts a library change may reach.
fn named_scripts(tree: &Tree) -> Vec<String> {
    tree.files_in("scripts")
        .iter()
        .filter_map(|(name, _)| name.strip_suffix(".rhai").filter(|n| !n.is_empty()).map(str::to_string))
        .collect()
}

/// The roots changed directly (`direct`) plus those reaching a changed module, or a folder
/// whose calls could not be read (a root reaching one might reach anything). The reached
/// roots stay numbers of `graph` until printed; a changed module no root reaches is ignored.
fn add_reached_roots(
    direct: Collector,
    graph: ModuleGraph,
    mut modules: BTreeMap<String, BTreeSet<String>>,
    ignored: &mut Ignored,
) -> Targets {
    let unreadable = graph.unreadable();
    let seeds: BTreeSet<String> = modules.keys().cloned().chain(unreadable.keys().map(|d| d.to_string())).collect();
    let reaches = graph.reach(&seeds);
    let mut reached: Vec<(FolderId, Reason)> = Vec::with_capacity(reaches.iter().map(|reach| reach.roots.len()).sum());
    for reach in reaches {
        let seed = graph.name(reach.seed);
        let cause = Arc::new(match modules.get(seed) {
            Some(files) => Cause::Changed(files.iter().cloned().collect()),
            None => Cause::Unreadable(unreadable.get(seed).map(|s| s.to_string()).unwrap_or_default()),
        });
        if !reach.roots.is_empty() {
            modules.remove(seed);
        }
        reasons_of_reach(&graph, &reach, &cause, &mut reached);
    }
    for (module, files) in &modules {
        for file in files {
            ignored.insert(file.clone(), format!("module {module} is not used by any root"));
        }
    }
    Targets::with_reached(direct.into_map(), Arc::new(graph), reached)
}

/// One reason per root of `reach`, each with the chain of folders below it down to the seed.
fn reasons_of_reach(graph: &ModuleGraph, reach: &Reach, cause: &Arc<Cause>, out: &mut Vec<(FolderId, Reason)>) {
    // Every root calling the same folder shares the chain below it: built once.
    let mut chain_from: foldhash::HashMap<FolderId, Arc<[String]>> = Default::default();
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
        out.push((*root, Reason { via, cause: cause.clone() }));
    }
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
