//! Why something failed, as every layer reports it (a primitive's error, a lock, a script
//! error): the exit class, and nothing else, so any module can name it without depending
//! on the top-level [`Error`](crate::error::Error), which holds the errors of all of them.

/// Why something failed, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    Failed,
    BadInput,
    LockHeld,
    Interrupted,
    /// An apply of a plan bundle met an effect that is not the reviewed one.
    NotReviewed,
}

impl FailureKind {
    pub fn exit_code(self) -> u8 {
        match self {
            FailureKind::Failed => 1,
            FailureKind::BadInput => 2,
            FailureKind::LockHeld => 4,
            FailureKind::NotReviewed => 5,
            FailureKind::Interrupted => 130,
        }
    }
}
