//! The module graph's stored form: every name sorted (so a folder's number is its place and
//! a name is found by binary search) and what each calls and who calls it as lists of
//! numbers, all in one buffer. The index keeps these bytes as they are ([`super::index`]
//! adds a header and a checksum), so loading a graph is a read and a check, not a parse
//! into maps; [`super::graph`] queries it.
//!
//! Kept apart from the queries because it is the one place that knows the byte layout:
//! building it, checking bytes from disk fit together, and reading one part of it.

use std::collections::BTreeMap;

use foldhash::HashMap;

use super::calls::Calls;
use super::tree::is_root;

/// A folder's number in one graph: its place among the snapshot's sorted names, or past
/// them for a name the graph added since ([`super::graph::ModuleGraph`]).
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

    /// Whether `id` holds `.tf` (rather than being only called).
    pub(super) fn is_folder(&self, id: FolderId) -> bool {
        self.kind(id) & FOLDER != 0
    }

    /// Whether `id` was a root when the snapshot was built.
    pub(super) fn is_root(&self, id: FolderId) -> bool {
        self.kind(id) & ROOT != 0
    }

    fn list(&self, lists: Lists, id: FolderId) -> impl Iterator<Item = FolderId> + '_ {
        let id = id as usize;
        let (start, end) = (self.number(lists.starts + 4 * id), self.number(lists.starts + 4 * (id + 1)));
        (start..end).map(move |at| self.number(lists.ids + 4 * at as usize))
    }

    pub(super) fn callees(&self, id: FolderId) -> impl Iterator<Item = FolderId> + '_ {
        self.list(self.layout.callees, id)
    }

    pub(super) fn callers(&self, id: FolderId) -> impl Iterator<Item = FolderId> + '_ {
        self.list(self.layout.callers, id)
    }

    pub(super) fn unreadable(&self) -> impl Iterator<Item = (FolderId, &str)> {
        self.layout
            .unreadable
            .iter()
            .map(|(id, why)| (*id, std::str::from_utf8(&self.bytes[why.clone()]).unwrap_or_default()))
    }

    pub(super) fn unreadable_of(&self, id: FolderId) -> Option<&str> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(callees: &[&str]) -> Calls {
        Calls { callees: callees.iter().map(|c| c.to_string()).collect(), unreadable: None }
    }

    #[test]
    fn a_snapshot_reads_back_only_when_its_parts_fit_together() {
        let built = Snapshot::build([
            ("environments/dev/a/hive".to_string(), calls(&["apps/x"])),
            ("apps/x".to_string(), calls(&[])),
        ]);
        let body = built.body().to_vec();
        let whole = body.len();
        let read = Snapshot::from_bytes(body.clone(), 0..whole).expect("reads back");
        assert_eq!(read, built);
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
