//! The module graph as `auto affected` queries it: folders by number, what each calls and,
//! the other way round, who calls it, so that the roots reaching a changed module are a
//! walk up the callers over numbers instead of maps of paths.
//!
//! A graph is a [`Snapshot`] (read in full, or loaded from the index: names sorted, so a
//! folder's number is its place and a name is found by binary search) plus the folders
//! re-read since it was taken. A module used by 4,000 roots then costs a walk over 4,000
//! numbers, not 4,000 map entries of owned paths.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use foldhash::HashMap;

use super::modules::Calls;
use super::tree::MIN_ROOT_DEPTH;

/// A folder's number in one graph.
pub type FolderId = u32;

/// Kinds of a name in a [`Snapshot`] (bits).
const FOLDER: u8 = 1;
const ROOT: u8 = 2;

/// Every name of one graph (terraform folders and the folders they call), sorted, with
/// what each calls and who calls it, by number: what the index stores, in the form it
/// stores it, so that loading it is one read and a check, not a parse into maps.
///
/// Layout (numbers are little-endian `u32`): the count of names `n`; the names' total
/// length and the names one after another; where each name ends (`n`); a kind byte each
/// ([`FOLDER`], [`ROOT`]); the callees as `n + 1` starts into a list of ids (its length
/// first); the callers likewise; the unreadable folders: their count, then an id and a
/// length-prefixed reason each, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    bytes: Vec<u8>,
    layout: Layout,
}

/// Where each part of a snapshot's bytes starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Layout {
    start: usize,
    count: usize,
    names: std::ops::Range<usize>,
    ends: usize,
    kinds: usize,
    callees: Lists,
    callers: Lists,
    /// Unreadable folders with where their reason is, sorted by id.
    unreadable: Vec<(FolderId, std::ops::Range<usize>)>,
    end: usize,
}

/// A list of ids per folder: `count + 1` starts at `starts`, then the ids at `ids`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Lists {
    starts: usize,
    ids: usize,
}

impl Snapshot {
    /// The snapshot of folders and their calls.
    pub fn build(folders: impl IntoIterator<Item = (String, Calls)>) -> Snapshot {
        let folders: BTreeMap<String, Calls> = folders.into_iter().collect();
        let mut names: Vec<&str> = folders
            .iter()
            .flat_map(|(dir, calls)| std::iter::once(dir).chain(&calls.callees))
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names.dedup();
        let id_of: HashMap<&str, FolderId> =
            names.iter().enumerate().map(|(id, name)| (*name, id as FolderId)).collect();
        let mut callees: Vec<Vec<FolderId>> = vec![Vec::new(); names.len()];
        let mut callers: Vec<Vec<FolderId>> = vec![Vec::new(); names.len()];
        let mut kinds = vec![0u8; names.len()];
        let mut unreadable = Vec::new();
        for (dir, calls) in &folders {
            let id = id_of[dir.as_str()];
            kinds[id as usize] = FOLDER;
            // Sorted names, so sorted ids.
            callees[id as usize] = calls.callees.iter().map(|callee| id_of[callee.as_str()]).collect();
            for callee in &callees[id as usize] {
                callers[*callee as usize].push(id);
            }
            if let Some(why) = &calls.unreadable {
                unreadable.push((id, why.as_str()));
            }
        }
        for (id, name) in names.iter().enumerate() {
            if is_root(name, |dir| folders.contains_key(dir)) {
                kinds[id] |= ROOT;
            }
        }
        let mut out = Vec::new();
        let number = |out: &mut Vec<u8>, n: usize| out.extend_from_slice(&(n as u32).to_le_bytes());
        number(&mut out, names.len());
        number(&mut out, names.iter().map(|name| name.len()).sum());
        let mut end = 0;
        let mut ends = Vec::with_capacity(names.len());
        for name in &names {
            out.extend_from_slice(name.as_bytes());
            end += name.len();
            ends.push(end);
        }
        for end in ends {
            number(&mut out, end);
        }
        out.extend_from_slice(&kinds);
        for lists in [callees, callers] {
            number(&mut out, lists.iter().map(Vec::len).sum());
            let mut start = 0;
            number(&mut out, 0);
            for list in &lists {
                start += list.len();
                number(&mut out, start);
            }
            for id in lists.iter().flatten() {
                number(&mut out, *id as usize);
            }
        }
        number(&mut out, unreadable.len());
        for (id, why) in unreadable {
            number(&mut out, id as usize);
            number(&mut out, why.len());
            out.extend_from_slice(why.as_bytes());
        }
        let length = out.len();
        // Built right here, it always reads back; if it did not (a graph of over 4 GiB of
        // names), an empty graph would silently reach no root: stop instead.
        Snapshot::from_bytes(out, 0..length).expect("a module graph snapshot built in memory reads back")
    }

