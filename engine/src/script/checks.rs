//! The static checks of a compiled script ([`lint`] over the script and the modules it
//! imports) as diagnostics at their lines: what `auto check` reports, and what stops
//! `auto run` before its first effect, in every mode.

use rhai::{Engine, EvalAltResult};

use super::diagnostics::{self, Diagnostic, SourceContext};
use super::lint::{self, Vocabulary};
use super::params::ParamSpec;
use super::{bindings, engine, Compiled, ScriptFile};
use crate::error::Error;
use crate::repo::Repo;

/// A compile error naming a module prefix that is not defined, told with the module
/// meant (`terraform2::apply` → `terraform`); any other error as it is.
pub(super) fn explain_unknown_module(
    error: &EvalAltResult,
    diagnostic: Diagnostic,
    engine: &Engine,
    repo: &Repo,
    context: &SourceContext,
) -> Diagnostic {
    match undefined_module(error) {
        Some(name) => {
            let known = known_modules(engine, repo, &diagnostic);
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
fn known_modules(engine: &Engine, repo: &Repo, diagnostic: &Diagnostic) -> Vec<String> {
    let mut known: Vec<String> = vocabulary(engine).module_names().map(str::to_string).collect();
    let source = diagnostic.location().and_then(|frame| std::fs::read_to_string(repo.root().join(&frame.file)).ok());
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
pub fn check_params(compiled: &Compiled, specs: &[ParamSpec]) -> Vec<Diagnostic> {
    let Ok(ast) = engine::parser().compile(&compiled.file.source) else { return Vec::new() };
    let declared: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let context = compiled.context();
    lint::parameters(&ast, &declared)
        .into_iter()
        .map(|f| diagnostics::at(f.message, &compiled.file.display, f.position, &context))
        .collect()
}

/// Problems found without running the script, as the error that stops a run: the one
/// diagnostic, or all of them.
pub fn refuse(mut found: Vec<Diagnostic>) -> Result<(), Error> {
    match found.len() {
        0 => Ok(()),
        1 => Err(Error::Compile(Box::new(found.remove(0)))),
        _ => Err(Error::Check(found.into_iter().map(|d| d.rendered).collect())),
    }
}
