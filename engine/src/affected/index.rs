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

use super::graph::ModuleGraph;
use super::snapshot::Snapshot;

/// First line of every index; bump it when the layout or what a folder's calls mean changes
/// (parsing of `source`, the resolution of paths, what a root is), so older files are
/// passed over.
const FORMAT: &str = "auto affected module graph v3\n";

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

    /// Commits with an index, the newest first.
    pub fn newest(&self) -> Vec<String> {
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
        stored.into_iter().map(|(_, name)| name).collect()
    }

    /// The graph stored for `commit` and repository folder `prefix`, if it reads back whole.
    pub fn load(&self, commit: &str, prefix: &str) -> Option<ModuleGraph> {
        parse(std::fs::read(self.dir.join(commit)).ok()?, prefix).map(ModuleGraph::from)
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
        for old in self.newest().into_iter().skip(KEPT) {
            // Another run may have removed it already.
            let _ = std::fs::remove_file(self.dir.join(old));
        }
        Ok(())
    }
}

fn is_object_id(name: &str) -> bool {
    matches!(name.len(), 40 | 64) && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// [`FORMAT`]; the repository folder (a little-endian `u32` length, then the bytes); the
/// snapshot's stored form; a CRC-32 of everything after [`FORMAT`].
fn render(snapshot: &Snapshot, prefix: &str) -> Result<Vec<u8>, String> {
    let body = snapshot.body();
    let prefix_length = u32::try_from(prefix.len()).map_err(|_| "the repository folder's path is too long")?;
    let mut out = Vec::with_capacity(FORMAT.len() + 4 + prefix.len() + body.len() + 4);
    out.extend_from_slice(FORMAT.as_bytes());
    out.extend_from_slice(&prefix_length.to_le_bytes());
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(body);
    let checksum = crc32fast::hash(&out[FORMAT.len()..]);
    out.extend_from_slice(&checksum.to_le_bytes());
    Ok(out)
}

/// The snapshot in `bytes` if they are a whole, intact index of repository folder `prefix`.
/// The snapshot keeps `bytes` and reads them where they are.
fn parse(bytes: Vec<u8>, prefix: &str) -> Option<Snapshot> {
    let header = FORMAT.len() + 4 + prefix.len();
    let checksummed = bytes.get(FORMAT.len()..bytes.len().checked_sub(4)?)?;
    let checksum = &bytes[bytes.len() - 4..];
    if !bytes.starts_with(FORMAT.as_bytes()) || crc32fast::hash(checksummed).to_le_bytes() != checksum {
        return None;
    }
    let stored_prefix = bytes.get(FORMAT.len()..FORMAT.len() + 4)?;
    if stored_prefix != (prefix.len() as u32).to_le_bytes() || bytes.get(FORMAT.len() + 4..header)? != prefix.as_bytes()
    {
        return None;
    }
    let body = header..bytes.len() - 4;
    Snapshot::from_bytes(bytes, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::affected::calls::Calls;

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
        assert!(bytes.starts_with(b"auto affected module graph v3\n"));
        let read = ModuleGraph::from(parse(bytes.clone(), "sub/").expect("parses"));
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
        assert!(parse(bytes.clone(), "").is_some());
        assert_eq!(parse(bytes.clone(), "sub/"), None, "another repository folder");
        let mut older = bytes.clone();
        older[FORMAT.len() - 2] = b'1';
        assert_eq!(parse(older, ""), None, "another format");
        for cut in [1, 4, 5, bytes.len() - FORMAT.len()] {
            assert_eq!(parse(bytes[..bytes.len() - cut].to_vec(), ""), None, "cut short by {cut}");
        }
        for at in FORMAT.len()..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x10;
            assert_eq!(parse(damaged, ""), None, "byte {at} damaged");
        }
        assert_eq!(parse(Vec::new(), ""), None);
    }

    #[test]
    fn a_snapshot_that_does_not_fit_together_is_passed_over_even_with_its_checksum() {
        let mut bytes = render(&graph().snapshot(), "").expect("renders");
        // The first name's end, after the header, the name count and length, and the names.
        let body = FORMAT.len() + 4;
        let names = u32::from_le_bytes(bytes[body + 4..body + 8].try_into().expect("4 bytes")) as usize;
        let first_end = body + 8 + names;
        bytes[first_end..first_end + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let length = bytes.len();
        let checksum = crc32fast::hash(&bytes[FORMAT.len()..length - 4]);
        bytes[length - 4..].copy_from_slice(&checksum.to_le_bytes());
        assert_eq!(parse(bytes, ""), None);
    }

    #[test]
    fn keeps_the_newest_and_lists_them_newest_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        let index = Index::new(dir.path().join("graph"));
        assert!(index.newest().is_empty(), "no folder yet");
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
        let commits = index.newest();
        assert_eq!(commits.len(), KEPT);
        assert_eq!(commits[0], ids[KEPT + 1], "the one saved last first");
        assert_eq!(commits[1], ids[KEPT], "then by time");
        assert!(commits.contains(&ids[3]));
        assert!(!commits.contains(&ids[0]) && !commits.contains(&ids[1]), "the oldest are gone");
        assert_eq!(index.load(&ids[3], ""), Some(graph()));
        std::fs::write(dir.path().join("graph").join("not-an-index.tmp"), "x").expect("write");
        assert_eq!(index.newest().len(), KEPT);
    }
}
