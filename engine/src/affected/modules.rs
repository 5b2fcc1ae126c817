//! The terraform module graph: which folder calls which, from the local `source` paths of
//! `module` blocks, followed transitively (roots → app modules → infra modules → …).
//!
//! Contents come from git in one `git cat-file --batch` (no system call per file), each
//! distinct file is parsed once, in parallel, and only if it can hold a `module` block at
//! all; each folder's calls are then assembled once.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use hcl::edit::expr::Expression;
use hcl::edit::structure::{Block, Structure};
use hcl::edit::Span;

use super::tree::{parallel_map, Blob, Tree};

/// What one folder calls, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calls {
    /// Called folders, repository-relative, sorted, without duplicates.
    pub callees: Vec<String>,
    /// `file:line:col: message` of a file that does not parse: its calls are unknown.
    pub unreadable: Option<String>,
}

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
/// contents only, so identical files (common across customers) are parsed once.
pub fn local_sources(text: &str) -> Result<Vec<String>, ReadError> {
    if !may_call_modules(text) {
        return Ok(Vec::new());
    }
    let body = hcl::edit::parser::parse_body(text).map_err(|error| ReadError::Syntax {
        line: error.location().line(),
        column: error.location().column(),
        message: error.message().to_string(),
    })?;
    Ok(module_sources(&body)
        .filter_map(|(_, source)| source.filter(|s| is_local_source(s)).map(str::to_string))
        .collect())
}

/// Reads a file of the working tree (uncommitted changes).
fn read_disk(path: &std::path::Path) -> Result<Vec<u8>, ReadError> {
    std::fs::read(path).map_err(|error| ReadError::Other(format!("cannot read it: {error}")))
}

fn sources_of(bytes: &[u8]) -> Result<Vec<String>, ReadError> {
    std::str::from_utf8(bytes).map_err(|_| ReadError::Other("not UTF-8 text".into())).and_then(local_sources)
}

/// Reads git objects by id (`git cat-file --batch`): contents by id.
pub type Fetch<'a, E> = dyn Fn(&[&str]) -> Result<HashMap<String, Vec<u8>>, E> + 'a;

/// The call graph of every root and everything they reach.
#[derive(Debug, Default)]
pub struct ModuleGraph {
    pub nodes: HashMap<String, Calls>,
}

impl ModuleGraph {
    /// Reads the `.tf` files of the tree (git objects with one `fetch` call, working-tree
    /// files from disk), parses each distinct content once, in parallel, then follows the
    /// calls from the roots, each folder once.
    pub fn build<E>(tree: &Tree, roots: &[String], fetch: &Fetch<E>) -> Result<ModuleGraph, E> {
        let dirs: Vec<&str> = tree.terraform_dirs().collect();
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
        let fetched = if ids.is_empty() { HashMap::new() } else { fetch(&ids)? };
        let parsed = parallel_map(&ids, |id| match fetched.get(*id) {
            Some(bytes) => sources_of(bytes),
            None => Err(ReadError::Other(format!("git object {id} is missing"))),
        });
        let parsed_by_blob: HashMap<&str, Result<Vec<String>, ReadError>> = ids.iter().copied().zip(parsed).collect();
        let calls_of = |dir: &str| -> Calls {
            let mut callees = BTreeSet::new();
            let mut unreadable = None;
            for (name, blob) in tree.tf_files(dir) {
                let file = if dir.is_empty() { name.clone() } else { format!("{dir}/{name}") };
                let sources = match blob {
                    Blob::Git(id) => parsed_by_blob
                        .get(id.as_str())
                        .cloned()
                        .unwrap_or_else(|| Err(ReadError::Other("not read".into()))),
                    Blob::Disk => read_disk(&tree.disk_path(&file)).and_then(|bytes| sources_of(&bytes)),
                };
                match sources {
                    Ok(sources) => callees.extend(sources.iter().filter_map(|s| resolve_source(dir, s))),
                    Err(error) => {
                        unreadable.get_or_insert(error.describe(&file));
                    }
                }
            }
            Calls { callees: callees.into_iter().collect(), unreadable }
        };
        let mut nodes: HashMap<String, Calls> = HashMap::new();
        let mut pending: Vec<String> = roots.to_vec();
        while let Some(dir) = pending.pop() {
            if nodes.contains_key(&dir) {
                continue;
            }
            let calls = calls_of(&dir);
            pending.extend(calls.callees.iter().filter(|c| !nodes.contains_key(*c)).cloned());
            nodes.insert(dir, calls);
        }
        Ok(ModuleGraph { nodes })
    }