    /// The snapshot in `bytes[body]`, if it is whole and fits together: every lookup is
    /// then in bounds. `None` for anything else (an index from disk is only trusted once
    /// it passes).
    pub fn from_bytes(bytes: Vec<u8>, body: std::ops::Range<usize>) -> Option<Snapshot> {
        let mut at = Cursor { bytes: bytes.get(body.clone())?, at: 0 };
        let count = at.number()?;
        let names_length = at.number()?;
        let names = at.skip(names_length)?;
        let ends = at.skip(count.checked_mul(4)?)?.start;
        let kinds = at.skip(count)?.start;
        let mut lists = || -> Option<Lists> {
            let length = at.number()?;
            let starts = at.skip(count.checked_add(1)?.checked_mul(4)?)?.start;
            let ids = at.skip(length.checked_mul(4)?)?.start;
            Some(Lists { starts, ids })
        };
        let (callees, callers) = (lists()?, lists()?);
        let unreadable = (0..at.number()?)
            .map(|_| {
                let id = at.number()? as FolderId;
                let length = at.number()?;
                Some((id, at.skip(length)?))
            })
            .collect::<Option<Vec<_>>>()?;
        let end = at.at;
        let offset = |range: std::ops::Range<usize>| range.start + body.start..range.end + body.start;
        let layout = Layout {
            start: body.start,
            count,
            names: offset(names),
            ends: ends + body.start,
            kinds: kinds + body.start,
            callees: Lists { starts: callees.starts + body.start, ids: callees.ids + body.start },
            callers: Lists { starts: callers.starts + body.start, ids: callers.ids + body.start },
            unreadable: unreadable.into_iter().map(|(id, range)| (id, offset(range))).collect(),
            end: end + body.start,
        };
        let snapshot = Snapshot { bytes, layout };
        (end == body.len() && snapshot.fits()).then_some(snapshot)
    }

    /// The stored form.
    pub fn body(&self) -> &[u8] {
        &self.bytes[self.layout.start..self.layout.end]
    }

    /// Whether the parts fit together (see [`Snapshot::from_bytes`]).
    fn fits(&self) -> bool {
        let Layout { count, names, .. } = &self.layout;
        let text = match std::str::from_utf8(&self.bytes[names.clone()]) {
            Ok(text) => text,
            Err(_) => return false,
        };
        let mut start = 0;
        for id in 0..*count {
            let end = self.number(self.layout.ends + 4 * id) as usize;
            if end < start || end > text.len() || !text.is_char_boundary(end) {
                return false;
            }
            start = end;
        }
        let lists_fit = |lists: Lists| {
            let mut start = 0;
            for id in 0..=*count {
                let at = self.number(lists.starts + 4 * id);
                if (id == 0 && at != 0) || at < start {
                    return false;
                }
                start = at;
            }
            // The ids follow the starts; the last start is their count.
            (0..start as usize).all(|at| (self.number(lists.ids + 4 * at) as usize) < *count)
        };
        start == text.len()
            && lists_fit(self.layout.callees)
            && lists_fit(self.layout.callers)
            && self.layout.unreadable.iter().all(|(id, why)| {
                (*id as usize) < *count && std::str::from_utf8(&self.bytes[why.clone()]).is_ok()
            })
            // Looked up by binary search.
            && self.layout.unreadable.windows(2).all(|pair| pair[0].0 < pair[1].0)
    }

    fn number(&self, at: usize) -> u32 {
        let bytes: [u8; 4] = self.bytes[at..at + 4].try_into().unwrap_or_default();
        u32::from_le_bytes(bytes)
    }

    pub fn len(&self) -> usize {
        self.layout.count
    }

    pub fn is_empty(&self) -> bool {
        self.layout.count == 0
    }

    pub fn name(&self, id: FolderId) -> &str {
        let id = id as usize;
        let start = if id == 0 { 0 } else { self.number(self.layout.ends + 4 * (id - 1)) as usize };
        let end = self.number(self.layout.ends + 4 * id) as usize;
        let names = &self.bytes[self.layout.names.clone()];
        // Checked to be UTF-8 on char boundaries when the snapshot was made.
        std::str::from_utf8(&names[start..end]).unwrap_or_default()
    }

