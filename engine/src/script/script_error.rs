//! What native functions raise: a [`ScriptError`] (message and exit class) that scripts
//! can catch, and the token a Ctrl-C terminates a run with. A leaf: the bindings raise
//! these and `diagnostics` reads them back, without either depending on the other.

use rhai::{Dynamic, EvalAltResult, Position};

use crate::error::FailureKind;

/// The termination token of Ctrl-C (other tokens are timeout messages).
pub const INTERRUPTED: &str = "interrupted";

/// The error value native functions raise; scripts can `try { } catch (e) { }` it and read
/// `e.message`.
#[derive(Debug, Clone)]
pub struct ScriptError {
    pub message: String,
    pub kind: FailureKind,
}

pub fn failure(message: impl Into<String>) -> Box<EvalAltResult> {
    raise(message, FailureKind::Failed)
}

pub fn bad_input(message: impl Into<String>) -> Box<EvalAltResult> {
    raise(message, FailureKind::BadInput)
}

pub fn raise(message: impl Into<String>, kind: FailureKind) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(Dynamic::from(ScriptError { message: message.into(), kind }), Position::NONE).into()
}
