//! `auto run`: the composition root of a run. It picks the runner (the mode), the
//! reporter and the journal, then compiles, binds parameters and executes the script.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::bundle::{self, Manifest};
use crate::cli::{ApplyArgs, OutputFormat, RunArgs};
use crate::clock::{compact_now, now_rfc3339};
use crate::error::Error;
use crate::process::{Effect, Mode};
use crate::repo::Repo;
use crate::report::human::Verbosity;
use crate::report::{self, Event, Reporter, StepStatus};
use crate::run::Run;
use crate::runtime::consent::Answers;
use crate::runtime::data::Data;
use crate::runtime::hex::hex;
use crate::runtime::journal::{self, Record};
use crate::runtime::review::{Checking, Keeping, Review, Unreviewed};
use crate::runtime::steps::ResumeIndex;
use crate::script::bindings::Bound;
use crate::script::params::{bind, Given};
use crate::script::{self, limits::Limits, ScriptFile};

pub fn mode_of(args: &RunArgs) -> Mode {
    if args.dry_run {
        Mode::DryRun
    } else if args.plan {
        Mode::Plan
    } else {
        Mode::Run
    }
}

/// How the run is shown, from the command line.
#[derive(Debug, Clone, Copy)]
pub struct View {
    pub output: OutputFormat,
    pub verbose: u8,
    pub quiet: bool,
}

/// Files the command line names, resolved before the run moves to the repository root.
pub struct OutputFiles {
    pub plan_md: Option<PathBuf>,
    pub events: Option<PathBuf>,
}

fn absolute(path: &PathBuf) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.clone())
}

impl OutputFiles {
    fn of(args: &RunArgs) -> OutputFiles {
        OutputFiles { plan_md: args.plan_md.as_ref().map(absolute), events: args.events.as_ref().map(absolute) }
    }
}

/// The reporters the command line asks for: the human view or JSON lines; under GitHub
/// Actions also the workflow commands and step summary; with `--plan-md` the Markdown
/// plan; with `--events` JSON lines to a file.
pub fn reporter_for(view: View, files: OutputFiles) -> Result<Arc<dyn Reporter>, Error> {
    let verbosity = if view.quiet {
        Verbosity::Quiet
    } else if view.verbose > 0 {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let primary: Arc<dyn Reporter> = match view.output {
        OutputFormat::Human => Arc::new(report::HumanReporter::stderr(verbosity)),
        OutputFormat::Json => Arc::new(report::JsonReporter::stdout()),
    };
    let mut reporters = vec![primary];
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        reporters.push(Arc::new(report::GithubReporter::from_env(view.output == OutputFormat::Json)));
    }
    match report::OtelReporter::from_env() {
        Some(Ok(otel)) => reporters.push(Arc::new(otel)),
        Some(Err(why)) => crate::errln!("warning: {why}"),
        None => {}
    }
    if let Some(path) = files.plan_md {
        reporters.push(Arc::new(report::markdown::MarkdownFile::new(path)));
    }
    if let Some(path) = files.events {
        let file =
            std::fs::File::create(&path).map_err(|e| Error::Io { path: path.clone(), message: e.to_string() })?;
        reporters.push(Arc::new(report::JsonReporter::to_writer(Box::new(file))));
    }
    Ok(match reporters.len() {
        1 => reporters.remove(0),
        _ => Arc::new(report::Fanout(reporters)),
    })
}

pub fn new_run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{}-{:04x}", compact_now(), (nanos ^ std::process::id()) & 0xffff)
}

/// The parameters given on the command line, in order.
fn given_params(args: &RunArgs) -> Result<Vec<(String, Given)>, Error> {
    let mut given: Vec<(String, Given)> = Vec::new();
    if let Some(json) = &args.params_json {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| Error::Usage(format!("--params-json is not valid JSON: {e}")))?;
        let serde_json::Value::Object(map) = value else {
            return Err(Error::Usage("--params-json must be a JSON object, e.g. '{\"env\":\"dev\"}'".into()));
        };
        for (key, value) in map {
            given.push((key, Given::Json(Data::from_json(value))));
        }
    }
    for (key, value) in &args.sets {
        given.retain(|(k, _)| k != key);
        given.push((key.clone(), Given::Text(value.clone())));
    }
    Ok(given)
}