    pub fn find(&self, name: &str) -> Option<FolderId> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = (low + high) / 2;
            match self.name(middle as FolderId).cmp(name) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle as FolderId),
            }
        }
        None
    }

    fn kind(&self, id: FolderId) -> u8 {
        self.bytes[self.layout.kinds + id as usize]
    }

    fn is_folder(&self, id: FolderId) -> bool {
        self.kind(id) & FOLDER != 0
    }

    fn list(&self, lists: Lists, id: FolderId) -> impl Iterator<Item = FolderId> + '_ {
        let id = id as usize;
        let (start, end) = (self.number(lists.starts + 4 * id), self.number(lists.starts + 4 * (id + 1)));
        (start..end).map(move |at| self.number(lists.ids + 4 * at as usize))
    }

    fn callees(&self, id: FolderId) -> impl Iterator<Item = FolderId> + '_ {
        self.list(self.layout.callees, id)
    }

    fn callers(&self, id: FolderId) -> impl Iterator<Item = FolderId> + '_ {
        self.list(self.layout.callers, id)
    }

    fn unreadable(&self) -> impl Iterator<Item = (FolderId, &str)> {
        self.layout
            .unreadable
            .iter()
            .map(|(id, why)| (*id, std::str::from_utf8(&self.bytes[why.clone()]).unwrap_or_default()))
    }

    fn unreadable_of(&self, id: FolderId) -> Option<&str> {
        let at = self.layout.unreadable.binary_search_by_key(&id, |(at, _)| *at).ok()?;
        std::str::from_utf8(&self.bytes[self.layout.unreadable[at].1.clone()]).ok()
    }
}

/// Reads a snapshot's parts in order.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn skip(&mut self, length: usize) -> Option<std::ops::Range<usize>> {
        let end = self.at.checked_add(length).filter(|end| *end <= self.bytes.len())?;
        let range = self.at..end;
        self.at = end;
        Some(range)
    }

    fn number(&mut self) -> Option<usize> {
        let range = self.skip(4)?;
        let bytes = &self.bytes[range];
        Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize)
    }
}

/// Whether `dir` is a root: a folder below `environments/<env>/` holding `.tf` with no such
/// folder above it (a root's local modules belong to it), as
/// [`super::tree::Tree::roots_under`] says.
fn is_root(dir: &str, is_folder: impl Fn(&str) -> bool) -> bool {
    if !dir.starts_with("environments/") || dir.split('/').count() < MIN_ROOT_DEPTH || !is_folder(dir) {
        return false;
    }
    // The folders above `dir` deep enough to be roots: `dir[..slash]` for the slashes
    // after the first MIN_ROOT_DEPTH - 1.
    let mut above = dir.match_indices('/').map(|(at, _)| at).skip(MIN_ROOT_DEPTH - 1);
    above.all(|at| !is_folder(&dir[..at]))
}

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
            return (id as usize) < self.stored.len() && self.stored.kind(id) & ROOT != 0;
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

    #[test]
    fn a_snapshot_reads_back_only_when_its_parts_fit_together() {
        let graph = graph(&[("environments/dev/a/hive", &["apps/x"]), ("apps/x", &[])]);
        let body = graph.stored.body().to_vec();
        let whole = body.len();
        let read = Snapshot::from_bytes(body.clone(), 0..whole).expect("reads back");
        assert_eq!(read, graph.stored);
        // Names "apps/x" (id 0) and "environments/dev/a/hive" (id 1): the last number before
        // the unreadable count is the only caller, 1 calling 0.
        let caller = whole - 8;
        assert_eq!(body[caller..caller + 4], 1u32.to_le_bytes());
        let tampered = |at: usize, value: u32| {
            let mut bytes = body.clone();
            bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
            Snapshot::from_bytes(bytes, 0..whole)
        };
        assert!(tampered(caller, 0).is_some(), "another id in range still fits");
        assert!(tampered(caller, 7).is_none(), "an id out of range");
        assert!(tampered(4, 1_000).is_none(), "names longer than the bytes");
        assert!(tampered(0, 3).is_none(), "a name more than there are");
        assert!(Snapshot::from_bytes(body.clone(), 0..whole - 1).is_none(), "cut short");
        let mut longer = body.clone();
        longer.push(0);
        assert!(Snapshot::from_bytes(longer, 0..whole + 1).is_none(), "bytes left over");
        let mut framed = b"head".to_vec();
        framed.extend_from_slice(&body);
        assert_eq!(Snapshot::from_bytes(framed, 4..4 + whole).as_ref().map(Snapshot::body), Some(&body[..]));
    }
}
