//! Scripts: finding them, compiling them with imports resolved, reading their declared
//! parameters, and turning their errors into diagnostics.

pub mod bindings;
mod checks;
pub mod convert;
pub mod declarations;
pub mod diagnostics;
pub mod engine;
pub mod limits;
pub mod lint;
pub mod params;
pub mod reference;
mod resolver;
mod script_error;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rhai::{Engine, EvalAltResult, Scope, AST};

use crate::error::Error;
use crate::repo::Repo;
pub use checks::{check_calls, check_script, checked_params, refusal, vocabulary};
use diagnostics::{diagnose, Diagnostic, SourceContext};
use limits::Limits;
pub use params::initial_scope;
use params::ParamSpec;
pub use resolver::stays_inside;
pub use script_error::{bad_input, failure, raise, ScriptError};

#[derive(Debug, Clone)]
pub struct ScriptFile {
    pub path: PathBuf,
    /// Repository-relative path, as shown in messages (`scripts/onboard_customer.rhai`).
    pub display: String,
    /// `onboard_customer` for `scripts/onboard_customer.rhai`.
    pub name: String,
    pub source: String,
}

impl ScriptFile {
    /// `arg` is a path (`scripts/x.rhai`, `./x.rhai`) or a name (`x` → `scripts/x.rhai`).
    pub fn locate(repo: &Repo, arg: &str) -> Result<ScriptFile, Error> {
        let looks_like_path = arg.contains('/') || arg.ends_with(".rhai");
        let path = if looks_like_path {
            let given = PathBuf::from(arg);
            if given.is_absolute() {
                given
            } else {
                std::env::current_dir().map(|d| d.join(&given)).unwrap_or(given)
            }
        } else {
            crate::repo::names::validate_script(arg).map_err(Error::Usage)?;
            repo.scripts_dir().join(format!("{arg}.rhai"))
        };
        if !path.is_file() {
            return Err(Error::ScriptNotFound {
                script: arg.to_string(),
                path,
                available: list_scripts(repo).into_iter().map(|s| s.name).collect(),
            });
        }
        Self::load(repo, &path)
    }

    /// Reads a script. One inside the repository is read through its directory capability
    /// (no link on the way, a regular file); one elsewhere is a path its user typed.
    pub fn load(repo: &Repo, path: &Path) -> Result<ScriptFile, Error> {
        let io = |message: String| Error::Io { path: path.to_path_buf(), message };
        let inside = path.strip_prefix(repo.root()).ok().and_then(|p| p.to_str()).map(|p| repo.confine(p));
        let bytes = match inside {
            Some(Ok(confined)) => repo.dir().read(&confined, MAX_SCRIPT_BYTES).map_err(|e| match e {
                crate::repo::Confinement::NotFound { .. } | crate::repo::Confinement::Io { .. } => io(e.to_string()),
                refused => Error::Usage(refused.to_string()),
            })?,
            Some(Err(refused)) => return Err(Error::Usage(refused.to_string())),
            None => std::fs::read(path).map_err(|e| io(e.to_string()))?,
        };
        let display = repo.relative(path);
        let source = String::from_utf8(bytes).map_err(|e| {
            Error::Usage(format!(
                "`{display}` is not UTF-8 text (invalid byte at offset {}): save the script as UTF-8",
                e.utf8_error().valid_up_to()
            ))
        })?;
        Ok(Self::from_source(repo, path, source))
    }

    /// The script at `path` with the text `source` (what an editor holds, saved or not).
    pub fn from_source(repo: &Repo, path: &Path, source: String) -> ScriptFile {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let display = repo.relative(&path);
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        ScriptFile { path, display, name, source }
    }

    /// Whether it is a module of `scripts/lib/`, imported rather than run.
    pub fn is_library(&self, repo: &Repo) -> bool {
        self.path.starts_with(repo.scripts_dir().join("lib"))
    }

    /// The first line of the leading `//!` doc comment.
    pub fn summary(&self) -> String {
        self.doc().lines().next().unwrap_or_default().to_string()
    }

