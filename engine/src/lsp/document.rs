//! One open document as every request sees it: its text, what it declares, the repository
//! it is in, the reference, and the text of the modules it imports (the editor's buffer
//! when one is open, the file otherwise: what is typed in one is seen in the other at once).

use std::path::{Path, PathBuf};

use super::reference::Reference;
use super::scan::{self, Outline};
use super::text::Text;
use super::workspace::Workspace;

/// The text of the editor's open buffer of a file, by path.
pub type Sources<'a> = dyn Fn(&Path) -> Option<String> + 'a;

pub struct Document<'a> {
    pub text: Text<'a>,
    pub outline: Outline,
    /// `None` for a file in no repository: only the reference is known there.
    pub workspace: Option<&'a Workspace>,
    pub reference: &'a Reference,
    sources: &'a Sources<'a>,
}

/// A module a script imports, read.
pub struct Module {
    pub path: PathBuf,
    pub text: String,
    pub outline: Outline,
}

impl Module {
    /// Its public `fn`s (what `alias::` reaches), in file order.
    pub fn public_functions(&self) -> impl Iterator<Item = &scan::Function> {
        self.outline.functions.iter().filter(|f| !f.private)
    }
}

impl<'a> Document<'a> {
    pub fn new(
        text: &'a str,
        workspace: Option<&'a Workspace>,
        reference: &'a Reference,
        sources: &'a Sources<'a>,
    ) -> Document<'a> {
        Document { text: Text::new(text), outline: scan::outline(text), workspace, reference, sources }
    }

    pub fn source(&self) -> &'a str {
        self.text.as_str()
    }

    /// The module imported as `alias` (`import "lib/platform" as platform;`).
    pub fn imported(&self, alias: &str) -> Option<Module> {
        let import = self.outline.imports.iter().find(|i| i.alias.as_deref() == Some(alias))?;
        self.module(&import.path)
    }

    /// The module of import path `path` (`lib/platform` → scripts/lib/platform.rhai), read.
    pub fn module(&self, path: &str) -> Option<Module> {
        if !crate::script::stays_inside(path) {
            return None;
        }
        let workspace = self.workspace?;
        let file = workspace.module_path(path);
        let text = (self.sources)(&file).or_else(|| workspace.read_module(path))?;
        Some(Module { outline: scan::outline(&text), path: file, text })
    }

    /// Whether `name` is an alias of one of its imports.
    pub fn is_alias(&self, name: &str) -> bool {
        self.outline.imports.iter().any(|i| i.alias.as_deref() == Some(name))
    }
}
