//! `auto runs` and `auto runs show <id>`: what the journals say.

use crate::error::Error;
use crate::repo::Repo;
use crate::runtime::journal::{self, Record};

pub fn list(repo: &Repo) -> Result<(), Error> {
    let runs = journal::list_runs(&repo.root().join(".auto/runs"));
    if runs.is_empty() {
        crate::outln!("no runs recorded under .auto/runs")?;
    }
    for (id, records) in runs {
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

pub fn show(repo: &Repo, run_id: &str) -> Result<(), Error> {
    let path = repo.root().join(".auto/runs").join(run_id).join("journal.jsonl");
    let records = journal::read(&path).map_err(|_| Error::UnknownRun { id: run_id.to_string() })?;
    for record in records {
        match record {
            Record::RunStarted { ts, script, params, mode, git_commit, resumed_from, .. } => {
                crate::outln!("{ts}  run {run_id}: {script} ({mode}) params {params}")?;
                if let Some(commit) = git_commit {
                    crate::outln!("    at commit {commit}")?;
                }
                if let Some(from) = resumed_from {
                    crate::outln!("    resuming {from}")?;
                }
            }
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
