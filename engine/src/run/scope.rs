//! The run seen from one place in the script (a step, a parallel task): where its output
//! goes, which step flags it sets when it changes something, which deadline it is under.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{DeadlineGuard, Run};
use crate::process::Scoped;
use crate::report::context::Deadline;
use crate::report::{Context, Event};
use crate::runtime::steps::{Changes, RunningStep, StepFlags, Target};

#[derive(Clone)]
pub struct RunScope {
    pub run: Arc<Run>,
    pub at: Context,
    /// The flags of the enclosing steps, innermost last.
    steps: Vec<Arc<StepFlags>>,
}

impl RunScope {
    pub(super) fn root(run: Arc<Run>) -> RunScope {
        let at = run.context();
        RunScope { run, at, steps: Vec::new() }
    }

    /// What primitives run commands and write files with, here.
    pub fn runner(&self) -> Scoped {
        self.run.runner_at(&self.at)
    }

    pub fn emit(&self, event: Event) {
        self.at.emit(event)
    }

    /// A named part of the work (a parallel target): its lines carry the name.
    pub fn within(&self, name: &str) -> RunScope {
        RunScope { at: self.at.within(name), ..self.clone() }
    }

    /// Inside `step`: labelled with its name, and what changes here marks it changed.
    pub fn in_step(&self, step: &RunningStep) -> RunScope {
        let mut inner = self.within(&step.name);
        inner.steps.push(step.flags.clone());
        inner
    }

    pub fn with_deadline(&self, deadline: Deadline) -> RunScope {
        RunScope { at: self.at.with_deadline(deadline), ..self.clone() }
    }

    /// Makes this scope's deadline the calling thread's until the guard drops: what the
    /// script engine's progress check sees. A parallel worker enters its scope once.
    pub fn enter(&self) -> DeadlineGuard {
        self.run.enter_deadline(self.at.deadline.clone())
    }

    /// Feeds what a primitive's result says into the run: its numbers, and the enclosing
    /// steps changed, or found something to change.
    pub fn settle(&self, changes: Changes) {
        self.run.tally.add(&changes.counted);
        let pending = changes.left_pending || changes.counted.is_change();
        for flags in &self.steps {
            if changes.changed {
                flags.changed.store(true, Ordering::SeqCst);
            } else if pending {
                flags.pending.store(true, Ordering::SeqCst);
            }
        }
    }

    /// Whether a plan or dry-run recorded a write here (in this step or below it).
    pub fn recorded_writes_here(&self) -> bool {
        self.run.recorded_write_within(self.at.label().as_deref())
    }

    /// As [`settle`](Self::settle), for work on `target`: a plan or diff that found changes
    /// leaves it pending, an apply settles it.
    pub fn settle_on(&self, target: &Target, changes: Changes) {
        self.run.steps.settle(target, &changes);
        self.settle(changes);
    }
}
