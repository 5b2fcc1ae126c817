//! The terraform module graph: which folder calls which, from the local `source` paths of
//! `module` blocks, followed transitively (roots → app modules → infra modules → …).
//!
//! Contents come from git in one batch (no system call per file); each distinct content is
//! parsed once, in parallel. Every folder is read, so that the graph can be kept
//! ([`super::index`]) and brought up to date by re-reading only the folders that changed.

use std::borrow::Cow;
use std::collections::BTreeSet;

// Thousands of short paths are hashed per run: foldhash is several times faster than
// SipHash here, and nothing hashed comes from an adversary who could flood it.
use foldhash::{HashMap, HashMapExt};

use hcl::edit::expr::Expression;
use hcl::edit::structure::{Block, Structure};
use hcl::edit::Span;

use super::calls::Calls;
use super::graph::ModuleGraph;
use super::scan;
use super::tree::{Blob, Tree};

/// Git objects by id, as [`super::git::GitRead::cat_file`] returns them.
type Objects = std::collections::HashMap<String, Vec<u8>>;

/// Whether a module `source` is a local path (terraform's rule: it starts with `./` or
/// `../`); registry and git sources are versioned elsewhere and never "change" here.
pub fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// `dir` + a local `source`, normalised and repository-relative; `None` if it climbs out.
pub fn resolve_source(dir: &str, source: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in source.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// The top-level `module` blocks of a parsed file with their literal `source`.
pub fn module_sources(body: &hcl::edit::structure::Body) -> impl Iterator<Item = (&Block, Option<&str>)> {
    body.iter().filter_map(|structure| match structure {
        Structure::Block(block) if block.ident.as_str() == "module" => {
            let source = block.body.get_attribute("source").and_then(|attr| match &attr.value {
                Expression::String(value) => Some(value.as_str()),
                _ => None,
            });
            Some((block, source))
        }
        _ => None,
    })
}

/// A cheap test run before parsing: a `module` block needs the word at the start of a line.
fn may_call_modules(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        line.strip_prefix("module").is_some_and(|rest| rest.starts_with([' ', '\t', '"']))
    })
}

/// Why a file's module calls are unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Syntax { line: usize, column: usize, message: String },
    Other(String),
}

impl ReadError {
    /// `file:line:col: message` or `file: message`.
    pub fn describe(&self, file: &str) -> String {
        match self {
            ReadError::Syntax { line, column, message } => format!("{file}:{line}:{column}: {message}"),
            ReadError::Other(message) => format!("{file}: {message}"),
        }
    }
}

/// The `source` strings of a file's `module` blocks that are local paths. Depends on the
/// contents only, so identical files (common across customers) are parsed once. No
/// deadline of its own: run it through [`crate::hcl_deadline`].
pub fn local_sources(text: &str) -> Result<Vec<String>, ReadError> {
    if !may_call_modules(text) {
        return Ok(Vec::new());
    }
    let body = hcl::edit::parser::parse_body(text).map_err(|error| ReadError::Syntax {
        line: error.location().line(),
        column: error.location().column(),
        message: error.message().to_string(),
    })?;
    Ok(local_only(module_sources(&body).map(|(_, source)| source)))
}

/// The local paths among `module` sources.
fn local_only<'a>(sources: impl Iterator<Item = Option<&'a str>>) -> Vec<String> {
    sources.flatten().filter(|source| is_local_source(source)).map(str::to_string).collect()
}

/// Reads git objects by id (`git cat-file --batch`): contents by id.
pub type Fetch<'a, E> = dyn Fn(&[&str]) -> Result<Objects, E> + 'a;

/// One `.tf` file's path and text (borrowed from the fetched objects where possible).
struct FileText<'a> {
    path: String,
    text: Result<Cow<'a, str>, ReadError>,
}

/// Where file texts come from: fetched git objects, or the working tree.
struct Contents<'a> {
    tree: &'a Tree,
    fetched: &'a Objects,
}

impl<'a> Contents<'a> {
    fn read(&self, dir: &str, name: &str, blob: &Blob) -> FileText<'a> {
        let path = if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") };
        let not_text = || ReadError::Other("not UTF-8 text".into());
        let text = match blob {
            Blob::Git(id) => match self.fetched.get(id) {
                Some(bytes) => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|_| not_text()),
                None => Err(ReadError::Other(format!("git object {id} is missing"))),
            },
            Blob::Disk => std::fs::read(self.tree.disk_path(&path))
                .map_err(|error| ReadError::Other(format!("cannot read it: {error}")))
                .and_then(|bytes| String::from_utf8(bytes).map(Cow::Owned).map_err(|_| not_text())),
        };
        FileText { path, text }
    }
}

/// A folder's calls from its files' sources; the first file that cannot be read makes the
/// folder unreadable.
fn calls_from<'f, 'a: 'f>(
    files: impl Iterator<Item = (&'f FileText<'a>, Result<Vec<String>, ReadError>)>,
    dir: &str,
) -> Calls {
    let mut callees = BTreeSet::new();
    let mut unreadable = None;
    for (file, sources) in files {
        match sources {
            Ok(sources) => callees.extend(sources.iter().filter_map(|s| resolve_source(dir, s))),
            Err(error) => {
                unreadable.get_or_insert(error.describe(&file.path));
            }
        }
    }
    Calls { callees: callees.into_iter().collect(), unreadable }
}

