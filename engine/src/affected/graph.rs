//! The module graph as `auto affected` queries it: folders by number, what each calls and,
//! the other way round, who calls it, so that the roots reaching a changed module are a
//! walk up the callers over numbers instead of maps of paths.
//!
//! A graph is a [`Snapshot`] (read in full, or loaded from the index; its byte layout is
//! [`super::snapshot`]'s business) plus the folders re-read since it was taken. A module
//! used by 4,000 roots then costs a walk over 4,000 numbers, not 4,000 map entries of owned
//! paths.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use foldhash::HashMap;

use super::calls::Calls;
pub use super::snapshot::FolderId;
use super::snapshot::Snapshot;
use super::tree::is_root;

/// A folder re-read since the snapshot: its calls at head by id, or gone.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reread {
    Folder { callees: Vec<FolderId>, unreadable: Option<String> },
    Gone,
}

/// The module graph at head: what every terraform folder calls.
#[derive(Debug, Clone, Default)]
pub struct ModuleGraph {
    stored: Snapshot,
    /// Names the snapshot lacks (new folders, new callees): ids `stored.len()` and up.
    added: Vec<String>,
    added_ids: HashMap<String, FolderId>,
    /// Folders re-read since the snapshot, by id.
    reread: HashMap<FolderId, Reread>,
    /// Per id: whether it is in `reread`, whether it is in `new_callers` (the walk asks both
    /// of every folder it meets).
    overridden: Vec<bool>,
    has_new_callers: Vec<bool>,
    /// Callers the re-read folders add, sorted by name.
    new_callers: HashMap<FolderId, Vec<FolderId>>,
    /// Whether a folder appeared or disappeared: roots are then worked out from names, not
    /// the snapshot's marks (a new folder above a root makes it a local module).
    folders_changed: bool,
}

/// The roots that reach one seed, and how.
pub struct Reach {
    pub seed: FolderId,
    /// Per folder met, the next folder toward the seed (`NONE` where not met).
    toward: Vec<FolderId>,
    /// Roots in the order met (nearest first, ties by name).
    pub roots: Vec<FolderId>,
}

const NONE: FolderId = FolderId::MAX;

impl Reach {
    /// The folder one step from `id` toward the seed (`None` at the seed).
    pub fn next(&self, id: FolderId) -> Option<FolderId> {
        match self.toward[id as usize] {
            NONE => None,
            next if next == id => None,
            next => Some(next),
        }
    }
}

impl PartialEq for ModuleGraph {
    fn eq(&self, other: &ModuleGraph) -> bool {
        self.calls() == other.calls()
    }
}

impl From<Snapshot> for ModuleGraph {
    fn from(stored: Snapshot) -> ModuleGraph {
        ModuleGraph { overridden: vec![false; stored.len()], stored, ..ModuleGraph::default() }
    }
}

impl ModuleGraph {
    pub fn from_calls(folders: impl IntoIterator<Item = (String, Calls)>) -> ModuleGraph {
        ModuleGraph::from(Snapshot::build(folders))
    }

    /// Replaces what `dirs` call with `calls` (their calls at head); a folder of `dirs`
    /// missing from `calls` holds no `.tf` any more.
    pub fn reread(&mut self, dirs: &BTreeSet<String>, mut calls: HashMap<String, Calls>) {
        if dirs.is_empty() {
            return;
        }
        for dir in dirs {
            let id = self.intern(dir);
            let state = match calls.remove(dir) {
                Some(calls) => Reread::Folder {
                    callees: calls.callees.iter().map(|callee| self.intern(callee)).collect(),
                    unreadable: calls.unreadable,
                },
                None => Reread::Gone,
            };
            self.reread.insert(id, state);
        }
        self.overridden = vec![false; self.len()];
        for id in self.reread.keys() {
            self.overridden[*id as usize] = true;
        }
        self.new_callers.clear();
        for (id, state) in &self.reread {
            if let Reread::Folder { callees, .. } = state {
                for callee in callees {
                    self.new_callers.entry(*callee).or_default().push(*id);
                }
            }
        }
        let mut new_callers = std::mem::take(&mut self.new_callers);
        for list in new_callers.values_mut() {
            list.sort_unstable_by(|a, b| self.order(*a, *b));
        }
        self.new_callers = new_callers;
        self.has_new_callers = vec![false; self.len()];
        for id in self.new_callers.keys() {
            self.has_new_callers[*id as usize] = true;
        }
        self.folders_changed = self.reread.iter().any(|(id, state)| {
            let was = (*id as usize) < self.stored.len() && self.stored.is_folder(*id);
            was != matches!(state, Reread::Folder { .. })
        });
    }

