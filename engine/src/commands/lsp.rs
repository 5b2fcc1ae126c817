//! `auto lsp`: the language server over stdio. This is the transport and the dispatch;
//! what the answers are is `crate::lsp`.
//!
//! The protocol owns stdout: `lsp-server`'s writer thread is the only thing that writes
//! there while the server runs (every other command prints through `crate::output`, and
//! nothing the server calls prints: checks run over a silent, recording run). Logs go
//! to stderr (`AUTO_LOG`), which editors show as the server's log.

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as NotificationType, PublishDiagnostics,
};
use lsp_types::request::{Completion, GotoDefinition, HoverRequest, Request as RequestType, SignatureHelpRequest};
use lsp_types::{CompletionResponse, GotoDefinitionResponse, InitializeResult, PublishDiagnosticsParams, ServerInfo};

use crate::error::Error;
use crate::lsp::{self, Publish, Server};
use crate::repo::Repo;

/// Serves until the editor says `shutdown` and `exit`. `repo`: the repository `--repo`
/// names, for every document; otherwise each is served from the one it is in.
pub fn run(repo: Option<Repo>) -> Result<(), Error> {
    let failed = |what: &str, e: &dyn std::fmt::Display| Error::Failed(format!("auto lsp: {what}: {e}"));
    let (connection, io_threads) = Connection::stdio();
    let (id, _params) = connection.initialize_start().map_err(|e| failed("initialize", &e))?;
    let result = InitializeResult {
        capabilities: lsp::capabilities(),
        server_info: Some(ServerInfo { name: "auto".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
    };
    let result = serde_json::to_value(result).map_err(|e| failed("initialize", &e))?;
    connection.initialize_finish(id, result).map_err(|e| failed("initialize", &e))?;

    let mut server = Server::new(repo);
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request).map_err(|e| failed("shutdown", &e))? {
                    break;
                }
                let (id, method) = (request.id.clone(), request.method.clone());
                let response = guarded(&method, || answer(&server, request)).unwrap_or_else(|| {
                    Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        format!("auto lsp failed to answer `{method}`"),
                    )
                });
                connection.sender.send(response.into()).map_err(|e| failed("send", &e))?;
            }
            Message::Notification(notification) => {
                let method = notification.method.clone();
                for publish in guarded(&method, || notified(&mut server, notification)).unwrap_or_default() {
                    let params = PublishDiagnosticsParams {
                        uri: publish.uri,
                        diagnostics: publish.diagnostics,
                        version: publish.version,
                    };
                    let message = Notification::new(PublishDiagnostics::METHOD.into(), params);
                    connection.sender.send(message.into()).map_err(|e| failed("send", &e))?;
                }
            }
            // The server asks the editor nothing, so no answer is awaited.
            Message::Response(_) => {}
        }
    }
    drop(connection);
    io_threads.join().map_err(|e| failed("stdio", &e))
}

/// `handle` of one message, or `None` when it panicked: a bug met by one request must not
/// end the session of the editor that sent it (the panic is on stderr, the editor's log).
fn guarded<T>(method: &str, handle: impl FnOnce() -> T) -> Option<T> {
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(handle));
    if caught.is_err() {
        tracing::error!(method, "auto lsp: handling the message panicked");
    }
    caught.ok()
}

/// The response to one request: its answer, or an error the editor shows.
fn answer(server: &Server, request: Request) -> Response {
    let id = request.id.clone();
    let result = match request.method.as_str() {
        Completion::METHOD => request.extract::<lsp_types::CompletionParams>(Completion::METHOD).map(|(_, p)| {
            let at = p.text_document_position;
            let trigger = p.context.map(|c| c.trigger_kind);
            let items = server.completion(&at.text_document.uri, at.position, trigger);
            serde_json::to_value(CompletionResponse::Array(items))
        }),
        HoverRequest::METHOD => request.extract::<lsp_types::HoverParams>(HoverRequest::METHOD).map(|(_, p)| {
            let at = p.text_document_position_params;
            serde_json::to_value(server.hover(&at.text_document.uri, at.position))
        }),
        SignatureHelpRequest::METHOD => {
            request.extract::<lsp_types::SignatureHelpParams>(SignatureHelpRequest::METHOD).map(|(_, p)| {
                let at = p.text_document_position_params;
                serde_json::to_value(server.signature_help(&at.text_document.uri, at.position))
            })
        }
        GotoDefinition::METHOD => {
            request.extract::<lsp_types::GotoDefinitionParams>(GotoDefinition::METHOD).map(|(_, p)| {
                let at = p.text_document_position_params;
                let found = server.definition(&at.text_document.uri, at.position).map(GotoDefinitionResponse::Scalar);
                serde_json::to_value(found)
            })
        }
        method => {
            return Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("auto lsp does not answer `{method}`"),
            )
        }
    };
    match result {
        Ok(Ok(value)) => Response::new_ok(id, value),
        Ok(Err(e)) => Response::new_err(id, ErrorCode::InternalError as i32, e.to_string()),
        Err(e) => Response::new_err(id, ErrorCode::InvalidParams as i32, e.to_string()),
    }
}

/// What a notification changes: the diagnostics to publish.
fn notified(server: &mut Server, notification: Notification) -> Vec<Publish> {
    fn params<N: NotificationType>(notification: Notification) -> Option<N::Params> {
        notification.extract::<N::Params>(N::METHOD).ok()
    }
    match notification.method.as_str() {
        DidOpenTextDocument::METHOD => params::<DidOpenTextDocument>(notification).map_or_else(Vec::new, |p| {
            server.opened(p.text_document.uri, p.text_document.text, p.text_document.version)
        }),
        DidChangeTextDocument::METHOD => params::<DidChangeTextDocument>(notification).map_or_else(Vec::new, |p| {
            // Full sync: the last change holds the whole text.
            match p.content_changes.into_iter().last() {
                Some(change) => server.changed(&p.text_document.uri, change.text, p.text_document.version),
                None => Vec::new(),
            }
        }),
        DidSaveTextDocument::METHOD => {
            params::<DidSaveTextDocument>(notification).map_or_else(Vec::new, |p| server.saved(&p.text_document.uri))
        }
        DidCloseTextDocument::METHOD => {
            params::<DidCloseTextDocument>(notification).map_or_else(Vec::new, |p| server.closed(&p.text_document.uri))
        }
        // `initialized`, `$/cancelRequest`, settings: nothing to do.
        _ => Vec::new(),
    }
}
