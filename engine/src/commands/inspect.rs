//! `auto check`, `auto list`, `auto describe`: reading scripts without running them.
//! `auto check` is what a run checks before its first effect (compiling, the calls against
//! the reference, the declarations, the parameters read), for every script at once.
//!
//! Declarations are evaluated with a recording runner, so even a script whose `param`
//! options call host functions cannot change anything here.

use std::path::{Path, PathBuf};

use crate::cli::OutputFormat;
use crate::error::Error;
use crate::repo::Repo;
use crate::script::bindings::Bound;
use crate::script::diagnostics::Diagnostic;
use crate::script::limits::Limits;
use crate::script::params::ParamSpec;
use crate::script::{self, list_scripts, ScriptFile};

/// Compiles `file` and evaluates its parameter declarations, side-effect free.
pub fn inspect(repo: &Repo, file: &ScriptFile) -> Result<Vec<ParamSpec>, Diagnostic> {
    let limits = Limits::default();
    let bound = Bound::inspecting(repo, "inspect", file.display.clone(), limits.clone());
    let engine = script::engine::build(&bound);
    let compiled = script::compile(&engine, file, repo, &limits)?;
    script::declared_params(&engine, &compiled, &bound)
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
        let limits = Limits::default();
        let bound = Bound::inspecting(repo, "check", file.display.clone(), limits.clone());
        let engine = script::engine::build(&bound);
        let vocabulary = vocabulary.get_or_insert_with(|| script::vocabulary(&engine));
        // A problem of a library is found again in each script importing it: shown once.
        for diagnostic in script::check_script(&engine, &bound, repo, vocabulary, &file) {
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
