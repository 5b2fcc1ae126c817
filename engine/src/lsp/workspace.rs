//! One repository the server serves: what is built once for it and kept between requests
//! (the [`Vocabulary`] the static checks judge calls by), and the checks of one document.

use std::path::{Path, PathBuf};

use crate::repo::Repo;
use crate::script::bindings::Bound;
use crate::script::diagnostics::Diagnostic;
use crate::script::limits::Limits;
use crate::script::lint::Vocabulary;
use crate::script::{self, ScriptFile};

pub struct Workspace {
    pub repo: Repo,
    /// Built once from the engine a run builds: what exists does not change while the
    /// server runs (the engine is the binary's).
    vocabulary: Vocabulary,
}

impl Workspace {
    pub fn open(repo: Repo) -> Workspace {
        let vocabulary = script::vocabulary(&script::engine::build(&inspecting(&repo, "lsp".into())));
        Workspace { repo, vocabulary }
    }

    /// Everything `auto check` finds in the script at `path` whose text is `text` (the
    /// editor's buffer, saved or not), found the way `auto check` finds it.
    pub fn check(&self, path: &Path, text: &str) -> Vec<Diagnostic> {
        let file = ScriptFile::from_source(&self.repo, path, text.to_string());
        let bound = inspecting(&self.repo, file.display.clone());
        // A new engine for each check: its module resolver keeps the modules it read, and
        // a library saved since must be read again. Building one takes half a millisecond
        // (release; BENCHMARKS.md, LSP).
        let started = std::time::Instant::now();
        let engine = script::engine::build(&bound);
        let built = started.elapsed();
        let found = script::check_script(&engine, &bound, &self.repo, &self.vocabulary, &file);
        tracing::debug!(script = %file.display, engine = ?built, check = ?(started.elapsed() - built), problems = found.len(), "checked");
        found
    }

    /// `scripts/lib/platform.rhai` for `import "lib/platform"`.
    pub fn module_path(&self, import: &str) -> PathBuf {
        self.repo.scripts_dir().join(format!("{import}.rhai"))
    }

    /// The text of the module `import "lib/platform"` loads, read as the resolver reads it:
    /// through the repository's folder, no link on the way.
    pub fn read_module(&self, import: &str) -> Option<String> {
        ScriptFile::load(&self.repo, &self.module_path(import)).ok().map(|file| file.source)
    }

    /// The modules a script may import from `scripts/lib/` (`lib/platform`), sorted.
    pub fn library_modules(&self) -> Vec<String> {
        fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if path.is_dir() {
                    walk(&path, &format!("{prefix}{name}/"), out);
                } else if let Some(stem) = name.strip_suffix(".rhai") {
                    out.push(format!("{prefix}{stem}"));
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.repo.scripts_dir().join("lib"), "lib/", &mut out);
        out.sort();
        out
    }
}

fn inspecting(repo: &Repo, script: String) -> std::sync::Arc<Bound> {
    Bound::inspecting(repo, "lsp", script, Limits::default())
}
