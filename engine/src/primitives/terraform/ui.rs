//! Terraform's machine-readable UI (`plan -json`, `apply -json`): one JSON object per
//! line. Parsed twice: line by line while the command runs (progress events), and whole
//! afterwards (the counts, resources, diagnostics and outputs a primitive returns).
//!
//! The `outputs` message carries sensitive values in clear text, so no raw UI line is ever
//! forwarded to the reporter; only the messages derived here are.

use serde_json::Value as Json;

use super::diagnostic::{Diagnostic, Severity};
use crate::report::{Event, LogLevel};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceChange {
    pub address: String,
    /// `create`, `update`, `replace`, `delete`, `read`, `noop`.
    pub action: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChangeCounts {
    pub add: u64,
    pub change: u64,
    pub destroy: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UiMessage {
    Version {
        terraform: String,
    },
    PlannedChange(ResourceChange),
    /// Changed outside terraform since the last apply.
    ResourceDrift(ResourceChange),
    ApplyStart(ResourceChange),
    ApplyProgress {
        change: ResourceChange,
        elapsed: u64,
    },
    ApplyComplete {
        change: ResourceChange,
        elapsed: u64,
    },
    ApplyErrored {
        change: ResourceChange,
        elapsed: u64,
    },
    /// `operation` is `plan`, `apply` or `destroy`.
    ChangeSummary {
        counts: ChangeCounts,
        operation: String,
    },
    Diagnostic(Diagnostic),
    /// Name → `{sensitive, type, value}`; never shown.
    Outputs(serde_json::Map<String, Json>),
    /// Anything else (refresh, provisioners, logs): its human `@message`.
    Other {
        kind: String,
        message: String,
    },
}

/// `None` for a line that is not a UI message (terraform prints a few plain lines when it
/// fails before the UI starts).
pub fn parse_line(line: &str) -> Option<UiMessage> {
    let line = line.trim();
    if !line.starts_with('{') {
        return None;
    }
    let value: Json = serde_json::from_str(line).ok()?;
    let kind = value.get("type")?.as_str()?.to_string();
    let change = |key: &str| -> Option<ResourceChange> {
        let object = value.get(key)?;
        Some(ResourceChange {
            address: object.pointer("/resource/addr")?.as_str()?.to_string(),
            action: object.get("action").and_then(Json::as_str).unwrap_or_default().to_string(),
        })
    };
    let elapsed = || value.pointer("/hook/elapsed_seconds").and_then(Json::as_u64).unwrap_or(0);
    let message = || value.get("@message").and_then(Json::as_str).unwrap_or_default().to_string();
    let parsed = match kind.as_str() {
        "version" => UiMessage::Version {
            terraform: value.get("terraform").and_then(Json::as_str).unwrap_or_default().to_string(),
        },
        "planned_change" => UiMessage::PlannedChange(change("change")?),
        "resource_drift" => UiMessage::ResourceDrift(change("change")?),
        "apply_start" => UiMessage::ApplyStart(change("hook")?),
        "apply_progress" => UiMessage::ApplyProgress { change: change("hook")?, elapsed: elapsed() },
        "apply_complete" => UiMessage::ApplyComplete { change: change("hook")?, elapsed: elapsed() },
        "apply_errored" => UiMessage::ApplyErrored { change: change("hook")?, elapsed: elapsed() },
        "change_summary" => {
            let changes = value.get("changes")?;
            let count = |key: &str| changes.get(key).and_then(Json::as_u64).unwrap_or(0);
            UiMessage::ChangeSummary {
                counts: ChangeCounts { add: count("add"), change: count("change"), destroy: count("remove") },
                operation: changes.get("operation").and_then(Json::as_str).unwrap_or_default().to_string(),
            }
        }
        "diagnostic" => UiMessage::Diagnostic(Diagnostic::from_json(value.get("diagnostic")?)?),
        "outputs" => UiMessage::Outputs(value.get("outputs")?.as_object()?.clone()),
        _ => UiMessage::Other { kind, message: message() },
    };
    Some(parsed)
}

/// `creating` / `creation` for terraform's action names.
fn verbs(action: &str) -> (&str, &str) {
    match action {
        "create" => ("creating", "creation"),
        "update" => ("modifying", "modifications"),
        "delete" => ("destroying", "destruction"),
        "read" => ("reading", "read"),
        "replace" => ("replacing", "replacement"),
        other => (other, other),
    }
}

impl UiMessage {
    /// The event to stream for this message, labelled with the root (`dev/acme/infra`).
    pub fn event(&self, root: &str) -> Option<Event> {
        let progress = |message: String| Some(Event::Progress { message: format!("{root}: {message}") });
        match self {
            // A plan's changes and counts are told once the plan is made, from the saved
            // plan (`changes.rs`): attribute by attribute, which the UI line is not.
            UiMessage::PlannedChange(_) => None,
            UiMessage::ResourceDrift(c) => {
                progress(format!("drift: {}: {} (changed outside terraform)", c.address, c.action))
            }
            UiMessage::ApplyStart(c) => progress(format!("apply: {}: {}...", c.address, verbs(&c.action).0)),
            UiMessage::ApplyProgress { change: c, elapsed } => {
                progress(format!("apply: {}: still {}... ({elapsed}s elapsed)", c.address, verbs(&c.action).0))
            }
            UiMessage::ApplyComplete { change: c, elapsed } => {
                progress(format!("apply: {}: {} complete after {elapsed}s", c.address, verbs(&c.action).1))
            }
            UiMessage::ApplyErrored { change: c, elapsed } => {
                progress(format!("apply: {}: {} errored after {elapsed}s", c.address, verbs(&c.action).1))
            }
            UiMessage::ChangeSummary { operation, .. } if operation == "plan" => None,
            UiMessage::ChangeSummary { counts, operation } => progress(format!(
                "{operation} complete: {} added, {} changed, {} destroyed",
                counts.add, counts.change, counts.destroy
            )),
            UiMessage::Diagnostic(d) if d.severity == Severity::Warning => {
                Some(Event::Log { level: LogLevel::Warn, message: format!("{root}: terraform: {}", d.render("")) })
            }
            // Errors become the primitive's error message; outputs are never shown.
            UiMessage::Diagnostic(_) | UiMessage::Outputs(_) | UiMessage::Version { .. } => None,
            UiMessage::Other { message, .. } => Some(Event::ToolOutput { line: message.trim_end().to_string() }),
        }
    }
}

/// Everything one command's UI said, collected.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UiLog {
    pub changes: Vec<ResourceChange>,
    /// The last change summary (the apply's, after an apply).
    pub counts: Option<ChangeCounts>,
    pub diagnostics: Vec<Diagnostic>,
    pub outputs: Option<serde_json::Map<String, Json>>,
    /// Lines that were not UI messages (printed before the UI started).
    pub plain: Vec<String>,
}

impl UiLog {
    pub fn collect(stdout: &str) -> UiLog {
        let mut log = UiLog::default();
        for line in stdout.lines() {
            match parse_line(line) {
                Some(UiMessage::PlannedChange(change)) => log.changes.push(change),
                Some(UiMessage::ChangeSummary { counts, .. }) => log.counts = Some(counts),
                Some(UiMessage::Diagnostic(diagnostic)) => log.diagnostics.push(diagnostic),
                Some(UiMessage::Outputs(outputs)) => log.outputs = Some(outputs),
                Some(_) => {}
                None if line.trim().is_empty() => {}
                None => log.plain.push(line.to_string()),
            }
        }
        log
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from terraform 1.0.3 applying two null_resources, then an interrupted
    // local-exec provisioner.
    const CAPTURED: &str = r#"{"@level":"info","@message":"Terraform 1.0.3","@module":"terraform.ui","@timestamp":"2026-11-25T13:46:33.584038Z","terraform":"1.0.3","type":"version","ui":"0.1.0"}
{"@level":"info","@message":"null_resource.b: Plan to create","@module":"terraform.ui","@timestamp":"2026-11-25T13:46:33.694747Z","change":{"resource":{"addr":"null_resource.b","module":"","resource":"null_resource.b","implied_provider":"null","resource_type":"null_resource","resource_name":"b","resource_key":null},"action":"create"},"type":"planned_change"}
{"@level":"info","@message":"Plan: 2 to add, 0 to change, 0 to destroy.","@module":"terraform.ui","@timestamp":"2026-11-25T13:46:31.046658Z","changes":{"add":2,"change":0,"remove":0,"operation":"plan"},"type":"change_summary"}
{"@level":"info","@message":"null_resource.b: Creating...","@module":"terraform.ui","@timestamp":"2026-11-25T13:46:33.767425Z","hook":{"resource":{"addr":"null_resource.b","module":"","resource":"null_resource.b","implied_provider":"null","resource_type":"null_resource","resource_name":"b","resource_key":null},"action":"create"},"type":"apply_start"}
{"@level":"info","@message":"null_resource.b: Still creating... [10s elapsed]","@module":"terraform.ui","@timestamp":"2026-11-25T13:46:43.767425Z","hook":{"resource":{"addr":"null_resource.b","module":"","resource":"null_resource.b","implied_provider":"null","resource_type":"null_resource","resource_name":"b","resource_key":null},"action":"create","elapsed_seconds":10},"type":"apply_progress"}
{"@level":"info","@message":"null_resource.b: Creation complete after 0s [id=4783772460719931687]","@module":"terraform.ui","@timestamp":"2026-11-25T13:46:33.768107Z","hook":{"resource":{"addr":"null_resource.b","module":"","resource":"null_resource.b","implied_provider":"null","resource_type":"null_resource","resource_name":"b","resource_key":null},"action":"create","id_key":"id","id_value":"4783772460719931687","elapsed_seconds":0},"type":"apply_complete"}
{"@level":"info","@message":"null_resource.a: Refreshing state... [id=7460583455136847749]","@module":"terraform.ui","@timestamp":"2026-11-25T13:46:34.159832Z","hook":{"resource":{"addr":"null_resource.a","module":"","resource":"null_resource.a","implied_provider":"null","resource_type":"null_resource","resource_name":"a","resource_key":null},"id_key":"id","id_value":"7460583455136847749"},"type":"refresh_start"}
{"@level":"info","@message":"null_resource.slow: Creation errored after 2s","@module":"terraform.ui","@timestamp":"2026-11-25T13:47:26.246707Z","hook":{"resource":{"addr":"null_resource.slow","module":"","resource":"null_resource.slow","implied_provider":"null","resource_type":"null_resource","resource_name":"slow","resource_key":null},"action":"create","elapsed_seconds":2},"type":"apply_errored"}
{"@level":"error","@message":"Error: local-exec provisioner error","@module":"terraform.ui","@timestamp":"2026-11-25T13:47:26.248445Z","diagnostic":{"severity":"error","summary":"local-exec provisioner error","detail":"Error running command 'sleep 30': signal: interrupt. Output: ","address":"null_resource.slow","range":{"filename":"main.tf","start":{"line":14,"column":28,"byte":235},"end":{"line":14,"column":29,"byte":236}},"snippet":{"context":"resource \"null_resource\" \"slow\"","code":"  provisioner \"local-exec\" {","start_line":14,"highlight_start_offset":27,"highlight_end_offset":28,"values":[]}},"type":"diagnostic"}
{"@level":"info","@message":"Apply complete! Resources: 2 added, 0 changed, 0 destroyed.","@module":"terraform.ui","@timestamp":"2026-11-25T13:46:33.772833Z","changes":{"add":2,"change":0,"remove":0,"operation":"apply"},"type":"change_summary"}
{"@level":"info","@message":"Outputs: 2","@module":"terraform.ui","@timestamp":"2026-11-25T13:46:33.772959Z","outputs":{"n":{"sensitive":false,"type":"number","value":42},"secret":{"sensitive":true,"type":"string","value":"hunter2-in-clear"}},"type":"outputs"}
{"@level":"warn","@message":"Warning: Deprecated attribute","@module":"terraform.ui","@timestamp":"2026-11-25T13:46:33.772959Z","diagnostic":{"severity":"warning","summary":"Deprecated attribute","detail":"Use x instead."},"type":"diagnostic"}
{"@level":"info","@message":"null_resource.a: Drift detected (update)","@module":"terraform.ui","@timestamp":"2026-11-25T13:46:33.772959Z","change":{"resource":{"addr":"null_resource.a","module":"","resource":"null_resource.a","implied_provider":"null","resource_type":"null_resource","resource_name":"a","resource_key":null},"action":"update"},"type":"resource_drift"}
"#;

    #[test]
    fn each_line_becomes_one_event_and_outputs_are_never_shown() {
        let rendered: Vec<String> = CAPTURED
            .lines()
            .map(|line| match parse_line(line).and_then(|m| m.event("dev/acme/infra")) {
                Some(Event::Progress { message }) => format!("progress: {message}"),
                Some(Event::Log { message, .. }) => format!("warn: {message}"),
                Some(Event::ToolOutput { line }) => format!("tool: {line}"),
                Some(other) => format!("{other:?}"),
                None => "-".to_string(),
            })
            .collect();
        expect_test::expect![[r#"
            -
            -
            -
            progress: dev/acme/infra: apply: null_resource.b: creating...
            progress: dev/acme/infra: apply: null_resource.b: still creating... (10s elapsed)
            progress: dev/acme/infra: apply: null_resource.b: creation complete after 0s
            tool: null_resource.a: Refreshing state... [id=7460583455136847749]
            progress: dev/acme/infra: apply: null_resource.slow: creation errored after 2s
            -
            progress: dev/acme/infra: apply complete: 2 added, 0 changed, 0 destroyed
            -
            warn: dev/acme/infra: terraform: Deprecated attribute
              Use x instead.
            progress: dev/acme/infra: drift: null_resource.a: update (changed outside terraform)"#]]
        .assert_eq(&rendered.join("\n"));
        assert!(!rendered.join("\n").contains("hunter2"));
    }

    #[test]
    fn the_whole_log_is_collected() {
        let log = UiLog::collect(&format!("plain text before the UI\n{CAPTURED}"));
        assert_eq!(log.changes, vec![ResourceChange { address: "null_resource.b".into(), action: "create".into() }]);
        assert_eq!(log.counts, Some(ChangeCounts { add: 2, change: 0, destroy: 0 }));
        assert_eq!(log.diagnostics.len(), 2);
        assert_eq!(log.diagnostics[0].address.as_deref(), Some("null_resource.slow"));
        assert_eq!(log.outputs.as_ref().map(|o| o.len()), Some(2));
        assert_eq!(log.plain, vec!["plain text before the UI".to_string()]);
    }
}
