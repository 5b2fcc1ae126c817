//! Running external commands: invocations as data, one runner trait, one spawner.

mod capture;
pub mod files;
pub mod http;
mod invocation;
mod observer;
mod overlay;
mod recording;
mod runner;
mod supervise;
mod system;

pub use files::{FileChange, FileWrite};
pub use invocation::{Arg, AttachedFile, Effect, Invocation, Stdin, Value, DEFAULT_MAX_STDOUT};
pub use overlay::PlannedWrites;
pub use recording::{PlanRunner, RecordingRunner};
pub use runner::{
    describe_failure, Backend, Completion, EffectKind, LineObserver, Mode, Output, Quiet, RecordedEffect, RunError,
    Runner, Scoped, Stream, WriteOutcome,
};
pub use supervise::Holder;
pub use system::SystemRunner;
