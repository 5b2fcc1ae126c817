//! The terraform module graph: which folder calls which, from the local `source` paths of
//! `module` blocks, followed transitively (roots → app modules → infra modules → …).
//!
//! Contents come from git in one `git cat-file --batch` (no system call per file). Modules
//! are parsed in full; a root's file only if it can name a module that reaches a change
//! (see [`ModuleGraph::build`]), each distinct content once, in parallel.

use std::borrow::Cow;
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
    let owned = text.to_string();
    let parsed = crate::hcl_deadline::within_deadline(move || hcl::edit::parser::parse_body(&owned))
        .ok_or_else(|| ReadError::Syntax { line: 1, column: 1, message: crate::hcl_deadline::too_slow_message() })?;
    let body = parsed.map_err(|error| ReadError::Syntax {
        line: error.location().line(),
        column: error.location().column(),
        message: error.message().to_string(),
    })?;
    Ok(module_sources(&body)
        .filter_map(|(_, source)| source.filter(|s| is_local_source(s)).map(str::to_string))
        .collect())
}

/// Reads git objects by id (`git cat-file --batch`): contents by id.
pub type Fetch<'a, E> = dyn Fn(&[&str]) -> Result<HashMap<String, Vec<u8>>, E> + 'a;

/// One `.tf` file's path and text (borrowed from the fetched objects where possible).
struct FileText<'a> {
    path: String,
    text: Result<Cow<'a, str>, ReadError>,
}

/// Where file texts come from: fetched git objects, or the working tree.
struct Contents<'a> {
    tree: &'a Tree,
    fetched: &'a HashMap<String, Vec<u8>>,
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

fn sources_of(file: &FileText) -> Result<Vec<String>, ReadError> {
    file.text.as_ref().map_err(Clone::clone).and_then(|text| local_sources(text))
}

/// `seeds` and every folder of `nodes` that calls one of them, directly or not.
fn reverse_closure(nodes: &HashMap<String, Calls>, seeds: &[&str]) -> Vec<String> {
    let mut callers: HashMap<&str, Vec<&str>> = HashMap::new();
    for (dir, calls) in nodes {
        for callee in &calls.callees {
            callers.entry(callee.as_str()).or_default().push(dir.as_str());
        }
    }
    let mut seen: BTreeSet<&str> = seeds.iter().copied().collect();
    let mut queue: Vec<&str> = seeds.to_vec();
    while let Some(dir) = queue.pop() {
        for caller in callers.get(dir).into_iter().flatten() {
            if seen.insert(caller) {
                queue.push(caller);
            }
        }
    }
    seen.into_iter().map(str::to_string).collect()
}

/// Tells whether a root's file can name one of some folders: every component of the
/// folder below what it shares with the root must appear in the text.
struct NameFilter {
    automaton: Option<aho_corasick::AhoCorasick>,
    patterns: usize,
    /// Per folder: its components and their pattern ids.
    targets: Vec<Vec<(String, usize)>>,
}

impl NameFilter {
    fn new(dirs: &[String]) -> NameFilter {
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        let targets: Vec<Vec<(String, usize)>> = dirs
            .iter()
            .map(|dir| {
                dir.split('/')
                    .map(|part| {
                        let next = ids.len();
                        (part.to_string(), *ids.entry(part).or_insert(next))
                    })
                    .collect()
            })
            .collect();
        let mut patterns: Vec<&str> = vec![""; ids.len()];
        for (part, id) in &ids {
            patterns[*id] = part;
        }
        // Building fails only past the automaton's size limits: then every file is parsed.
        let automaton = if targets.is_empty() { None } else { aho_corasick::AhoCorasick::new(&patterns).ok() };
        NameFilter { automaton, patterns: patterns.len(), targets }
    }

    fn may_name(&self, root: &str, text: &str) -> bool {
        if self.targets.is_empty() {
            return false;
        }
        let Some(automaton) = &self.automaton else { return true };
        let mut found = vec![false; self.patterns];
        for hit in automaton.find_overlapping_iter(text) {
            found[hit.pattern().as_usize()] = true;
        }
        let root_parts: Vec<&str> = root.split('/').collect();
        self.targets.iter().any(|components| {
            let shared =
                components.iter().zip(&root_parts).take_while(|((part, _), root_part)| part == *root_part).count();
            components[shared..].iter().all(|(_, id)| found[*id])
        })
    }
}

/// The call graph needed to find the roots that reach some changed modules.
#[derive(Debug, Default)]
pub struct ModuleGraph {
    pub nodes: HashMap<String, Calls>,
}

