//! `auto check`, `auto list`, `auto describe`: reading scripts without running them.
//! `auto check` is what a run checks before its first effect (compiling, the calls against
//! the reference, the declarations, the parameters read), for every script at once.
//!
//! Declarations are evaluated with a recording runner, so even a script whose `param`
//! options call host functions cannot change anything here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::OutputFormat;
use crate::error::Error;
use crate::repo::Repo;
use crate::run::Run;
use crate::script::bindings::Bound;
use crate::script::diagnostics::Diagnostic;
use crate::script::limits::Limits;
use crate::script::params::ParamSpec;
use crate::script::{self, list_scripts, ScriptFile};

/// Compiles `file` and evaluates its parameter declarations, side-effect free.
pub fn inspect(repo: &Repo, file: &ScriptFile) -> Result<Vec<ParamSpec>, Diagnostic> {
    let limits = Limits::default();
    let bound = side_effect_free(repo, "inspect", file, &limits);
    let engine = script::engine::build(&bound);
    let compiled = script::compile(&engine, file, repo, &limits)?;
    script::declared_params(&engine, &compiled, &bound)
}

/// The bindings over a dry-run that reports nowhere: evaluating declarations (which may
/// call `environments()`) records what it would do and changes nothing.
fn side_effect_free(repo: &Repo, run_id: &str, file: &ScriptFile, limits: &Limits) -> Arc<Bound> {
    let run = Run::inspecting(repo.clone(), run_id);
    Bound::new(run, file.display.clone(), limits.clone())
}

fn is_library(repo: &Repo, path: &Path) -> bool {
    path.starts_with(repo.scripts_dir().join("lib"))
}

fn rhai_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(path).into_iter().flatten().flatten().map(|e| e.path()).collect();
        entries.sort();
        for entry in entries {
            rhai_files(&entry, out);
        }
    } else if path.extension().is_some_and(|e| e == "rhai") {
        out.push(path.to_path_buf());
    }
}

/// `auto check --output json`: the files checked and every problem found.
pub const CHECK_SCHEMA: &str = "auto.check/v1";
/// `auto list --output json`.
pub const LIST_SCHEMA: &str = "auto.list/v1";
/// `auto describe --output json`.
pub const DESCRIBE_SCHEMA: &str = "auto.describe/v1";

pub fn check(repo: &Repo, paths: &[PathBuf], output: OutputFormat) -> Result<(), Error> {
    let mut files = Vec::new();
    if paths.is_empty() {
        rhai_files(&repo.scripts_dir(), &mut files);
    } else {
        for path in paths {
            if !path.exists() {
                return Err(Error::Io { path: path.clone(), message: "no such file or folder".into() });
            }
            rhai_files(path, &mut files);
        }
    }
    let mut problems: Vec<Diagnostic> = Vec::new();
    let mut vocabulary = None;
    for path in &files {
        let file = ScriptFile::load(repo, path)?;
        let library = is_library(repo, &path.canonicalize().unwrap_or(path.clone()));
        let limits = Limits::default();
        let bound = side_effect_free(repo, "check", &file, &limits);
        let engine = script::engine::build(&bound);
        let vocabulary = vocabulary.get_or_insert_with(|| script::vocabulary(&engine));
        // A problem of a library is found again in each script importing it: shown once.
        for diagnostic in check_one(repo, &file, library, &engine, &bound, vocabulary) {
            if !problems.iter().any(|known| known.rendered == diagnostic.rendered) {
                problems.push(diagnostic);
            }
        }
    }
    if output == OutputFormat::Json {
        let checked: Vec<String> = files.iter().map(|f| repo.relative(f)).collect();
        crate::output::json_document(&serde_json::json!({
            "schema": CHECK_SCHEMA,
            "files": checked,
            "problems": problems.iter().map(Diagnostic::to_json).collect::<Vec<_>>(),
        }))?;
        if !problems.is_empty() {
            return Err(Error::Reported { what: format!("{} problem(s) found", problems.len()), exit_code: 2 });
        }
        return Ok(());
    }
    if !problems.is_empty() {
        return Err(Error::Check(problems));
    }
    crate::outln!("checked {} script(s): no problems", files.len())?;
    Ok(())
}

