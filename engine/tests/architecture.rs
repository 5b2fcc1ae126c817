//! The invariants of ARCHITECTURE.md that the compiler does not check, checked on the
//! source: the mode is looked at in one place, no per-run state lives in a thread or
//! process, `runtime/` knows nothing of Rhai, and no two files import each other (also not
//! through others).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under src, by repository-style relative path, with its code: comments
/// and the unit tests (`#[cfg(test)]` onwards) removed, since tests may do what code may not.
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&src(), &mut files);
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read source");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let code: String =
                code.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n");
            (path.strip_prefix(src()).expect("under src").to_string_lossy().into_owned(), code)
        })
        .collect()
}

#[test]
fn the_mode_is_looked_at_in_one_place() {
    // `run/mod.rs` decides what the mode means; `effect.rs` names it; the command line
    // turns flags into one (`commands/run.rs`). Elsewhere a mode may only be handed to
    // `Run::new` (a side-effect-free run for `auto check`/`auto docs`).
    let allowed = ["run/mod.rs", "effect.rs", "commands/run.rs"];
    let variant = regex::Regex::new(r"\bMode::(Run|DryRun|Plan)\b").unwrap();
    let compared = regex::Regex::new(r"(==|!=)\s*Mode::|Mode::\w+\s*(==|!=)|match\s+[\w.]*\bmode\s*\{").unwrap();
    let mut found = Vec::new();
    for (file, code) in sources() {
        for (number, line) in code.lines().enumerate() {
            let branches = compared.is_match(line)
                || (variant.is_match(line) && !allowed.contains(&file.as_str()) && !line.contains("Run::new("));
            if branches && file != "run/mod.rs" {
                found.push(format!("{file}:{}: {}", number + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "the mode is decided in run/mod.rs only:\n{}", found.join("\n"));
}

#[test]
fn no_run_state_lives_in_a_thread_or_the_process() {
    // What may be process-wide, and why: each holds what belongs to the process, not a run.
    let process_wide: BTreeMap<&str, &str> = BTreeMap::from([
        ("secret.rs", "the redactor: a secret can surface anywhere, in any run's output"),
        (
            "runtime/interrupt.rs",
            "a signal reaches the process: its count, the children to forward it to, the runs told",
        ),
        ("runtime/locks.rs", "the lock files this process holds and its tools' process groups, published in them"),
        ("output.rs", "stdout and stderr are the process's"),
        ("memory.rs", "the allocator counts the process's heap"),
        ("hcl_deadline.rs", "idle parser threads, reused: a cache of threads, not of results"),
        ("primitives/template/files.rs", "the process's umask, read once"),
        ("process/overlay.rs", "the empty overlay for code outside a run, never written to"),
    ]);
    let stateful =
        regex::Regex::new(r"\bstatic\s+\w+\s*:\s*([^=]*(Mutex|RwLock|Atomic|LazyLock|OnceLock|RefCell|Cell)[^=]*)=")
            .unwrap();
    let mut found = Vec::new();
    for (file, code) in sources() {
        if code.contains("thread_local!") {
            found.push(format!("{file}: thread_local! (hand the value down instead)"));
        }
        // A compiled pattern is a constant made once, not state.
        let holds_state = stateful.captures_iter(&code).any(|c| !c[1].contains("Regex"));
        if holds_state && !process_wide.contains_key(file.as_str()) {
            found.push(format!("{file}: a static with interior mutability"));
        }
    }
    assert!(found.is_empty(), "per-run state must live in the run (run/mod.rs):\n{}", found.join("\n"));
}

#[test]
fn runtime_knows_nothing_of_rhai() {
    let found: Vec<String> = sources()
        .into_iter()
        .filter(|(file, code)| file.starts_with("runtime/") && (code.contains("rhai::") || code.contains("use rhai")))
        .map(|(file, _)| file)
        .collect();
    assert!(found.is_empty(), "runtime/ uses Rhai: {found:?}");
}

/// The module path of a source file: `primitives/docker/api.rs` → `primitives::docker::api`.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file.trim_end_matches(".rs").split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib" || p == "main") {
        parts.pop();
    }
    parts
}

/// The files each file imports from (`crate::`, `super::`, `self::` paths, braces
/// included), resolved to the deepest module that is a file. A module's use of its own
/// submodules is not an edge: the parent holds them.
fn imports() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let sources = sources();
    let modules: BTreeSet<Vec<String>> = sources.keys().map(|f| module_of(f)).collect();
    let resolve = |path: &[String]| (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| modules.contains(m));
    let path = regex::Regex::new(r"\b(crate|super|self)((?:::\w+)*)(::\{)?").unwrap();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (file, code) in &sources {
        let module = module_of(file);
        let mut add = |kind: &str, segments: Vec<String>| {
            let mut segments: Vec<String> = segments.into_iter().filter(|s| !s.is_empty() && s != "self").collect();
            let mut base = match kind {
                "crate" => Vec::new(),
                "self" => module.clone(),
                _ => module[..module.len().saturating_sub(1)].to_vec(),
            };
            while segments.first().is_some_and(|s| s == "super") {
                base.pop();
                segments.remove(0);
            }
            base.extend(segments);
            if let Some(target) = resolve(&base) {
                if !target.starts_with(&module) {
                    edges.entry(module.clone()).or_default().insert(target);
                }
            }
        };
        for found in path.captures_iter(code) {
            let kind = &found[1];
            let prefix: Vec<String> = found[2].split("::").map(str::to_string).collect();
            if found.get(3).is_none() {
                add(kind, prefix);
                continue;
            }
            // `use crate::a::{b::C, d}`: each item at the top level of the braces.
            let rest = &code[found.get(0).unwrap().end()..];
            let (mut depth, mut item, mut items) = (0, String::new(), Vec::new());
            for c in rest.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => items.push(std::mem::take(&mut item)),
                    _ if depth == 0 => item.push(c),
                    _ => {}
                }
            }
            items.push(item);
            for item in items {
                let item = item.trim().trim_end_matches("::").split(" as ").next().unwrap_or_default().to_string();
                let mut segments = prefix.clone();
                segments.extend(item.split("::").map(str::to_string));
                add(kind, segments);
            }
        }
    }
    edges
}

