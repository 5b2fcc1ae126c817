//! GitHub Actions output: each top-level step is a `::group::`, failures are `::error`
//! annotations pointing at the script line, and a markdown recap is appended to
//! `$GITHUB_STEP_SUMMARY`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use super::human::format_ms;
use super::{Event, Reporter, StepStatus};
use crate::runtime::secret::redact;

/// One line of the step summary table: step, status, milliseconds, error.
type SummaryRow = (String, StepStatus, u64, Option<String>);

pub struct GithubReporter {
    out: Mutex<Box<dyn Write + Send>>,
    summary_path: Option<PathBuf>,
    rows: Mutex<Vec<SummaryRow>>,
    script: Mutex<String>,
}

impl GithubReporter {
    pub fn from_env() -> Self {
        Self::new(Box::new(std::io::stdout()), std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from))
    }

    pub fn new(out: Box<dyn Write + Send>, summary_path: Option<PathBuf>) -> Self {
        GithubReporter {
            out: Mutex::new(out),
            summary_path,
            rows: Mutex::new(Vec::new()),
            script: Mutex::new(String::new()),
        }
    }

    fn write(&self, line: &str) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, "{}", redact(line));
        let _ = out.flush();
    }
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
        match event {
            Event::RunStarted { script, .. } => *self.script.lock().unwrap_or_else(|e| e.into_inner()) = script.clone(),
            // Groups cannot nest in the Actions log, so only top-level steps open one.
            Event::StepStarted { step } if scope.map(|s| !s.contains('/')).unwrap_or(true) => {
                self.write(&format!("::group::{}", escape_data(step)))
            }
            Event::StepFinished { step, status, elapsed_ms, error } => {
                let name = scope.unwrap_or(step).to_string();
                self.rows.lock().unwrap_or_else(|e| e.into_inner()).push((name, *status, *elapsed_ms, error.clone()));
                if scope.map(|s| !s.contains('/')).unwrap_or(true) {
                    self.write("::endgroup::");
                }
            }
            Event::Log { level: super::LogLevel::Warn, message } => {
                self.write(&format!("::warning::{}", escape_data(message)))
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
                        let error = error
                            .as_deref()
                            .map(|e| e.lines().next().unwrap_or_default().replace('|', "\\|"))
                            .unwrap_or_default();
                        md.push_str(&format!(
                            "| {step} | {} | {} | {error} |\n",
                            format!("{status:?}").to_lowercase(),
                            format_ms(*ms)
                        ));
                    }
                    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
                        let _ = file.write_all(redact(&md).as_bytes());
                    }
                }
            }
            _ => {}
        }
    }
}
