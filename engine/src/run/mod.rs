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

mod reviewing;
mod scope;

pub use scope::RunScope;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use crate::primitives::docker::{DockerApi, DockerCalls};
use crate::primitives::terraform::ApplyChecks;
use crate::primitives::terraform::UnknownInputs;
use crate::process::{Backend, Mode, PlanRunner, PlannedWrites, RecordedEffect, RecordingRunner, Runner, SystemRunner};
use crate::repo::Repo;
use crate::report::context::Deadline;
use crate::report::summary::Tally;
use crate::report::{Context, Reporter};
use crate::runtime::consent::{self, Answers, Consent};
use crate::runtime::data::Data;
use crate::runtime::journal::Journal;
use crate::runtime::locks::Locks;
use crate::runtime::review::{Review, Unreviewed};
use crate::runtime::steps::StepLedger;

/// What the mode means for the parts of a run that are not the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModePolicy {
    /// Only a real run writes a journal: dry-run and plan leave no files behind.
    pub keeps_journal: bool,
    /// Dry-run and plan change nothing, so they take no locks.
    pub takes_locks: bool,
    /// What a plan or dry-run calls itself where its output could be read as done
    /// (`script_says`); `None`: a real run.
    pub recorded_as: Option<&'static str>,
    /// A root that cannot be planned yet (inputs known after an earlier apply) gets a
    /// prediction: only where reads run for real and nothing is applied (a plan).
    pub predicts: bool,
    /// `sleep`, `wait_until` and `retry` wait: only where something was done to wait for.
    pub waits: bool,
    /// `secret_env` of an unset variable gives a placeholder: a dry-run runs nothing that
    /// would use it, and needs no credentials.
    pub placeholder_secrets: bool,
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
    docker: DockerCalls,
    pub locks: Locks,
    pub steps: StepLedger,
    /// The files this run's recorded writes would create: what later steps read.
    pub planned: Arc<PlannedWrites>,
    /// Who says yes to `confirm` and to a destroy: the terminal or the command line in a
    /// real run; nobody (recorded) in a plan or dry-run.
    pub consent: Arc<dyn Consent>,
    /// What the run changed or would change, added up: the `plan_summary` at the end.
    pub tally: Tally,
    /// Whether effects are kept for a plan bundle (`--plan --out`), or checked against one
    /// (`auto apply`).
    pub review: Arc<dyn Review>,
    reporter: Arc<dyn Reporter>,
    params: Mutex<BTreeMap<String, Data>>,
    /// The step deadline each script thread is under: the engine's progress callback,
    /// which is given no context, looks its thread up here.
    deadlines: Mutex<HashMap<ThreadId, Deadline>>,
    /// Whether any thread is under a deadline: the progress check runs between every two
    /// operations of the script, and most runs have no step timeout, so it looks here first.
    any_deadline: AtomicBool,
    /// The run hears of Ctrl-C while it lives.
    _interrupts: crate::runtime::interrupt::Subscription,
}

impl Run {
    pub fn new(
        repo: Repo,
        mode: Mode,
        run_id: String,
        reporter: Arc<dyn Reporter>,
        answers: Answers,
        review: Arc<dyn Review>,
    ) -> Arc<Run> {
        let planned = Arc::new(PlannedWrites::new());
        let (backend, docker, unknowns, consent, policy): (Arc<dyn Backend>, _, _, Arc<dyn Consent>, _) = match mode {
            Mode::Run => (
                Arc::new(SystemRunner),
                DockerCalls::Engine(DockerCalls::engine()),
                UnknownInputs::Reject,
                Arc::new(consent::Asking::new(answers)),
                ModePolicy {
                    keeps_journal: true,
                    takes_locks: true,
                    recorded_as: None,
                    predicts: false,
                    waits: true,
                    placeholder_secrets: false,
                },
            ),
            Mode::DryRun => (
                Arc::new(RecordingRunner::writing_into(planned.clone())),
                DockerCalls::Recorded,
                UnknownInputs::Defer,
                Arc::new(consent::Recorded),
                ModePolicy {
                    keeps_journal: false,
                    takes_locks: false,
                    recorded_as: Some("dry-run"),
                    predicts: false,
                    waits: false,
                    placeholder_secrets: true,
                },
            ),
            Mode::Plan => (
                Arc::new(PlanRunner::new(Arc::new(SystemRunner), planned.clone())),
                DockerCalls::ReadsOnly(DockerCalls::engine()),
                UnknownInputs::Defer,
                Arc::new(consent::Recorded),
                ModePolicy {
                    keeps_journal: false,
                    takes_locks: false,
                    recorded_as: Some("plan"),
                    predicts: true,
                    waits: false,
                    placeholder_secrets: false,
                },
            ),
        };
        // Applying a reviewed bundle: each file write must be the reviewed one.
        let backend: Arc<dyn Backend> = Arc::new(reviewing::Reviewing::new(backend, review.clone()));
        let locks = Locks::new(repo.root().join(".auto").join("locks"), run_id.clone(), policy.takes_locks);
        let steps = StepLedger::new();
        let reporter: Arc<dyn Reporter> = Arc::new(crate::report::Fanout(vec![reporter, Arc::new(steps.timings())]));
        Arc::new(Run {
            repo,
            run_id,
            mode,
            policy,
            backend,
            unknowns,
            docker,
            locks,
            steps,
            planned,
            consent,
            tally: Tally::default(),
            review,
            params: Mutex::new(BTreeMap::new()),
            deadlines: Mutex::new(HashMap::new()),
            any_deadline: AtomicBool::new(false),
            _interrupts: crate::runtime::interrupt::subscribe(reporter.clone()),
            reporter,
        })
    }