/// The groups of modules that reach each other through `edges` (Tarjan's strongly
/// connected components of more than one module), each as `a ↔ b ↔ c`.
fn circles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<String> {
    struct Search<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<Vec<String>, (usize, usize)>,
        stack: Vec<Vec<String>>,
        circles: Vec<String>,
    }
    impl Search<'_> {
        fn visit(&mut self, v: &Vec<String>) {
            let n = self.index.len();
            self.index.insert(v.clone(), (n, n));
            self.stack.push(v.clone());
            for w in self.edges.get(v).cloned().unwrap_or_default() {
                if !self.index.contains_key(&w) {
                    self.visit(&w);
                    let low = self.index[&w].1.min(self.index[v].1);
                    self.index.get_mut(v).unwrap().1 = low;
                } else if self.stack.contains(&w) {
                    let low = self.index[&w].0.min(self.index[v].1);
                    self.index.get_mut(v).unwrap().1 = low;
                }
            }
            if self.index[v].0 == self.index[v].1 {
                let at = self.stack.iter().position(|m| m == v).unwrap();
                let component = self.stack.split_off(at);
                if component.len() > 1 {
                    let mut names: Vec<String> = component.iter().map(|m| m.join("/")).collect();
                    names.sort();
                    self.circles.push(names.join(" ↔ "));
                }
            }
        }
    }
    let mut search = Search { edges, index: BTreeMap::new(), stack: Vec::new(), circles: Vec::new() };
    for module in edges.keys() {
        if !search.index.contains_key(module) {
            search.visit(module);
        }
    }
    search.circles
}

#[test]
fn no_two_files_import_each_other() {
    let found = circles(&imports());
    assert!(
        found.is_empty(),
        "import circles (move the shared piece so dependencies point one way):\n{}",
        found.join("\n")
    );
}

/// The layers: `secret`, `clock`, `effect`, `failure` under `report`, under `process` and
/// `runtime`, under `primitives`, under `run`, under `script`, under `commands`.
#[test]
fn the_top_level_modules_are_layers() {
    let mut layers: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (from, targets) in imports() {
        for to in targets {
            if let (Some(a), Some(b)) = (from.first(), to.first()) {
                if a != b {
                    layers.entry(vec![a.clone()]).or_default().insert(vec![b.clone()]);
                }
            }
        }
    }
    let found = circles(&layers);
    assert!(found.is_empty(), "top-level modules that depend on each other:\n{}", found.join("\n"));
}
