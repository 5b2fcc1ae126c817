//! The terraform functions of one run: locate the root, check the version once, init when
//! needed, plan, apply the exact plan, read outputs — through the runner, so dry-run and
//! plan are runner swaps — with transient errors retried and failures explained.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::changes::PlanChanges;
use super::diagnostic::{self, Diagnostic};
use super::guard::Guard;
use super::invocation::{self, InitBackend, InitFlags, Place, PlanSpec};
use super::options::{self, ApplyOptions, DestroyOptions, InitOptions, OutputOptions, PlanOptions};
use super::results::{ApplyOutcome, DestroyOutcome, PlanResult, Planned, RootSummary, TerraformError, Validation};
use super::retry::{classify, Class, RetryPolicy};
use super::root::{self, Root};
use super::ui::{self, UiLog};
use super::vars::{self, UnknownInputs, VarFile};
use super::{config, init_marker, outputs, version};
use crate::process::{Completion, Effect, Invocation, Output, PlannedWrites, RunError, Runner, Stream};
use crate::repo::Repo;
use crate::report::{Context, Event, LogLevel};
use crate::runtime::consent::Consent;
use crate::runtime::data::Data;
use crate::runtime::locks::Locks;
use crate::runtime::review::{self, Difference, PlanSource, Review, Reviewed, StateIdentity, Unreviewed};
use crate::runtime::waiting::Stopped;
use crate::secret::redact;

/// The result of the version check, kept for the whole run.
#[derive(Debug, Clone, PartialEq, Eq)]
enum VersionCheck {
    Passed(String),
    /// Dry-run: the check was recorded like every other command.
    Recorded,
}

/// One run's terraform: the version check, the change summary and the roots initialised,
/// shared by every call; each call runs through the runner of the step it is made in
/// ([`Terraform::through`]).
pub struct Terraform {
    runner: Arc<dyn Runner>,
    shared: Arc<Session>,
}

impl std::ops::Deref for Terraform {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.shared
    }
}

pub struct Session {
    repo: Repo,
    /// What the plan would write: roots a dry-run scaffolds are read from here.
    planned: Arc<PlannedWrites>,
    unknowns: UnknownInputs,
    version: Mutex<Option<VersionCheck>>,
    summary: Mutex<Vec<RootSummary>>,
    /// Roots initialised (or, in a dry-run, recorded as initialised) by this run, with the
    /// backend hash: a dry-run has no marker file to tell it so.
    initialised: Mutex<Vec<(PathBuf, String)>>,
    /// The provider cache every root's `init` shares (`plugin_cache.rs`).
    plugin_cache: Option<PathBuf>,
    /// Whether a root that cannot be planned yet gets a prediction (`predict.rs`): in a
    /// plan, whose reads run; a dry-run runs none.
    predicts: bool,
    /// The run this session belongs to, for the state marks its applies leave (`marks.rs`).
    run_id: String,
}

/// A failed attempt: worth another one, or final.
enum Failure {
    Transient { pattern: String, error: TerraformError },
    Final(TerraformError),
}

impl From<TerraformError> for Failure {
    fn from(error: TerraformError) -> Self {
        Failure::Final(error)
    }
}

/// Which stdout lines to stream.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Echo {
    All,
    /// An apply of a saved plan repeats the planned changes.
    SkipPlanned,
    /// Stdout is data (`output -json` holds sensitive values in clear text): never shown.
    Nothing,
}

/// What planning (and, when asked, applying) a root came to.
enum Converged {
    /// The plan was recorded, not made.
    Recorded,
    NoChanges(Planned),
    /// Changes planned and not applied (apply recorded, or plan only).
    Pending(Planned),
    Applied {
        planned: Planned,
        outputs: Option<serde_json::Map<String, serde_json::Value>>,
    },
}

