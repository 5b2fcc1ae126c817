//! The run journal: `.auto/runs/<run-id>/journal.jsonl`, append-only, one JSON record per
//! line, flushed to disk (fsync) before `auto` moves on, so a run killed with `kill -9`
//! still says which steps completed and can be resumed.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::report::StepStatus;
use crate::runtime::secret::redact;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    RunStarted {
        ts: String,
        run_id: String,
        script: String,
        params: serde_json::Value,
        mode: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        git_commit: Option<String>,
        script_hash: String,
        pid: u32,
        host: String,
        user: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resumed_from: Option<String>,
    },
    StepStarted {
        ts: String,
        key: String,
        input_hash: String,
    },
    StepFinished {
        ts: String,
        key: String,
        input_hash: String,
        status: StepStatus,
        elapsed_ms: u64,
        /// The step's result, secrets redacted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<serde_json::Value>,
        /// False when the output held secrets or unknowns: such a step is re-run on resume.
        replayable: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    RunFinished {
        ts: String,
        status: StepStatus,
        exit_code: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(default)]
        interrupted: bool,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write the run journal `{}`: {message} (is `.auto/` writable and the disk not full?)", .path.display())]
pub struct JournalError {
    pub path: PathBuf,
    pub message: String,
}

pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

impl Journal {
    pub fn create(runs_dir: &Path, run_id: &str) -> Result<Journal, JournalError> {
        let dir = runs_dir.join(run_id);
        let path = dir.join("journal.jsonl");
        let error = |e: std::io::Error| JournalError { path: path.clone(), message: e.to_string() };
        fs::create_dir_all(&dir).map_err(error)?;
        let file = OpenOptions::new().create(true).append(true).open(&path).map_err(error)?;
        Ok(Journal { path, file: Mutex::new(file) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record; step records are synced to disk before this returns. The line
    /// is redacted as a whole.
    pub fn append(&self, record: &Record) -> Result<(), JournalError> {
        let line = redact(&serde_json::to_string(record).unwrap_or_default());
        let error = |e: std::io::Error| JournalError { path: self.path.clone(), message: e.to_string() };
        let file = {
            let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
            // One write call per line: a crash leaves at most one torn last line, which
            // `read` skips.
            file.write_all(format!("{line}\n").as_bytes()).map_err(error)?;
            file.try_clone().map_err(error)?
        };
        // The run's start and end are not synced on their own: the first step's sync
        // flushes the start too, and a lost end only makes a finished run look
        // resumable (resuming it skips every step). Steps are synced outside the lock, so
        // concurrent steps share flushes instead of queueing behind each other.
        match record {
            Record::RunStarted { .. } | Record::RunFinished { .. } => Ok(()),
            _ => file.sync_data().map_err(error),
        }
    }
}

/// Reads a journal, skipping a torn last line (a run killed mid-write).
pub fn read(path: &Path) -> std::io::Result<Vec<Record>> {
    let file = File::open(path)?;
    Ok(BufReader::new(file).lines().map_while(Result::ok).filter_map(|line| serde_json::from_str(&line).ok()).collect())
}

/// Runs under `.auto/runs`, newest first.
pub fn list_runs(runs_dir: &Path) -> Vec<(String, Vec<Record>)> {
    let mut runs: Vec<(String, Vec<Record>)> = fs::read_dir(runs_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let id = entry.file_name().into_string().ok()?;
            let records = read(&entry.path().join("journal.jsonl")).ok()?;
            Some((id, records))
        })
        .collect();
    runs.sort_by(|a, b| b.0.cmp(&a.0));
    runs
}