/// What resuming a run needs: its script, its parameters, its completed steps, and for
/// an `auto apply` the bundle and the effects of it that were done.
struct Resumed {
    script: PathBuf,
    given: Vec<(String, Given)>,
    index: ResumeIndex,
    bundle: Option<ResumedBundle>,
}

struct ResumedBundle {
    id: String,
    file: Option<String>,
    done: Vec<String>,
}

/// The script, parameters and completed steps of run `run_id`, from its verified journal.
fn resumed(repo: &Repo, run_id: &str) -> Result<Resumed, Error> {
    let (records, key) = super::runs::open_run(repo, run_id)?;
    // `parse` guarantees the first record starts the run.
    let Some(Record::RunStarted { script, params, applies_bundle, bundle_file, .. }) = records.first() else {
        return Err(Error::UnknownRun { id: run_id.to_string() });
    };
    let bundle = applies_bundle.as_ref().map(|id| ResumedBundle {
        id: id.clone(),
        file: bundle_file.clone(),
        done: records
            .iter()
            .filter_map(|r| match r {
                Record::EffectDone { target, .. } => Some(target.clone()),
                _ => None,
            })
            .collect(),
    });
    let path = repository_script(repo, script).map_err(|problem| {
        let path = repo.root().join(".auto/runs").join(run_id).join("journal.jsonl");
        Error::JournalRefused(Box::new(journal::Refused { path, line: 1, problem }))
    })?;
    if !path.is_file() {
        return Err(Error::ScriptNotFound {
            script: script.clone(),
            path,
            available: script::list_scripts(repo).into_iter().map(|s| s.name).collect(),
        });
    }
    let given = match params {
        serde_json::Value::Object(map) => {
            map.iter().map(|(k, v)| (k.clone(), Given::Json(Data::from_json(v.clone())))).collect()
        }
        _ => Vec::new(),
    };
    Ok(Resumed { script: path, given, index: ResumeIndex::from_records(run_id, key, &records), bundle })
}

/// The repository's script that a journal names: a relative `scripts/….rhai` path with no
/// `.` or `..`, that is under `scripts/` also once symlinks are followed. Never an absolute
/// path or one elsewhere: the journal says which script to run, and `--resume` must not
/// become a way to run any file.
fn repository_script(repo: &Repo, script: &str) -> Result<PathBuf, journal::Problem> {
    use std::path::Component;
    let outside = || journal::Problem::ScriptOutsideScripts { script: script.to_string() };
    let relative = Path::new(script);
    let mut components = relative.components();
    let lexically_inside = components.next() == Some(Component::Normal("scripts".as_ref()))
        && components.all(|c| matches!(c, Component::Normal(_)))
        && relative.extension().is_some_and(|e| e == "rhai");
    if !lexically_inside {
        return Err(outside());
    }
    let path = repo.root().join(relative);
    match (path.canonicalize(), repo.scripts_dir().canonicalize()) {
        (Ok(real), Ok(scripts)) if !real.starts_with(&scripts) => Err(outside()),
        _ => Ok(path),
    }
}

/// The script to run: as given on the command line (a name or a path), or the repository
/// script a resumed run's journal names, already checked to be one.
enum ScriptArg {
    Given(String),
    Journaled(PathBuf),
}

pub fn run(repo: Repo, args: RunArgs, output: OutputFormat) -> Result<(), Error> {
    let mode = mode_of(&args);
    let (script_arg, given, resume) = match &args.resume {
        Some(run_id) => {
            let resumed = resumed(&repo, run_id)?;
            if let Some(bundle) = resumed.bundle {
                if args.plan || args.dry_run {
                    return Err(Error::Usage(format!(
                        "run {run_id} applied a plan bundle: its resume is an apply too (leave out --plan and --dry-run)"
                    )));
                }
                return resume_apply(repo, &args, output, resumed.index, bundle);
            }
            (ScriptArg::Journaled(resumed.script), resumed.given, Some(resumed.index))
        }
        None => (ScriptArg::Given(args.script.clone().unwrap_or_default()), given_params(&args)?, None),
    };
    let file = match script_arg {
        ScriptArg::Journaled(path) => ScriptFile::load(&repo, &path)?,
        ScriptArg::Given(arg) => ScriptFile::locate(&repo, &arg)?,
    };
    let files = OutputFiles::of(&args);
    let bundle_out = args.out.as_ref().map(|path| (absolute(path), Arc::new(Keeping::default())));
    // Relative paths in a script (exec::run arguments, tool output paths) mean the
    // repository, wherever `auto` was started from.
    std::env::set_current_dir(repo.root())
        .map_err(|e| Error::Io { path: repo.root().to_path_buf(), message: e.to_string() })?;
    let mut limits = Limits::default();
    if let Some(max) = args.max_operations {
        limits.max_operations = max;
    }
    let answers = Answers { yes: args.yes, allow_destroy: args.allow_destroy };
    let view = View { output, verbose: args.verbose, quiet: args.quiet };
    let review: Arc<dyn Review> = match &bundle_out {
        Some((_, keeping)) => keeping.clone(),
        None => Arc::new(Unreviewed),
    };
    let reporter = reporter_for(view, files)?;
    let request =
        RunRequest { file, given, resume, mode, limits, answers, reporter, review, bundle_out, applies_bundle: None };
    execute(repo, request)
}

