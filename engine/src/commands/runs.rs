//! `auto runs` and `auto runs show <id>`: what the journals say, once verified.

use std::sync::Arc;

use crate::cli::OutputFormat;
use crate::error::Error;
use crate::repo::Repo;
use crate::runtime::journal::{self, JournalKey, ReadError, Record};

/// The verified journal of run `run_id` and the key that verified it: for `runs show` and
/// `run --resume`, which act on nothing a journal says unless it verifies.
pub fn open_run(repo: &Repo, run_id: &str) -> Result<(Vec<Record>, Arc<JournalKey>), Error> {
    journal::open_run(&repo.root().join(".auto"), run_id).map_err(|e| match e {
        ReadError::NotFound(_) => Error::UnknownRun { id: run_id.to_string() },
        ReadError::Io { path, message } => Error::Io { path, message },
        ReadError::Key(key) => Error::Journal(journal::JournalError::Key(key)),
        ReadError::Refused(refused) => Error::JournalRefused(refused),
    })
}

/// `auto runs --output json`: every recorded run, newest first.
pub const RUNS_SCHEMA: &str = "auto.runs/v1";
/// `auto runs show <id> --output json`: one run's verified journal records.
pub const RUN_SHOW_SCHEMA: &str = "auto.run-show/v1";

/// What `auto runs` says of one run (a row of its table, an object of its JSON).
struct RunSummary {
    id: String,
    script: Option<String>,
    mode: Option<String>,
    /// `ok`, `failed`, … ; `interrupted`; `unfinished` (resumable); or why the journal
    /// cannot be used.
    result: String,
    exit_code: Option<u8>,
    steps: Option<usize>,
    started: Option<String>,
    finished: Option<String>,
    params: Option<serde_json::Value>,
    /// Set when the journal does not verify: the run is listed all the same, since a run
    /// one cannot resume must not look like no run.
    unreadable: Option<String>,
}

impl RunSummary {
    fn of(id: String, records: Result<Vec<Record>, ReadError>) -> RunSummary {
        let records = match records {
            Ok(records) => records,
            Err(error) => {
                return RunSummary {
                    id,
                    script: None,
                    mode: None,
                    result: "unreadable".into(),
                    exit_code: None,
                    steps: None,
                    started: None,
                    finished: None,
                    params: None,
                    unreadable: Some(unreadable(&error)),
                }
            }
        };
        let (script, mode, params, started) = match records.first() {
            Some(Record::RunStarted { script, mode, params, ts, .. }) => {
                (Some(script.clone()), Some(mode.clone()), Some(crate::secret::redact_json(params)), Some(ts.clone()))
            }
            _ => (None, None, None, None),
        };
        let finish = records.iter().rev().find_map(|r| match r {
            Record::RunFinished { status, interrupted, exit_code, ts, .. } => {
                Some((*status, *interrupted, *exit_code, ts.clone()))
            }
            _ => None,
        });
        let (result, exit_code, finished) = match finish {
            Some((_, true, code, ts)) => ("interrupted".to_string(), Some(code), Some(ts)),
            Some((status, false, code, ts)) => (format!("{status:?}").to_lowercase(), Some(code), Some(ts)),
            None => ("unfinished".to_string(), None, None),
        };
        let steps = records.iter().filter(|r| matches!(r, Record::StepFinished { .. })).count();
        RunSummary {
            id,
            script,
            mode,
            result,
            exit_code,
            steps: Some(steps),
            started,
            finished,
            params,
            unreadable: None,
        }
    }

    fn duration_seconds(&self) -> Option<u64> {
        seconds_between(self.started.as_deref()?, self.finished.as_deref()?)
    }

    fn row(&self) -> Vec<String> {
        let unknown = || "?".to_string();
        let result = match (&self.unreadable, self.exit_code) {
            (Some(why), _) => why.clone(),
            (None, Some(code)) if self.result != "interrupted" => format!("{} (exit {code})", self.result),
            (None, Some(_)) => self.result.clone(),
            (None, None) => "unfinished (resumable)".to_string(),
        };
        let duration = match self.duration_seconds() {
            Some(seconds) => humantime::format_duration(std::time::Duration::from_secs(seconds)).to_string(),
            None if self.unreadable.is_some() => unknown(),
            None => "-".into(),
        };
        vec![
            self.id.clone(),
            self.script.clone().unwrap_or_else(unknown),
            self.mode.clone().unwrap_or_else(unknown),
            result,
            self.steps.map(|n| n.to_string()).unwrap_or_else(unknown),
            duration,
            self.params.as_ref().map(|p| p.to_string()).unwrap_or_default(),
        ]
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "script": self.script,
            "mode": self.mode,
            "result": self.result,
            "exit_code": self.exit_code,
            "steps": self.steps,
            "started": self.started,
            "finished": self.finished,
            "duration_seconds": self.duration_seconds(),
            "params": self.params,
            "unreadable": self.unreadable,
        })
    }
}

