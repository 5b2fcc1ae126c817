//! The events of a run. Their JSON form (`--output json`) is a versioned schema:
//! `{"schema": "auto.event/v1", "type": "<snake_case variant>", "scope": ..., ...fields}`.
//! Adding a field is compatible; renaming or removing one bumps the version.

use serde::Serialize;

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
    EffectRecorded {
        effect: RecordedEffect,
    },
    /// A progress note from a primitive ("plan: null_resource.x: create").
    Progress {
        message: String,
    },
    /// A terraform plan or apply summary of one root.
    ChangeSummary {
        root: String,
        add: u64,
        change: u64,
        destroy: u64,
    },
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
