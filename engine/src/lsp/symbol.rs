//! What the name under the cursor is: one of auto's functions or modules, a function of an
//! imported module, the script's own `fn`, a declared parameter, an option key of a call,
//! an import path. Hover shows its documentation, definition goes where it is declared.

use std::ops::Range;

use super::document::{Document, Module};
use super::reference;
use super::scan;
use crate::script::reference::options::Key;
use crate::script::reference::source::{Function, Section};

pub enum Symbol<'d> {
    /// `terraform::apply`, `step`.
    Host(&'d Function),
    /// `terraform` of `terraform::apply`.
    HostModule(&'d Section),
    /// `customer_roots` of `platform::customer_roots`.
    Imported { module: Module, function: scan::Function },
    /// `platform` of `platform::customer_roots`, or the alias alone.
    ImportedModule(Module),
    /// `lib/platform` of `import "lib/platform"`.
    ImportPath(Module),
    /// A `fn` of the script itself.
    Own(scan::Function),
    /// `env` of `params.env`.
    Param(scan::Param),
    /// `attempts` of `terraform::apply(root, #{ retries: #{ attempts: 3 } })`.
    OptionKey { function: &'d Function, path: Vec<String>, key: &'d Key },
}

/// The symbol at `offset` and where its name is written.
pub fn at<'d>(doc: &'d Document, offset: usize) -> Option<(Symbol<'d>, Range<usize>)> {
    let text = doc.source();
    if let Some(import) = doc.outline.imports.iter().find(|i| i.path_span.start <= offset && offset <= i.path_span.end)
    {
        return Some((Symbol::ImportPath(doc.module(&import.path)?), import.path_span.clone()));
    }
    let (name, span) = scan::name_at(text, offset)?;
    let after = text[span.end..].trim_start();
    if after.starts_with(':') && !after.starts_with("::") {
        if let Some(found) = option_key(doc, &name, span.start) {
            return Some((found, span));
        }
    }
    let before = text[..span.start].trim_end();
    if before.strip_suffix('.').is_some_and(|b| b.trim_end().ends_with("params")) {
        let param = doc.outline.params.iter().find(|p| p.name == name)?;
        return Some((Symbol::Param(param.clone()), span));
    }
    if let Some((module, function)) = name.rsplit_once("::") {
        let module_end = span.start + module.len();
        if offset <= module_end {
            return module_symbol(doc, module).map(|s| (s, span.start..module_end));
        }
        let span = module_end + 2..span.end;
        if doc.is_alias(module) {
            let imported = doc.imported(module)?;
            let function = imported.public_functions().find(|f| f.name == function)?.clone();
            return Some((Symbol::Imported { module: imported, function }, span));
        }
        return doc.reference.function(&name).map(|f| (Symbol::Host(f), span));
    }
    if let Some(own) = doc.outline.functions.iter().find(|f| f.name == name) {
        return Some((Symbol::Own(own.clone()), span));
    }
    if let Some(f) = doc.reference.function(&name) {
        return Some((Symbol::Host(f), span));
    }
    module_symbol(doc, &name).map(|s| (s, span))
}

fn module_symbol<'d>(doc: &'d Document, name: &str) -> Option<Symbol<'d>> {
    match doc.is_alias(name) {
        true => doc.imported(name).map(Symbol::ImportedModule),
        false => doc.reference.module(name).map(Symbol::HostModule),
    }
}

/// The key `name` written at `start` in an option map of one of auto's functions.
fn option_key<'d>(doc: &'d Document, name: &str, start: usize) -> Option<Symbol<'d>> {
    let place = scan::place(doc.source(), start);
    let at = place.option_key()?;
    let function = doc.reference.function(at.function)?;
    let keys = reference::keys_at(reference::options(function, at.argument)?, &at.path)?;
    let key = keys.iter().find(|k| k.name == name)?;
    Some(Symbol::OptionKey { function, path: at.path.iter().map(|p| p.to_string()).collect(), key })
}
