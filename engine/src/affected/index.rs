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

use foldhash::{HashMap, HashMapExt};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::modules::{Calls, ModuleGraph};

/// First line of every index; bump it when what a folder's calls mean changes (parsing
/// of `source`, the resolution of paths), so older files are passed over.
const FORMAT: &str = "auto affected module graph v1";

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
        parse(&std::fs::read_to_string(self.dir.join(commit)).ok()?, prefix)
    }

    /// Stores the graph of `commit`; keeps the newest [`KEPT`] indexes.
    pub fn save(&self, commit: &str, prefix: &str, graph: &ModuleGraph) -> Result<(), String> {
        let text = render(graph, prefix)?;
        std::fs::create_dir_all(&self.dir).map_err(|error| format!("{}: {error}", self.dir.display()))?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir).map_err(|error| error.to_string())?;
        file.write_all(text.as_bytes()).map_err(|error| error.to_string())?;
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

/// `FORMAT`, `prefix\t<prefix>`, then one line per folder: `<folder>\t<why unreadable or
/// empty>\t<callee>\t…`, and `end\t<folders>` (a file cut short never reads back).
fn render(graph: &ModuleGraph, prefix: &str) -> Result<String, String> {
    let mut dirs: Vec<(&String, &Calls)> = graph.nodes.iter().collect();
    dirs.sort_unstable_by_key(|(dir, _)| *dir);
    let mut text = format!("{FORMAT}\nprefix\t{prefix}\n");
    for (dir, calls) in &dirs {
        for path in std::iter::once(*dir).chain(&calls.callees) {
            if path.contains(['\t', '\n', '\r']) {
                return Err(format!("folder `{}` has a tab or newline in its name", path.escape_debug()));
            }
        }
        text.push_str(dir);
        text.push('\t');
        // A parser message may hold anything; it is shown, never parsed.
        text.extend(calls.unreadable.iter().flat_map(|why| why.chars()).map(|c| if c.is_control() { ' ' } else { c }));
        for callee in &calls.callees {
            text.push('\t');
            text.push_str(callee);
        }
        text.push('\n');
    }
    text.push_str(&format!("end\t{}\n", dirs.len()));
    Ok(text)
}

fn parse(text: &str, prefix: &str) -> Option<ModuleGraph> {
    let mut lines = text.strip_suffix('\n')?.split('\n');
    if lines.next()? != FORMAT || lines.next()?.strip_prefix("prefix\t")? != prefix {
        return None;
    }
    let mut nodes = HashMap::new();
    for line in lines {
        let mut fields = line.split('\t');
        let dir = fields.next()?;
        let second = fields.next()?;
        if dir == "end" {
            return (second.parse::<usize>().ok()? == nodes.len()).then_some(ModuleGraph { nodes });
        }
        let unreadable = (!second.is_empty()).then(|| second.to_string());
        nodes.insert(dir.to_string(), Calls { callees: fields.map(str::to_string).collect(), unreadable });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph() -> ModuleGraph {
        let calls = |callees: &[&str], unreadable: Option<&str>| Calls {
            callees: callees.iter().map(|c| c.to_string()).collect(),
            unreadable: unreadable.map(str::to_string),
        };
        ModuleGraph {
            nodes: [
                ("environments/dev/acme/hive".to_string(), calls(&["apps/hive/kubernetes"], None)),
                ("environments/dev/acme/odd root".to_string(), calls(&[], Some("main.tf:3:10: bad thing"))),
                ("apps/hive/kubernetes".to_string(), calls(&["infra/a", "infra/b"], None)),
                ("infra/a".to_string(), calls(&[], None)),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn a_graph_reads_back_as_it_was_written() {
        let mut written = graph();
        // Parser messages may hold control characters: shown, never parsed, so flattened.
        written.nodes.get_mut("environments/dev/acme/odd root").expect("node").unreadable =
            Some("main.tf:3:10: bad\n\tthing".into());
        let text = render(&written, "sub/").expect("renders");
        expect_test::expect![[r#"
            auto affected module graph v1
            prefix	sub/
            apps/hive/kubernetes		infra/a	infra/b
            environments/dev/acme/hive		apps/hive/kubernetes
            environments/dev/acme/odd root	main.tf:3:10: bad  thing
            infra/a	
            end	4
        "#]]
        .assert_eq(&text);
        written.nodes.get_mut("environments/dev/acme/odd root").expect("node").unreadable =
            Some("main.tf:3:10: bad  thing".into());
        assert_eq!(parse(&text, "sub/"), Some(written));
    }

    #[test]
    fn anything_but_a_whole_index_of_this_folder_is_passed_over() {
        let text = render(&graph(), "").expect("renders");
        assert!(parse(&text, "").is_some());
        assert_eq!(parse(&text, "sub/"), None, "another repository folder");
        assert_eq!(parse(&text.replace(" v1\n", " v0\n"), ""), None, "another format");
        let cut = &text[..text.len() - "end\t4\n".len()];
        assert_eq!(parse(cut, ""), None, "cut short");
        assert_eq!(parse(&text.replace("end\t4", "end\t5"), ""), None, "a line lost");
        assert_eq!(parse("", ""), None);
        let mut bad = graph();
        bad.nodes.insert("environments/dev/a\tb".into(), Calls { callees: vec![], unreadable: None });
        assert!(render(&bad, "").is_err(), "a tab in a folder name cannot be stored");
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
