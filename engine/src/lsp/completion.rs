//! What may be typed at a place: by where it is (see [`scan::place`]), one of
//!
//! - an import path in `import "…"`: the modules of `scripts/lib/`;
//! - an environment or customer name in a string argument that names one (which arguments
//!   do is read from the reference's parameter names, [`reference::names`]);
//! - an option key where a key of a call's option map goes, nested maps included;
//! - a parameter the script declares after `params.`;
//! - a function of a module after `terraform::`, or of an imported module after its alias;
//! - otherwise auto's global functions and modules, the script's imports and `fn`s, and
//!   Rhai's keywords.

use lsp_types::{CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind};

use super::document::Document;
use super::reference::{self, Names};
use super::scan::{self, Place};

/// Rhai's statement keywords, offered where a statement may start.
const KEYWORDS: &[&str] = &[
    "let", "const", "fn", "private", "if", "else", "switch", "while", "loop", "for", "in", "do", "until", "break",
    "continue", "return", "throw", "try", "catch", "import", "export", "as", "true", "false",
];

/// The completions at `offset`. `invoked`: asked for (a key press), not triggered by a
/// character such as `.` — with nothing typed, only a context of its own offers anything.
pub fn complete(doc: &Document, offset: usize, invoked: bool) -> Vec<CompletionItem> {
    let text = doc.source();
    let place = scan::place(text, offset);
    if place.string.is_some() {
        return in_string(doc, &place);
    }
    if let Some(key) = place.option_key() {
        let Some(f) = doc.reference.function(key.function) else { return Vec::new() };
        let Some(keys) = reference::options(f, key.argument).and_then(|o| reference::keys_at(o, &key.path)) else {
            return Vec::new();
        };
        return keys
            .iter()
            .filter(|k| !key.written.contains(&k.name))
            .map(|k| CompletionItem {
                label: k.name.clone(),
                kind: Some(CompletionItemKind::PROPERTY),
                detail: Some(format!("{} (default: {})", k.ty, k.default)),
                documentation: Some(markdown(reference::key_documentation(&f.name, &key.path, k))),
                ..CompletionItem::default()
            })
            .collect();
    }
    if scan::typed_param(text, offset).is_some() {
        // Every declared parameter: the editor narrows them down by what is typed.
        return doc
            .outline
            .params
            .iter()
            .map(|p| CompletionItem {
                label: p.name.clone(),
                kind: Some(CompletionItemKind::FIELD),
                detail: Some(format!("param(\"{}\")", p.name)),
                documentation: p.help.clone().map(markdown),
                ..CompletionItem::default()
            })
            .collect();
    }
    match scan::typed_path(text, offset) {
        (Some(module), _) => module_members(doc, module),
        (None, typed) => {
            let start = offset.min(text.len()) - typed.len();
            let after_dot = text[..start].trim_end().ends_with('.');
            if after_dot || (typed.is_empty() && !invoked) {
                // A method or property of a value whose type only the run knows.
                return Vec::new();
            }
            everything(doc)
        }
    }
}

