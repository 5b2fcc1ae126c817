//! Runners that record instead of running: `--dry-run` (everything) and `--plan` (writes).

use std::sync::{Arc, Mutex};

use super::files::{self, FileChange, FileWrite};
use super::invocation::{Effect, Invocation, Value};
use super::runner::{Completion, EffectKind, LineObserver, Mode, RecordedEffect, RunError, Runner, WriteOutcome};
use crate::runtime::secret::{redact, MASK};

/// Records every invocation; runs nothing. Works on a machine with no tools installed.
#[derive(Default, Clone)]
pub struct RecordingRunner {
    log: Arc<Mutex<Vec<RecordedEffect>>>,
}

impl RecordingRunner {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn record(&self, invocation: &Invocation) {
        let effect = RecordedEffect {
            kind: EffectKind::Command,
            command: invocation.to_string(),
            effect: invocation.effect,
            scope: crate::report::context::current_scope(),
            files: invocation
                .files
                .iter()
                .map(|file| {
                    let shown = match &file.contents {
                        Value::Plain(text) => redact(text),
                        Value::Secret(_) => MASK.to_string(),
                    };
                    (file.name.clone(), shown)
                })
                .collect(),
        };
        crate::report::emit(crate::report::Event::EffectRecorded { effect: effect.clone() });
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(effect);
    }
}

impl Runner for RecordingRunner {
    fn run(&self, invocation: &Invocation, _: &dyn LineObserver) -> Result<Completion, RunError> {
        self.record(invocation);
        Ok(Completion::Recorded)
    }

    fn recorded(&self) -> Vec<RecordedEffect> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn mode(&self) -> Mode {
        Mode::DryRun
    }

    fn write_file(&self, write: &FileWrite) -> Result<WriteOutcome, RunError> {
        let change = files::compare(write)
            .map_err(|e| RunError::Write { path: write.display.clone(), message: e.to_string() })?;
        files::plan_write(write);
        if change != FileChange::Unchanged {
            let size = write.contents.expose().len();
            let secret = if matches!(write.contents, Value::Secret(_)) { ", secret, mode 0600" } else { "" };
            let effect = RecordedEffect {
                kind: EffectKind::File,
                command: format!("{} {} ({size} bytes{secret})", change.label(), write.display),
                effect: Effect::Write,
                scope: crate::report::context::current_scope(),
                files: Vec::new(),
            };
            crate::report::emit(crate::report::Event::EffectRecorded { effect: effect.clone() });
            self.log.lock().unwrap_or_else(|e| e.into_inner()).push(effect);
        }
        Ok(WriteOutcome::Recorded(change))
    }
}

/// `--plan`: reads (terraform plan, kubectl diff, docker inspect) run for real through the
/// inner runner; writes are recorded.
pub struct PlanRunner {
    reads: Arc<dyn Runner>,
    writes: RecordingRunner,
}

impl PlanRunner {
    pub fn new(reads: Arc<dyn Runner>) -> Self {
        PlanRunner { reads, writes: RecordingRunner::new() }
    }
}

impl Runner for PlanRunner {
    fn run(&self, invocation: &Invocation, observer: &dyn LineObserver) -> Result<Completion, RunError> {
        // A read of something that exists only as a planned write (a root the plan
        // scaffolds) cannot run for real: it is part of the plan too.
        let reads_planned =
            invocation.unknown.is_some() || invocation.reads.iter().any(|path| files::is_planned_only(path));
        match invocation.effect {
            Effect::Read if !reads_planned => self.reads.run(invocation, observer),
            _ => self.writes.run(invocation, observer),
        }
    }

    fn recorded(&self) -> Vec<RecordedEffect> {
        self.writes.recorded()
    }

    fn write_file(&self, write: &FileWrite) -> Result<WriteOutcome, RunError> {
        self.writes.write_file(write)
    }

    fn mode(&self) -> Mode {
        Mode::Plan
    }
}