    fn intern(&mut self, name: &str) -> FolderId {
        if let Some(id) = self.find(name) {
            return id;
        }
        let id = self.len() as FolderId;
        self.added.push(name.to_string());
        self.added_ids.insert(name.to_string(), id);
        id
    }

    fn len(&self) -> usize {
        self.stored.len() + self.added.len()
    }

    pub fn find(&self, name: &str) -> Option<FolderId> {
        self.stored.find(name).or_else(|| self.added_ids.get(name).copied())
    }

    pub fn name(&self, id: FolderId) -> &str {
        match (id as usize).checked_sub(self.stored.len()) {
            None => self.stored.name(id),
            Some(at) => &self.added[at],
        }
    }

    /// The name order of two folders: by number where both are in the snapshot (whose
    /// numbers follow the names), else by name.
    pub fn order(&self, a: FolderId, b: FolderId) -> std::cmp::Ordering {
        let stored = self.stored.len() as FolderId;
        if a < stored && b < stored {
            a.cmp(&b)
        } else {
            self.name(a).cmp(self.name(b))
        }
    }

    fn is_folder(&self, id: FolderId) -> bool {
        match self.reread.get(&id) {
            Some(state) => matches!(state, Reread::Folder { .. }),
            None => (id as usize) < self.stored.len() && self.stored.is_folder(id),
        }
    }

    pub fn is_root(&self, id: FolderId) -> bool {
        if !self.folders_changed {
            return (id as usize) < self.stored.len() && self.stored.is_root(id);
        }
        is_root(self.name(id), |dir| self.find(dir).is_some_and(|id| self.is_folder(id)))
    }

    /// Calls `visit` with each folder calling `id`, in name order.
    fn for_each_caller(&self, id: FolderId, visit: impl FnMut(FolderId)) {
        let stored = ((id as usize) < self.stored.len()).then(|| self.stored.callers(id)).into_iter().flatten();
        let current = stored.filter(|caller| !self.overridden[*caller as usize]);
        match self
            .has_new_callers
            .get(id as usize)
            .copied()
            .unwrap_or(false)
            .then(|| self.new_callers.get(&id))
            .flatten()
        {
            None => current.for_each(visit),
            Some(added) => {
                let mut all: Vec<FolderId> = current.chain(added.iter().copied()).collect();
                all.sort_unstable_by(|a, b| self.order(*a, *b));
                all.into_iter().for_each(visit);
            }
        }
    }

    /// What `id` calls and why its calls are unknown, if they are.
    fn calls_of(&self, id: FolderId) -> Option<(Vec<FolderId>, Option<&str>)> {
        match self.reread.get(&id) {
            Some(Reread::Folder { callees, unreadable }) => Some((callees.clone(), unreadable.as_deref())),
            Some(Reread::Gone) => None,
            None if (id as usize) < self.stored.len() && self.stored.is_folder(id) => {
                Some((self.stored.callees(id).collect(), self.stored.unreadable_of(id)))
            }
            None => None,
        }
    }

    /// Every folder with its calls, by name: the graph as plain data.
    pub fn calls(&self) -> BTreeMap<String, Calls> {
        (0..self.len() as FolderId)
            .filter_map(|id| {
                let (callees, unreadable) = self.calls_of(id)?;
                let mut callees: Vec<String> = callees.iter().map(|callee| self.name(*callee).to_string()).collect();
                callees.sort_unstable();
                Some((self.name(id).to_string(), Calls { callees, unreadable: unreadable.map(str::to_string) }))
            })
            .collect()
    }