    /// A script's own message (`info`, `print`) as the run shows it: in a plan or dry-run
    /// marked, so nobody reads "customer onboarded" as done when nothing was.
    pub fn script_says(&self, message: &str) -> String {
        match self.policy.recorded_as {
            Some(verb) if !message.is_empty() => format!("({verb}, nothing done) {message}"),
            _ => message.to_string(),
        }
    }

    /// A run that changes nothing and tells no one: what `auto check` and `auto docs`
    /// compile scripts against (the engine exactly as a run builds it).
    pub fn inspecting(repo: Repo, run_id: &str) -> Arc<Run> {
        let silent = Arc::new(crate::report::Silent);
        Run::new(repo, Mode::DryRun, run_id.into(), silent, Answers::default(), Arc::new(Unreviewed))
    }

    /// What a terraform apply of this run must pass besides its options.
    pub fn apply_checks(&self) -> ApplyChecks<'_> {
        ApplyChecks { consent: self.consent.as_ref(), review: self.review.as_ref() }
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

    /// The docker calls of this run, made and recorded through `runner` (a scope's).
    pub(crate) fn docker_with(&self, runner: Arc<dyn Runner>) -> Arc<dyn DockerApi> {
        self.docker.through(runner)
    }

    /// Whether a write was recorded in scope `label` or below it.
    pub fn recorded_write_within(&self, label: Option<&str>) -> bool {
        self.backend.recorded_write_within(label)
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
    /// The bound parameters with secrets exposed: only for a sealed plan bundle, which
    /// `auto apply` runs the script with again.
    pub fn params_exposed(&self) -> serde_json::Value {
        Data::Map(self.params.lock().unwrap_or_else(|e| e.into_inner()).clone()).to_json_exposed()
    }

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
        if !self.any_deadline.load(Ordering::Acquire) {
            return None;
        }
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
        self.any_deadline.store(!deadlines.is_empty(), Ordering::Release);
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
        self.run.any_deadline.store(!deadlines.is_empty(), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::run::{execute, RunRequest};
    use crate::report::{Collector, Event};
    use crate::runtime::steps::{Changes, Target};
    use crate::script::limits::Limits;
    use crate::script::ScriptFile;

    fn unreviewed() -> Arc<dyn Review> {
        Arc::new(Unreviewed)
    }

    /// A repository with one script that plans a file write inside a step and says which
    /// run it is, with enough work per step that the two runs overlap.
    fn repo_with_script(name: &str) -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("scripts")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("environments")).expect("mkdir");
        let script = format!(
            "//! Says `{name}`.\nfor i in 0..20 {{\n  step(`{name} ${{i}}`, || {{\n    fs::write(`{name}-${{i}}.txt`, \"{name}\");\n    info(`I am {name} ${{i}}`);\n    let spin = 0;\n    for j in 0..5000 {{ spin += j; }}\n  }});\n}}\n"
        );
        std::fs::write(dir.path().join("scripts/say.rhai"), script).expect("write");
        let repo = Repo::at(dir.path()).expect("repo");
        (dir, repo)
    }

    fn dry_run(repo: &Repo, reporter: Arc<Collector>) -> Result<(), crate::error::Error> {
        let file = ScriptFile::load(repo, &repo.scripts_dir().join("say.rhai")).expect("script");
        let request = RunRequest {
            file,
            given: Vec::new(),
            resume: None,
            mode: Mode::DryRun,
            limits: Limits::default(),
            answers: Answers::default(),
            reporter,
            review: unreviewed(),
            bundle_out: None,
            applies_bundle: None,
        };
        execute(repo.clone(), request)
    }

