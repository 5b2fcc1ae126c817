//! `auto lint-terraform`: a structural check of terraform code that needs no provider, no
//! `terraform init` and no network, so it runs in a second on every push.
//!
//! Checked for every folder holding `*.tf`:
//! - every file parses (file:line:col from the HCL parser);
//! - every local module `source` exists and holds `.tf` files;
//! - every required variable of a called module is passed, and no argument is passed that
//!   the module does not declare (meta-arguments aside);
//! - every `module.<name>.<output>` names a declared module and an output it has.

pub mod module_info;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};

use module_info::{ModuleInfo, Source, META_ARGUMENTS};

use crate::affected::modules::is_local_source;

/// One finding: `path:line: message` (`path:line:col:` for syntax errors).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub path: String,
    pub line: usize,
    pub column: Option<usize>,
    pub message: String,
}

impl Problem {
    pub fn new(path: &str, line: usize, message: String) -> Problem {
        Problem { path: path.to_string(), line, column: None, message }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(f, "{}:{}:{}: {}", self.path, self.line, column, self.message),
            None => write!(f, "{}:{}: {}", self.path, self.line, self.message),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// `.tf` files in the folders checked.
    pub files: usize,
    /// Folders checked (roots and modules alike: terraform calls both modules).
    pub modules: usize,
    /// Sorted by path and line.
    pub problems: Vec<Problem>,
}

impl Report {
    /// `lint-terraform: 12 files, 3 modules, 0 problems`.
    pub fn summary(&self) -> String {
        let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        format!(
            "lint-terraform: {}, {}, {}",
            count(self.files, "file"),
            count(self.modules, "module"),
            count(self.problems.len(), "problem")
        )
    }
}

/// What `auto lint-terraform` checks without arguments: `infra/`, `apps/*/kubernetes` and
/// `environments/`, those that exist.
pub fn default_targets(repo_root: &Path) -> Vec<PathBuf> {
    let mut targets = vec![repo_root.join("infra")];
    let mut apps: Vec<PathBuf> = std::fs::read_dir(repo_root.join("apps"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("kubernetes"))
        .collect();
    apps.sort();
    targets.extend(apps);
    targets.push(repo_root.join("environments"));
    targets.into_iter().filter(|t| t.is_dir()).collect()
}

/// Folders holding `*.tf` at or below `target` (a folder, or a file standing for its
/// folder), skipping hidden folders such as `.terraform`.
fn terraform_folders(target: &Path, out: &mut BTreeSet<PathBuf>) {
    if target.is_file() {
        if let Some(dir) = target.parent() {
            out.insert(normalize(dir));
        }
        return;
    }
    let Ok(entries) = std::fs::read_dir(target) else { return };
    let mut has_tf = false;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            terraform_folders(&path, out);
        } else if name.ends_with(".tf") {
            has_tf = true;
        }
    }
    if has_tf {
        out.insert(normalize(target));
    }
}

/// Lexical `a/./b/../c` → `a/c`: module sources are relative paths, and a folder must have
/// one name in the cache.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Checks the terraform folders at or below `targets`; modules they call outside the
/// targets are read for their interface, and their syntax errors reported too.
pub fn lint(repo_root: &Path, targets: &[PathBuf]) -> Report {
    let root = normalize(repo_root);
    let show = |path: &Path| -> String {
        let path = normalize(path);
        path.strip_prefix(&root)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| path.display().to_string())
    };
    let mut folders = BTreeSet::new();
    for target in targets {
        terraform_folders(&normalize(&root.join(target)), &mut folders);
    }
    let mut cache: BTreeMap<PathBuf, ModuleInfo> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut files = 0;
    for dir in &folders {
        let info = cache.entry(dir.clone()).or_insert_with(|| ModuleInfo::read(dir, &show)).clone();
        files += info.files.len();
        check_folder(&info, &root, &show, &mut cache, &mut problems);
    }
    // Modules reached further down: their syntax errors break the roots that use them.
    let mut pending: Vec<PathBuf> = cache.values().flat_map(|info| local_callees(info, &root)).collect();
    while let Some(dir) = pending.pop() {
        if !cache.contains_key(&dir) && dir.is_dir() {
            let info = ModuleInfo::read(&dir, &show);
            pending.extend(local_callees(&info, &root));
            cache.insert(dir, info);
        }
    }
    for info in cache.values() {
        problems.extend(info.syntax_errors.iter().cloned());
    }
    problems.sort();
    problems.dedup();
    Report { files, modules: folders.len(), problems }
}

/// Folders a module calls with local sources inside the repository.
fn local_callees(info: &ModuleInfo, root: &Path) -> Vec<PathBuf> {
    info.calls
        .iter()
        .filter_map(|call| match &call.source {
            Source::Literal(source) if is_local_source(source) => Some(normalize(&info.dir.join(source))),
            _ => None,
        })
        .filter(|dir| dir.starts_with(root))
        .collect()
}