/// `auto apply FILE`: the bundle's script with its parameters, as a real run whose every
/// effect must be a reviewed one. Refused before anything runs when the bundle cannot be
/// opened, was applied already, or was planned on another commit, script or auto.
pub fn apply(repo: Repo, args: ApplyArgs, output: OutputFormat) -> Result<(), Error> {
    let path = absolute(&args.bundle);
    let (manifest, file) = open_bundle(&repo, &path)?;
    states_are_the_reviewed_ones(&repo, &manifest).map_err(Error::NotReviewed)?;
    let checking = Arc::new(Checking::new(manifest.effects.clone()));
    let view = View { output, verbose: args.verbose, quiet: args.quiet };
    let answers = Answers { yes: args.yes, allow_destroy: args.allow_destroy };
    let files = OutputFiles { plan_md: None, events: args.events.as_ref().map(absolute) };
    apply_bundle(repo, BundleRun { path, manifest, file, checking, resume: None, answers, view, files })
}

/// `auto run --resume RUN` of a failed `auto apply`: the same bundle, going on with the
/// effects the failed attempt did not do (the steps it finished are skipped; one it did
/// not finish runs again, and may repeat an effect it had done). The bundle's checks are
/// made again; the states are not compared up front, since the failed attempt changed
/// some (each root's apply still checks its own).
fn resume_apply(
    repo: Repo,
    args: &RunArgs,
    output: OutputFormat,
    index: ResumeIndex,
    bundle: ResumedBundle,
) -> Result<(), Error> {
    let Some(file) = bundle.file else {
        return Err(Error::NotReviewed(format!(
            "run {} applied the plan bundle of run {}, and its journal does not say where the bundle is",
            index.run_id, bundle.id
        )));
    };
    let path = PathBuf::from(file);
    let (manifest, script) = open_bundle(&repo, &path)?;
    if manifest.id != bundle.id {
        return Err(Error::NotReviewed(format!(
            "`{}` is now the plan bundle of run {}, not the one run {} applied ({})",
            path.display(),
            manifest.id,
            index.run_id,
            bundle.id
        )));
    }
    let checking = Arc::new(Checking::resuming(manifest.effects.clone(), &bundle.done));
    let view = View { output, verbose: args.verbose, quiet: args.quiet };
    let answers = Answers { yes: args.yes, allow_destroy: args.allow_destroy };
    let files = OutputFiles::of(args);
    apply_bundle(repo, BundleRun { path, manifest, file: script, checking, resume: Some(index), answers, view, files })
}

/// `auto show FILE`: the bundle's Markdown or JSON (`bundle/show.rs`).
pub fn show(args: &crate::cli::ShowArgs, output: OutputFormat) -> Result<(), Error> {
    let path = absolute(&args.bundle);
    let manifest = Manifest::read(&path, bundle::key_from_env().as_deref())
        .map_err(|e| Error::NotReviewed(format!("cannot show the plan bundle: {e}")))?;
    match output {
        OutputFormat::Json => crate::outln!("{}", bundle::show::json(&manifest))?,
        OutputFormat::Human => crate::output::stdout(format_args!(
            "{}",
            bundle::show::markdown(&manifest, crate::report::markdown::GITHUB_LIMIT)
        ))?,
    }
    Ok(())
}

/// One apply of a bundle, first or resumed.
struct BundleRun {
    path: PathBuf,
    manifest: Manifest,
    file: ScriptFile,
    checking: Arc<Checking>,
    resume: Option<ResumeIndex>,
    answers: Answers,
    view: View,
    files: OutputFiles,
}

