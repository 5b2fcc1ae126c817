//! The module graph of one commit, kept between runs, so that the next run re-reads only
//! the terraform folders whose `.tf` files changed since instead of every root: on 6,000
//! roots, a tree diff and a few files instead of 24,000 files.
//!
//! Correctness does not rest on the index: a folder's calls depend on its own `.tf` files
//! only, so every folder the diff from the index's commit to head does not touch calls
//! the same modules at head. An index that does not parse, is of another format or
//! repository folder, or names a commit git no longer has is passed over, and the graph is
//! read in full.
//!
//! One file per commit, named by the commit id, in `<git common dir>/auto/affected-graph/`
//! (inside `.git`: never committed, shared by work trees; CI carries it between jobs with
//! a cache step). Written atomically (a temporary file renamed), the newest few kept.
//!
//! The file is the [`Snapshot`] as it sits in memory (names, then lists of numbers) with a
//! checksum: loading it is a read and a few copies, not a parse of 6,000 lines into maps.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::graph::{Lists, ModuleGraph, Snapshot};

/// First line of every index; bump it when the layout or what a folder's calls mean changes
/// (parsing of `source`, the resolution of paths, what a root is), so older files are
/// passed over.
const FORMAT: &str = "auto affected module graph v2\n";

/// Indexes kept: enough for a few branches built on one machine.
const KEPT: usize = 8;

/// Where indexes are kept.
#[derive(Debug, Clone)]
pub struct Index {
    dir: PathBuf,
}

impl Index {
    pub fn new(dir: PathBuf) -> Index {
        Index { dir }
    }

    /// The default place: inside the git folder shared by all work trees.
    pub fn in_git_dir(common_dir: &Path) -> Index {
        Index::new(common_dir.join("auto").join("affected-graph"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Commits with an index: `preferred` ones first (in their order), then the newest.
    pub fn commits(&self, preferred: &[&str]) -> Vec<String> {
        let mut stored: Vec<(SystemTime, String)> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let modified = entry.metadata().and_then(|m| m.modified()).ok()?;
                is_object_id(&name).then_some((modified, name))
            })
            .collect();
        stored.sort_by(|a, b| b.cmp(a));
        let mut commits: Vec<String> =
            preferred.iter().filter(|c| stored.iter().any(|(_, s)| s == *c)).map(|c| c.to_string()).collect();
        commits.dedup();
        commits.extend(stored.into_iter().map(|(_, name)| name).filter(|name| !preferred.contains(&name.as_str())));
        commits
    }

    /// The graph stored for `commit` and repository folder `prefix`, if it reads back whole.
    pub fn load(&self, commit: &str, prefix: &str) -> Option<ModuleGraph> {
        let bytes = std::fs::read(self.dir.join(commit)).ok()?;
        let s = parse(&bytes, prefix);
        s.map(ModuleGraph::from)
    }

    /// Stores the graph of `commit`; keeps the newest [`KEPT`] indexes.
    pub fn save(&self, commit: &str, prefix: &str, graph: &ModuleGraph) -> Result<(), String> {
        let bytes = render(&graph.snapshot(), prefix)?;
        std::fs::create_dir_all(&self.dir).map_err(|error| format!("{}: {error}", self.dir.display()))?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir).map_err(|error| error.to_string())?;
        file.write_all(&bytes).map_err(|error| error.to_string())?;
        // No fsync: after a crash the file is whole or absent, and an absent index costs
        // one full read, not a wrong answer.
        file.persist(self.dir.join(commit)).map_err(|error| error.to_string())?;
        for old in self.commits(&[]).into_iter().skip(KEPT) {
            // Another run may have removed it already.
            let _ = std::fs::remove_file(self.dir.join(old));
        }
        Ok(())
    }
}

