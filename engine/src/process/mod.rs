//! Running external commands: invocations as data, one runner trait, one spawner.

mod capture;
pub mod files;
mod invocation;
mod recording;
mod runner;
mod supervise;
mod system;

pub use files::{FileChange, FileWrite};
pub use invocation::{Arg, AttachedFile, Effect, Invocation, Stdin, Value, DEFAULT_MAX_STDOUT};
pub use recording::{PlanRunner, RecordingRunner};
pub use runner::{
    describe_failure, Completion, EffectKind, LineObserver, Mode, Output, Quiet, RecordedEffect, RunError, Runner,
    Stream, WriteOutcome,
};
pub use supervise::Holder;
pub use system::SystemRunner;

use std::sync::Arc;

/// The composition root's one decision about side effects.
pub fn runner_for(mode: Mode) -> Arc<dyn Runner> {
    match mode {
        Mode::Run => Arc::new(SystemRunner),
        Mode::DryRun => Arc::new(RecordingRunner::new()),
        Mode::Plan => Arc::new(PlanRunner::new(Arc::new(SystemRunner))),
    }
}
