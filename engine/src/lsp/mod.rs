//! The language server's side of `auto lsp` (issue 25): the open documents, the
//! repositories they are in, and the answers to an editor's questions, as the protocol's
//! types. No transport here: `commands/lsp.rs` reads and writes the messages.
//!
//! - diagnostics: what `auto check` finds (`script::check_script` over the buffer's text),
//!   at the range of what each finding names ([`diagnostics`]);
//! - completion, hover, signature help and definition from a lexical reading of the text
//!   ([`scan`]: a script being typed seldom parses) joined with the reference
//!   ([`reference`]: the source of docs/script-api.md), the repository (environments,
//!   customers, `scripts/lib/`) and the modules the script imports.
//!
//! Each document is served from the repository it is in (the nearest folder upwards with
//! `scripts/` and `environments/`), or from the one `--repo` names. What is built for a
//! repository is kept for the session ([`workspace::Workspace`]); the reference once.

pub mod completion;
pub mod definition;
pub mod diagnostics;
pub mod document;
pub mod hover;
pub mod reference;
pub mod scan;
pub mod signature;
pub mod symbol;
pub mod text;
pub mod workspace;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use lsp_types::{
    CompletionItem, CompletionOptions, CompletionTriggerKind, Hover, HoverProviderCapability, Location, OneOf,
    Position, PositionEncodingKind, ServerCapabilities, SignatureHelp, SignatureHelpOptions,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};

use crate::repo::Repo;
use document::Document;
use reference::Reference;
use workspace::Workspace;

/// What the server does, told to the editor when it starts.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        // The whole text on each change: a script is small, and a full text cannot drift.
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(TextDocumentSyncSaveOptions::Supported(true)),
            ..TextDocumentSyncOptions::default()
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some([":", ".", "\"", "{", ","].map(String::from).to_vec()),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        signature_help_provider: Some(SignatureHelpOptions {
            trigger_characters: Some(["(", ","].map(String::from).to_vec()),
            retrigger_characters: None,
            work_done_progress_options: Default::default(),
        }),
        definition_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// Diagnostics to publish for one document (an empty list clears what was shown).
#[derive(Debug)]
pub struct Publish {
    pub uri: Uri,
    pub version: Option<i32>,
    pub diagnostics: Vec<lsp_types::Diagnostic>,
}

struct Open {
    path: PathBuf,
    text: String,
    version: i32,
    /// The root of the repository it is in, a key of [`Server::workspaces`].
    root: Option<PathBuf>,
}

pub struct Server {
    /// The repository `--repo` names: every document is served from it.
    fixed: Option<Repo>,
    workspaces: BTreeMap<PathBuf, Workspace>,
    /// By URI text: `Uri` caches its parts inside (interior mutability), no key for a map.
    documents: HashMap<String, Open>,
    reference: Reference,
}

impl Server {
    pub fn new(fixed: Option<Repo>) -> Server {
        Server { fixed, workspaces: BTreeMap::new(), documents: HashMap::new(), reference: Reference::default() }
    }

    /// A document was opened: it is checked.
    pub fn opened(&mut self, uri: Uri, text: String, version: i32) -> Vec<Publish> {
        let Some(path) = text::path_of(&uri) else {
            // An unsaved buffer (`untitled:`) is in no repository: the reference still serves it.
            self.documents.insert(uri.as_str().to_string(), Open { path: PathBuf::new(), text, version, root: None });
            return Vec::new();
        };
        let path = path.canonicalize().unwrap_or(path);
        let root = self.workspace_root(&path);
        self.documents.insert(uri.as_str().to_string(), Open { path, text, version, root });
        self.check(&uri).into_iter().collect()
    }

    /// A document's text changed (the whole text, as the server asks): it is checked again.
    pub fn changed(&mut self, uri: &Uri, text: String, version: i32) -> Vec<Publish> {
        let Some(open) = self.documents.get_mut(uri.as_str()) else { return Vec::new() };
        open.text = text;
        open.version = version;
        self.check(uri).into_iter().collect()
    }

