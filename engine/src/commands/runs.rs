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
        crate::outln!("no runs recorded under .auto/runs")?;
    }
    for (id, records) in runs {
        let records = match records {
            Ok(records) => records,
            Err(error) => {
                // Listed all the same: a run one cannot resume must not look like no run.
                crate::outln!("{id}  ?  ?  {}", unreadable(&error))?;
                continue;
            }
        };
        let (script, mode) = match records.first() {
            Some(Record::RunStarted { script, mode, .. }) => (script.clone(), mode.clone()),
            _ => ("?".into(), "?".into()),
        };
        let status = match records.iter().rev().find_map(|r| match r {
            Record::RunFinished { status, interrupted, exit_code, .. } => Some((*status, *interrupted, *exit_code)),
            _ => None,
        }) {
            Some((_, true, _)) => "interrupted".to_string(),
            Some((status, false, code)) => format!("{status:?} (exit {code})").to_lowercase(),
            None => "unfinished (resumable)".to_string(),
        };
        let steps = records.iter().filter(|r| matches!(r, Record::StepFinished { .. })).count();
        crate::outln!("{id}  {script}  {mode}  {status}  {steps} step(s)")?;
    }
    Ok(())
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
