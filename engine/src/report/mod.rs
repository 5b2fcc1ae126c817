//! Everything a run tells the people and machines watching it.
//!
//! Code anywhere emits [`Event`]s; the reporter chosen for the run renders them (human
//! lines on stderr, JSON lines on stdout, GitHub Actions commands). Every byte a reporter
//! writes passes through the secret redactor at one choke point, [`redacting`]. Which
//! step or target an event belongs to is the [`context::Context`] it is emitted into,
//! handed down with the work.

pub mod context;
mod event;
mod github;
pub mod human;
mod json;
pub mod markdown;
mod otel;
mod redacting;
pub mod summary;

pub use event::{Event, LogLevel, StepStatus};
pub use github::GithubReporter;
pub use human::HumanReporter;
pub use json::JsonReporter;
pub use otel::OtelReporter;

pub use context::Context;

pub trait Reporter: Send + Sync {
    fn event(&self, scope: Option<&str>, event: &Event);
}

/// Drops everything: the default when no run is active (unit tests of primitives).
pub struct Silent;

impl Reporter for Silent {
    fn event(&self, _: Option<&str>, _: &Event) {}
}

/// Keeps events in memory: tests assert on what a run reported.
#[derive(Default)]
pub struct Collector {
    pub events: std::sync::Mutex<Vec<(Option<String>, Event)>>,
}

impl Reporter for Collector {
    fn event(&self, scope: Option<&str>, event: &Event) {
        self.events.lock().unwrap_or_else(|e| e.into_inner()).push((scope.map(str::to_string), event.clone()));
    }
}

/// Sends each event to several reporters (e.g. human view + GitHub step summary).
pub struct Fanout(pub Vec<std::sync::Arc<dyn Reporter>>);

impl Reporter for Fanout {
    fn event(&self, scope: Option<&str>, event: &Event) {
        for reporter in &self.0 {
            reporter.event(scope, event);
        }
    }
}
