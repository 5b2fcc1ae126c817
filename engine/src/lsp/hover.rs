//! Hover: the documentation of the name under the cursor, from where docs/script-api.md
//! takes it for auto's functions and options, from the `///` comments and the signature
//! for a module's `fn`s.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::document::{Document, Module};
use super::reference;
use super::symbol::{self, Symbol};

pub fn hover(doc: &Document, offset: usize) -> Option<Hover> {
    let (symbol, span) = symbol::at(doc, offset)?;
    let shown = |module: &Module| doc.workspace.map(|w| w.repo.relative(&module.path)).unwrap_or_default();
    let value = match symbol {
        Symbol::Host(f) => reference::documentation(f),
        Symbol::HostModule(section) => format!("**{}**\n\n{}", section.heading, section.doc),
        Symbol::Imported { module, function } => {
            let code = format!("```rhai\n{}\n```", function.signature());
            paragraphs(&[&code, &function.doc, &shown(&module)])
        }
        Symbol::ImportedModule(module) | Symbol::ImportPath(module) => {
            let functions: Vec<String> = module.public_functions().map(|f| format!("- `{}`", f.signature())).collect();
            format!("`{}`\n\n{}", shown(&module), functions.join("\n"))
        }
        Symbol::Own(function) => paragraphs(&[&format!("```rhai\n{}\n```", function.signature()), &function.doc]),
        Symbol::Param(param) => {
            format!("parameter `{}`{}", param.name, param.help.map(|h| format!(": {h}")).unwrap_or_default())
        }
        Symbol::OptionKey { function, path, key } => {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            reference::key_documentation(&function.name, &path, key)
        }
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: value.trim().to_string() }),
        range: Some(doc.text.range(span.start, span.end)),
    })
}

/// The parts that are not empty, as paragraphs.
fn paragraphs(parts: &[&str]) -> String {
    parts.iter().filter(|p| !p.trim().is_empty()).copied().collect::<Vec<_>>().join("\n\n")
}