    /// The whole leading `//!` doc comment.
    pub fn doc(&self) -> String {
        self.source
            .lines()
            .map(str::trim_start)
            .take_while(|l| l.starts_with("//!") || l.is_empty())
            .filter_map(|l| l.strip_prefix("//!"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }
}

/// The largest script `auto` reads (a script is code, not data).
const MAX_SCRIPT_BYTES: usize = 4 * 1024 * 1024;

/// Named scripts: `scripts/*.rhai` (not `scripts/lib`), sorted.
pub fn list_scripts(repo: &Repo) -> Vec<ScriptFile> {
    let mut scripts: Vec<ScriptFile> = std::fs::read_dir(repo.scripts_dir())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rhai") && p.is_file())
        .filter_map(|p| ScriptFile::load(repo, &p).ok())
        .collect();
    scripts.sort_by(|a, b| a.name.cmp(&b.name));
    scripts
}

/// A compiled script with its imports resolved, and the helpers to render its errors.
pub struct Compiled {
    pub ast: AST,
    pub file: ScriptFile,
    pub repo_root: PathBuf,
    pub limits: Limits,
}

impl Compiled {
    pub fn diagnose(&self, error: &EvalAltResult) -> Diagnostic {
        diagnose(error, &self.context())
    }

    fn context(&self) -> SourceContext<'_> {
        SourceContext {
            repo_root: &self.repo_root,
            main: &self.file.display,
            main_source: Some(&self.file.source),
            limits: &self.limits,
        }
    }
}

pub fn compile(engine: &Engine, file: &ScriptFile, repo: &Repo, limits: &Limits) -> Result<Compiled, Diagnostic> {
    let context =
        SourceContext { repo_root: repo.root(), main: &file.display, main_source: Some(&file.source), limits };
    // `params` as a plain variable here: declared as a constant, the optimizer would fold
    // `params.env` into `()` at compile time.
    let mut scope = Scope::new();
    scope.push("params", rhai::Map::new());
    // Self-contained: imports are resolved now, so a missing one is an error at its line
    // before anything runs.
    let mut ast = engine.compile_into_self_contained(&scope, &file.source).map_err(|e| {
        let diagnostic = diagnose(&e, &context);
        checks::explain_unknown_module(&e, diagnostic, engine, &context)
    })?;
    ast.set_source(file.display.clone());
    Ok(Compiled { ast, file: file.clone(), repo_root: repo.root().to_path_buf(), limits: limits.clone() })
}

/// The leading `param(...)` declarations (and imports) of a script, as their own AST, so
/// they can be evaluated without running anything else.
pub fn declaration_prefix(ast: &AST) -> AST {
    use rhai::{Expr, Stmt};
    fn is_param_call(expr: &Expr) -> bool {
        matches!(expr, Expr::FnCall(call, _) if call.name == "param" && call.namespace.is_empty())
    }
    let statements: Vec<Stmt> = ast
        .statements()
        .iter()
        .take_while(|stmt| match stmt {
            Stmt::Import(..) | Stmt::Noop(..) => true,
            Stmt::FnCall(call, _) => call.name == "param" && call.namespace.is_empty(),
            Stmt::Expr(expr) => is_param_call(expr),
            Stmt::Var(var, _, _) => is_param_call(&var.1),
            _ => false,
        })
        .cloned()
        .collect();
    let mut prefix = AST::new(statements, ast.shared_lib().clone());
    if let Some(source) = ast.source() {
        prefix.set_source(source.to_string());
    }
    prefix
}

/// Evaluates the declarations and returns the declared parameters.
pub fn declared_params(
    engine: &Engine,
    compiled: &Compiled,
    bound: &Arc<bindings::Bound>,
) -> Result<Vec<ParamSpec>, Diagnostic> {
    bound.declarations.begin();
    let prefix = declaration_prefix(&compiled.ast);
    let mut scope = initial_scope(rhai::Map::new());
    let result = engine.run_ast_with_scope(&mut scope, &prefix).map_err(|e| compiled.diagnose(&e));
    let specs = bound.declarations.finish();
    result.map(|_| specs)
}
