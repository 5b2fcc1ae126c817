//! Go to definition: an import path to its module's file, a module's function to its `fn`
//! line there, `params.NAME` to its `param("NAME", …)` declaration, a script's own function
//! to its `fn`.

use lsp_types::{Location, Range};

use super::document::Document;
use super::symbol::{self, Symbol};
use super::text::{uri_of, Text};

pub fn definition(doc: &Document, offset: usize, this: &lsp_types::Uri) -> Option<Location> {
    let (symbol, _) = symbol::at(doc, offset)?;
    match symbol {
        Symbol::ImportPath(module) | Symbol::ImportedModule(module) => {
            Some(Location { uri: uri_of(&module.path)?, range: Range::default() })
        }
        Symbol::Imported { module, function } => {
            let range = Text::new(&module.text).range(function.span.start, function.span.end);
            Some(Location { uri: uri_of(&module.path)?, range })
        }
        Symbol::Param(param) => {
            Some(Location { uri: this.clone(), range: doc.text.range(param.span.start, param.span.end) })
        }
        Symbol::Own(function) => {
            Some(Location { uri: this.clone(), range: doc.text.range(function.span.start, function.span.end) })
        }
        // auto's own: documented in the reference, defined in no file of the repository.
        Symbol::Host(_) | Symbol::HostModule(_) | Symbol::OptionKey { .. } => None,
    }
}
