//! What native functions raise: a [`ScriptError`] (message and exit class) that scripts
//! can catch, and the [`Stop`] token a run is terminated with between operations. A leaf:
//! the bindings and the engine raise these and `diagnostics` reads them back, without
//! either depending on the other.

use rhai::{Dynamic, EvalAltResult, Position};

use crate::error::FailureKind;

/// Why the engine stopped a script between operations: Rhai's termination token.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// Ctrl-C (exit 130).
    Interrupted,
    /// A limit was reached (a step's timeout, the memory limit): what to tell the user.
    Limit(String),
}

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
