//! `auto check`'s findings as the editor shows them: each at the range of what it names in
//! the document (a call's name, an option key, a literal), found from the line and column
//! the check reports. A finding in an imported module is shown at the import of that
//! module, saying where in it the problem is; one of the whole file (no doc comment) on
//! its first line.

use lsp_types::{DiagnosticSeverity, Range};

use super::document::Document;
use crate::script::diagnostics::Diagnostic;

/// Where the findings are published from (the editor shows it beside each).
const SOURCE: &str = "auto check";

/// `found` (checks of the document at `display`, repository-relative) as the document's
/// diagnostics.
pub fn diagnostics(doc: &Document, display: &str, found: &[Diagnostic]) -> Vec<lsp_types::Diagnostic> {
    found.iter().map(|d| diagnostic(doc, display, d)).collect()
}

fn diagnostic(doc: &Document, display: &str, found: &Diagnostic) -> lsp_types::Diagnostic {
    let (range, message) = match found.frames.iter().position(|f| f.file == display) {
        Some(index) => {
            let frame = &found.frames[index];
            let range = doc.text.token_range(doc.text.rhai_offset(frame.line, frame.column));
            let message = match found.frames.first() {
                // Found in an imported module, reached through this line.
                Some(inner) if index > 0 => {
                    format!("{} (at {}:{}:{})", found.message, inner.file, inner.line, inner.column)
                }
                _ => found.message.clone(),
            };
            (range, message)
        }
        None => match found.frames.first() {
            Some(inner) => {
                let range = import_of(doc, &inner.file).unwrap_or_default();
                (range, format!("{} (at {}:{}:{})", found.message, inner.file, inner.line, inner.column))
            }
            None => {
                let first_line = doc.text.range(0, doc.source().find('\n').unwrap_or(doc.source().len()));
                (first_line, found.message.clone())
            }
        },
    };
    lsp_types::Diagnostic {
        range,
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some(SOURCE.to_string()),
        message,
        ..lsp_types::Diagnostic::default()
    }
}

/// The range of the import path in `doc` that loads `file` (`scripts/lib/x.rhai`).
fn import_of(doc: &Document, file: &str) -> Option<Range> {
    let path = file.strip_prefix("scripts/")?.strip_suffix(".rhai")?;
    let import = doc.outline.imports.iter().find(|i| i.path == path)?;
    Some(doc.text.range(import.path_span.start, import.path_span.end))
}