fn check_folder(
    info: &ModuleInfo,
    root: &Path,
    show: &dyn Fn(&Path) -> String,
    cache: &mut BTreeMap<PathBuf, ModuleInfo>,
    problems: &mut Vec<Problem>,
) {
    // Name → the called module's interface, for local calls that could be read.
    let mut called: BTreeMap<&str, Option<ModuleInfo>> = BTreeMap::new();
    for call in &info.calls {
        let at = |message: String| Problem::new(&call.file, call.line, format!("module \"{}\": {message}", call.name));
        for (block, line) in &call.blocks {
            problems.push(Problem::new(
                &call.file,
                *line,
                format!("module \"{}\": unexpected block `{block}`: a module block takes arguments (`name = value`), not blocks", call.name),
            ));
        }
        let source = match &call.source {
            Source::Missing => {
                problems.push(at(
                    "no `source`: say where the module is, e.g. `source = \"../../infra/azure/naming\"`".into()
                ));
                called.insert(&call.name, None);
                continue;
            }
            Source::NotLiteral => {
                problems.push(at(
                    "`source` must be a literal string: terraform resolves it before evaluating anything".into(),
                ));
                called.insert(&call.name, None);
                continue;
            }
            Source::Literal(source) => source,
        };
        if !is_local_source(source) {
            // Registry and git modules are fetched by `terraform init`: nothing to check here.
            called.insert(&call.name, None);
            continue;
        }
        let target = normalize(&info.dir.join(source));
        if !target.starts_with(root) {
            problems.push(at(format!("source \"{source}\" points outside the repository")));
            called.insert(&call.name, None);
            continue;
        }
        if !target.is_dir() {
            problems.push(at(format!("source \"{source}\" does not exist (resolved to {})", show(&target))));
            called.insert(&call.name, None);
            continue;
        }
        let module = cache.entry(target.clone()).or_insert_with(|| ModuleInfo::read(&target, show)).clone();
        if module.files.is_empty() {
            problems.push(at(format!("source \"{source}\" ({}) holds no .tf files", show(&target))));
            called.insert(&call.name, None);
            continue;
        }
        if !module.syntax_errors.is_empty() {
            // Its interface is unknown; the syntax errors themselves are reported.
            called.insert(&call.name, None);
            continue;
        }
        let shown = show(&target);
        let passed: BTreeSet<&str> = call.arguments.iter().map(|(name, _)| name.as_str()).collect();
        for (variable, required) in &module.variables {
            if *required && !passed.contains(variable.as_str()) {
                problems.push(at(format!("missing required variable \"{variable}\" of {shown}")));
            }
        }
        for (argument, line) in &call.arguments {
            if !META_ARGUMENTS.contains(&argument.as_str()) && !module.variables.contains_key(argument) {
                let hint = closest(argument, module.variables.keys())
                    .map(|c| format!(": did you mean \"{c}\"?"))
                    .unwrap_or_default();
                problems.push(Problem::new(
                    &call.file,
                    *line,
                    format!(
                        "module \"{}\": unknown argument \"{argument}\": {shown} has no variable \"{argument}\"{hint}",
                        call.name
                    ),
                ));
            }
        }
        called.insert(&call.name, Some(module));
    }
    for reference in &info.references {
        let shown_ref = match &reference.output {
            Some(output) => format!("module.{}.{output}", reference.module),
            None => format!("module.{}", reference.module),
        };
        match called.get(reference.module.as_str()) {
            None => problems.push(Problem::new(
                &reference.file,
                reference.line,
                format!("{shown_ref}: no module \"{}\" is declared in {}", reference.module, show(&info.dir)),
            )),
            Some(Some(module)) => {
                if let Some(output) = &reference.output {
                    if !module.outputs.contains(output) {
                        let hint = closest(output, module.outputs.iter())
                            .map(|c| format!(": did you mean \"{c}\"?"))
                            .unwrap_or_default();
                        problems.push(Problem::new(
                            &reference.file,
                            reference.line,
                            format!(
                                "{shown_ref}: module \"{}\" ({}) has no output \"{output}\"{hint}",
                                reference.module,
                                show(&module.dir)
                            ),
                        ));
                    }
                }
            }
            Some(None) => {}
        }
    }
}

/// The variable or output nearest to `word`, for "did you mean".
fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    crate::suggest::closest(word, candidates.map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_display_with_and_without_column() {
        let syntax = Problem { path: "a/main.tf".into(), line: 3, column: Some(7), message: "syntax error: x".into() };
        assert_eq!(syntax.to_string(), "a/main.tf:3:7: syntax error: x");
        assert_eq!(Problem::new("a/main.tf", 4, "m".into()).to_string(), "a/main.tf:4: m");
    }
}
