//! The reporting context of the current thread: which reporter, which step/target.
//!
//! Set when a run starts and copied into every parallel worker, so a line printed deep
//! inside `terraform::apply` running for customer `acme` is labelled `acme` without the
//! primitive knowing anything about steps.

use std::cell::RefCell;
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
}

thread_local! {
    static CURRENT: RefCell<Context> = RefCell::new(Context::new(Arc::new(Silent)));
}

pub fn current() -> Context {
    CURRENT.with(|c| c.borrow().clone())
}

/// Runs `f` with `context` as the thread's context, restoring the previous one after.
pub fn with<R>(context: Context, f: impl FnOnce() -> R) -> R {
    let previous = CURRENT.with(|c| c.replace(context));
    struct Restore(Option<Context>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(previous) = self.0.take() {
                CURRENT.with(|c| *c.borrow_mut() = previous);
            }
        }
    }
    let _restore = Restore(Some(previous));
    f()
}

/// Runs `f` inside a nested scope (a step or a parallel target).
pub fn within<R>(name: &str, f: impl FnOnce() -> R) -> R {
    let mut context = current();
    context.scope.push(name.to_string());
    with(context, f)
}

/// Runs `f` with a step timeout; a tighter enclosing deadline stays in force.
pub fn with_deadline<R>(deadline: Deadline, f: impl FnOnce() -> R) -> R {
    let mut context = current();
    if context.deadline.as_ref().is_none_or(|d| deadline.at < d.at) {
        context.deadline = Some(deadline);
    }
    with(context, f)
}

pub fn current_deadline() -> Option<Deadline> {
    CURRENT.with(|c| c.borrow().deadline.clone())
}

/// `onboard/acme/hive`: the label of the current scope, if any.
pub fn current_scope() -> Option<String> {
    CURRENT.with(|c| {
        let c = c.borrow();
        (!c.scope.is_empty()).then(|| c.scope.join("/"))
    })
}

/// The reporter of the run in progress, for events raised outside any script thread (the
/// signal handler).
static RUN_REPORTER: std::sync::Mutex<Option<Arc<dyn Reporter>>> = std::sync::Mutex::new(None);

pub fn set_run_reporter(reporter: Arc<dyn Reporter>) {
    *RUN_REPORTER.lock().unwrap_or_else(|e| e.into_inner()) = Some(reporter);
}

/// Emits to the run's reporter, whatever thread this is.
pub fn emit_to_run(event: Event) {
    let reporter = RUN_REPORTER.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(reporter) = reporter {
        reporter.event(None, &event);
    }
}

pub fn emit(event: Event) {
    let context = current();
    let scope = (!context.scope.is_empty()).then(|| context.scope.join("/"));
    context.reporter.event(scope.as_deref(), &event);
}