    /// The graph as one snapshot (what the index stores).
    pub fn snapshot(&self) -> std::borrow::Cow<'_, Snapshot> {
        if self.reread.is_empty() && self.added.is_empty() {
            std::borrow::Cow::Borrowed(&self.stored)
        } else {
            std::borrow::Cow::Owned(Snapshot::build(self.calls()))
        }
    }

    /// Every root, sorted.
    pub fn roots(&self) -> Vec<String> {
        let mut roots: Vec<String> =
            (0..self.len() as FolderId).filter(|id| self.is_root(*id)).map(|id| self.name(id).to_string()).collect();
        roots.sort_unstable();
        roots
    }

    /// Folders whose calls could not be read, with the reason.
    pub fn unreadable(&self) -> BTreeMap<&str, &str> {
        let stored = self.stored.unreadable().filter(|(id, _)| !self.reread.contains_key(id));
        let reread = self.reread.iter().filter_map(|(id, state)| match state {
            Reread::Folder { unreadable: Some(why), .. } => Some((*id, why.as_str())),
            _ => None,
        });
        stored.chain(reread).map(|(id, why)| (self.name(id), why)).collect()
    }

    /// For each seed folder (a changed module, or a folder whose calls could not be read:
    /// a root reaching one might reach anything), the roots that reach it by the shortest
    /// chain of calls, ties broken by name. Seeds that are not folders reach nothing.
    pub fn reach(&self, seeds: &BTreeSet<String>) -> Vec<Reach> {
        seeds
            .iter()
            .filter_map(|seed| self.find(seed).filter(|id| self.is_folder(*id)))
            .map(|seed| self.reach_one(seed))
            .collect()
    }

    fn reach_one(&self, seed: FolderId) -> Reach {
        // Breadth-first up the callers; `toward` points one step closer to the seed.
        let mut toward = vec![NONE; self.len()];
        let mut roots = Vec::new();
        let mut queue = VecDeque::from([seed]);
        toward[seed as usize] = seed;
        while let Some(id) = queue.pop_front() {
            if self.is_root(id) {
                roots.push(id);
            }
            self.for_each_caller(id, |caller| {
                if toward[caller as usize] == NONE {
                    toward[caller as usize] = id;
                    queue.push_back(caller);
                }
            });
        }
        Reach { seed, toward, roots }
    }

    /// The chain of calls from `root` down to the reach's seed, as names.
    #[cfg(test)]
    pub fn chain(&self, reach: &Reach, root: FolderId) -> Vec<&str> {
        std::iter::successors(Some(root), |at| reach.next(*at)).map(|id| self.name(id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(callees: &[&str]) -> Calls {
        Calls { callees: callees.iter().map(|c| c.to_string()).collect(), unreadable: None }
    }

    fn graph(folders: &[(&str, &[&str])]) -> ModuleGraph {
        ModuleGraph::from_calls(folders.iter().map(|(dir, callees)| (dir.to_string(), calls(callees))))
    }

    fn chains(graph: &ModuleGraph, seed: &str) -> Vec<String> {
        let reach = graph.reach(&[seed.to_string()].into());
        reach.iter().flat_map(|reach| reach.roots.iter().map(|root| graph.chain(reach, *root).join(" ← "))).collect()
    }

    #[test]
    fn the_shortest_chain_wins_and_ties_go_by_name() {
        let graph = graph(&[
            ("environments/dev/a/hive", &["apps/x", "apps/y"]),
            ("environments/dev/b/hive", &["apps/y"]),
            ("environments/dev/c/hive", &["apps/z"]),
            ("apps/x", &["infra/m"]),
            ("apps/y", &["infra/m"]),
            ("apps/z", &["apps/y"]),
            ("infra/m", &[]),
        ]);
        expect_test::expect![[r#"
            [
                "environments/dev/a/hive ← apps/x ← infra/m",
                "environments/dev/b/hive ← apps/y ← infra/m",
                "environments/dev/c/hive ← apps/z ← apps/y ← infra/m",
            ]
        "#]]
        .assert_debug_eq(&chains(&graph, "infra/m"));
        assert!(chains(&graph, "infra/none").is_empty(), "not a folder");
    }

    #[test]
    fn rereading_folders_gives_what_building_again_gives() {
        let mut graph = graph(&[
            ("environments/dev/a/hive", &["apps/x"]),
            ("environments/dev/b/hive", &["apps/y"]),
            ("apps/x", &["infra/m"]),
            ("apps/y", &[]),
            ("infra/m", &[]),
        ]);
        let dirs: BTreeSet<String> =
            ["apps/y", "apps/x", "environments/dev/b", "environments/dev/c/hive"].map(String::from).into();
        let reread: HashMap<String, Calls> = [
            ("apps/y", calls(&["infra/m", "infra/new"])),
            ("environments/dev/b", calls(&[])),
            ("environments/dev/c/hive", calls(&["apps/y"])),
        ]
        .into_iter()
        .map(|(dir, calls)| (dir.to_string(), calls))
        .collect();
        graph.reread(&dirs, reread);
        let expected = self::graph(&[
            ("environments/dev/a/hive", &["apps/x"]),
            ("environments/dev/b", &[]),
            ("environments/dev/b/hive", &["apps/y"]),
            ("environments/dev/c/hive", &["apps/y"]),
            ("apps/y", &["infra/m", "infra/new"]),
            ("infra/m", &[]),
        ]);
        assert_eq!(graph, expected);
        assert_eq!(graph.roots(), expected.roots());
        assert_eq!(graph.roots(), ["environments/dev/a/hive", "environments/dev/b", "environments/dev/c/hive"]);
        assert_eq!(chains(&graph, "infra/m"), chains(&expected, "infra/m"));
        assert_eq!(graph.snapshot().into_owned(), expected.stored);
    }
}