impl Converged {
    /// The counts of `terraform::summary()` (`None`: only recorded).
    fn counts(&self) -> Option<crate::report::summary::TerraformCounts> {
        match self {
            Converged::Recorded => None,
            Converged::NoChanges(planned) | Converged::Pending(planned) | Converged::Applied { planned, .. } => {
                Some(planned.counts())
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Then {
    Apply,
    Stop,
}

/// One plan-then-apply request (apply, destroy, plan only).
struct Converge<'a> {
    operation: &'static str,
    destroy: bool,
    /// `plan -refresh-only`: what changed outside terraform (never applied here).
    refresh_only: bool,
    then: Then,
    /// The script's variables; `vars` is their file.
    inputs: &'a std::collections::BTreeMap<String, Data>,
    vars: VarFile,
    /// What the apply of the saved plan must be given again: the ephemeral variables.
    ephemeral_vars: Option<crate::process::AttachedFile>,
    workspace: Option<&'a str>,
    lock_timeout: &'a str,
    policy: &'a RetryPolicy,
    /// What a plan that destroys must pass before it is applied (`None`: plan only).
    guard: Option<Guard<'a>>,
    /// Whether the plan applied is a reviewed one (`auto apply`), or is kept for review.
    review: &'a dyn Review,
}

/// What an apply must pass besides its options: the yes for a destroy, and (applying a
/// plan bundle) the review.
pub struct ApplyChecks<'a> {
    pub consent: &'a dyn Consent,
    pub review: &'a dyn Review,
}

impl Terraform {
    pub fn new(runner: Arc<dyn Runner>, repo: Repo, unknowns: UnknownInputs) -> Terraform {
        Terraform::with_planned(runner, repo, unknowns, Arc::new(PlannedWrites::new()))
    }

    pub fn with_planned(
        runner: Arc<dyn Runner>,
        repo: Repo,
        unknowns: UnknownInputs,
        planned: Arc<PlannedWrites>,
    ) -> Terraform {
        let shared = Session {
            unknowns,
            planned,
            version: Mutex::new(None),
            summary: Mutex::new(Vec::new()),
            initialised: Mutex::new(Vec::new()),
            plugin_cache: super::plugin_cache::for_repository(repo.root()),
            predicts: false,
            run_id: String::new(),
            repo,
        };
        Terraform { runner, shared: Arc::new(shared) }
    }

    /// This session predicts the roots it cannot plan yet (a plan's reads run for real).
    pub fn predicting(mut self, predicts: bool) -> Terraform {
        if let Some(session) = Arc::get_mut(&mut self.shared) {
            session.predicts = predicts;
        }
        self
    }

    /// This session belongs to run `run_id` (named in the marks its applies leave).
    pub fn in_run(mut self, run_id: &str) -> Terraform {
        if let Some(session) = Arc::get_mut(&mut self.shared) {
            session.run_id = run_id.to_string();
        }
        self
    }

    /// The same session, its commands run through `runner` (the calling step's).
    pub fn through(&self, runner: Arc<dyn Runner>) -> Terraform {
        Terraform { runner, shared: self.shared.clone() }
    }

    /// Where this call's progress is reported.
    fn at(&self) -> Context {
        self.runner.context()
    }

    fn place<'a>(&'a self, path: &'a str) -> Place<'a> {
        Place { repo_root: self.repo.root(), chdir: path }
    }

    fn locate(&self, path: &str) -> Result<Root, TerraformError> {
        Root::locate(&self.planned, &self.repo, path).map_err(TerraformError::bad_input)
    }

    /// `terraform::init(root, #{ upgrade, reconfigure })`.
    pub fn init(&self, path: &str, options: &InitOptions) -> Result<(), TerraformError> {
        let root = self.locate(path)?;
        let policy = RetryPolicy::from_options(options.retries.as_ref()).map_err(TerraformError::bad_input)?;
        let flags =
            InitFlags { upgrade: options.upgrade.unwrap_or(false), reconfigure: options.reconfigure.unwrap_or(false) };
        self.check_version()?;
        self.check_root_version(&root.dir, &root.path)?;
        self.init_root(&root, flags, &policy)
    }

    /// `terraform::plan(root, #{ vars, workspace, destroy, refresh_only, wait_for_locks })`:
    /// planned into a private file, so what it would change can be read attribute by
    /// attribute (`terraform show`).
    pub fn plan(&self, locks: &Locks, path: &str, options: &PlanOptions) -> Result<PlanResult, TerraformError> {
        let root = self.locate(path)?;
        let policy = RetryPolicy::from_options(options.retries.as_ref()).map_err(TerraformError::bad_input)?;
        let wait = match options.wait_for_locks.as_deref() {
            Some(text) => Some(
                crate::duration::parse(text)
                    .map_err(|e| TerraformError::bad_input(format!("`wait_for_locks`: {e}")))?,
            ),
            None => None,
        };
        let lock_timeout = options::lock_timeout(options.lock_timeout.as_deref().or(options.wait_for_locks.as_deref()))
            .map_err(TerraformError::bad_input)?;
        let workspace = options::workspace(options.workspace.as_deref()).map_err(TerraformError::bad_input)?;
        let vars = self.var_file(&root, &options.vars)?;
        let destroy = options.destroy.unwrap_or(false);
        let refresh_only = options.refresh_only.unwrap_or(false);
        if destroy && refresh_only {
            return Err(TerraformError::bad_input("`destroy` and `refresh_only` cannot both be true"));
        }
        self.check_version()?;
        self.check_root_version(&root.dir, &root.path)?;
        self.init_root(&root, InitFlags::default(), &policy)?;
        // Under the scope lock an apply of the root holds, given back after the plan.
        let _scope = match wait {
            Some(wait) => ScopeLock::take(locks, &root.lock_scope, &self.at(), wait)?,
            None => ScopeLock::none(locks),
        };
        let request = Converge {
            operation: "plan",
            destroy,
            refresh_only,
            then: Then::Stop,
            inputs: &options.vars,
            vars,
            ephemeral_vars: None,
            workspace: workspace.as_deref(),
            lock_timeout: &lock_timeout,
            policy: &policy,
            guard: None,
            review: &Unreviewed,
        };
        Ok(match self.converge(&root, &request)? {
            Converged::Recorded => PlanResult::Recorded { root: root.label.clone() },
            Converged::NoChanges(planned) | Converged::Pending(planned) | Converged::Applied { planned, .. } => {
                PlanResult::Planned(planned)
            }
        })
    }

    /// `terraform::apply(root, #{ vars, workspace, plan_only, allow_destroy })` → the root's
    /// outputs. A plan that destroys or replaces is applied only once allowed (`guard.rs`).
    pub fn apply(
        &self,
        locks: &Locks,
        checks: &ApplyChecks<'_>,
        path: &str,
        options: &ApplyOptions,
    ) -> Result<ApplyOutcome, TerraformError> {
        let root = self.locate(path)?;
        let policy = RetryPolicy::from_options(options.retries.as_ref()).map_err(TerraformError::bad_input)?;
        let lock_timeout = options::lock_timeout(options.lock_timeout.as_deref()).map_err(TerraformError::bad_input)?;
        let workspace = options::workspace(options.workspace.as_deref()).map_err(TerraformError::bad_input)?;
        let vars = self.var_file(&root, &options.vars)?;
        let ephemeral_vars = self.ephemeral_var_file(&root, &options.vars)?;
        let then = if options.plan_only.unwrap_or(false) { Then::Stop } else { Then::Apply };
        if then == Then::Apply {
            take_scope_lock(&self.at(), locks, &root)?;
        }
        self.check_version()?;
        self.check_root_version(&root.dir, &root.path)?;
        self.init_root(&root, InitFlags::default(), &policy)?;
        let request = Converge {
            operation: "apply",
            destroy: false,
            refresh_only: false,
            then,
            inputs: &options.vars,
            vars,
            ephemeral_vars,
            workspace: workspace.as_deref(),
            lock_timeout: &lock_timeout,
            policy: &policy,
            guard: Some(Guard { allowed: options.allow_destroy.as_ref(), consent: checks.consent }),
            review: checks.review,
        };
        let converged = self.converge(&root, &request)?;
        let unknown = || outputs::unknown(&self.planned, &root.dir, &root.label);
        let read = || self.read_outputs(&root, workspace.as_deref());
        Ok(match converged {
            Converged::Recorded => ApplyOutcome {
                outputs: unknown(),
                changed: false,
                plan: PlanResult::Recorded { root: root.label.clone() },
            },
            Converged::Pending(planned) => {
                ApplyOutcome { outputs: unknown(), changed: false, plan: PlanResult::Planned(planned) }
            }
            Converged::NoChanges(planned) => {
                ApplyOutcome { outputs: read()?, changed: false, plan: PlanResult::Planned(planned) }
            }
            Converged::Applied { outputs: Some(values), planned } if outputs::all_values_given(&values) => {
                ApplyOutcome { outputs: outputs::from_json(&values), changed: true, plan: PlanResult::Planned(planned) }
            }
            Converged::Applied { planned, .. } => {
                ApplyOutcome { outputs: read()?, changed: true, plan: PlanResult::Planned(planned) }
            }
        })
    }

    /// `terraform::destroy(root, #{ vars, workspace, allow_destroy })`: `plan -destroy`,
    /// then that plan, once allowed (`guard.rs`).
    pub fn destroy(
        &self,
        locks: &Locks,
        checks: &ApplyChecks<'_>,
        path: &str,
        options: &DestroyOptions,
    ) -> Result<DestroyOutcome, TerraformError> {
        let root = self.locate(path)?;
        let policy = RetryPolicy::from_options(options.retries.as_ref()).map_err(TerraformError::bad_input)?;
        let lock_timeout = options::lock_timeout(options.lock_timeout.as_deref()).map_err(TerraformError::bad_input)?;
        let workspace = options::workspace(options.workspace.as_deref()).map_err(TerraformError::bad_input)?;
        let vars = self.var_file(&root, &options.vars)?;
        let ephemeral_vars = self.ephemeral_var_file(&root, &options.vars)?;
        take_scope_lock(&self.at(), locks, &root)?;
        self.check_version()?;
        self.check_root_version(&root.dir, &root.path)?;
        self.init_root(&root, InitFlags::default(), &policy)?;
        let request = Converge {
            operation: "destroy",
            destroy: true,
            refresh_only: false,
            then: Then::Apply,
            inputs: &options.vars,
            vars,
            ephemeral_vars,
            workspace: workspace.as_deref(),
            lock_timeout: &lock_timeout,
            policy: &policy,
            guard: Some(Guard { allowed: options.allow_destroy.as_ref(), consent: checks.consent }),
            review: checks.review,
        };
        Ok(match self.converge(&root, &request)? {
            Converged::Recorded => {
                DestroyOutcome { plan: PlanResult::Recorded { root: root.label.clone() }, changed: false }
            }
            Converged::NoChanges(planned) | Converged::Pending(planned) => {
                DestroyOutcome { plan: PlanResult::Planned(planned), changed: false }
            }
            Converged::Applied { planned, .. } => DestroyOutcome { plan: PlanResult::Planned(planned), changed: true },
        })
    }

    /// `terraform::state(root, #{ workspace })`: `#{ lineage, serial, applied_by_auto }`, the
    /// state's identity now and the one auto's last apply of the root here left
    /// (`marks.rs`): when they differ, someone changed the state outside auto since.
    pub fn state(&self, path: &str, options: &OutputOptions) -> Result<Data, TerraformError> {
        let root = self.locate(path)?;
        let workspace = options::workspace(options.workspace.as_deref()).map_err(TerraformError::bad_input)?;
        self.check_version()?;
        self.check_root_version(&root.dir, &root.path)?;
        self.init_root(&root, InitFlags::default(), &RetryPolicy::default())?;
        let now = self.state_identity(&root, workspace.as_deref())?;
        let mark = super::marks::read(self.repo.root(), &root.label, workspace.as_deref());
        let identity = |state: Option<&StateIdentity>| match state {
            Some(s) => (Data::Str(s.lineage.clone()), Data::Int(s.serial as i64)),
            None => (Data::Null, Data::Null),
        };
        let (lineage, serial) = identity(now.as_ref());
        let applied = match mark {
            Some(mark) => {
                let (lineage, serial) = identity(Some(&mark.state));
                Data::Map(std::collections::BTreeMap::from([
                    ("lineage".to_string(), lineage),
                    ("serial".to_string(), serial),
                    ("run_id".to_string(), Data::Str(mark.run_id)),
                    ("at".to_string(), Data::Str(mark.at)),
                ]))
            }
            None => Data::Null,
        };
        Ok(Data::Map(std::collections::BTreeMap::from([
            ("lineage".to_string(), lineage),
            ("serial".to_string(), serial),
            ("applied_by_auto".to_string(), applied),
        ])))
    }

    /// The lineage and serial of a root's state now (`None`: no state yet), initialising
    /// the root first: `auto apply` compares every reviewed root before anything runs.
    pub fn state_of(&self, path: &str) -> Result<Option<StateIdentity>, TerraformError> {
        let root = self.locate(path)?;
        self.check_version()?;
        self.check_root_version(&root.dir, &root.path)?;
        self.init_root(&root, InitFlags::default(), &RetryPolicy::default())?;
        self.state_identity(&root, None)
    }

    /// `terraform::output(root, #{ workspace })`.
    pub fn output(&self, path: &str, options: &OutputOptions) -> Result<Data, TerraformError> {
        let root = self.locate(path)?;
        let workspace = options::workspace(options.workspace.as_deref()).map_err(TerraformError::bad_input)?;
        self.check_version()?;
        self.check_root_version(&root.dir, &root.path)?;
        self.init_root(&root, InitFlags::default(), &RetryPolicy::default())?;
        self.read_outputs(&root, workspace.as_deref())
    }

    /// `terraform::validate(path)`: any folder of `.tf` files (modules too); initialised
    /// without a backend when it is not initialised yet.
    pub fn validate(&self, path: &str) -> Result<Validation, TerraformError> {
        let dir = root::tf_dir(&self.planned, &self.repo, path).map_err(TerraformError::bad_input)?;
        let relative = self.repo.relative(&dir);
        self.check_version()?;
        self.check_root_version(&dir, &relative)?;
        let initialised =
            init_marker::read(&dir).is_some_and(|m| m.requirements == config::requirements(&self.planned, &dir));
        if !initialised {
            self.run_init(
                &dir,
                &relative,
                &relative,
                &InitBackend::Disabled,
                InitFlags::default(),
                &RetryPolicy::default(),
            )?;
        }
        let invocation = invocation::validate(self.place(&relative));
        match self.execute(&invocation, &relative, Echo::Nothing, "validate", &relative).map_err(final_error)? {
            Completion::Recorded => Ok(Validation::Recorded { path: relative }),
            Completion::Ran(output) => {
                let parsed: Option<(bool, Vec<Diagnostic>)> =
                    serde_json::from_slice::<serde_json::Value>(&output.stdout).ok().and_then(|json| {
                        let valid = json.get("valid")?.as_bool()?;
                        let diagnostics =
                            json.get("diagnostics")?.as_array()?.iter().filter_map(Diagnostic::from_json).collect();
                        Some((valid, diagnostics))
                    });
                match parsed {
                    Some((valid, diagnostics)) => Ok(Validation::Checked { path: relative, valid, diagnostics }),
                    None => Err(TerraformError::failed(format!(
                        "terraform validate of `{relative}` failed:\n{}",
                        output.tail(20)
                    ))),
                }
            }
        }
    }

    /// `terraform::fmt_check(path)`: the files `terraform fmt` would change.
    pub fn fmt_check(&self, path: &str) -> Result<Option<Vec<String>>, TerraformError> {
        let target = self.repo.resolve(path).map_err(|e| TerraformError::bad_input(e.to_string()))?;
        if !target.exists() {
            return Err(TerraformError::bad_input(format!(
                "`{path}` does not exist: fmt_check takes a folder or a .tf file, relative to the repository root"
            )));
        }
        let relative = self.repo.relative(&target);
        let relative = if relative.is_empty() { ".".to_string() } else { relative };
        self.check_version()?;
        let invocation = invocation::fmt_check(self.repo.root(), &relative);
        match self.execute(&invocation, &relative, Echo::All, "fmt", &relative).map_err(final_error)? {
            Completion::Recorded => Ok(None),
            Completion::Ran(output) if output.success() || output.stderr.iter().all(u8::is_ascii_whitespace) => {
                Ok(Some(
                    output.stdout_text().lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
                ))
            }
            Completion::Ran(output) => {
                Err(TerraformError::failed(format!("terraform fmt cannot check `{relative}`:\n{}", output.tail(20))))
            }
        }
    }

    /// Every root this run planned or applied, in the order first seen.
    pub fn summary(&self) -> Vec<RootSummary> {
        self.summary.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn remember(&self, label: &str, counts: Option<crate::report::summary::TerraformCounts>) {
        let mut summary = self.summary.lock().unwrap_or_else(|e| e.into_inner());
        match summary.iter_mut().find(|s| s.root == label) {
            Some(entry) => entry.counts = counts,
            None => summary.push(RootSummary { root: label.to_string(), counts }),
        }
    }

    fn var_file(
        &self,
        root: &Root,
        vars: &std::collections::BTreeMap<String, Data>,
    ) -> Result<VarFile, TerraformError> {
        let declared = if vars.is_empty() { None } else { config::labels(&self.planned, &root.dir, "variable") };
        vars::var_file(vars, self.unknowns, declared.as_deref(), &root.path)
            .map_err(|e| TerraformError::bad_input(format!("`{}`: {e}", root.path)))
    }

    /// The variables file for the apply of a saved plan: only the root's ephemeral
    /// variables (the plan holds the others' values, and terraform refuses one that
    /// differs), `None` when none of them was given.
    fn ephemeral_var_file(
        &self,
        root: &Root,
        vars: &std::collections::BTreeMap<String, Data>,
    ) -> Result<Option<crate::process::AttachedFile>, TerraformError> {
        if vars.is_empty() {
            return Ok(None);
        }
        let ephemeral = config::ephemeral_variables(&self.planned, &root.dir).unwrap_or_default();
        let given: std::collections::BTreeMap<String, Data> =
            vars.iter().filter(|(name, _)| ephemeral.contains(name)).map(|(k, v)| (k.clone(), v.clone())).collect();
        if given.is_empty() {
            return Ok(None);
        }
        Ok(vars::var_file(&given, self.unknowns, None, &root.path)
            .map_err(|e| TerraformError::bad_input(format!("`{}`: {e}", root.path)))?
            .file)
    }

    /// `terraform version -json`, once per run, before the first other command.
    /// The terraform version found by the check (`None` before it, or when recorded).
    fn version_found(&self) -> Option<String> {
        match &*self.version.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(VersionCheck::Passed(found)) => Some(found.clone()),
            _ => None,
        }
    }

    fn check_version(&self) -> Result<(), TerraformError> {
        let mut checked = self.version.lock().unwrap_or_else(|e| e.into_inner());
        if checked.is_some() {
            return Ok(());
        }
        let invocation = invocation::version();
        match self.execute(&invocation, "terraform", Echo::Nothing, "version", "").map_err(final_error)? {
            Completion::Recorded => *checked = Some(VersionCheck::Recorded),
            Completion::Ran(output) => {
                let Some(found) = version::parse(&output.stdout_text()) else {
                    return Err(TerraformError::failed(format!(
                        "cannot tell which terraform this is: `{invocation}` printed:\n{}",
                        output.tail(10)
                    )));
                };
                version::check(&found).map_err(TerraformError::failed)?;
                *checked = Some(VersionCheck::Passed(found));
            }
        }
        Ok(())
    }

    /// Stops before terraform runs in a root whose `required_version` (its own or a local
    /// module's) the binary does not meet: the mismatch named, instead of terraform's HCL
    /// errors about blocks or arguments it does not know. A dry-run has no binary to check.
    fn check_root_version(&self, dir: &Path, path: &str) -> Result<(), TerraformError> {
        let found = match &*self.version.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(VersionCheck::Passed(found)) => found.clone(),
            _ => return Ok(()),
        };
        for (folder, constraint) in config::required_versions(&self.planned, dir) {
            if !version::satisfies(&found, &constraint)
                .map_err(|e| TerraformError::bad_input(format!("`{path}`: {e}")))?
            {
                let module = self.repo.relative(&folder);
                let within = if folder.as_path() == dir { String::new() } else { format!(" (in module `{module}`)") };
                let binary = version::on_path()
                    .map(|p| {
                        let relative = self.repo.relative(&p);
                        if p.starts_with(self.repo.root()) {
                            relative
                        } else {
                            p.display().to_string()
                        }
                    })
                    .unwrap_or_else(|| "terraform on PATH".to_string());
                return Err(TerraformError::bad_input(format!(
                    "{path} requires terraform {constraint}{within}; found {found} at {binary}: put a terraform that satisfies it first on PATH (`bash .ci/install-tools.sh && source .ci/env.sh` finds one)"
                )));
            }
        }
        Ok(())
    }

    fn init_root(&self, root: &Root, flags: InitFlags, policy: &RetryPolicy) -> Result<(), TerraformError> {
        let backend = InitBackend::Configured(invocation::backend_config(&root.backend, &root.state_key()));
        let key = (root.dir.clone(), init_marker::backend_hash(&backend));
        let done_this_run = self.initialised.lock().unwrap_or_else(|e| e.into_inner()).contains(&key);
        let up_to_date =
            done_this_run || init_marker::read(&root.dir) == Some(init_marker::current(&root.dir, &backend));
        if up_to_date && flags == InitFlags::default() {
            self.at().emit(Event::Log {
                level: LogLevel::Debug,
                message: format!("{}: init skipped: .terraform is up to date", root.label),
            });
            return Ok(());
        }
        self.run_init(&root.dir, &root.path, &root.label, &backend, flags, policy)?;
        self.initialised.lock().unwrap_or_else(|e| e.into_inner()).push(key);
        Ok(())
    }

    fn run_init(
        &self,
        dir: &Path,
        path: &str,
        label: &str,
        backend: &InitBackend,
        flags: InitFlags,
        policy: &RetryPolicy,
    ) -> Result<(), TerraformError> {
        let cache = self.plugin_cache.as_deref();
        // Terraform requires the cache folder to exist. Made only once a real terraform
        // answered the version check: a dry-run leaves nothing behind.
        if let (Some(cache), Some(VersionCheck::Passed(_))) =
            (cache, &*self.version.lock().unwrap_or_else(|e| e.into_inner()))
        {
            std::fs::create_dir_all(cache).map_err(|e| {
                TerraformError::failed(format!(
                    "cannot create the provider cache `{}`: {e} (AUTO_TF_PLUGIN_CACHE=off does without it)",
                    self.repo.relative(cache)
                ))
            })?;
        }
        let invocation = invocation::init(self.place(path), backend, flags, cache);
        self.with_retries(&format!("init of `{path}`"), policy, || {
            match self.execute(&invocation, label, Echo::All, "init", path)? {
                Completion::Recorded => Ok(()),
                Completion::Ran(output) if output.success() => {
                    init_marker::write(dir, &init_marker::current(dir, backend));
                    Ok(())
                }
                Completion::Ran(output) => Err(self.failure_at("init", path, label, &output, policy)),
            }
        })
    }

    fn read_outputs(&self, root: &Root, workspace: Option<&str>) -> Result<Data, TerraformError> {
        let invocation = invocation::output(self.place(&root.path), workspace);
        let policy = RetryPolicy::default();
        self.with_retries(&format!("output of `{}`", root.path), &policy, || {
            match self.execute(&invocation, &root.label, Echo::Nothing, "output", &root.path)? {
                Completion::Recorded => Ok(outputs::unknown(&self.planned, &root.dir, &root.label)),
                Completion::Ran(output) if output.success() => {
                    let parsed = outputs::parse(&output.stdout_text())
                        .map_err(|e| Failure::Final(TerraformError::failed(format!("`{}`: {e}", root.path))))?;
                    // A root never applied has no outputs yet. Where unknown values are
                    // allowed (dry-run, plan) they are "known after apply", so the roots
                    // that depend on it can still be planned; a real run sees the empty map.
                    let never_applied = matches!(&parsed, Data::Map(map) if map.is_empty());
                    if never_applied && self.unknowns == UnknownInputs::Defer {
                        return Ok(outputs::unknown(&self.planned, &root.dir, &root.label));
                    }
                    Ok(parsed)
                }
                Completion::Ran(output) => Err(self.failure("output", root, &output, &policy)),
            }
        })
    }

    /// Plans into a private file and, when asked and there are changes, applies exactly
    /// that file. A transient failure of either step starts over from the plan (a
    /// half-applied plan file is stale).
    fn converge(&self, root: &Root, request: &Converge<'_>) -> Result<Converged, TerraformError> {
        let place = self.place(&root.path);
        let source = match request.then {
            Then::Apply => request.review.plan_source(&root.label),
            Then::Stop => PlanSource::Fresh,
        };
        if let PlanSource::Reviewed(reviewed) = source {
            let converged = self.apply_reviewed(root, request, reviewed)?;
            if matches!(converged, Converged::Applied { .. }) {
                request.review.applied(&root.label);
                self.mark_applied(root, request.workspace);
            }
            self.remember(&root.label, converged.counts());
            return Ok(converged);
        }
        let mut created_by_attempts: Vec<String> = Vec::new();
        let converged =
            self.with_retries(&format!("{} of `{}`", request.operation, root.path), request.policy, || {
                // Plan files hold every value in clear text: `scratch.rs`.
                let scratch = super::scratch::private_dir().map_err(|e| {
                    TerraformError::failed(format!(
                        "cannot create a private directory for the plan of `{}`: {e}",
                        root.path
                    ))
                })?;
                let plan_file = scratch.path().join("plan.tfplan");
                let plan = invocation::plan(
                    place,
                    PlanSpec {
                        workspace: request.workspace,
                        destroy: request.destroy,
                        refresh_only: request.refresh_only,
                        lock_timeout: request.lock_timeout,
                        out: Some(&plan_file),
                        vars: request.vars.file.clone(),
                        // Not plannable as it is on disk: recorded, then predicted.
                        effect: if request.vars.deferred || self.planned.changes_in(&root.dir, root::is_configuration) {
                            Effect::Write
                        } else {
                            Effect::Read
                        },
                    },
                );
                let made = match self.execute(&plan, &root.label, Echo::All, "plan", &root.path)? {
                    // Not plannable yet: a prediction says what it would do.
                    Completion::Recorded => self.provisional(root, request)?,
                    Completion::Ran(output) if output.code == Some(2) => {
                        super::scratch::restrict(&plan_file);
                        let detail = self.show(root, request.workspace, &plan_file, request.policy)?;
                        let planned = self.planned(root, &output, detail, request.refresh_only);
                        if request.refresh_only && !planned.changes {
                            return Ok(Converged::NoChanges(planned));
                        }
                        Some(planned)
                    }
                    Completion::Ran(output) => match output.code {
                        Some(0) => {
                            let planned = self.planned(root, &output, PlanChanges::default(), request.refresh_only);
                            return Ok(Converged::NoChanges(planned));
                        }
                        _ => return Err(self.failure("plan", root, &output, request.policy)),
                    },
                };
                let guard = match (&request.guard, request.then) {
                    (Some(guard), Then::Apply) => guard,
                    _ => return Ok(made.map(Converged::Pending).unwrap_or(Converged::Recorded)),
                };
                if let Some(planned) = &made {
                    let target = format!("terraform {} of {}", request.operation, root.label);
                    match &source {
                        PlanSource::NotReviewed => {
                            return Err(Failure::Final(not_reviewed(Difference::NotReviewed { target })));
                        }
                        PlanSource::Provisional(Ok(predicted)) => {
                            review::against_prediction(&target, predicted, &planned.changing())
                                .map_err(|d| Failure::Final(not_reviewed(d)))?;
                        }
                        PlanSource::Provisional(Err(why)) => {
                            let what = format!("it was provisional and could not be predicted ({why})");
                            return Err(Failure::Final(not_reviewed(Difference::Differs { target, what })));
                        }
                        PlanSource::Fresh | PlanSource::Reviewed(_) => {}
                    }
                    guard
                        .check(root, request.operation, &planned.detail, &created_by_attempts, &self.at())
                        .map_err(Failure::Final)?;
                    // What this attempt creates, a failed apply may leave tainted: the next
                    // attempt may replace it without a yes (guard.rs).
                    created_by_attempts.extend(
                        planned
                            .detail
                            .resources
                            .iter()
                            .filter(|r| r.action == super::changes::Action::Create)
                            .map(|r| r.address.clone()),
                    );
                    if request.review.keeps() && !planned.provisional {
                        self.keep(request, root, &plan_file, planned).map_err(Failure::Final)?;
                    }
                }
                let apply = invocation::apply(
                    place,
                    request.workspace,
                    request.lock_timeout,
                    &plan_file,
                    request.ephemeral_vars.clone(),
                );
                match self.execute(&apply, &root.label, Echo::SkipPlanned, request.operation, &root.path)? {
                    Completion::Recorded => Ok(made.map(Converged::Pending).unwrap_or(Converged::Recorded)),
                    Completion::Ran(output) if output.success() => {
                        let log = UiLog::collect(&output.stdout_text());
                        Ok(Converged::Applied { planned: made.unwrap_or_default(), outputs: log.outputs })
                    }
                    Completion::Ran(output) => Err(self.failure(request.operation, root, &output, request.policy)),
                }
            })?;
        if let (PlanSource::Provisional(_), Converged::Applied { .. }) = (&source, &converged) {
            request.review.applied(&root.label);
        }
        if matches!(converged, Converged::Applied { .. }) {
            self.mark_applied(root, request.workspace);
        }
        self.remember(&root.label, converged.counts());
        Ok(converged)
    }

    /// The lineage and serial of the root's state now (`None`: no state yet), from
    /// `terraform state pull`, whose output (every value) is read for those two only.
    fn state_identity(&self, root: &Root, workspace: Option<&str>) -> Result<Option<StateIdentity>, TerraformError> {
        let Some(text) = self.pull_state(root, workspace)? else { return Ok(None) };
        let state: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            TerraformError::failed(format!("`terraform state pull` of `{}` printed no state: {e}", root.path))
        })?;
        Ok(Some(StateIdentity {
            lineage: state["lineage"].as_str().unwrap_or_default().to_string(),
            serial: state["serial"].as_u64().unwrap_or_default(),
        }))
    }

    /// Leaves the mark of this apply: the state it left, so a later drift check can tell a
    /// state someone changed outside auto. A mark that cannot be made is said, not fatal.
    fn mark_applied(&self, root: &Root, workspace: Option<&str>) {
        let state = match self.state_identity(root, workspace) {
            Ok(Some(state)) => state,
            Ok(None) => return,
            Err(error) => {
                self.at().emit(Event::Log {
                    level: LogLevel::Warn,
                    message: format!("cannot read the state `{}` was left in: {}", root.path, error.message),
                });
                return;
            }
        };
        if let Err(e) = super::marks::write(self.repo.root(), &root.label, workspace, &state, &self.run_id) {
            self.at().emit(Event::Log {
                level: LogLevel::Warn,
                message: format!("cannot record the state `{}` was left in: {e}", root.path),
            });
        }
    }

    /// The root's state (`terraform state pull`: every value in clear text, never shown),
    /// `None` when it has none yet.
    fn pull_state(&self, root: &Root, workspace: Option<&str>) -> Result<Option<String>, TerraformError> {
        let pull = invocation::state_pull(self.place(&root.path), workspace);
        let output =
            match self.execute(&pull, &root.label, Echo::Nothing, "state pull", &root.path).map_err(final_error)? {
                Completion::Ran(output) if output.success() => output,
                Completion::Ran(output) => {
                    return Err(final_error(self.failure("state pull", root, &output, &RetryPolicy::default())))
                }
                Completion::Recorded => return Ok(None),
            };
        let text = output.stdout_text();
        Ok(if text.trim().is_empty() { None } else { Some(text) })
    }

    /// A root whose plan was recorded because it cannot be planned yet (inputs known only
    /// after an earlier apply, or files only this run writes), predicted where the run
    /// predicts, and kept as provisional by a `--plan --out` run. `None`: no prediction
    /// (a dry-run, or the prediction failed, which is said).
    fn provisional(&self, root: &Root, request: &Converge<'_>) -> Result<Option<Planned>, Failure> {
        let unknown: Vec<String> =
            request.inputs.iter().filter(|(_, v)| v.first_unknown().is_some()).map(|(k, _)| k.clone()).collect();
        let rewritten = self.planned.changes_in(&root.dir, root::is_configuration);
        if !self.predicts || (unknown.is_empty() && !rewritten) {
            return Ok(None);
        }
        let why = match (unknown.is_empty(), rewritten) {
            (false, _) => format!("its variables {} are known only after an earlier apply", quoted(&unknown)),
            (true, _) => "its files are written by this run".to_string(),
        };
        let predicted = match self.predict(root, request) {
            Ok(planned) => Ok(planned),
            Err(Failure::Final(error)) if error.kind == crate::error::FailureKind::Interrupted => {
                return Err(Failure::Final(error))
            }
            Err(Failure::Final(error) | Failure::Transient { error, .. }) => Err(error.message),
        };
        let keep = |planned: Option<&Planned>, why: String| {
            if request.review.keeps() && request.then == Then::Apply {
                request.review.keep(Reviewed::Provisional {
                    root: root.label.clone(),
                    predicted: planned.map(Planned::changing),
                    unknown: unknown.clone(),
                    why,
                    counts: planned.map(Planned::counts),
                    shown: planned.map(|p| p.detail.render()).unwrap_or_default(),
                });
            }
        };
        match predicted {
            Ok(planned) => {
                keep(Some(&planned), why);
                Ok(Some(planned))
            }
            Err(failed) => {
                self.at().emit(Event::Log {
                    level: LogLevel::Warn,
                    message: format!("`{}` is provisional ({why}) and could not be predicted: {failed}", root.path),
                });
                keep(None, format!("{why}; the prediction failed: {failed}"));
                Ok(None)
            }
        }
    }

    /// Plans the root as a module of a wrapper root, its unknown inputs unknown
    /// (`predict.rs`), in a private folder removed afterwards.
    fn predict(&self, root: &Root, request: &Converge<'_>) -> Result<Planned, Failure> {
        let state =
            if self.planned.is_planned_only(&root.dir) { None } else { self.pull_state(root, request.workspace)? };
        let ephemeral = config::ephemeral_variables(&self.planned, &root.dir).unwrap_or_default();
        let wrapper =
            super::predict::materialise(&self.planned, &self.repo, root, request.inputs, &ephemeral, state.as_deref())
                .map_err(|e| Failure::Final(TerraformError::failed(e)))?;
        let place = Place { repo_root: wrapper.dir.path(), chdir: super::predict::WRAPPER };
        let init = invocation::init(
            place,
            &InitBackend::Configured(Vec::new()),
            InitFlags::default(),
            self.plugin_cache.as_deref(),
        );
        let ran = |invocation: &Invocation, operation: &str| -> Result<Output, Failure> {
            match self.execute(invocation, &root.label, Echo::Nothing, operation, &root.path)? {
                Completion::Ran(output) if output.success() || output.code == Some(2) => Ok(output),
                Completion::Ran(output) => {
                    Err(self.failure(&format!("{operation} (prediction)"), root, &output, request.policy))
                }
                Completion::Recorded => Err(Failure::Final(TerraformError::failed("recorded, not run"))),
            }
        };
        ran(&init, "init")?;
        let vars = vars::var_file(&wrapper.known, UnknownInputs::Reject, None, &root.path)
            .map_err(|e| Failure::Final(TerraformError::bad_input(e)))?;
        let plan_file = wrapper.dir.path().join("prediction.tfplan");
        let plan = invocation::plan(
            place,
            PlanSpec {
                workspace: None,
                destroy: request.destroy,
                refresh_only: request.refresh_only,
                lock_timeout: request.lock_timeout,
                out: Some(&plan_file),
                vars: vars.file,
                effect: Effect::Read,
            },
        );
        ran(&plan, "plan")?;
        super::scratch::restrict(&plan_file);
        let show = invocation::show_plan(place, None, &plan_file);
        let shown = ran(&show, "show")?;
        let detail = PlanChanges::parse(&shown.stdout_text()).map_err(|e| {
            Failure::Final(TerraformError::failed(format!("cannot read the prediction (terraform show -json): {e}")))
        })?;
        let planned = Planned::from_detail(&root.label, super::predict::as_the_roots(detail), true);
        self.report_plan(root, &planned);
        Ok(planned)
    }

    /// Keeps the saved plan of a `--plan --out` run, with the state it was made against.
    fn keep(
        &self,
        request: &Converge<'_>,
        root: &Root,
        plan_file: &Path,
        planned: &Planned,
    ) -> Result<(), TerraformError> {
        use base64::Engine as _;
        let plan = std::fs::read(plan_file).map_err(|e| {
            TerraformError::failed(format!("cannot read the saved plan of `{}` for the bundle: {e}", root.path))
        })?;
        let state = self.state_identity(root, request.workspace)?;
        request.review.keep(Reviewed::TerraformPlan {
            root: root.label.clone(),
            state,
            plan: base64::engine::general_purpose::STANDARD.encode(plan),
            lock_file: lock_file_hash(&root.dir),
            terraform: self.version_found(),
            changes: planned.changing(),
            counts: planned.counts(),
            shown: planned.detail.render(),
        });
        Ok(())
    }

    /// `auto apply`: applies the reviewed plan of the root once its state and providers
    /// are the ones it was planned with (terraform refuses a stale plan too, but not one
    /// planned against no state and applied twice: hashicorp/terraform#24078).
    fn apply_reviewed(
        &self,
        root: &Root,
        request: &Converge<'_>,
        reviewed: Reviewed,
    ) -> Result<Converged, TerraformError> {
        use base64::Engine as _;
        let target = format!("terraform {} of {}", request.operation, root.label);
        let Reviewed::TerraformPlan { state, plan, lock_file, terraform, .. } = reviewed else {
            return Err(not_reviewed(Difference::Differs { target, what: "it is another effect".into() }));
        };
        let now = self.state_identity(root, request.workspace)?;
        if now != state {
            return Err(not_reviewed(Difference::state_changed(target, &now, &state)));
        }
        self.check_version()?;
        if terraform.is_some() && self.version_found() != terraform {
            let what = format!(
                "it was planned with terraform {}, this is {}",
                terraform.unwrap_or_default(),
                self.version_found().unwrap_or_default()
            );
            return Err(not_reviewed(Difference::Differs { target, what }));
        }
        if lock_file_hash(&root.dir) != lock_file {
            let what = "its providers changed (.terraform.lock.hcl)".to_string();
            return Err(not_reviewed(Difference::Differs { target, what }));
        }
        let scratch = super::scratch::private_dir().map_err(|e| {
            TerraformError::failed(format!("cannot create a private directory for the plan of `{}`: {e}", root.path))
        })?;
        let plan_file = scratch.path().join("plan.tfplan");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(plan)
            .map_err(|e| TerraformError::failed(format!("the bundle's plan of `{}` is damaged: {e}", root.path)))?;
        std::fs::write(&plan_file, bytes)
            .map_err(|e| TerraformError::failed(format!("cannot write the reviewed plan of `{}`: {e}", root.path)))?;
        super::scratch::restrict(&plan_file);
        let detail = self.show(root, request.workspace, &plan_file, request.policy).map_err(final_error)?;
        let planned = self.reviewed_planned(root, detail);
        if let Some(guard) = &request.guard {
            guard.check(root, request.operation, &planned.detail, &[], &self.at())?;
        }
        let apply = invocation::apply(
            self.place(&root.path),
            request.workspace,
            request.lock_timeout,
            &plan_file,
            request.ephemeral_vars.clone(),
        );
        match self
            .execute(&apply, &root.label, Echo::SkipPlanned, request.operation, &root.path)
            .map_err(final_error)?
        {
            Completion::Ran(output) if output.success() => {
                let log = UiLog::collect(&output.stdout_text());
                Ok(Converged::Applied { planned, outputs: log.outputs })
            }
            Completion::Ran(output) => Err(final_error(self.failure(request.operation, root, &output, request.policy))),
            Completion::Recorded => Ok(Converged::Pending(planned)),
        }
    }

    /// A reviewed plan, reported as a fresh one is: its counts come from the saved plan.
    fn reviewed_planned(&self, root: &Root, detail: PlanChanges) -> Planned {
        let planned = Planned::from_detail(&root.label, detail, false);
        self.report_plan(root, &planned);
        planned
    }

    /// What the saved plan `plan_file` would change, read with `terraform show -json`.
    fn show(
        &self,
        root: &Root,
        workspace: Option<&str>,
        plan_file: &Path,
        policy: &RetryPolicy,
    ) -> Result<PlanChanges, Failure> {
        let show = invocation::show_plan(self.place(&root.path), workspace, plan_file);
        match self.execute(&show, &root.label, Echo::Nothing, "show", &root.path)? {
            // Only when the plan itself was recorded, which returned before.
            Completion::Recorded => Ok(PlanChanges::default()),
            Completion::Ran(output) if output.success() => PlanChanges::parse(&output.stdout_text()).map_err(|e| {
                Failure::Final(TerraformError::failed(format!(
                    "cannot read the plan of `{}` (terraform show -json): {e}",
                    root.path
                )))
            }),
            Completion::Ran(output) => Err(self.failure("show", root, &output, policy)),
        }
    }

    /// A plan that worked, reported: its counts and what it would change.
    /// `refresh_only`: terraform exits 2 for every refresh-only plan it could apply, also
    /// one that found nothing; its changes are what the refresh found (drift, outputs).
    fn planned(&self, root: &Root, output: &Output, detail: PlanChanges, refresh_only: bool) -> Planned {
        let log = UiLog::collect(&output.stdout_text());
        let changes = match refresh_only {
            true => !detail.drift.is_empty() || detail.outputs.iter().any(|o| o.action != super::changes::Action::NoOp),
            false => output.code == Some(2),
        };
        let planned = Planned {
            root: root.label.clone(),
            changes,
            counts: log.counts.unwrap_or_default(),
            resources: log.changes,
            detail,
            provisional: false,
        };
        self.report_plan(root, &planned);
        planned
    }

    /// Tells a plan's counts and what it would change.
    fn report_plan(&self, root: &Root, planned: &Planned) {
        let counts = planned.counts();
        let changes = if planned.changes { planned.detail.render() } else { String::new() };
        self.at().emit(Event::ChangeSummary {
            root: root.label.clone(),
            add: counts.add,
            change: counts.change,
            destroy: counts.destroy,
            replace: counts.replace,
            read: counts.read,
            changes,
            provisional: planned.provisional,
        });
    }

    /// Runs one command, streaming its UI as progress events.
    fn execute(
        &self,
        invocation: &Invocation,
        label: &str,
        echo: Echo,
        operation: &str,
        path: &str,
    ) -> Result<Completion, Failure> {
        // Lines arrive on the runner's reader threads: carry this thread's reporting
        // context (reporter, step scope) over to them.
        let reporting = self.at();
        let observer = move |stream: Stream, line: &str| {
            let event = match (stream, ui::parse_line(line)) {
                (Stream::Stdout, _) if echo == Echo::Nothing => None,
                (Stream::Stdout, Some(ui::UiMessage::PlannedChange(_))) if echo == Echo::SkipPlanned => None,
                // Terraform 1.11 prints "0 to add" before the errors of a failed plan: the
                // summary is told once the plan is known to have worked (`planned_in`).
                (Stream::Stdout, Some(ui::UiMessage::ChangeSummary { operation, .. })) if operation == "plan" => None,
                (Stream::Stdout, Some(message)) => message.event(label),
                (_, _) if line.trim().is_empty() => None,
                (_, _) => Some(Event::ToolOutput { line: line.to_string() }),
            };
            if let Some(event) = event {
                reporting.emit(event);
            }
        };
        let _cache = match &self.plugin_cache {
            Some(cache) => super::plugin_cache::hold(cache, operation == "init").map_err(|e| {
                Failure::Final(TerraformError::failed(format!(
                    "cannot lock the provider cache `{}`: {e} (AUTO_TF_PLUGIN_CACHE=off does without it)",
                    self.repo.relative(cache)
                )))
            })?,
            None => None,
        };
        self.runner.run(invocation, &observer).map_err(|error| Failure::Final(run_error(error, operation, path)))
    }

    fn failure(&self, operation: &str, root: &Root, output: &Output, policy: &RetryPolicy) -> Failure {
        self.failure_at(operation, &root.path, &root.label, output, policy)
    }

    /// Turns a non-zero exit into the error a person can act on: the held lock with its
    /// holder, or terraform's own diagnostics with file and line, naming the root.
    fn failure_at(&self, operation: &str, path: &str, label: &str, output: &Output, policy: &RetryPolicy) -> Failure {
        let log = UiLog::collect(&output.stdout_text());
        let errors = diagnostic::errors(&log.diagnostics);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let mut text: Vec<String> = errors.iter().map(|d| d.text()).collect();
        text.extend(log.plain.iter().cloned());
        text.push(stderr.to_string());
        let text = text.join("\n");
        let explained = if errors.is_empty() {
            output.tail(20)
        } else {
            errors.iter().map(|d| indent(&d.render(path))).collect::<Vec<_>>().join("\n")
        };
        let message = redact(&format!("terraform {operation} failed in `{path}`:\n{explained}"));
        match classify(&text, policy) {
            Class::Locked(info) => {
                Failure::Final(TerraformError::locked(info.describe(label, path, time::OffsetDateTime::now_utc())))
            }
            Class::LockFailed | Class::Fatal => Failure::Final(TerraformError::failed(message)),
            Class::Transient(pattern) => Failure::Transient { pattern, error: TerraformError::failed(message) },
        }
    }

    fn with_retries<T>(
        &self,
        what: &str,
        policy: &RetryPolicy,
        mut attempt: impl FnMut() -> Result<T, Failure>,
    ) -> Result<T, TerraformError> {
        let mut number = 1;
        loop {
            match attempt() {
                Ok(value) => return Ok(value),
                Err(Failure::Final(error)) => return Err(error),
                Err(Failure::Transient { error, .. }) if number >= policy.attempts => {
                    let note = if policy.attempts > 1 {
                        format!("\n(gave up after {} attempts)", policy.attempts)
                    } else {
                        String::new()
                    };
                    return Err(TerraformError { message: format!("{}{note}", error.message), ..error });
                }
                Err(Failure::Transient { pattern, .. }) => {
                    let wait = policy.delay_before(number);
                    self.at().emit(Event::Log {
                        level: LogLevel::Warn,
                        message: format!(
                            "terraform {what} failed with a transient error (matched `{pattern}`): retrying in {} (attempt {} of {})",
                            humantime::format_duration(wait),
                            number + 1,
                            policy.attempts
                        ),
                    });
                    // Ctrl-C and the step's timeout end the wait at once.
                    crate::runtime::waiting::pause(wait, self.at().deadline.as_ref()).map_err(|stop| match stop {
                        Stopped::Interrupted => {
                            TerraformError::interrupted(format!("interrupted while waiting to retry terraform {what}"))
                        }
                        deadline => {
                            TerraformError::failed(format!("{deadline} while waiting to retry terraform {what}"))
                        }
                    })?;
                    number += 1;
                }
            }
        }
    }
}