fn apply_bundle(repo: Repo, bundle: BundleRun) -> Result<(), Error> {
    let BundleRun { path, manifest, file, checking, resume, answers, view, files } = bundle;
    let given = match &manifest.params {
        serde_json::Value::Object(map) => {
            map.iter().map(|(k, v)| (k.clone(), Given::Json(Data::from_json(v.clone())))).collect()
        }
        _ => Vec::new(),
    };
    std::env::set_current_dir(repo.root())
        .map_err(|e| Error::Io { path: repo.root().to_path_buf(), message: e.to_string() })?;
    let request = RunRequest {
        file,
        given,
        resume,
        mode: Mode::Run,
        limits: Limits::default(),
        answers,
        reporter: reporter_for(view, files)?,
        review: checking.clone(),
        bundle_out: None,
        applies_bundle: Some(AppliedBundle { id: manifest.id.clone(), file: path }),
    };
    execute(repo.clone(), request)?;
    checking.finish().map_err(|difference| Error::NotReviewed(difference.to_string()))?;
    // Once: a second apply of the same bundle is refused (`open_bundle`).
    let record = bundle::consumed_record(repo.root(), &manifest.id);
    std::fs::create_dir_all(record.parent().unwrap_or(repo.root()))
        .and_then(|_| std::fs::write(&record, format!("at {}", now_rfc3339())))
        .map_err(|e| Error::Io { path: record.clone(), message: e.to_string() })
}

