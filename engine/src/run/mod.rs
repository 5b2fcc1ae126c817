//! One run, one value: [`Run`] is built once by the composition root (`commands/run.rs`) and
//! owns everything that belongs to that run — the consequences of its mode (the backend,
//! the docker calls, the unknown-value policy, whether locks and a journal are kept), the
//! step ledger (what changed, what is left pending), the planned-write overlay, the
//! reporter, the bound parameters and the step deadlines. Nothing here is process-wide, so
//! two runs in one process keep apart (`tests::two_runs_in_one_process_keep_apart`).
//!
//! [`RunScope`] is the run seen from one place in the script: a step, a parallel task. It is
//! what bindings work with, and what a parallel worker gets: one clone.
//!
//! [`Run::new`] is the only code that looks at the [`Mode`] to decide anything.

mod scope;

pub use scope::RunScope;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use crate::primitives::docker::{backend_for, DockerApi};
use crate::primitives::terraform::UnknownInputs;
use crate::process::{Backend, Mode, PlanRunner, PlannedWrites, RecordedEffect, RecordingRunner, Runner, SystemRunner};
use crate::repo::Repo;
use crate::report::context::Deadline;
use crate::report::{Context, Reporter};
use crate::runtime::data::Data;
use crate::runtime::journal::Journal;
use crate::runtime::locks::Locks;
use crate::runtime::steps::StepLedger;

/// What the mode means for the parts of a run that are not the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModePolicy {
    /// Only a real run writes a journal: dry-run and plan leave no files behind.
    pub keeps_journal: bool,
    /// Dry-run and plan change nothing, so they take no locks.
    pub takes_locks: bool,
    /// A plan's recorded writes are changes waiting for an apply (exit 3); a dry-run's are
    /// only what it would do.
    pub recorded_writes_pending: bool,
    /// What the closing "nothing was changed" line calls the run (`None`: a real run).
    pub recorded_as: Option<&'static str>,
}

pub struct Run {
    pub repo: Repo,
    pub run_id: String,
    /// For display (`mode()` in scripts, the run-started event); decisions are the fields
    /// [`Run::new`] derived from it.
    pub mode: Mode,
    pub policy: ModePolicy,
    backend: Arc<dyn Backend>,
    /// What a value only an apply produces means for a command that needs it.
    pub unknowns: UnknownInputs,
    pub locks: Locks,
    pub steps: StepLedger,
    /// The files this run's recorded writes would create: what later steps read.
    pub planned: Arc<PlannedWrites>,
    reporter: Arc<dyn Reporter>,
    params: Mutex<BTreeMap<String, Data>>,
    /// The step deadline each script thread is under: the engine's progress callback,
    /// which is given no context, looks its thread up here.
    deadlines: Mutex<HashMap<ThreadId, Deadline>>,
    /// The run hears of Ctrl-C while it lives.
    _interrupts: crate::runtime::interrupt::Subscription,
}

impl Run {
    pub fn new(repo: Repo, mode: Mode, run_id: String, reporter: Arc<dyn Reporter>) -> Arc<Run> {
        let planned = Arc::new(PlannedWrites::new());
        let (backend, unknowns, policy): (Arc<dyn Backend>, _, _) = match mode {
            Mode::Run => (
                Arc::new(SystemRunner),
                UnknownInputs::Reject,
                ModePolicy {
                    keeps_journal: true,
                    takes_locks: true,
                    recorded_writes_pending: false,
                    recorded_as: None,
                },
            ),
            Mode::DryRun => (
                Arc::new(RecordingRunner::writing_into(planned.clone())),
                UnknownInputs::Defer,
                ModePolicy {
                    keeps_journal: false,
                    takes_locks: false,
                    recorded_writes_pending: false,
                    recorded_as: Some("dry-run"),
                },
            ),
            Mode::Plan => (
                Arc::new(PlanRunner::new(Arc::new(SystemRunner), planned.clone())),
                UnknownInputs::Defer,
                ModePolicy {
                    keeps_journal: false,
                    takes_locks: false,
                    recorded_writes_pending: true,
                    recorded_as: Some("plan"),
                },
            ),
        };
        let locks = Locks::new(repo.root().join(".auto").join("locks"), run_id.clone(), policy.takes_locks);
        Arc::new(Run {
            repo,
            run_id,
            mode,
            policy,
            backend,
            unknowns,
            locks,
            steps: StepLedger::new(),
            planned,
            params: Mutex::new(BTreeMap::new()),
            deadlines: Mutex::new(HashMap::new()),
            _interrupts: crate::runtime::interrupt::subscribe(reporter.clone()),
            reporter,
        })
    }