/// A scope lock a plan took (`wait_for_locks`), given back when the plan is done.
struct ScopeLock<'a> {
    locks: &'a Locks,
    scope: Option<String>,
}

impl<'a> ScopeLock<'a> {
    fn none(locks: &'a Locks) -> ScopeLock<'a> {
        ScopeLock { locks, scope: None }
    }

    fn take(locks: &'a Locks, scope: &str, at: &Context, wait: Duration) -> Result<ScopeLock<'a>, TerraformError> {
        let took = locks
            .acquire_waiting(scope, at, wait, &crate::runtime::interrupt::is_interrupted)
            .map_err(|e| TerraformError { kind: e.failure_kind(), message: e.to_string() })?;
        Ok(ScopeLock { locks, scope: took.then(|| scope.to_string()) })
    }
}

impl Drop for ScopeLock<'_> {
    fn drop(&mut self) {
        if let Some(scope) = &self.scope {
            self.locks.release(scope);
        }
    }
}

/// An effect of `auto apply` that is not the reviewed one.
fn not_reviewed(difference: Difference) -> TerraformError {
    TerraformError { kind: crate::error::FailureKind::NotReviewed, message: difference.to_string() }
}

/// SHA-256 of the root's `.terraform.lock.hcl`, when it has one.
fn lock_file_hash(dir: &Path) -> Option<String> {
    let text = std::fs::read(dir.join(".terraform.lock.hcl")).ok()?;
    Some(crate::runtime::hex::hex(&<sha2::Sha256 as sha2::Digest>::digest(&text)))
}

fn take_scope_lock(at: &Context, locks: &Locks, root: &Root) -> Result<(), TerraformError> {
    locks.acquire(&root.lock_scope, at).map_err(|e| TerraformError { kind: e.failure_kind(), message: e.to_string() })
}

/// For single commands that are never retried.
fn final_error(failure: Failure) -> TerraformError {
    match failure {
        Failure::Final(error) | Failure::Transient { error, .. } => error,
    }
}

fn run_error(error: RunError, operation: &str, path: &str) -> TerraformError {
    match error {
        RunError::Interrupted { .. } => {
            let what = if path.is_empty() {
                format!("terraform {operation}")
            } else {
                format!("terraform {operation} of `{path}`")
            };
            let after = if matches!(operation, "apply" | "destroy") {
                "; terraform stopped gracefully and released the state lock, but some changes may be half-applied: run it again to converge"
            } else {
                ""
            };
            TerraformError::interrupted(format!("{what} was interrupted{after}"))
        }
        other => TerraformError::failed(other.to_string()),
    }
}

/// `` `a`, `b` ``.
fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

fn indent(text: &str) -> String {
    text.lines().map(|l| if l.is_empty() { String::new() } else { format!("  {l}") }).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::consent::{Answers, Asking};

    /// A real run's consent with no answers given (tests have no terminal), and no bundle.
    static NO_ANSWER: ApplyChecks<'static> = ApplyChecks { consent: &ASKING, review: &Unreviewed };
    static ASKING: Asking = Asking::new(Answers { yes: false, allow_destroy: false });
    use crate::process::{Backend as _, FileWrite, RecordingRunner, WriteOutcome};
    use crate::report::Collector;
    use std::collections::VecDeque;

    const ENV: &str = "[azure]\nsubscription_id = \"s\"\ntenant_id = \"t\"\nlocation = \"westeurope\"\n[naming]\nprefix = \"anl\"\n[backend]\nkind = \"local\"\n[kubernetes]\ncontext = \"c\"\nallowed_contexts = [\"c\"]\n[registry]\nserver = \"r\"\n";
    const ROOT: &str = "environments/test/acme/app";

    /// Answers each command with the next canned output for its subcommand.
    struct Scripted {
        answers: Mutex<VecDeque<(&'static str, Result<Output, RunError>)>>,
        log: Mutex<Vec<String>>,
        events: Arc<Collector>,
    }

    fn ran(code: i32, stdout: &str) -> Result<Output, RunError> {
        Ok(Output { code: Some(code), stdout: stdout.as_bytes().to_vec(), stderr: Vec::new(), elapsed: Duration::ZERO })
    }

    impl Scripted {
        fn new(answers: Vec<(&'static str, Result<Output, RunError>)>) -> Arc<Scripted> {
            Arc::new(Scripted {
                answers: Mutex::new(answers.into()),
                log: Mutex::new(Vec::new()),
                events: Arc::default(),
            })
        }

        /// The subcommands run, in order.
        fn commands(&self) -> String {
            self.log.lock().unwrap().join(" ")
        }
    }

    impl Runner for Scripted {
        fn run(
            &self,
            invocation: &Invocation,
            observer: &dyn crate::process::LineObserver,
        ) -> Result<Completion, RunError> {
            let args = invocation.display_args();
            let command = args.iter().find(|a| !a.starts_with('-')).cloned().unwrap_or_default();
            // The state pull after an apply (its mark, `marks.rs`) finds no state unless a
            // test scripts one.
            let scripted_next = self.answers.lock().unwrap().front().map(|(c, _)| *c);
            if command == "state" && scripted_next != Some("state") {
                return Ok(Completion::Ran(ran(0, "")?));
            }
            self.log.lock().unwrap().push(command.clone());
            let (expected, answer) = self.answers.lock().unwrap().pop_front().unwrap_or(("(nothing)", ran(99, "")));
            assert_eq!(command, expected, "unexpected command `{invocation}`");
            if let Ok(output) = &answer {
                for line in String::from_utf8_lossy(&output.stdout).lines() {
                    observer.line(Stream::Stdout, line);
                }
            }
            answer.map(Completion::Ran)
        }

        fn write_file(&self, _: &FileWrite) -> Result<WriteOutcome, RunError> {
            unreachable!("terraform writes no files through the runner")
        }

        fn context(&self) -> crate::report::Context {
            crate::report::Context::new(self.events.clone())
        }
    }

    fn repo() -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("scripts/.keep", "");
        write("environments/test/env.toml", ENV);
        write("environments/test/acme/customer.toml", "display_name = \"Acme\"\n");
        write(
            &format!("{ROOT}/main.tf"),
            "variable \"name\" {\n  type = string\n}\noutput \"greeting\" {\n  value = \"hi ${var.name}\"\n}\n",
        );
        // Terraform creates it during init; the scripted one does not.
        std::fs::create_dir_all(dir.path().join(ROOT).join(".terraform")).unwrap();
        let repo = Repo::at(dir.path()).expect("repository");
        (dir, repo)
    }

    const VERSION: &str = "{\"terraform_version\": \"1.0.3\"}";
    const NO_CHANGES: &str = r#"{"@level":"info","@message":"Plan: 0 to add, 0 to change, 0 to destroy.","changes":{"add":0,"change":0,"remove":0,"operation":"plan"},"type":"change_summary"}"#;
    const ONE_CHANGE: &str = r#"{"@level":"info","@message":"null_resource.a: Plan to create","change":{"resource":{"addr":"null_resource.a"},"action":"create"},"type":"planned_change"}
{"@level":"info","@message":"Plan: 1 to add, 0 to change, 0 to destroy.","changes":{"add":1,"change":0,"remove":0,"operation":"plan"},"type":"change_summary"}"#;
    const APPLIED: &str = r#"{"@level":"info","@message":"null_resource.a: Plan to create","change":{"resource":{"addr":"null_resource.a"},"action":"create"},"type":"planned_change"}
{"@level":"info","@message":"Apply complete! Resources: 1 added, 0 changed, 0 destroyed.","changes":{"add":1,"change":0,"remove":0,"operation":"apply"},"type":"change_summary"}
{"@level":"info","@message":"Outputs: 1","outputs":{"greeting":{"sensitive":false,"type":"string","value":"hi acme"}},"type":"outputs"}"#;
    /// `terraform show -json` of the plan ONE_CHANGE made.
    const ONE_CHANGE_SHOWN: &str = r#"{"format_version":"1.2","planned_values":{},"resource_changes":[{"address":"null_resource.x","type":"null_resource","change":{"actions":["create"],"before":null,"after":{"triggers":{"name":"acme"}},"after_unknown":{"id":true},"before_sensitive":false,"after_sensitive":{}}}]}"#;
    const THROTTLED: &str = r#"{"@level":"error","@message":"Error: creating storage account","diagnostic":{"severity":"error","summary":"creating storage account","detail":"storage.AccountsClient#Create: Failure sending request: StatusCode=429 -- Original Error: Code=\"TooManyRequests\""},"type":"diagnostic"}"#;

    fn options(name: &str) -> ApplyOptions {
        let mut options: ApplyOptions = crate::runtime::data::from_data(&Data::Map(Default::default())).unwrap();
        options.vars.insert("name".into(), Data::Str(name.into()));
        options.retries = Some(super::super::RetryOptions { delay: Some("0s".into()), ..Default::default() });
        options
    }

    fn locks(dir: &Path) -> Locks {
        Locks::new(dir.join(".auto/locks"), "run-1".into(), true)
    }

    /// What `f` reported through `runner`.
    fn collecting<R>(runner: &Scripted, f: impl FnOnce() -> R) -> (R, Vec<String>) {
        runner.events.events.lock().unwrap().clear();
        let result = f();
        let events = runner.events.events.lock().unwrap().iter().map(|(_, e)| format!("{e:?}")).collect();
        (result, events)
    }

    #[test]
    fn changes_are_applied_from_the_plan_and_a_converged_root_is_not_applied_again() {
        let (dir, repo) = repo();
        let runner = Scripted::new(vec![
            ("version", ran(0, VERSION)),
            ("init", ran(0, "Terraform has been successfully initialized!")),
            ("plan", ran(2, ONE_CHANGE)),
            ("show", ran(0, ONE_CHANGE_SHOWN)),
            ("apply", ran(0, APPLIED)),
            ("plan", ran(0, NO_CHANGES)),
            ("output", ran(0, r#"{"greeting":{"sensitive":false,"type":"string","value":"hi acme"}}"#)),
        ]);
        let terraform = Terraform::new(runner.clone(), repo, UnknownInputs::Reject);
        let locks = locks(dir.path());
        let ((first, second), events) = collecting(&runner, || {
            (
                terraform.apply(&locks, &NO_ANSWER, ROOT, &options("acme")).unwrap(),
                terraform.apply(&locks, &NO_ANSWER, ROOT, &options("acme")).unwrap(),
            )
        });
        assert_eq!(first.outputs.to_string(), r#"{"greeting":"hi acme"}"#);
        assert!(first.changed);
        assert_eq!(second.outputs, first.outputs);
        assert!(!second.changed);
        // The version is checked once; init is skipped once .terraform is up to date.
        assert_eq!(runner.commands(), "version init plan show apply plan output");
        let progress: Vec<&String> =
            events.iter().filter(|e| e.starts_with("Progress") || e.starts_with("ChangeSummary")).collect();
        expect_test::expect![[r#"
            [
                "ChangeSummary { root: \"test/acme/app\", add: 1, change: 0, destroy: 0, replace: 0, read: 0, changes: \"+ null_resource.x  create\\n    triggers: {\\\"name\\\":\\\"acme\\\"}\\n\", provisional: false }",
                "Progress { message: \"test/acme/app: apply complete: 1 added, 0 changed, 0 destroyed\" }",
                "ChangeSummary { root: \"test/acme/app\", add: 0, change: 0, destroy: 0, replace: 0, read: 0, changes: \"\", provisional: false }",
            ]
        "#]]
        .assert_debug_eq(&progress);
        assert_eq!(
            terraform.summary(),
            vec![RootSummary { root: "test/acme/app".into(), counts: Some(Default::default()) }]
        );
    }

    #[test]
    fn transient_errors_are_retried_with_a_warning_naming_the_pattern() {
        let (dir, repo) = repo();
        let runner = Scripted::new(vec![
            ("version", ran(0, VERSION)),
            ("init", ran(0, "")),
            ("plan", ran(2, ONE_CHANGE)),
            ("show", ran(0, ONE_CHANGE_SHOWN)),
            ("apply", ran(1, THROTTLED)),
            ("plan", ran(2, ONE_CHANGE)),
            ("show", ran(0, ONE_CHANGE_SHOWN)),
            ("apply", ran(0, APPLIED)),
        ]);
        let terraform = Terraform::new(runner.clone(), repo, UnknownInputs::Reject);
        let (outcome, events) =
            collecting(&runner, || terraform.apply(&locks(dir.path()), &NO_ANSWER, ROOT, &options("acme")));
        assert!(outcome.unwrap().changed);
        // A failed apply starts over from a new plan: the old plan file may be stale.
        assert_eq!(runner.commands(), "version init plan show apply plan show apply");
        let warnings: Vec<&String> = events.iter().filter(|e| e.contains("Warn")).collect();
        expect_test::expect![[r#"
            [
                "Log { level: Warn, message: \"terraform apply of `environments/test/acme/app` failed with a transient error (matched `(StatusCode|Status|status code)[=: ]*429\\\\b|\\\\b429 Too Many Requests`): retrying in 0s (attempt 2 of 3)\" }",
            ]
        "#]]
        .assert_debug_eq(&warnings);
    }

    #[test]
    fn retries_give_up_with_terraforms_error() {
        let (dir, repo) = repo();
        let runner = Scripted::new(vec![
            ("version", ran(0, VERSION)),
            ("init", ran(0, "")),
            ("plan", ran(1, THROTTLED)),
            ("plan", ran(1, THROTTLED)),
        ]);
        let terraform = Terraform::new(runner.clone(), repo, UnknownInputs::Reject);
        let mut options = options("acme");
        options.retries =
            Some(super::super::RetryOptions { attempts: Some(2), delay: Some("0s".into()), patterns: None });
        let error = terraform.apply(&locks(dir.path()), &NO_ANSWER, ROOT, &options).unwrap_err();
        assert_eq!(error.kind, crate::error::FailureKind::Failed);
        expect_test::expect![[r#"
            terraform plan failed in `environments/test/acme/app`:
              creating storage account
                storage.AccountsClient#Create: Failure sending request: StatusCode=429 -- Original Error: Code="TooManyRequests"
            (gave up after 2 attempts)"#]]
        .assert_eq(&error.message);
    }

    #[test]
    fn a_held_state_lock_is_reported_not_retried() {
        let (dir, repo) = repo();
        let locked = r#"{"@level":"error","@message":"Error: Error acquiring the state lock","diagnostic":{"severity":"error","summary":"Error acquiring the state lock","detail":"Error message: resource temporarily unavailable\nLock Info:\n  ID:        9eaba727-f752-1d19-90b7-350f449663fd\n  Path:      terraform.tfstate\n  Operation: OperationTypeApply\n  Who:       ci@runner-7\n  Version:   1.0.3\n  Created:   2020-01-01 00:00:00.5 +0000 UTC\n  Info:      \n"},"type":"diagnostic"}"#;
        let runner = Scripted::new(vec![("version", ran(0, VERSION)), ("init", ran(0, "")), ("plan", ran(1, locked))]);
        let terraform = Terraform::new(runner.clone(), repo, UnknownInputs::Reject);
        let error = terraform.apply(&locks(dir.path()), &NO_ANSWER, ROOT, &options("acme")).unwrap_err();
        assert_eq!(error.kind, crate::error::FailureKind::LockHeld);
        let message =
            regex::Regex::new(r"\(\d[^)]* ago\)").unwrap().replace(&error.message, "([AGE] ago)").into_owned();
        expect_test::expect!["state of `test/acme/app` is locked by ci@runner-7 since 2020-01-01 00:00:00 UTC ([AGE] ago), lock ID 9eaba727-f752-1d19-90b7-350f449663fd: wait, or `terraform force-unlock 9eaba727-f752-1d19-90b7-350f449663fd` (in `environments/test/acme/app`) if that run is dead"]
            .assert_eq(&message);
        assert_eq!(runner.commands(), "version init plan");
    }

    #[test]
    fn an_interrupted_apply_says_so() {
        let (dir, repo) = repo();
        let runner = Scripted::new(vec![
            ("version", ran(0, VERSION)),
            ("init", ran(0, "")),
            ("plan", ran(2, ONE_CHANGE)),
            ("show", ran(0, ONE_CHANGE_SHOWN)),
            ("apply", Err(RunError::Interrupted { command: "terraform apply".into() })),
        ]);
        let terraform = Terraform::new(runner, repo, UnknownInputs::Reject);
        let error = terraform.apply(&locks(dir.path()), &NO_ANSWER, ROOT, &options("acme")).unwrap_err();
        assert_eq!(error.kind, crate::error::FailureKind::Interrupted);
        expect_test::expect!["terraform apply of `environments/test/acme/app` was interrupted; terraform stopped gracefully and released the state lock, but some changes may be half-applied: run it again to converge"]
            .assert_eq(&error.message);
    }

    #[test]
    fn a_too_old_terraform_stops_before_anything_else() {
        let (dir, repo) = repo();
        let runner = Scripted::new(vec![("version", ran(0, "Terraform v0.12.31\n"))]);
        let terraform = Terraform::new(runner.clone(), repo, UnknownInputs::Reject);
        let error = terraform.apply(&locks(dir.path()), &NO_ANSWER, ROOT, &options("acme")).unwrap_err();
        assert!(error.message.starts_with("terraform 0.12.31 at "), "{}", error.message);
        assert_eq!(runner.commands(), "version");
    }

    #[test]
    fn dry_run_records_everything_and_returns_outputs_known_after_apply() {
        let (dir, repo) = repo();
        let runner = Arc::new(RecordingRunner::new());
        let terraform = Terraform::new(runner.clone(), repo, UnknownInputs::Defer);
        let outcome = terraform.apply(&locks(dir.path()), &NO_ANSWER, ROOT, &options("acme")).unwrap();
        assert_eq!(outcome.outputs.to_string(), r#"{"greeting":"(known after apply: test/acme/app.greeting)"}"#);
        assert!(!outcome.changed);
        let plan = terraform.plan(&locks(dir.path()), ROOT, &PlanOptions::default()).unwrap();
        assert_eq!(plan, PlanResult::Recorded { root: "test/acme/app".into() });
        let recorded: Vec<String> = runner
            .recorded()
            .iter()
            .map(|e| {
                format!(
                    "{:?} {}",
                    e.effect,
                    e.command.replace(&dir.path().canonicalize().unwrap().display().to_string(), "[REPO]")
                )
            })
            .collect();
        let recorded: Vec<String> = recorded
            .iter()
            .map(|l| regex::Regex::new(r"/[^ ]*auto-tfplan-[^/]+").unwrap().replace(l, "[PLANDIR]").into_owned())
            .collect();
        expect_test::expect![[r#"
            [
                "Read TF_IN_AUTOMATION=1 terraform version -json",
                "Read cd [REPO] && TF_IN_AUTOMATION=1 TF_PLUGIN_CACHE_DIR=[REPO]/.auto/terraform-plugin-cache terraform '-chdir=environments/test/acme/app' init '-input=false' -no-color",
                "Read cd [REPO] && TF_IN_AUTOMATION=1 terraform '-chdir=environments/test/acme/app' plan '-input=false' -no-color -json '-lock-timeout=0s' -detailed-exitcode '-out=[PLANDIR]/plan.tfplan' '-var-file=@auto.tfvars.json'",
                "Write cd [REPO] && TF_IN_AUTOMATION=1 terraform '-chdir=environments/test/acme/app' apply '-input=false' -no-color -json '-lock-timeout=0s' [PLANDIR]/plan.tfplan",
                "Read cd [REPO] && TF_IN_AUTOMATION=1 terraform '-chdir=environments/test/acme/app' plan '-input=false' -no-color -json '-lock-timeout=0s' -detailed-exitcode '-out=[PLANDIR]/plan.tfplan'",
            ]
        "#]]
        .assert_debug_eq(&recorded);
        assert_eq!(
            runner.recorded()[2].files,
            vec![("auto.tfvars.json".to_string(), "{\n  \"name\": \"acme\"\n}".to_string())]
        );
    }

    #[test]
    fn unknown_variables_defer_the_plan_and_are_an_error_in_a_real_run() {
        let (dir, repo) = repo();
        let mut options = options("acme");
        options.vars.insert("name".into(), Data::Unknown("test/acme/infra.name".into()));
        let runner = Arc::new(RecordingRunner::new());
        Terraform::new(runner.clone(), repo.clone(), UnknownInputs::Defer)
            .apply(&locks(dir.path()), &NO_ANSWER, ROOT, &options)
            .unwrap();
        // A plan with a placeholder would be wrong even under --plan: it is a write, recorded.
        assert_eq!(runner.recorded()[2].effect, Effect::Write);

        let real = Scripted::new(vec![]);
        let error = Terraform::new(real.clone(), repo, UnknownInputs::Reject)
            .apply(&locks(dir.path()), &NO_ANSWER, ROOT, &options)
            .unwrap_err();
        expect_test::expect!["`environments/test/acme/app`: variable `name`: value `test/acme/infra.name` is not known: it came from a root that was not applied; apply that root before this one"]
            .assert_eq(&error.message);
        assert_eq!(real.commands(), "");
    }

    #[test]
    fn apply_takes_the_customer_lock() {
        let (dir, repo) = repo();
        let other = Locks::new(dir.path().join(".auto/locks"), "other-run".into(), true);
        other.acquire("test/acme", &crate::report::Context::silent()).unwrap();
        let error = Terraform::new(Scripted::new(vec![]), repo, UnknownInputs::Reject)
            .apply(&locks(dir.path()), &NO_ANSWER, ROOT, &options("acme"))
            .unwrap_err();
        assert_eq!(error.kind, crate::error::FailureKind::LockHeld);
        assert!(error.message.starts_with("`test/acme` is locked by run other-run"), "{}", error.message);
    }

    #[test]
    fn output_values_never_reach_the_reporter() {
        let (_dir, repo) = repo();
        // A sensitive value terraform generated: nothing registered it as a secret before.
        let outputs = r#"{"token":{"sensitive":true,"type":"string","value":"generated-token-8812"},"plain":{"sensitive":false,"type":"string","value":"visible-value-1"}}"#;
        let runner =
            Scripted::new(vec![("version", ran(0, VERSION)), ("init", ran(0, "")), ("output", ran(0, outputs))]);
        let terraform = Terraform::new(runner.clone(), repo, UnknownInputs::Reject);
        let (values, events) = collecting(&runner, || terraform.output(ROOT, &OutputOptions::default()).unwrap());
        assert_eq!(values.to_string(), r#"{"plain":"visible-value-1","token":"***"}"#);
        let all = events.join("\n");
        assert!(!all.contains("generated-token-8812") && !all.contains("visible-value-1"), "{all}");
    }
}
