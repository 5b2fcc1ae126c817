//! The events of a run. Their JSON form (`--output json`) is a versioned schema:
//! `{"schema": "auto.event/v1", "type": "<snake_case variant>", "scope": ..., ...fields}`.
//! Adding a field is compatible; renaming or removing one bumps the version.

use serde::Serialize;

use super::summary::Summary;
use crate::effect::{Mode, RecordedEffect};

pub const SCHEMA: &str = "auto.event/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
}

/// Ansible's vocabulary, because the people reading the recap already know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Ok,
    Changed,
    /// Nothing changed, but something would (a plan or diff with changes, writes a plan
    /// or dry-run recorded): the step is waiting for an apply.
    Pending,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        run_id: String,
        script: String,
        mode: Mode,
        params: serde_json::Value,
        /// Whether the run keeps a journal (`auto runs` lists it, `--resume` resumes it): a
        /// plan or dry-run does not, and then its id is not shown as one to resume.
        #[serde(default)]
        journaled: bool,
    },
    StepStarted {
        step: String,
    },
    StepFinished {
        step: String,
        status: StepStatus,
        elapsed_ms: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    Log {
        level: LogLevel,
        message: String,
    },
    /// A line a child tool printed, shown with `-v`.
    ToolOutput {
        line: String,
    },
    /// A command is about to run for real.
    CommandStarted {
        command: String,
    },
    /// A command started by [`Event::CommandStarted`] ended: its exit code (none when it
    /// was stopped: a timeout, a signal) and how long it ran. The journal keeps it, for the
    /// run's timeline.
    CommandFinished {
        command: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        elapsed_ms: u64,
    },
    /// The run waited before it could go on here: for a lock another run held, or for a
    /// slot of a `parallel` limit (`reason` says which).
    Waited {
        reason: String,
        elapsed_ms: u64,
    },
    EffectRecorded {
        effect: RecordedEffect,
    },
    /// How many tasks of a `parallel`/`parallel_map` wait for a slot (the `limit`): told
    /// as each task starts, and `0` when all have.
    Queued {
        waiting: usize,
    },
    /// A progress note from a primitive ("plan: null_resource.x: create").
    Progress {
        message: String,
    },
    /// The plan of one terraform root: its counts (as terraform counts them, replacements
    /// once more under `replace`) and, when there are changes, what changes attribute by
    /// attribute (`changes`, rendered and redacted; terraform's `show -json` of the plan).
    ChangeSummary {
        root: String,
        add: u64,
        change: u64,
        destroy: u64,
        replace: u64,
        read: u64,
        #[serde(skip_serializing_if = "String::is_empty")]
        changes: String,
        /// A prediction: the root's inputs are only known after an earlier apply, so its
        /// plan was made on placeholders; an apply of a bundle plans it again.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        provisional: bool,
    },
    /// A question that needs a yes before the run goes on (`confirm`, a destroy): what is
    /// asked and what would change.
    ConfirmAsked {
        message: String,
        details: String,
    },
    /// How it was answered: `yes`, `yes (--yes)`, `no`, `interrupted`, or in a plan or
    /// dry-run `not asked: …`.
    ConfirmAnswered {
        message: String,
        answer: String,
    },
    /// The numbers of the whole run (what changed, or would): the last event before
    /// `run_finished`. Its fields: [`Summary`].
    PlanSummary(Summary),
    Interrupted {
        forwarded_to: usize,
    },
    RunFinished {
        status: StepStatus,
        elapsed_ms: u64,
        exit_code: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}
