//! The static checks of a compiled script ([`lint`] over the script and the modules it
//! imports) as diagnostics at their lines: what `auto check` reports, and what stops
//! `auto run` before its first effect, in every mode.

use std::sync::Arc;

use rhai::{Engine, EvalAltResult};

use super::bindings::{self, Bound};
use super::diagnostics::{self, Diagnostic, SourceContext};
use super::lint::{self, Vocabulary};
use super::params::ParamSpec;
use super::{engine, Compiled, ScriptFile};
use crate::error::Error;
use crate::repo::Repo;

/// A compile error naming a module prefix that is not defined, told with the module
/// meant (`terraform2::apply` → `terraform`); any other error as it is.
pub(super) fn explain_unknown_module(
    error: &EvalAltResult,
    diagnostic: Diagnostic,
    engine: &Engine,
    context: &SourceContext,
) -> Diagnostic {
    match undefined_module(error) {
        Some(name) => {
            let known = known_modules(engine, &diagnostic, context);
            let message = lint::unknown_module(name, known.iter().map(String::as_str));
            diagnostics::retold(diagnostic, message, context)
        }
        None => diagnostic,
    }
}

/// The module a compile error (also one in an imported module) says is not defined:
/// `terraform2` of `terraform2::apply(..)`.
fn undefined_module(error: &EvalAltResult) -> Option<&str> {
    match error {
        EvalAltResult::ErrorInModule(_, inner, _) | EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => {
            undefined_module(inner)
        }
        EvalAltResult::ErrorParsing(rhai::ParseErrorType::ModuleUndefined(name), _) => Some(name),
        _ => None,
    }
}

/// The module prefixes the file a compile error is in may use: auto's modules and its
/// import aliases.
fn known_modules(engine: &Engine, diagnostic: &Diagnostic, context: &SourceContext) -> Vec<String> {
    let mut known: Vec<String> = vocabulary(engine).module_names().map(str::to_string).collect();
    let source = diagnostic.location().and_then(|frame| context.text_of(&frame.file));
    if let Some(ast) = source.and_then(|text| engine::parser().compile(text).ok()) {
        known.extend(lint::imports(&ast).into_keys());
    }
    known
}

/// What a script may call besides its own and its imports' functions: `engine`'s
/// functions, and auto's as the reference documents them.
pub fn vocabulary(engine: &Engine) -> Vocabulary {
    Vocabulary::new(engine, &bindings::reference())
}

/// The calls of a compiled script and of the modules it imports, checked against the
/// reference without running anything (see [`lint`]): every problem, in file order.
pub fn check_calls(compiled: &Compiled, repo: &Repo, vocabulary: &Vocabulary) -> Vec<Diagnostic> {
    let modules = lint::modules(&compiled.ast);
    let mut files = vec![compiled.file.clone()];
    for path in modules.keys() {
        // Read again as the resolver read it; compiled, so it parses.
        files.extend(ScriptFile::load(repo, &repo.scripts_dir().join(format!("{path}.rhai"))).ok());
    }
    let context = compiled.context();
    let parser = engine::parser();
    let mut found = Vec::new();
    for file in files {
        let Ok(ast) = parser.compile(&file.source) else { continue };
        found.extend(
            lint::calls(&ast, &modules, vocabulary)
                .into_iter()
                .map(|f| diagnostics::at(f.message, &file.display, f.position, &context)),
        );
    }
    found
}

/// Every `params.name` of a compiled script that `specs` does not declare.
fn check_params(compiled: &Compiled, specs: &[ParamSpec]) -> Vec<Diagnostic> {
    let Ok(ast) = engine::parser().compile(&compiled.file.source) else { return Vec::new() };
    let declared: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let context = compiled.context();
    lint::parameters(&ast, &declared)
        .into_iter()
        .map(|f| diagnostics::at(f.message, &compiled.file.display, f.position, &context))
        .collect()
}

/// The parameters a script declares, once nothing is wrong with it that can be found
/// without running it: its calls and its imports' (checked before its declarations are
/// evaluated, which call functions too), then the parameters it reads. Otherwise every
/// problem at once, in file order; a declaration that fails is left out when a call
/// problem among the declarations explains it.
pub fn checked_params(
    engine: &Engine,
    compiled: &Compiled,
    bound: &Arc<Bound>,
    repo: &Repo,
    vocabulary: &Vocabulary,
) -> Result<Vec<ParamSpec>, Vec<Diagnostic>> {
    let mut found = check_calls(compiled, repo, vocabulary);
    match super::declared_params(engine, compiled, bound) {
        Ok(specs) => {
            found.extend(check_params(compiled, &specs));
            if found.is_empty() {
                return Ok(specs);
            }
        }
        Err(failed) if explained(&failed, &found, compiled) => {}
        Err(failed) => found.push(failed),
    }
    let main = &compiled.file.display;
    found.sort_by_key(|d| d.location().map(|f| (&f.file != main, f.file.clone(), f.line, f.column)));
    Err(found)
}

/// Whether a call problem among the script's declarations (the statements before the
/// first that is not one) is what made them fail.
fn explained(failed: &Diagnostic, found: &[Diagnostic], compiled: &Compiled) -> bool {
    let declarations = super::declaration_prefix(&compiled.ast).statements().len();
    let end = compiled.ast.statements().get(declarations).and_then(|s| s.position().line()).unwrap_or(usize::MAX);
    failed.location().is_some_and(|f| f.file == compiled.file.display)
        && found.iter().any(|d| d.location().is_some_and(|f| f.file == compiled.file.display && f.line < end))
}

/// Everything wrong with one script found without running it, from its text (`file.source`:
/// the file on disk for `auto check`, the editor's buffer for `auto lsp`): it compiles, its
/// calls (and its imports') fit the reference, and — for a script, not a library, which is
/// imported rather than run — its declarations evaluate, it reads only parameters it
/// declares, and it has the doc comment `auto list` shows.
pub fn check_script(
    engine: &Engine,
    bound: &Arc<Bound>,
    repo: &Repo,
    vocabulary: &Vocabulary,
    file: &ScriptFile,
) -> Vec<Diagnostic> {
    let compiled = match super::compile(engine, file, repo, &bound.limits) {
        Ok(compiled) => compiled,
        Err(diagnostic) => return vec![diagnostic],
    };
    if file.is_library(repo) {
        return check_calls(&compiled, repo, vocabulary);
    }
    let mut found = checked_params(engine, &compiled, bound, repo, vocabulary).err().unwrap_or_default();
    if file.summary().is_empty() {
        found.push(Diagnostic {
            message: MISSING_DOC.into(),
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

/// The message of a script without its leading `//!` doc comment (a problem of the whole
/// file, at no line).
pub const MISSING_DOC: &str = "missing the leading `//!` doc comment";

/// Problems found without running the script, as the error that stops a run: the one
/// diagnostic, or all of them.
pub fn refusal(mut found: Vec<Diagnostic>) -> Error {
    match found.len() {
        1 => Error::Compile(Box::new(found.remove(0))),
        _ => Error::Check(found),
    }
}