fn is_object_id(name: &str) -> bool {
    matches!(name.len(), 40 | 64) && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// [`FORMAT`], then little-endian `u32` counts and lists: the prefix, the names, their
/// ends and kinds, callees, callers, the unreadable folders; then a CRC-32 of everything
/// after [`FORMAT`].
fn render(snapshot: &Snapshot, prefix: &str) -> Result<Vec<u8>, String> {
    let too_big = || "the module graph is too large for its index (over 4 GiB)".to_string();
    let mut out = Writer(Vec::with_capacity(FORMAT.len() + snapshot.names.len() + 16 * snapshot.len()));
    out.0.extend_from_slice(FORMAT.as_bytes());
    out.bytes(prefix.as_bytes()).ok_or_else(too_big)?;
    out.bytes(snapshot.names.as_bytes()).ok_or_else(too_big)?;
    out.numbers(&snapshot.ends).ok_or_else(too_big)?;
    out.bytes(&snapshot.kinds).ok_or_else(too_big)?;
    for lists in [&snapshot.callees, &snapshot.callers] {
        out.numbers(&lists.starts).ok_or_else(too_big)?;
        out.numbers(&lists.ids).ok_or_else(too_big)?;
    }
    out.count(snapshot.unreadable.len()).ok_or_else(too_big)?;
    for (id, why) in &snapshot.unreadable {
        out.0.extend_from_slice(&id.to_le_bytes());
        out.bytes(why.as_bytes()).ok_or_else(too_big)?;
    }
    let checksum = crc32fast::hash(&out.0[FORMAT.len()..]);
    out.0.extend_from_slice(&checksum.to_le_bytes());
    Ok(out.0)
}

struct Writer(Vec<u8>);

impl Writer {
    fn count(&mut self, count: usize) -> Option<()> {
        self.0.extend_from_slice(&u32::try_from(count).ok()?.to_le_bytes());
        Some(())
    }

    fn bytes(&mut self, bytes: &[u8]) -> Option<()> {
        self.count(bytes.len())?;
        self.0.extend_from_slice(bytes);
        Some(())
    }

    fn numbers(&mut self, numbers: &[u32]) -> Option<()> {
        self.count(numbers.len())?;
        self.0.extend(numbers.iter().flat_map(|n| n.to_le_bytes()));
        Some(())
    }
}

/// The snapshot in `bytes` if they are a whole, intact index of repository folder `prefix`.
fn parse(bytes: &[u8], prefix: &str) -> Option<Snapshot> {
    let body = bytes.strip_prefix(FORMAT.as_bytes())?;
    let (body, checksum) = body.split_at_checked(body.len().checked_sub(4)?)?;
    if crc32fast::hash(body).to_le_bytes() != checksum {
        return None;
    }
    let mut reader = Reader(body);
    if reader.bytes()? != prefix.as_bytes() {
        return None;
    }
    let names = String::from_utf8(reader.bytes()?.to_vec()).ok()?;
    let ends = reader.numbers()?;
    let kinds = reader.bytes()?.to_vec();
    let callees = Lists { starts: reader.numbers()?, ids: reader.numbers()? };
    let callers = Lists { starts: reader.numbers()?, ids: reader.numbers()? };
    let unreadable = (0..reader.count()?)
        .map(|_| Some((reader.count()? as u32, String::from_utf8(reader.bytes()?.to_vec()).ok()?)))
        .collect::<Option<Vec<_>>>()?;
    let snapshot = Snapshot { names, ends, kinds, callees, callers, unreadable };
    (reader.0.is_empty() && snapshot.check()).then_some(snapshot)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, length: usize) -> Option<&'a [u8]> {
        let (taken, rest) = self.0.split_at_checked(length)?;
        self.0 = rest;
        Some(taken)
    }

    fn count(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let length = self.count()?;
        self.take(length)
    }

    fn numbers(&mut self) -> Option<Vec<u32>> {
        let length = self.count()?;
        let bytes = self.take(length.checked_mul(4)?)?;
        Some(bytes.chunks_exact(4).map(|n| u32::from_le_bytes([n[0], n[1], n[2], n[3]])).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::affected::modules::Calls;

    fn graph() -> ModuleGraph {
        let calls = |callees: &[&str], unreadable: Option<&str>| Calls {
            callees: callees.iter().map(|c| c.to_string()).collect(),
            unreadable: unreadable.map(str::to_string),
        };
        ModuleGraph::from_calls([
            ("environments/dev/acme/hive".to_string(), calls(&["apps/hive/kubernetes"], None)),
            // Any name git allows, and any parser message, is stored as it is.
            ("environments/dev/acme/odd\troot".to_string(), calls(&[], Some("main.tf:3:10: bad\n\tthing"))),
            ("apps/hive/kubernetes".to_string(), calls(&["infra/a", "infra/b"], None)),
            ("infra/a".to_string(), calls(&[], None)),
        ])
    }

    #[test]
    fn a_graph_reads_back_as_it_was_written() {
        let written = graph();
        let bytes = render(&written.snapshot(), "sub/").expect("renders");
        assert!(bytes.starts_with(b"auto affected module graph v2\n"));
        let read = ModuleGraph::from(parse(&bytes, "sub/").expect("parses"));
        assert_eq!(read, written);
        assert_eq!(
            read.calls()["environments/dev/acme/odd\troot"].unreadable.as_deref(),
            Some("main.tf:3:10: bad\n\tthing")
        );
        assert_eq!(read.roots(), ["environments/dev/acme/hive", "environments/dev/acme/odd\troot"]);
    }

    #[test]
    fn anything_but_a_whole_intact_index_of_this_folder_is_passed_over() {
        let bytes = render(&graph().snapshot(), "").expect("renders");
        assert!(parse(&bytes, "").is_some());
        assert_eq!(parse(&bytes, "sub/"), None, "another repository folder");
        let mut older = bytes.clone();
        older[FORMAT.len() - 2] = b'1';
        assert_eq!(parse(&older, ""), None, "another format");
        for cut in [1, 4, 5, bytes.len() - FORMAT.len()] {
            assert_eq!(parse(&bytes[..bytes.len() - cut], ""), None, "cut short by {cut}");
        }
        for at in FORMAT.len()..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x10;
            assert_eq!(parse(&damaged, ""), None, "byte {at} damaged");
        }
        assert_eq!(parse(b"", ""), None);
    }

    #[test]
    fn a_snapshot_that_does_not_fit_together_is_passed_over_even_with_its_checksum() {
        let mut snapshot = graph().snapshot().into_owned();
        snapshot.callees.ids[0] = 99;
        let bytes = render(&snapshot, "").expect("renders");
        assert_eq!(parse(&bytes, ""), None);
    }

    #[test]
    fn keeps_the_newest_and_prefers_the_commits_asked_for() {
        let dir = tempfile::tempdir().expect("temp dir");
        let index = Index::new(dir.path().join("graph"));
        assert!(index.commits(&[]).is_empty(), "no folder yet");
        let ids: Vec<String> = (0..KEPT + 2).map(|i| format!("{i:040x}")).collect();
        for (age, id) in ids.iter().enumerate() {
            index.save(id, "", &graph()).expect("saves");
            let when = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000 + age as u64);
            std::fs::File::options()
                .write(true)
                .open(dir.path().join("graph").join(id))
                .and_then(|f| f.set_modified(when))
                .expect("set mtime");
        }
        // Saving prunes against the times at save; one more save prunes by the times set.
        index.save(&ids[KEPT + 1], "", &graph()).expect("saves");
        let commits = index.commits(&[&ids[3], &"f".repeat(40)]);
        assert_eq!(commits.len(), KEPT);
        assert_eq!(commits[0], ids[3], "asked for first");
        assert_eq!(commits[1], ids[KEPT + 1], "then the newest");
        assert!(!commits.contains(&ids[0]) && !commits.contains(&ids[1]), "the oldest are gone");
        assert_eq!(index.load(&ids[3], ""), Some(graph()));
        std::fs::write(dir.path().join("graph").join("not-an-index.tmp"), "x").expect("write");
        assert_eq!(index.commits(&[]).len(), KEPT);
    }
}