    /// What a run reported: its log lines and the files it recorded writing, with their scope.
    fn seen(collector: &Collector) -> (Vec<String>, Vec<String>) {
        let events = collector.events.lock().unwrap();
        let logs = events
            .iter()
            .filter_map(|(scope, e)| match e {
                Event::Log { message, .. } if message.contains("I am") => {
                    Some(format!("{}: {message}", scope.clone().unwrap_or_default()))
                }
                _ => None,
            })
            .collect();
        let writes = events
            .iter()
            .filter_map(|(scope, e)| match e {
                Event::EffectRecorded { effect } => {
                    Some(format!("{}: {}", scope.clone().unwrap_or_default(), effect.command))
                }
                _ => None,
            })
            .collect();
        (logs, writes)
    }

    #[test]
    fn two_runs_in_one_process_keep_apart() {
        let (_a_dir, a_repo) = repo_with_script("alpha");
        let (_b_dir, b_repo) = repo_with_script("beta");
        let (a_seen, b_seen) = (Arc::new(Collector::default()), Arc::new(Collector::default()));
        std::thread::scope(|scope| {
            let a = scope.spawn(|| dry_run(&a_repo, a_seen.clone()));
            let b = scope.spawn(|| dry_run(&b_repo, b_seen.clone()));
            // Each would write a file: a dry-run that would change something exits 3.
            for run in [a, b] {
                assert!(matches!(run.join().expect("ran"), Err(crate::error::Error::PlanHasChanges)));
            }
        });
        for (name, other, collector) in [("alpha", "beta", &a_seen), ("beta", "alpha", &b_seen)] {
            let (logs, writes) = seen(collector);
            assert_eq!(logs.len(), 20, "{name}: {logs:?}");
            assert_eq!(writes.len(), 20, "{name}: {writes:?}");
            for (i, (log, write)) in logs.iter().zip(&writes).enumerate() {
                // Each line carries its own run's step, never the other run's.
                assert_eq!(log, &format!("{name} {i}: (dry-run, nothing done) I am {name} {i}"));
                assert_eq!(write, &format!("{name} {i}: create {name}-{i}.txt ({} bytes)", name.len()));
                assert!(!log.contains(other) && !write.contains(other));
            }
        }
    }

    #[test]
    fn the_mode_decides_the_unknown_value_policy_the_locks_and_the_journal() {
        let (_dir, repo) = repo_with_script("alpha");
        let run = |mode| {
            Run::new(repo.clone(), mode, "r".into(), Arc::new(crate::report::Silent), Answers::default(), unreviewed())
        };
        let real = run(Mode::Run);
        assert_eq!(
            (real.unknowns, real.policy.takes_locks, real.policy.keeps_journal),
            (UnknownInputs::Reject, true, true)
        );
        for mode in [Mode::DryRun, Mode::Plan] {
            let recorded = run(mode);
            assert_eq!(recorded.unknowns, UnknownInputs::Defer, "{mode}");
            assert!(!recorded.policy.takes_locks && !recorded.policy.keeps_journal, "{mode}");
        }
    }

    #[test]
    fn pending_changes_and_planned_writes_belong_to_their_run() {
        let (_dir, repo) = repo_with_script("alpha");
        let quiet = || -> Arc<dyn Reporter> { Arc::new(crate::report::Silent) };
        let planning = Run::new(repo.clone(), Mode::Plan, "planning".into(), quiet(), Answers::default(), unreviewed());
        let other = Run::new(repo.clone(), Mode::Plan, "other".into(), quiet(), Answers::default(), unreviewed());
        let root = Target::TerraformRoot("environments/dev/acme/infra".into());
        planning.root_scope().settle_on(&root, Changes { left_pending: true, ..Changes::none() });
        assert!(planning.steps.has_pending_changes());
        assert!(!other.steps.has_pending_changes(), "another run's plan is not this run's pending change");

        let write = crate::process::FileWrite::new(
            repo.dir(),
            repo.confine("planned/main.tf").expect("inside"),
            crate::process::Value::Plain("# planned\n".into()),
        );
        crate::process::Runner::write_file(&planning.root_scope().runner(), &write).expect("recorded");
        let folder = repo.root().join("planned");
        assert!(planning.planned.is_dir(&folder), "the run that planned the write sees the folder");
        assert!(!other.planned.is_dir(&folder), "another run does not");
        assert!(!folder.exists(), "nothing was written");
    }
}