impl ModuleGraph {
    /// Reads the `.tf` files at head (git objects in one `fetch` call, working-tree files
    /// from disk) and builds the graph needed to find the roots reaching `changed`.
    ///
    /// Modules (terraform folders that are not roots: a few dozen) are parsed in full. A
    /// root's file is parsed only if it can name a folder that reaches a changed module:
    /// a local `source` resolving to `infra/kubernetes/namespace` must spell out each of
    /// `infra`, `kubernetes` and `namespace` (normalising only removes components), so a
    /// file lacking one of them cannot call it. Each distinct content is parsed once, in
    /// parallel. Roots are not followed as modules of other roots.
    pub fn build<E>(
        tree: &Tree,
        roots: &[String],
        changed: &BTreeSet<String>,
        fetch: &Fetch<E>,
    ) -> Result<ModuleGraph, E> {
        let mut ids: Vec<&str> = tree
            .terraform_dirs()
            .flat_map(|dir| tree.tf_files(dir))
            .filter_map(|(_, blob)| match blob {
                Blob::Git(id) => Some(id.as_str()),
                Blob::Disk => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let fetched = if ids.is_empty() { HashMap::new() } else { fetch(&ids)? };
        let contents = Contents { tree, fetched: &fetched };

        let is_root: HashSet<&str> = roots.iter().map(String::as_str).collect();
        let mut module_dirs: Vec<&str> = tree.terraform_dirs().filter(|dir| !is_root.contains(dir)).collect();
        module_dirs.sort_unstable();
        let module_calls = parallel_map(&module_dirs, |dir| {
            let files: Vec<FileText> = tree.tf_files(dir).map(|(name, blob)| contents.read(dir, name, blob)).collect();
            calls_from(files.iter().map(|file| (file, sources_of(file))), dir)
        });
        let mut nodes: HashMap<String, Calls> = module_dirs.iter().map(|d| d.to_string()).zip(module_calls).collect();

        // The modules reaching a changed (or unreadable) module: what a root must name.
        let unreadable_modules: Vec<&str> =
            nodes.iter().filter(|(_, calls)| calls.unreadable.is_some()).map(|(dir, _)| dir.as_str()).collect();
        let seeds: Vec<&str> = changed.iter().map(String::as_str).chain(unreadable_modules).collect();
        let filter = NameFilter::new(&reverse_closure(&nodes, &seeds));

        let root_files: Vec<(&str, &String, &Blob)> = roots
            .iter()
            .flat_map(|root| tree.tf_files(root).map(move |(name, blob)| (root.as_str(), name, blob)))
            .collect();
        let read: Vec<(FileText, bool)> = parallel_map(&root_files, |(root, name, blob)| {
            let file = contents.read(root, name, blob);
            let wanted = match &file.text {
                Ok(text) => may_call_modules(text) && filter.may_name(root, text),
                // Unknown contents might call anything: keep the error.
                Err(_) => true,
            };
            (file, wanted)
        });
        // Each distinct content once: customers' roots are often alike.
        let mut unique: HashMap<&str, usize> = HashMap::new();
        let mut texts: Vec<&str> = Vec::new();
        for (file, wanted) in &read {
            if let (Ok(text), true) = (&file.text, wanted) {
                unique.entry(text).or_insert_with(|| {
                    texts.push(text);
                    texts.len() - 1
                });
            }
        }
        let parsed = parallel_map(&texts, |text| local_sources(text));
        let mut per_root: HashMap<&str, Vec<FileSources>> = HashMap::new();
        for ((root, _, _), (file, wanted)) in root_files.iter().zip(&read) {
            let sources = match (&file.text, wanted) {
                (_, false) => Ok(Vec::new()),
                (Ok(text), true) => parsed[unique[text.as_ref()]].clone(),
                (Err(error), true) => Err(error.clone()),
            };
            per_root.entry(root).or_default().push((file, sources));
        }
        for root in roots {
            let files = per_root.remove(root.as_str()).unwrap_or_default();
            nodes.insert(root.clone(), calls_from(files.into_iter(), root));
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

    #[test]
    fn a_root_file_is_parsed_only_if_it_can_name_a_reaching_module() {
        let filter = NameFilter::new(&[
            "apps/hive/kubernetes".to_string(),
            "environments/dev/acme/hive/modules/local".to_string(),
        ]);
        let root = "environments/dev/acme/hive";
        assert!(filter.may_name(root, r#"source = "../../../../apps/hive/kubernetes""#));
        assert!(filter.may_name(root, r#"source = "../../../../apps/./hive/x/../kubernetes/""#));
        assert!(!filter.may_name(root, r#"source = "../../../../apps/trino/kubernetes""#));
        // Below what it shares with the root, a local module needs only its own names.
        assert!(filter.may_name(root, r#"source = "./modules/local""#));
        assert!(!filter.may_name("environments/dev/beta/hive", r#"source = "./modules/local""#));
        assert!(!NameFilter::new(&[]).may_name(root, "anything"));
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
        let no_git = |_: &[&str]| -> Result<HashMap<String, Vec<u8>>, String> { Err("no git objects here".into()) };
        let seeds: BTreeSet<String> = ["infra/kubernetes/namespace".to_string()].into();
        let graph = ModuleGraph::build(&tree, &roots, &seeds, &no_git).expect("builds");
        let mut nodes: Vec<String> = graph
            .nodes
            .iter()
            .map(|(dir, calls)| format!("{dir} -> {:?} {:?}", calls.callees, calls.unreadable))
            .collect();
        nodes.sort();
        // acme/infra and broken/hive name no folder reaching the change: not even parsed.
        expect_test::expect![[r#"
            apps/hive/kubernetes -> ["infra/kubernetes/namespace"] None
            environments/dev/acme/hive -> ["apps/hive/kubernetes"] None
            environments/dev/acme/infra -> [] None
            environments/dev/broken/hive -> [] None
            environments/dev/broken/superset -> [] Some("environments/dev/broken/superset/main.tf:3:10: invalid expression; expected `\"`, `[`, `{`, `-`, `!`, `(`, `_`, `<`, letter or digit")
            infra/azure/resource_group -> [] None
            infra/kubernetes/namespace -> [] None"#]]
        .assert_eq(&nodes.join("\n"));
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
