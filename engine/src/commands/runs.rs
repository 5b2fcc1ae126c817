//! `auto runs` and `auto runs show <id>`: what the journals say, once verified.

use std::sync::Arc;

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

pub fn list(repo: &Repo) -> Result<(), Error> {
    let runs = journal::list_runs(&repo.root().join(".auto"));
    if runs.is_empty() {
        crate::outln!("no runs recorded under .auto/runs (plans and dry-runs keep no journal)")?;
        return Ok(());
    }
    let mut rows =
        vec![["RUN", "SCRIPT", "MODE", "RESULT", "STEPS", "DURATION", "PARAMETERS"].map(String::from).to_vec()];
    for (id, records) in runs {
        let records = match records {
            Ok(records) => records,
            Err(error) => {
                // Listed all the same: a run one cannot resume must not look like no run.
                rows.push(vec![id, "?".into(), "?".into(), unreadable(&error), "?".into(), "?".into(), String::new()]);
                continue;
            }
        };
        let (script, mode, params, started) = match records.first() {
            Some(Record::RunStarted { script, mode, params, ts, .. }) => {
                (script.clone(), mode.clone(), crate::secret::redact(&params.to_string()), Some(ts.clone()))
            }
            _ => ("?".into(), "?".into(), String::new(), None),
        };
        let finished = records.iter().rev().find_map(|r| match r {
            Record::RunFinished { status, interrupted, exit_code, ts, .. } => {
                Some((*status, *interrupted, *exit_code, ts.clone()))
            }
            _ => None,
        });
        let status = match &finished {
            Some((_, true, _, _)) => "interrupted".to_string(),
            Some((status, false, code, _)) => format!("{status:?} (exit {code})").to_lowercase(),
            None => "unfinished (resumable)".to_string(),
        };
        let duration = match (started, finished.map(|f| f.3)) {
            (Some(from), Some(to)) => elapsed(&from, &to).unwrap_or_else(|| "?".into()),
            _ => "-".into(),
        };
        let steps = records.iter().filter(|r| matches!(r, Record::StepFinished { .. })).count();
        rows.push(vec![id, script, mode, status, steps.to_string(), duration, params]);
    }
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

/// `2m 3s` between two RFC 3339 times of one journal.
fn elapsed(from: &str, to: &str) -> Option<String> {
    let parse = |t: &str| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok();
    let seconds = (parse(to)? - parse(from)?).whole_seconds().max(0) as u64;
    Some(humantime::format_duration(std::time::Duration::from_secs(seconds)).to_string())
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

pub fn show(repo: &Repo, run_id: &str) -> Result<(), Error> {
    let run_id = &resolve_id(repo, run_id)?;
    let (records, _) = open_run(repo, run_id)?;
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