pub fn list(repo: &Repo, output: OutputFormat) -> Result<(), Error> {
    let runs: Vec<RunSummary> = journal::list_runs(&repo.root().join(".auto"))
        .into_iter()
        .map(|(id, records)| RunSummary::of(id, records))
        .collect();
    if output == OutputFormat::Json {
        let listed: Vec<serde_json::Value> = runs.iter().map(RunSummary::to_json).collect();
        return Ok(crate::output::json_document(&serde_json::json!({ "schema": RUNS_SCHEMA, "runs": listed }))?);
    }
    if runs.is_empty() {
        crate::outln!("no runs recorded under .auto/runs (plans and dry-runs keep no journal)")?;
        return Ok(());
    }
    let mut rows =
        vec![["RUN", "SCRIPT", "MODE", "RESULT", "STEPS", "DURATION", "PARAMETERS"].map(String::from).to_vec()];
    rows.extend(runs.iter().map(RunSummary::row));
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| if c + 1 == row.len() { cell.clone() } else { format!("{cell:<w$}", w = widths[c]) })
            .collect();
        crate::outln!("{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}

/// Whole seconds between two RFC 3339 times of one journal.
fn seconds_between(from: &str, to: &str) -> Option<u64> {
    let parse = crate::clock::parse_rfc3339;
    Some((parse(to)? - parse(from)?).whole_seconds().max(0) as u64)
}

/// `latest` is the newest run's id (ids sort by their start time).
pub fn resolve_id(repo: &Repo, run_id: &str) -> Result<String, Error> {
    if run_id != "latest" {
        return Ok(run_id.to_string());
    }
    journal::run_ids(&repo.root().join(".auto"))
        .into_iter()
        .next()
        .ok_or_else(|| Error::UnknownRun { id: "latest (no run is recorded under .auto/runs)".into() })
}

/// The status column of a run whose journal cannot be used: short, naming the line.
fn unreadable(error: &ReadError) -> String {
    match error {
        ReadError::Refused(refused) => match &refused.problem {
            journal::Problem::NoKey(_) => "unverifiable (no .auto/journal.key)".to_string(),
            _ => format!("damaged at line {} (`auto runs show` says why)", refused.line),
        },
        ReadError::Key(_) => "unverifiable (the journal key is refused: `auto runs show` says why)".to_string(),
        ReadError::NotFound(_) | ReadError::Io { .. } => "unreadable".to_string(),
    }
}

/// `auto runs show <id> --html FILE`: the run's timeline page (runtime/timeline.rs).
pub fn write_timeline(repo: &Repo, run_id: &str, file: &std::path::Path) -> Result<(), Error> {
    let run_id = &resolve_id(repo, run_id)?;
    let (records, _) = open_run(repo, run_id)?;
    let timeline = crate::runtime::timeline::Timeline::of(run_id, &records);
    std::fs::write(file, crate::runtime::timeline::html(&timeline))
        .map_err(|e| Error::Failed(format!("cannot write the timeline page `{}`: {e}", file.display())))?;
    crate::outln!(
        "wrote {} (run {run_id}: {} step(s) in {} lane(s), {})",
        file.display(),
        timeline.steps.len(),
        timeline.lanes.len(),
        timeline.result
    )?;
    Ok(())
}

pub fn show(repo: &Repo, run_id: &str, output: OutputFormat) -> Result<(), Error> {
    let run_id = &resolve_id(repo, run_id)?;
    let (records, _) = open_run(repo, run_id)?;
    if output == OutputFormat::Json {
        let records = serde_json::to_value(&records).map_err(|e| Error::Failed(e.to_string()))?;
        return Ok(crate::output::json_document(&serde_json::json!({
            "schema": RUN_SHOW_SCHEMA,
            "run_id": run_id,
            "records": records,
        }))?);
    }
    for record in records {
        match record {
            Record::RunStarted { ts, script, params, mode, git_commit, resumed_from, applies_bundle, .. } => {
                crate::outln!("{ts}  run {run_id}: {script} ({mode}) params {params}")?;
                if let Some(commit) = git_commit {
                    crate::outln!("    at commit {commit}")?;
                }
                if let Some(from) = resumed_from {
                    crate::outln!("    resuming {from}")?;
                }
                if let Some(bundle) = applies_bundle {
                    crate::outln!("    applying the plan bundle of run {bundle}")?;
                }
            }
            Record::EffectDone { ts, target } => crate::outln!("{ts}    reviewed effect done: {target}")?,
            Record::Attempts { ts, scope, attempts, error } => match error {
                Some(error) => crate::outln!("{ts}    {scope}: retry gave up after {attempts} attempt(s): {error}")?,
                None => crate::outln!("{ts}    {scope}: retry succeeded at attempt {attempts}")?,
            },
            Record::StepStarted { ts, key, .. } => crate::outln!("{ts}  ▶ {key}")?,
            Record::ToolRan { ts, scope, command, exit_code, elapsed_ms } => {
                let how = exit_code.map(|c| format!("exit {c}")).unwrap_or_else(|| "stopped".into());
                let within = scope.map(|s| format!("{s}: ")).unwrap_or_default();
                crate::outln!("{ts}    {within}$ {command} ({how}, {elapsed_ms}ms)")?
            }
            Record::Waited { ts, scope, reason, elapsed_ms } => {
                let within = scope.map(|s| format!("{s}: ")).unwrap_or_default();
                crate::outln!("{ts}    {within}waited {elapsed_ms}ms for {reason}")?
            }
            Record::StepFinished { ts, key, status, elapsed_ms, error, .. } => {
                let error = error.map(|e| format!(": {}", e.lines().next().unwrap_or_default())).unwrap_or_default();
                crate::outln!("{ts}  {} {key} ({elapsed_ms}ms){error}", format!("{status:?}").to_lowercase())?;
            }
            Record::RunFinished { ts, status, exit_code, interrupted, error } => {
                let what = if interrupted { "interrupted".to_string() } else { format!("{status:?}").to_lowercase() };
                crate::outln!("{ts}  finished: {what}, exit {exit_code}")?;
                if let Some(error) = error {
                    crate::outln!("{error}")?;
                }
            }
        }
    }
    Ok(())
}