/// A file and the local sources it names (or why they are unknown).
type FileSources<'f, 'a> = (&'f FileText<'a>, Result<Vec<String>, ReadError>);

/// What each of `dirs` calls, from its `.tf` files in `tree`. Each distinct content is
/// read once (customers' roots are often alike): by the scanner, or where it is unsure by
/// the parser on all cores.
fn calls_of<E>(tree: &Tree, dirs: &[&str], fetch: &Fetch<E>) -> Result<HashMap<String, Calls>, E> {
    let mut ids: Vec<&str> = dirs
        .iter()
        .flat_map(|dir| tree.tf_files(dir))
        .filter_map(|(_, blob)| match blob {
            Blob::Git(id) => Some(id.as_str()),
            Blob::Disk => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let fetched = if ids.is_empty() { Objects::new() } else { fetch(&ids)? };
    let contents = &Contents { tree, fetched: &fetched };
    let files: Vec<(usize, FileText)> = dirs
        .iter()
        .enumerate()
        .flat_map(|(at, dir)| tree.tf_files(dir).map(move |(name, blob)| (at, contents.read(dir, name, blob))))
        .collect();
    // Each distinct text once: the scanner answers most on this thread; the parser, on
    // workers with a deadline, the rest.
    let mut unique: HashMap<&str, usize> = HashMap::new();
    let mut parsed: Vec<Option<Result<Vec<String>, ReadError>>> = Vec::new();
    let mut unsure: Vec<(usize, String)> = Vec::new();
    for (_, file) in &files {
        if let Ok(text) = &file.text {
            unique.entry(text).or_insert_with(|| {
                let scanned = match may_call_modules(text) {
                    false => Some(Vec::new()),
                    true => scan::module_sources(text).map(|sources| local_only(sources.into_iter())),
                };
                if scanned.is_none() {
                    unsure.push((parsed.len(), text.to_string()));
                }
                parsed.push(scanned.map(Ok));
                parsed.len() - 1
            });
        }
    }
    if !unsure.is_empty() {
        let too_slow = || ReadError::Syntax { line: 1, column: 1, message: crate::hcl_deadline::too_slow_message() };
        let (places, texts): (Vec<usize>, Vec<String>) = unsure.into_iter().unzip();
        for (place, sources) in places.into_iter().zip(crate::hcl_deadline::map_within_deadline(texts, local_sources)) {
            parsed[place] = Some(sources.unwrap_or_else(|| Err(too_slow())));
        }
    }
    // Every place was filled: by the scanner, or by the parser above.
    let parsed: Vec<Result<Vec<String>, ReadError>> =
        parsed.into_iter().map(|sources| sources.unwrap_or_else(|| Ok(Vec::new()))).collect();
    let mut per_dir: Vec<Vec<FileSources>> = dirs.iter().map(|_| Vec::new()).collect();
    for (at, file) in &files {
        let sources = match &file.text {
            Ok(text) => parsed[unique[text.as_ref()]].clone(),
            Err(error) => Err(error.clone()),
        };
        per_dir[*at].push((file, sources));
    }
    Ok(dirs.iter().zip(per_dir).map(|(dir, files)| (dir.to_string(), calls_from(files.into_iter(), dir))).collect())
}

impl ModuleGraph {
    /// Reads every terraform folder of `tree` (git objects in one `fetch` call, working-tree
    /// files from disk).
    pub fn read<E>(tree: &Tree, fetch: &Fetch<E>) -> Result<ModuleGraph, E> {
        let dirs: Vec<&str> = tree.terraform_dirs().collect();
        Ok(ModuleGraph::from_calls(calls_of(tree, &dirs, fetch)?))
    }

    /// Re-reads `dirs` from `tree` (which holds at least their files at head): the folders
    /// whose `.tf` files changed since the graph was read. A folder left without `.tf` is
    /// no longer part of the graph.
    pub fn refresh<E>(&mut self, tree: &Tree, dirs: &BTreeSet<String>, fetch: &Fetch<E>) -> Result<(), E> {
        let present: Vec<&str> = dirs.iter().map(String::as_str).filter(|dir| tree.has_tf(dir)).collect();
        self.reread(dirs, calls_of(tree, &present, fetch)?);
        Ok(())
    }
}

/// Line (1-based) of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// Line of a parsed block or attribute, 1 when the parser gave no span.
pub fn line_of_span(text: &str, node: &impl Span) -> usize {
    node.span().map(|span| line_of(text, span.start)).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_local_sources_lexically() {
        assert_eq!(
            resolve_source("environments/dev/acme/hive", "../../../../apps/hive/kubernetes").as_deref(),
            Some("apps/hive/kubernetes")
        );
        assert_eq!(
            resolve_source("apps/hive/kubernetes", "./modules/x/").as_deref(),
            Some("apps/hive/kubernetes/modules/x")
        );
        assert_eq!(resolve_source("infra/a", "../../../outside"), None);
        assert!(is_local_source("../x") && is_local_source("./x"));
        assert!(
            !is_local_source("Azure/aks/azurerm") && !is_local_source("git::https://x") && !is_local_source(".../x")
        );
    }

    #[test]
    fn only_files_with_a_module_block_are_parsed() {
        assert!(may_call_modules("module \"a\" {\n}\n"));
        assert!(may_call_modules("  module   \"a\" {}"));
        assert!(may_call_modules("module\"a\"{}"));
        assert!(!may_call_modules("output \"x\" { value = module.a.b }\n"));
        assert!(!may_call_modules("variable \"modules\" {}\n"));
    }

    fn write(dir: &std::path::Path, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
    }

    #[test]
    fn builds_the_graph_transitively_and_finds_chains() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(
            dir.path(),
            &[
                ("environments/dev/acme/hive/main.tf", "module \"hive\" {\n  source = \"../../../../apps/hive/kubernetes\"\n}\nmodule \"reg\" {\n  source = \"hashicorp/consul/aws\"\n}\n"),
                ("environments/dev/acme/infra/main.tf", "module \"rg\" {\n  source = \"../../../../infra/azure/resource_group\"\n}\n"),
                ("environments/dev/broken/hive/main.tf", "module \"x\" {\n  source = \n}\n"),
                (
                    "environments/dev/broken/superset/main.tf",
                    "module \"x\" {\n  source = \"../../../../apps/hive/kubernetes\"\n  name = \n}\n",
                ),
                ("apps/hive/kubernetes/main.tf", "module \"ns\" {\n  source = \"../../../infra/kubernetes/namespace\"\n}\n"),
                ("infra/kubernetes/namespace/main.tf", "resource \"x\" \"y\" {}\n"),
                ("infra/azure/resource_group/main.tf", "resource \"x\" \"y\" {}\n"),
            ],
        );
        let tree = Tree::from_disk(dir.path());
        let roots = tree.roots_under("environments");
        let no_git = |_: &[&str]| -> Result<Objects, String> { Err("no git objects here".into()) };
        let seeds: BTreeSet<String> = ["infra/kubernetes/namespace".to_string()].into();
        let mut graph = ModuleGraph::read(&tree, &no_git).expect("reads");
        assert_eq!(graph.roots(), roots);
        let nodes: Vec<String> = graph
            .calls()
            .iter()
            .map(|(dir, calls)| format!("{dir} -> {:?} {:?}", calls.callees, calls.unreadable))
            .collect();
        expect_test::expect![[r#"
            apps/hive/kubernetes -> ["infra/kubernetes/namespace"] None
            environments/dev/acme/hive -> ["apps/hive/kubernetes"] None
            environments/dev/acme/infra -> ["infra/azure/resource_group"] None
            environments/dev/broken/hive -> [] Some("environments/dev/broken/hive/main.tf:2:12: invalid expression; expected `\"`, `[`, `{`, `-`, `!`, `(`, `_`, `<`, letter or digit")
            environments/dev/broken/superset -> [] Some("environments/dev/broken/superset/main.tf:3:10: invalid expression; expected `\"`, `[`, `{`, `-`, `!`, `(`, `_`, `<`, letter or digit")
            infra/azure/resource_group -> [] None
            infra/kubernetes/namespace -> [] None"#]]
        .assert_eq(&nodes.join("\n"));
        let reach = graph.reach(&seeds);
        let chains: Vec<Vec<&str>> =
            reach.iter().flat_map(|reach| reach.roots.iter().map(|root| graph.chain(reach, *root))).collect();
        expect_test::expect![[r#"
            [
                [
                    "environments/dev/acme/hive",
                    "apps/hive/kubernetes",
                    "infra/kubernetes/namespace",
                ],
            ]
        "#]]
        .assert_debug_eq(&chains);

        // Refreshing the folders that changed gives what reading everything again gives.
        write(
            dir.path(),
            &[(
                "environments/dev/acme/infra/main.tf",
                "module \"ns\" {\n  source = \"../../../../infra/kubernetes/namespace\"\n}\n",
            )],
        );
        std::fs::remove_dir_all(dir.path().join("environments/dev/broken")).expect("remove");
        let tree = Tree::from_disk(dir.path());
        let changed: BTreeSet<String> =
            ["environments/dev/acme/infra", "environments/dev/broken/hive", "environments/dev/broken/superset"]
                .map(String::from)
                .into();
        graph.refresh(&tree, &changed, &no_git).expect("refreshes");
        assert_eq!(graph, ModuleGraph::read(&tree, &no_git).expect("reads"));
        assert_eq!(graph.roots(), ["environments/dev/acme/hive", "environments/dev/acme/infra"]);
        assert_eq!(graph.calls()["environments/dev/acme/infra"].callees, ["infra/kubernetes/namespace"]);
    }
}
