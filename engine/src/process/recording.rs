//! Backends that record instead of running: `--dry-run` (everything) and `--plan` (writes).

use std::sync::{Arc, Mutex};

use super::files::{self, FileChange, FileWrite};
use super::http::{HttpCompletion, HttpRequest};
use super::invocation::{Effect, Invocation, Value};
use super::overlay::PlannedWrites;
use super::runner::{Backend, Completion, EffectKind, LineObserver, RecordedEffect, RunError, WriteOutcome};
use crate::report::{Context, Event};
use crate::secret::{redact, MASK};

/// Records every invocation; runs nothing. Works on a machine with no tools installed.
/// Files it "writes" go to the run's [`PlannedWrites`], so later steps read them.
#[derive(Default, Clone)]
pub struct RecordingRunner {
    log: Arc<Mutex<Log>>,
    planned: Arc<PlannedWrites>,
}

/// What was recorded, and every scope with a recorded write in it or below it: a step
/// asks once whether it is `pending`, and a plan of a thousand customers has many steps,
/// so the answer is a lookup, not a scan of every record.
#[derive(Default)]
struct Log {
    effects: Vec<RecordedEffect>,
    scopes_with_writes: std::collections::HashSet<String>,
    any_write: bool,
}

impl Log {
    fn push(&mut self, effect: RecordedEffect) {
        if effect.effect == Effect::Write {
            self.any_write = true;
            if let Some(scope) = &effect.scope {
                // `a/b/c` is inside `a/b` and `a`.
                for (end, _) in scope.match_indices('/').chain(std::iter::once((scope.len(), ""))) {
                    self.scopes_with_writes.insert(scope[..end].to_string());
                }
            }
        }
        self.effects.push(effect);
    }
}

impl RecordingRunner {
    pub fn new() -> Self {
        Self::default()
    }

    /// A recorder whose planned writes land in `planned` (the run's overlay).
    pub fn writing_into(planned: Arc<PlannedWrites>) -> Self {
        RecordingRunner { log: Arc::default(), planned }
    }

    pub fn record(&self, invocation: &Invocation, at: &Context) {
        let effect = RecordedEffect {
            kind: EffectKind::Command,
            command: invocation.to_string(),
            effect: invocation.effect,
            scope: at.label(),
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
            diff: None,
        };
        at.emit(Event::EffectRecorded { effect: effect.clone() });
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(effect);
    }
}

impl Backend for RecordingRunner {
    fn run(&self, invocation: &Invocation, _: &dyn LineObserver, at: &Context) -> Result<Completion, RunError> {
        self.record(invocation, at);
        Ok(Completion::Recorded)
    }

    fn http(&self, request: &HttpRequest, at: &Context) -> Result<HttpCompletion, RunError> {
        let effect = RecordedEffect {
            kind: EffectKind::Http,
            command: request.to_string(),
            effect: request.effect,
            scope: at.label(),
            files: match &request.body {
                Some(Value::Plain(body)) => vec![("body".to_string(), redact(body))],
                Some(Value::Secret(_)) => vec![("body".to_string(), MASK.to_string())],
                None => Vec::new(),
            },
            diff: None,
        };
        at.emit(Event::EffectRecorded { effect: effect.clone() });
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(effect);
        Ok(HttpCompletion::Recorded)
    }

    fn recorded(&self) -> Vec<RecordedEffect> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).effects.clone()
    }

    fn recorded_write_within(&self, label: Option<&str>) -> bool {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        match label {
            None => log.any_write,
            Some(label) => log.scopes_with_writes.contains(label),
        }
    }

    fn write_file(&self, write: &FileWrite, at: &Context) -> Result<WriteOutcome, RunError> {
        let change = files::compare(write)
            .map_err(|e| RunError::Write { path: write.display.clone(), message: e.to_string() })?;
        self.planned.record(write);
        if change != FileChange::Unchanged {
            let size = write.contents.expose().len();
            let secret = if matches!(write.contents, Value::Secret(_)) { ", secret, mode 0600" } else { "" };
            let effect = RecordedEffect {
                kind: EffectKind::File,
                command: format!("{} {} ({size} bytes{secret})", change.label(), write.display),
                effect: Effect::Write,
                scope: at.label(),
                files: Vec::new(),
                diff: if change == FileChange::Updated { files::diff_against_disk(write) } else { None },
            };
            at.emit(Event::EffectRecorded { effect: effect.clone() });
            self.log.lock().unwrap_or_else(|e| e.into_inner()).push(effect);
        }
        Ok(WriteOutcome::Recorded(change))
    }
}

/// `--plan`: reads (terraform plan, kubectl diff, docker inspect) run for real through the
/// inner backend; writes are recorded.
pub struct PlanRunner {
    reads: Arc<dyn Backend>,
    writes: RecordingRunner,
}

impl PlanRunner {
    pub fn new(reads: Arc<dyn Backend>, planned: Arc<PlannedWrites>) -> Self {
        PlanRunner { reads, writes: RecordingRunner::writing_into(planned) }
    }
}

impl Backend for PlanRunner {
    fn http(&self, request: &HttpRequest, at: &Context) -> Result<HttpCompletion, RunError> {
        match request.effect {
            Effect::Read => self.reads.http(request, at),
            Effect::Write => self.writes.http(request, at),
        }
    }

    fn run(&self, invocation: &Invocation, observer: &dyn LineObserver, at: &Context) -> Result<Completion, RunError> {
        // A read of something that exists only as a planned write (a root the plan
        // scaffolds) cannot run for real: it is part of the plan too.
        let reads_planned = invocation.unknown.is_some()
            || invocation.reads.iter().any(|path| self.writes.planned.is_planned_only(path));
        match invocation.effect {
            Effect::Read if !reads_planned => self.reads.run(invocation, observer, at),
            _ => self.writes.run(invocation, observer, at),
        }
    }

    fn recorded(&self) -> Vec<RecordedEffect> {
        self.writes.recorded()
    }

    fn recorded_write_within(&self, label: Option<&str>) -> bool {
        self.writes.recorded_write_within(label)
    }

    fn write_file(&self, write: &FileWrite, at: &Context) -> Result<WriteOutcome, RunError> {
        self.writes.write_file(write, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_write_makes_its_scope_and_every_enclosing_one_pending() {
        let runner = RecordingRunner::new();
        let at = Context::silent().within("deploy").within("demo").within("hive");
        runner.record(&Invocation::new("kubectl", Effect::Read), &Context::silent().within("reads"));
        assert!(!runner.recorded_write_within(None), "a read is no write");
        runner.record(&Invocation::new("kubectl", Effect::Write), &at);
        for scope in ["deploy", "deploy/demo", "deploy/demo/hive"] {
            assert!(runner.recorded_write_within(Some(scope)), "{scope}");
        }
        for scope in ["dep", "deploy/dem", "reads", "deploy/demo/hive/x"] {
            assert!(!runner.recorded_write_within(Some(scope)), "{scope}");
        }
        assert!(runner.recorded_write_within(None));
    }
}
