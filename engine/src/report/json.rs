//! `--output json`: one JSON object per line on stdout, schema `auto.event/v1`.

use std::io::Write;
use std::sync::Mutex;

use super::event::SCHEMA;
use super::redacting::Redacting;
use super::{Event, Reporter};
use crate::secret::redact;

pub struct JsonReporter {
    out: Mutex<Box<dyn Write + Send>>,
    /// Writing stdout: its `run_finished` is the run's last word there, so an error after
    /// it is not printed again as an `auto.error/v1` document.
    is_stdout: bool,
}

impl JsonReporter {
    pub fn stdout() -> Self {
        JsonReporter { is_stdout: true, ..Self::to_writer(Box::new(std::io::stdout())) }
    }

    pub fn to_writer(out: Box<dyn Write + Send>) -> Self {
        JsonReporter { out: Mutex::new(Box::new(Redacting::new(out))), is_stdout: false }
    }
}

pub fn to_json_line(scope: Option<&str>, event: &Event) -> String {
    let mut value = serde_json::to_value(event).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert("schema".into(), SCHEMA.into());
        object.insert("ts".into(), crate::clock::now_rfc3339().into());
        if let Some(scope) = scope {
            object.insert("scope".into(), scope.into());
        }
    }
    // Redact the serialised line: a secret inside any field, escaped or not, is caught.
    redact(&value.to_string())
}

impl Reporter for JsonReporter {
    fn event(&self, scope: Option<&str>, event: &Event) {
        let line = to_json_line(scope, event);
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
        if self.is_stdout && matches!(event, Event::RunFinished { .. }) {
            crate::output::run_finished_on_stdout();
        }
    }
}