/// Everything wrong with one script found without running it: it compiles, its calls (and
/// its imports') fit the reference, and — for a script, not a library, which is imported
/// rather than run — its declarations evaluate, it reads only parameters it declares, and it
/// has the doc comment `auto list` shows.
fn check_one(
    repo: &Repo,
    file: &ScriptFile,
    library: bool,
    engine: &rhai::Engine,
    bound: &Arc<Bound>,
    vocabulary: &script::lint::Vocabulary,
) -> Vec<Diagnostic> {
    let compiled = match script::compile(engine, file, repo, &bound.limits) {
        Ok(compiled) => compiled,
        Err(diagnostic) => return vec![diagnostic],
    };
    if library {
        return script::check_calls(&compiled, repo, vocabulary);
    }
    let mut found = script::checked_params(engine, &compiled, bound, repo, vocabulary).err().unwrap_or_default();
    if file.summary().is_empty() {
        found.push(Diagnostic {
            message: "missing the leading `//!` doc comment".into(),
            frames: vec![],
            kind: crate::error::FailureKind::BadInput,
            rendered: format!(
                "error: `{}` has no leading `//!` doc comment: `auto list` shows its first line",
                file.display
            ),
        });
    }
    found
}

pub fn list(repo: &Repo, output: OutputFormat) -> Result<(), Error> {
    let scripts = list_scripts(repo);
    if output == OutputFormat::Json {
        let listed: Vec<serde_json::Value> = scripts
            .iter()
            .map(|file| {
                let (params, error) = match inspect(repo, file) {
                    Ok(specs) => (Some(specs.iter().map(ParamSpec::to_json).collect::<Vec<_>>()), None),
                    Err(d) => (None, Some(d.to_json())),
                };
                serde_json::json!({
                    "name": file.name,
                    "path": file.display,
                    "summary": file.summary(),
                    "params": params,
                    "error": error,
                })
            })
            .collect();
        return Ok(crate::output::json_document(&serde_json::json!({ "schema": LIST_SCHEMA, "scripts": listed }))?);
    }
    let width = scripts.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for file in scripts {
        let params = match inspect(repo, &file) {
            Ok(specs) => specs
                .iter()
                .map(|s| if s.required() { s.name.clone() } else { format!("[{}]", s.name) })
                .collect::<Vec<_>>()
                .join(" "),
            Err(d) => format!("(does not compile: {})", d.message),
        };
        crate::outln!("{:width$}  {}", file.name, file.summary())?;
        if !params.is_empty() {
            crate::outln!("{:width$}    params: {params}", "")?;
        }
    }
    Ok(())
}

pub fn describe(repo: &Repo, script: &str, output: OutputFormat) -> Result<(), Error> {
    let file = ScriptFile::locate(repo, script)?;
    let specs = inspect(repo, &file).map_err(|d| Error::Compile(Box::new(d)))?;
    let required: Vec<&ParamSpec> = specs.iter().filter(|s| s.required()).collect();
    let command = format!(
        "auto run {}{}",
        file.name,
        required.iter().map(|s| format!(" --set {}=...", s.name)).collect::<String>()
    );
    if output == OutputFormat::Json {
        return Ok(crate::output::json_document(&serde_json::json!({
            "schema": DESCRIBE_SCHEMA,
            "name": file.name,
            "path": file.display,
            "summary": file.summary(),
            "doc": file.doc(),
            "params": specs.iter().map(ParamSpec::to_json).collect::<Vec<_>>(),
            "run": command,
        }))?);
    }
    crate::outln!("{} ({})\n", file.name, file.display)?;
    crate::outln!("{}\n", file.doc())?;
    crate::outln!("parameters:")?;
    for spec in &specs {
        crate::outln!("  --set {}", spec.summary())?;
    }
    if specs.is_empty() {
        crate::outln!("  (none)")?;
    }
    crate::outln!("\nrun: {command}")?;
    Ok(())
}