    /// For each root that reaches a seed folder: the call chain from the root down to the
    /// seed (shortest, ties broken by name), one per seed.
    ///
    /// Seeds are changed modules; folders whose calls could not be read are seeds too (a
    /// root reaching one might reach anything, so it is included to be safe).
    pub fn chains(&self, roots: &[String], seeds: &BTreeSet<String>) -> BTreeMap<String, Vec<Vec<String>>> {
        let mut callers: HashMap<&str, Vec<&str>> = HashMap::new();
        for (dir, calls) in &self.nodes {
            for callee in &calls.callees {
                callers.entry(callee.as_str()).or_default().push(dir.as_str());
            }
        }
        for list in callers.values_mut() {
            list.sort_unstable();
        }
        let is_root: HashSet<&str> = roots.iter().map(String::as_str).collect();
        let mut chains: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
        for seed in seeds {
            // Breadth-first up the callers; `toward` points one step closer to the seed.
            let mut toward: HashMap<&str, &str> = HashMap::new();
            let mut queue = VecDeque::from([seed.as_str()]);
            toward.insert(seed.as_str(), "");
            while let Some(dir) = queue.pop_front() {
                if is_root.contains(dir) {
                    let mut chain = vec![dir.to_string()];
                    let mut at = dir;
                    while let Some(next) = toward.get(at).filter(|n| !n.is_empty()) {
                        chain.push(next.to_string());
                        at = next;
                    }
                    chains.entry(dir.to_string()).or_default().push(chain);
                }
                for caller in callers.get(dir).into_iter().flatten() {
                    if !toward.contains_key(caller) {
                        toward.insert(caller, dir);
                        queue.push_back(caller);
                    }
                }
            }
        }
        chains
    }

    /// Folders whose calls could not be read, with the reason.
    pub fn unreadable(&self) -> BTreeMap<&str, &str> {
        self.nodes
            .iter()
            .filter_map(|(dir, calls)| calls.unreadable.as_deref().map(|why| (dir.as_str(), why)))
            .collect()
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
                ("apps/hive/kubernetes/main.tf", "module \"ns\" {\n  source = \"../../../infra/kubernetes/namespace\"\n}\n"),
                ("infra/kubernetes/namespace/main.tf", "resource \"x\" \"y\" {}\n"),
                ("infra/azure/resource_group/main.tf", "resource \"x\" \"y\" {}\n"),
            ],
        );
        let tree = Tree::from_disk(dir.path());
        let roots = tree.roots_under("environments");
        let no_git = |_: &[&str]| -> Result<HashMap<String, Vec<u8>>, String> { Err("no git objects here".into()) };
        let graph = ModuleGraph::build(&tree, &roots, &no_git).expect("builds");
        let mut nodes: Vec<String> = graph
            .nodes
            .iter()
            .map(|(dir, calls)| format!("{dir} -> {:?} {:?}", calls.callees, calls.unreadable))
            .collect();
        nodes.sort();
        expect_test::expect![[r#"
            apps/hive/kubernetes -> ["infra/kubernetes/namespace"] None
            environments/dev/acme/hive -> ["apps/hive/kubernetes"] None
            environments/dev/acme/infra -> ["infra/azure/resource_group"] None
            environments/dev/broken/hive -> [] Some("environments/dev/broken/hive/main.tf:2:12: invalid expression; expected `\"`, `[`, `{`, `-`, `!`, `(`, `_`, `<`, letter or digit")
            infra/azure/resource_group -> [] None
            infra/kubernetes/namespace -> [] None"#]]
        .assert_eq(&nodes.join("\n"));
        let seeds: BTreeSet<String> = ["infra/kubernetes/namespace".to_string()].into();
        let chains = graph.chains(&roots, &seeds);
        expect_test::expect![[r#"
            {
                "environments/dev/acme/hive": [
                    [
                        "environments/dev/acme/hive",
                        "apps/hive/kubernetes",
                        "infra/kubernetes/namespace",
                    ],
                ],
            }
        "#]]
        .assert_debug_eq(&chains);
    }
}
