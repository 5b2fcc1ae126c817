//! Where an event belongs: which reporter, which step or target, under which deadline.
//!
//! A [`Context`] is a value, handed down with the work (the run's scope handle carries one,
//! the runner it hands a primitive carries one, a reader thread gets a clone): a line printed
//! deep inside `terraform::apply` running for customer `acme` is labelled `acme` because the
//! runner that ran it was handed out inside that scope, not because of a thread's state.
//! Two runs in one process each label with their own.

use std::sync::Arc;

use super::{Event, Reporter, Silent};

#[derive(Clone)]
pub struct Context {
    pub reporter: Arc<dyn Reporter>,
    pub scope: Vec<String>,
    /// The earliest timeout of the enclosing steps: the runner kills a child still running
    /// then, and the script stops at its next operation.
    pub deadline: Option<Deadline>,
}

#[derive(Clone, Debug)]
pub struct Deadline {
    pub at: std::time::Instant,
    pub step: String,
    pub timeout: std::time::Duration,
}

impl Context {
    pub fn new(reporter: Arc<dyn Reporter>) -> Context {
        Context { reporter, scope: Vec::new(), deadline: None }
    }

    /// Reports nowhere: for work outside a run (`auto doctor`, unit tests of primitives).
    pub fn silent() -> Context {
        Context::new(Arc::new(Silent))
    }

    /// The context of a nested scope (a step or a parallel target).
    pub fn within(&self, name: &str) -> Context {
        let mut context = self.clone();
        context.scope.push(name.to_string());
        context
    }

    /// This context under a step timeout; a tighter enclosing deadline stays in force.
    pub fn with_deadline(&self, deadline: Deadline) -> Context {
        let mut context = self.clone();
        if context.deadline.as_ref().is_none_or(|d| deadline.at < d.at) {
            context.deadline = Some(deadline);
        }
        context
    }

    /// `onboard/acme/hive`: the label of the scope, if any.
    pub fn label(&self) -> Option<String> {
        (!self.scope.is_empty()).then(|| self.scope.join("/"))
    }

    pub fn emit(&self, event: Event) {
        self.reporter.event(self.label().as_deref(), &event);
    }
}