    /// A document was saved. A script reads its imports from disk, so a saved module
    /// changes what the other open scripts of its repository are found to have: each is
    /// checked again.
    pub fn saved(&mut self, uri: &Uri) -> Vec<Publish> {
        let Some(root) = self.documents.get(uri.as_str()).and_then(|o| o.root.clone()) else { return Vec::new() };
        let mut same: Vec<Uri> = self
            .documents
            .iter()
            .filter(|(_, o)| o.root.as_ref() == Some(&root))
            .filter_map(|(u, _)| u.parse().ok())
            .collect();
        same.sort();
        same.iter().filter_map(|u| self.check(u)).collect()
    }

    /// A document was closed: what was shown for it is cleared.
    pub fn closed(&mut self, uri: &Uri) -> Vec<Publish> {
        match self.documents.remove(uri.as_str()) {
            Some(_) => vec![Publish { uri: uri.clone(), version: None, diagnostics: Vec::new() }],
            None => Vec::new(),
        }
    }

    pub fn completion(
        &self,
        uri: &Uri,
        position: Position,
        trigger: Option<CompletionTriggerKind>,
    ) -> Vec<CompletionItem> {
        let invoked = trigger.is_none_or(|t| t != CompletionTriggerKind::TRIGGER_CHARACTER);
        self.with(uri, |doc| completion::complete(doc, doc.text.offset(position), invoked)).unwrap_or_default()
    }

    pub fn hover(&self, uri: &Uri, position: Position) -> Option<Hover> {
        self.with(uri, |doc| hover::hover(doc, doc.text.offset(position))).flatten()
    }

    pub fn signature_help(&self, uri: &Uri, position: Position) -> Option<SignatureHelp> {
        self.with(uri, |doc| signature::signature_help(doc, doc.text.offset(position))).flatten()
    }

    pub fn definition(&self, uri: &Uri, position: Position) -> Option<Location> {
        self.with(uri, |doc| definition::definition(doc, doc.text.offset(position), uri)).flatten()
    }

    /// The root of the repository `path` is served from, its workspace opened if new.
    fn workspace_root(&mut self, path: &Path) -> Option<PathBuf> {
        let repo = match &self.fixed {
            Some(repo) => repo.clone(),
            None => Repo::discover(path.parent()?).ok()?,
        };
        let root = repo.root().to_path_buf();
        self.workspaces.entry(root.clone()).or_insert_with(|| Workspace::open(repo));
        Some(root)
    }

    /// `answer` of the open document `uri`.
    fn with<T>(&self, uri: &Uri, answer: impl FnOnce(&Document) -> T) -> Option<T> {
        let open = self.documents.get(uri.as_str())?;
        let workspace = open.root.as_ref().and_then(|root| self.workspaces.get(root));
        let documents = &self.documents;
        let buffers = move |path: &Path| documents.values().find(|d| d.path == path).map(|d| d.text.clone());
        Some(answer(&Document::new(&open.text, workspace, &self.reference, &buffers)))
    }

    /// What `auto check` finds in the open document `uri` (nothing for one in no
    /// repository, or a definitions file such as docs/auto.d.rhai, which is no script).
    fn check(&self, uri: &Uri) -> Option<Publish> {
        let open = self.documents.get(uri.as_str())?;
        let workspace = open.root.as_ref().and_then(|root| self.workspaces.get(root));
        let is_script =
            open.path.extension().is_some_and(|e| e == "rhai") && !open.path.to_string_lossy().ends_with(".d.rhai");
        let diagnostics = match workspace {
            Some(workspace) if is_script => {
                let found = workspace.check(&open.path, &open.text);
                let display = workspace.repo.relative(&open.path);
                self.with(uri, |doc| diagnostics::diagnostics(doc, &display, &found)).unwrap_or_default()
            }
            _ => Vec::new(),
        };
        Some(Publish { uri: uri.clone(), version: Some(open.version), diagnostics })
    }
}