/// Inside a string literal: an import path, or a name the argument takes.
fn in_string(doc: &Document, place: &Place) -> Vec<CompletionItem> {
    let Some(workspace) = doc.workspace else { return Vec::new() };
    if place.import {
        return workspace
            .library_modules()
            .into_iter()
            .map(|module| CompletionItem {
                detail: Some(format!("scripts/{module}.rhai")),
                label: module,
                kind: Some(CompletionItemKind::MODULE),
                ..CompletionItem::default()
            })
            .collect();
    }
    let Some((function, argument, literals)) = place.call() else { return Vec::new() };
    let Some(f) = doc.reference.function(function) else { return Vec::new() };
    let repo = &workspace.repo;
    match reference::names(f, argument) {
        Some(Names::Environment) => repo
            .environment_names()
            .into_iter()
            .map(|env| value(env.clone(), format!("environment (environments/{env}/env.toml)")))
            .collect(),
        Some(Names::Customer { env }) => {
            // The environment written as a literal, else every environment's customers.
            let envs = match literals.get(env).cloned().flatten() {
                Some(env) => vec![env],
                None => repo.environment_names(),
            };
            let mut found: Vec<(String, Vec<String>)> = Vec::new();
            for env in envs {
                for id in repo.customer_ids(&env).unwrap_or_default() {
                    match found.iter_mut().find(|(known, _)| *known == id) {
                        Some((_, in_envs)) => in_envs.push(env.clone()),
                        None => found.push((id, vec![env.clone()])),
                    }
                }
            }
            found.sort();
            found.into_iter().map(|(id, envs)| value(id, format!("customer in {}", envs.join(", ")))).collect()
        }
        None => Vec::new(),
    }
}

/// `terraform::…` (auto's module) or `platform::…` (an import's public `fn`s).
fn module_members(doc: &Document, module: &str) -> Vec<CompletionItem> {
    if doc.is_alias(module) {
        let Some(imported) = doc.imported(module) else { return Vec::new() };
        let shown = doc.workspace.map(|w| w.repo.relative(&imported.path)).unwrap_or_default();
        return imported
            .public_functions()
            .map(|f| CompletionItem {
                label: f.name.clone(),
                kind: Some(CompletionItemKind::FUNCTION),
                detail: Some(format!("{} ({shown})", f.signature())),
                documentation: (!f.doc.is_empty()).then(|| markdown(f.doc.clone())),
                ..CompletionItem::default()
            })
            .collect();
    }
    let Some(section) = doc.reference.module(module) else { return Vec::new() };
    section.functions.iter().map(function_item).collect()
}

/// Where anything may be written: auto's functions and modules, the script's imports and
/// `fn`s, keywords.
fn everything(doc: &Document) -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = doc.reference.globals().map(function_item).collect();
    items.extend(doc.reference.modules().filter_map(|s| {
        let module = s.module.clone()?;
        Some(CompletionItem {
            label: module,
            kind: Some(CompletionItemKind::MODULE),
            detail: Some(s.heading.clone()),
            documentation: Some(markdown(s.doc.clone())),
            ..CompletionItem::default()
        })
    }));
    items.extend(doc.outline.imports.iter().filter_map(|import| {
        Some(CompletionItem {
            label: import.alias.clone()?,
            kind: Some(CompletionItemKind::MODULE),
            detail: Some(format!("import \"{}\"", import.path)),
            ..CompletionItem::default()
        })
    }));
    items.extend(doc.outline.functions.iter().map(|f| CompletionItem {
        label: f.name.clone(),
        kind: Some(CompletionItemKind::FUNCTION),
        detail: Some(f.signature()),
        documentation: (!f.doc.is_empty()).then(|| markdown(f.doc.clone())),
        ..CompletionItem::default()
    }));
    items.push(CompletionItem {
        label: "params".into(),
        kind: Some(CompletionItemKind::VARIABLE),
        detail: Some("the script's parameters".into()),
        ..CompletionItem::default()
    });
    items.extend(KEYWORDS.iter().map(|k| CompletionItem {
        label: k.to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        ..CompletionItem::default()
    }));
    items
}

fn function_item(f: &crate::script::reference::source::Function) -> CompletionItem {
    CompletionItem {
        label: crate::script::reference::source::short(&f.name).to_string(),
        kind: Some(CompletionItemKind::FUNCTION),
        detail: Some(reference::detail(f)),
        documentation: Some(markdown(reference::documentation(f))),
        ..CompletionItem::default()
    }
}

fn value(label: String, detail: String) -> CompletionItem {
    CompletionItem { label, kind: Some(CompletionItemKind::VALUE), detail: Some(detail), ..CompletionItem::default() }
}

pub fn markdown(value: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value })
}