    /// The run seen from the top of the script.
    pub fn root_scope(self: &Arc<Run>) -> RunScope {
        RunScope::root(self.clone())
    }

    /// The reporting context at the top of the run (no step).
    pub fn context(&self) -> Context {
        Context::new(self.reporter.clone())
    }

    /// The run's backend bound to `at`.
    pub(crate) fn runner_at(&self, at: &Context) -> crate::process::Scoped {
        crate::process::Scoped::new(self.backend.clone(), at.clone())
    }

    /// The docker calls of this run, made and recorded through `runner`.
    pub(crate) fn docker_with(&self, runner: Arc<dyn Runner>) -> Arc<dyn DockerApi> {
        backend_for(self.mode, runner)
    }

    /// Everything recorded instead of run, in order.
    pub fn recorded(&self) -> Vec<RecordedEffect> {
        self.backend.recorded()
    }

    /// Attaches the journal once the run is known to start (parameters valid): a run
    /// refused before that leaves no journal behind. Only runs whose mode keeps one.
    pub fn start_journal(&self) -> Result<(), crate::error::Error> {
        if self.policy.keeps_journal {
            self.steps.attach_journal(Arc::new(Journal::create(&self.repo.root().join(".auto"), &self.run_id)?));
        }
        Ok(())
    }

    pub fn bind_params(&self, values: BTreeMap<String, Data>) {
        *self.params.lock().unwrap_or_else(|e| e.into_inner()) = values;
    }

    pub fn param(&self, name: &str) -> Option<Data> {
        self.params.lock().unwrap_or_else(|e| e.into_inner()).get(name).cloned()
    }

    /// The bound parameters (redacted JSON) for the journal and the run-started event.
    pub fn params_json(&self) -> serde_json::Value {
        Data::Map(self.params.lock().unwrap_or_else(|e| e.into_inner()).clone()).to_json_redacted()
    }

    /// The default bound for `parallel`: the `runtime.parallelism` of the environment named
    /// by the `env` parameter, or 4.
    pub fn default_parallelism(&self) -> usize {
        let env = match self.param("env") {
            Some(Data::Str(env)) => Some(env),
            _ => None,
        };
        env.and_then(|env| self.repo.environment(&env).ok()).map(|e| e.config.runtime.parallelism).unwrap_or(4)
    }

    /// The deadline the calling script thread is under, if any.
    pub fn current_deadline(&self) -> Option<Deadline> {
        self.deadlines.lock().unwrap_or_else(|e| e.into_inner()).get(&std::thread::current().id()).cloned()
    }

    /// Puts the calling thread under `deadline` (or none) until the guard is dropped.
    fn enter_deadline(self: &Arc<Run>, deadline: Option<Deadline>) -> DeadlineGuard {
        let thread = std::thread::current().id();
        let mut deadlines = self.deadlines.lock().unwrap_or_else(|e| e.into_inner());
        let previous = match deadline {
            Some(deadline) => deadlines.insert(thread, deadline),
            None => deadlines.remove(&thread),
        };
        DeadlineGuard { run: self.clone(), thread, previous }
    }
}

/// Restores the thread's previous deadline.
pub struct DeadlineGuard {
    run: Arc<Run>,
    thread: ThreadId,
    previous: Option<Deadline>,
}

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        let mut deadlines = self.run.deadlines.lock().unwrap_or_else(|e| e.into_inner());
        match self.previous.take() {
            Some(previous) => deadlines.insert(self.thread, previous),
            None => deadlines.remove(&self.thread),
        };
    }
}
