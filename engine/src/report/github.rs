//! GitHub Actions output: each top-level step is a `::group::`, failures are `::error`
//! annotations pointing at the script line, and a markdown recap is appended to
//! `$GITHUB_STEP_SUMMARY`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use super::human::format_ms;
use super::markdown::{PlanMarkdown, GITHUB_LIMIT};
use super::redacting::Redacting;
use super::{Event, Reporter, StepStatus};
use crate::secret::redact;

/// One line of the step summary table: step, status, milliseconds, error.
type SummaryRow = (String, StepStatus, u64, Option<String>);

pub struct GithubReporter {
    out: Mutex<Box<dyn Write + Send>>,
    summary_path: Option<PathBuf>,
    rows: Mutex<Vec<SummaryRow>>,
    script: Mutex<String>,
    /// The plan, for the step summary: the same Markdown as `--plan-md`.
    plan: Mutex<PlanMarkdown>,
}

impl GithubReporter {
    /// `stdout_is_data`: stdout carries JSON lines (`--output json`), so the workflow
    /// commands go to stderr, which the runner reads them from too.
    pub fn from_env(stdout_is_data: bool) -> Self {
        let out: Box<dyn Write + Send> =
            if stdout_is_data { Box::new(std::io::stderr()) } else { Box::new(std::io::stdout()) };
        Self::new(out, std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from))
    }

    pub fn new(out: Box<dyn Write + Send>, summary_path: Option<PathBuf>) -> Self {
        GithubReporter {
            out: Mutex::new(Box::new(Redacting::new(out))),
            summary_path,
            rows: Mutex::new(Vec::new()),
            script: Mutex::new(String::new()),
            plan: Mutex::new(PlanMarkdown::default()),
        }
    }

    fn write(&self, line: &str) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // Redacted by the writer (`Redacting`), like every byte a reporter writes.
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// A message for a workflow command: redacted first, then escaped, since escaping changes
/// a secret's text (`%` becomes `%25`, a line break `%0A`) so the writer could not match it.
fn annotation(text: &str) -> String {
    escape_data(&redact(text))
}

/// Workflow commands treat `%`, CR and LF specially in messages.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Parses `file:line:col` out of the first `--> ` line of a rendered diagnostic.
fn location(error: &str) -> Option<(String, String)> {
    let line = error.lines().find_map(|l| l.trim_start().strip_prefix("--> "))?;
    let mut parts = line.rsplitn(3, ':');
    let _col = parts.next()?;
    let line_no = parts.next()?;
    let file = parts.next()?;
    Some((file.to_string(), line_no.to_string()))
}

impl Reporter for GithubReporter {
    fn event(&self, scope: Option<&str>, event: &Event) {
        self.plan.lock().unwrap_or_else(|e| e.into_inner()).take(event);
        match event {
            Event::RunStarted { script, .. } => *self.script.lock().unwrap_or_else(|e| e.into_inner()) = script.clone(),
            // Groups cannot nest in the Actions log, so only top-level steps open one.
            Event::StepStarted { step } if scope.map(|s| !s.contains('/')).unwrap_or(true) => {
                self.write(&format!("::group::{}", annotation(step)))
            }
            Event::StepFinished { step, status, elapsed_ms, error } => {
                let name = redact(scope.unwrap_or(step));
                self.rows.lock().unwrap_or_else(|e| e.into_inner()).push((name, *status, *elapsed_ms, error.clone()));
                if scope.map(|s| !s.contains('/')).unwrap_or(true) {
                    self.write("::endgroup::");
                }
            }
            Event::Log { level: super::LogLevel::Warn, message } => {
                self.write(&format!("::warning::{}", annotation(message)))
            }
            Event::RunFinished { status, elapsed_ms, error, .. } => {
                if let Some(error) = error {
                    let error = redact(error);
                    let command = match location(&error) {
                        Some((file, line)) => format!(
                            "::error file={},line={}::{}",
                            escape_property(&file),
                            escape_property(&line),
                            escape_data(&error)
                        ),
                        None => format!("::error::{}", escape_data(&error)),
                    };
                    self.write(&command);
                }
                if let Some(path) = &self.summary_path {
                    let script = self.script.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    let mut md =
                        format!("### auto: `{script}` — {:?} in {}\n\n", status, format_ms(*elapsed_ms)).to_lowercase();
                    md.push_str("| step | status | time | error |\n|---|---|---|---|\n");
                    for (step, status, ms, error) in self.rows.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                        // Redacted before `|` is escaped, which would change a secret's text.
                        let error = error
                            .as_deref()
                            .map(|e| redact(e).lines().next().unwrap_or_default().replace('|', "\\|"))
                            .unwrap_or_default();
                        md.push_str(&format!(
                            "| {step} | {} | {} | {error} |\n",
                            format!("{status:?}").to_lowercase(),
                            format_ms(*ms)
                        ));
                    }
                    let plan = self.plan.lock().unwrap_or_else(|e| e.into_inner());
                    if plan.has_numbers() {
                        md.push('\n');
                        md.push_str(&plan.render(GITHUB_LIMIT));
                    }
                    if let Ok(file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
                        let mut file = Redacting::new(file);
                        let _ = file.write_all(md.as_bytes());
                        let _ = file.flush();
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::redacting::Shared;
    use super::*;
    use crate::secret::Secret;

    /// Escaping for workflow commands changes a secret's text (`%` → `%25`, a line break
    /// → `%0A`), so a message is redacted before it is escaped.
    #[test]
    fn a_secret_that_escaping_would_change_is_masked_in_annotations() {
        let _ = Secret::new("github-100%-canary");
        let shared = Shared::default();
        let reporter = GithubReporter::new(Box::new(shared.clone()), None);
        let warn = |message: &str| Event::Log { level: super::super::LogLevel::Warn, message: message.into() };
        reporter.event(None, &warn("value github-100%-canary"));
        reporter.event(None, &Event::StepStarted { step: "github-100%-canary".into() });
        assert_eq!(shared.text(), "::warning::value ***\n::group::***\n");
    }

    #[test]
    fn the_step_summary_is_redacted_before_pipes_are_escaped() {
        let _ = Secret::new("github|pipe|canary");
        let dir = tempfile::tempdir().expect("temp dir");
        let summary = dir.path().join("summary.md");
        let reporter = GithubReporter::new(Box::new(Shared::default()), Some(summary.clone()));
        reporter.event(
            Some("github|pipe|canary"),
            &Event::StepFinished {
                step: "github|pipe|canary".into(),
                status: StepStatus::Failed,
                elapsed_ms: 5,
                error: Some("bad github|pipe|canary\nmore".into()),
            },
        );
        reporter
            .event(None, &Event::RunFinished { status: StepStatus::Failed, elapsed_ms: 5, exit_code: 1, error: None });
        let text = std::fs::read_to_string(summary).expect("summary written");
        assert!(text.contains("| *** | failed | 5ms | bad *** |"), "{text}");
        assert!(!text.contains("pipe"), "{text}");
    }
}