/// Opens the bundle at `path` for an apply, refused when it cannot be opened (key, a
/// changed byte), was applied already, or was planned on another commit, by another auto
/// or with another script; with the script it runs.
fn open_bundle(repo: &Repo, path: &Path) -> Result<(Manifest, ScriptFile), Error> {
    let manifest = Manifest::read(path, bundle::key_from_env().as_deref())
        .map_err(|e| Error::NotReviewed(format!("cannot apply the plan bundle: {e}")))?;
    let refuse = |why: String| Err(Error::NotReviewed(format!("`{}` cannot be applied: {why}", path.display())));
    let record = bundle::consumed_record(repo.root(), &manifest.id);
    if let Ok(applied) = std::fs::read_to_string(&record) {
        return refuse(format!("it was applied already ({}); plan and review again", applied.trim()));
    }
    let commit = git_commit(repo.root());
    if commit != manifest.commit {
        return refuse(format!(
            "it was planned on commit {}, this is {}",
            manifest.commit.as_deref().unwrap_or("(none)"),
            commit.as_deref().unwrap_or("(none)")
        ));
    }
    if manifest.auto_version != env!("CARGO_PKG_VERSION") {
        return refuse(format!(
            "it was planned by auto {}, this is {}",
            manifest.auto_version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    let file = ScriptFile::load(
        repo,
        &repository_script(repo, &manifest.script).map_err(|_| {
            Error::NotReviewed(format!(
                "the bundle names `{}`, which is not a script of this repository",
                manifest.script
            ))
        })?,
    )?;
    if script_hash(&file) != manifest.script_hash {
        return refuse(format!("`{}` changed since it was planned", manifest.script));
    }
    Ok((manifest, file))
}

/// One run, as the command line asked for it.
pub struct RunRequest {
    pub file: ScriptFile,
    pub given: Vec<(String, Given)>,
    pub resume: Option<ResumeIndex>,
    pub mode: Mode,
    pub limits: Limits,
    /// What the command line answered in advance (`--yes`, `--allow-destroy`).
    pub answers: Answers,
    pub reporter: Arc<dyn Reporter>,
    /// Keeping effects for a bundle, checking them against one, or neither.
    pub review: Arc<dyn Review>,
    /// `--plan --out FILE`: where the bundle goes, and what keeps its effects.
    pub bundle_out: Option<(PathBuf, Arc<Keeping>)>,
    /// `auto apply`: the bundle applied (for the journal).
    pub applies_bundle: Option<AppliedBundle>,
}

/// The plan bundle a run applies: its id and where it is (a resume reopens it).
pub struct AppliedBundle {
    pub id: String,
    pub file: PathBuf,
}

/// Runs a script: everything a run owns is built here and dropped at the end, so two
/// calls (also at once, on two threads) do not see each other.
pub fn execute(repo: Repo, request: RunRequest) -> Result<(), Error> {
    let RunRequest { file, given, resume, mode, limits, answers, reporter, review, bundle_out, applies_bundle } =
        request;
    let started = Instant::now();
    let run_id = new_run_id();
    let run = Run::new(repo.clone(), mode, run_id.clone(), reporter, answers, review);
    let top = run.root_scope();
    let bound = Bound::new(run.clone(), file.display.clone(), limits.clone());
    let engine = script::engine::build(&bound);
    let compiled = script::compile(&engine, &file, &repo, &limits).map_err(|d| Error::Compile(Box::new(d)))?;
    // What `auto check` finds stops every mode here, before the first effect.
    let vocabulary = script::vocabulary(&engine);
    let specs = script::checked_params(&engine, &compiled, &bound, &repo, &vocabulary).map_err(script::refusal)?;
    let values = bind(&specs, &given).map_err(|problems| Error::Params {
        script: file.name.clone(),
        problems,
        usage: specs.iter().map(|s| s.summary()).collect(),
    })?;
    run.bind_params(values.clone());
    // Only once its parameters are valid.
    run.start_journal()?;
    if let Some(journal) = run.steps.journal() {
        run.review.journal_into(journal.clone());
    }
    if let Some(index) = resume.clone() {
        run.steps.set_resume(index);
    }

    top.emit(Event::RunStarted {
        run_id: run_id.clone(),
        script: file.display.clone(),
        mode,
        params: run.params_json(),
        journaled: run.policy.keeps_journal,
    });
    run.steps
        .record(&Record::RunStarted {
            ts: now_rfc3339(),
            run_id: run_id.clone(),
            script: file.display.clone(),
            params: Data::Map(values.clone()).to_json_exposed(),
            mode: mode.to_string(),
            git_commit: git_commit(repo.root()),
            script_hash: script_hash(&file),
            pid: std::process::id(),
            host: crate::runtime::locks::hostname(),
            user: crate::runtime::locks::user_name(),
            resumed_from: resume.as_ref().map(|r| r.run_id.clone()),
            applies_bundle: applies_bundle.as_ref().map(|b| b.id.clone()),
            bundle_file: applies_bundle.as_ref().map(|b| b.file.display().to_string()),
        })
        .map_err(Error::Failed)?;

    let params_map: rhai::Map = values.into_iter().map(|(k, v)| (k.into(), script::convert::to_dynamic(v))).collect();
    let mut scope = script::initial_scope(params_map);
    let outcome = engine.run_ast_with_scope(&mut scope, &compiled.ast);
    run.locks.release_all();
    let elapsed_ms = started.elapsed().as_millis() as u64;

    let writes = run.recorded().iter().filter(|e| e.effect == Effect::Write).count() as u64;
    let result = match outcome {
        Ok(_) => match run.steps.journal_error.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            Some(message) => Err(Error::Failed(message)),
            None => Ok(()),
        },
        Err(error) => {
            let diagnostic = compiled.diagnose(&error);
            if diagnostic.kind == crate::error::FailureKind::Interrupted || crate::runtime::interrupt::is_interrupted()
            {
                Err(Error::Interrupted)
            } else {
                Err(Error::Script(Box::new(diagnostic)))
            }
        }
    };
    // The run's numbers decide the exit code, so the two cannot disagree: 3 when a plan or
    // dry-run recorded a write or found a change, or a plan of a real run was not applied.
    // (Whatever a plan or dry-run counts as a change, it recorded a write for, or left
    // pending: a plan or diff.)
    let real = run.policy.recorded_as.is_none();
    let pending = result.is_ok() && (writes > 0 || run.steps.has_pending_changes());
    let summary = run.tally.summary(mode, real, pending, writes);
    let changes_pending = summary.changes_pending;
    // Also after a failure: what was changed before it is what needs looking at.
    top.emit(Event::PlanSummary(summary));
    let result = match result {
        Ok(()) if changes_pending => Err(Error::PlanHasChanges),
        other => other,
    };
    if let (Some((path, keeping)), Ok(()) | Err(Error::PlanHasChanges)) = (&bundle_out, &result) {
        let manifest = Manifest {
            format: bundle::FORMAT.into(),
            // The run that planned it: unique, and what `auto runs` knows it by.
            id: run_id.clone(),
            created: now_rfc3339(),
            commit: git_commit(repo.root()),
            dirty: tree_is_dirty(repo.root()),
            script: repo.relative(&file.path),
            script_hash: script_hash(&file),
            params: run.params_exposed(),
            params_shown: run.params_json(),
            auto_version: env!("CARGO_PKG_VERSION").into(),
            effects: keeping.effects(),
        };
        let key = bundle::key_from_env();
        if key.is_none() {
            top.emit(Event::Log {
                level: report::LogLevel::Warn,
                message: format!(
                    "{} is not set: the plan bundle is written unencrypted (0600), and its saved plans hold every value in clear text",
                    bundle::KEY_VARIABLE
                ),
            });
        }
        if manifest.dirty {
            top.emit(Event::Log {
                level: report::LogLevel::Warn,
                message: "the working tree has uncommitted changes: the bundle was planned on them, and is flagged so"
                    .into(),
            });
        }
        manifest.write(path, key.as_deref()).map_err(|e| Error::Failed(e.to_string()))?;
        top.emit(Event::Log {
            level: report::LogLevel::Info,
            message: format!(
                "plan bundle written to {} ({} reviewed effect(s)): `auto apply` applies exactly this plan",
                path.display(),
                manifest.effects.len()
            ),
        });
    }
    let status = match &result {
        Ok(()) => StepStatus::Ok,
        Err(Error::PlanHasChanges) => StepStatus::Pending,
        Err(_) => StepStatus::Failed,
    };
    let exit_code = result.as_ref().err().map(Error::exit_code).unwrap_or(0);
    let error_text = result.as_ref().err().filter(|e| !e.is_quiet()).map(|e| e.to_string());
    top.emit(Event::RunFinished { status, elapsed_ms, exit_code, error: error_text.clone() });
    let _ = run.steps.record(&Record::RunFinished {
        ts: now_rfc3339(),
        status,
        exit_code,
        error: error_text,
        interrupted: matches!(result, Err(Error::Interrupted)),
    });
    result
}

/// Every root the bundle applies has the state it was planned against, checked before the
/// script runs: a root changed since the review stops the apply before anything is done
/// (each apply checks again, right before it applies).
fn states_are_the_reviewed_ones(repo: &Repo, manifest: &Manifest) -> Result<(), String> {
    use crate::primitives::terraform::{Terraform, UnknownInputs};
    use crate::runtime::review::{Difference, Reviewed};
    let terraform = Terraform::new(Arc::new(crate::process::SystemRunner), repo.clone(), UnknownInputs::Reject);
    for effect in &manifest.effects {
        let Reviewed::TerraformPlan { root, state, .. } = effect else { continue };
        let now = terraform.state_of(&format!("environments/{root}")).map_err(|e| e.message)?;
        if &now != state {
            let difference = Difference::state_changed(format!("terraform apply of {root}"), &now, state);
            return Err(format!("{difference} (nothing was applied)"));
        }
    }
    Ok(())
}

/// The SHA-256 of a script's source: a bundle is applied with the script it was planned with.
fn script_hash(file: &ScriptFile) -> String {
    hex(&<sha2::Sha256 as sha2::Digest>::digest(file.source.as_bytes()))
}

/// Whether tracked files differ from the commit (`git status`; false without git).
fn tree_is_dirty(root: &Path) -> bool {
    use crate::process::{Completion, Invocation, Runner, SystemRunner};
    let status = Invocation::new("git", Effect::Read).cwd(root).args(["status", "--porcelain", "--untracked-files=no"]);
    match SystemRunner.run(&status, &|_: crate::process::Stream, _: &str| {}) {
        Ok(Completion::Ran(output)) if output.success() => !output.stdout_text().trim().is_empty(),
        _ => false,
    }
}

/// The commit checked out, read from `.git` directly (no process: this runs in every mode).
fn git_commit(root: &std::path::Path) -> Option<String> {
    let git = root.join(".git");
    let head = std::fs::read_to_string(git.join("HEAD")).ok()?;
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref: ") else { return Some(head.to_string()) };
    if let Ok(commit) = std::fs::read_to_string(git.join(reference)) {
        return Some(commit.trim().to_string());
    }
    let packed = std::fs::read_to_string(git.join("packed-refs")).ok()?;
    packed.lines().find_map(|line| line.strip_suffix(reference).map(|c| c.trim().to_string()))
}
