//! Human-readable progress on stderr: one whole line per event, prefixed with the step or
//! target it belongs to, so parallel customers never interleave mid-line.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use super::{Event, LogLevel, Reporter, StepStatus};
use crate::runtime::secret::redact;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

pub struct HumanReporter {
    verbosity: Verbosity,
    color: bool,
    out: Mutex<Box<dyn Write + Send>>,
    /// Steps in the order they finished (a re-run step replaces its earlier row).
    recap: Mutex<Vec<(String, StepStatus, u64)>>,
}

impl HumanReporter {
    pub fn stderr(verbosity: Verbosity) -> Self {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self::to_writer(verbosity, color, Box::new(std::io::stderr()))
    }

    pub fn to_writer(verbosity: Verbosity, color: bool, out: Box<dyn Write + Send>) -> Self {
        HumanReporter { verbosity, color, out: Mutex::new(out), recap: Mutex::new(Vec::new()) }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn write(&self, scope: Option<&str>, text: &str) {
        let prefix = scope.map(|s| self.paint("2", &format!("[{s}] "))).unwrap_or_default();
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        for line in redact(text).lines() {
            let _ = writeln!(out, "{prefix}{line}");
        }
        let _ = out.flush();
    }

    fn render_recap(&self) -> Option<String> {
        let recap = self.recap.lock().unwrap_or_else(|e| e.into_inner());
        if recap.is_empty() {
            return None;
        }
        let width = recap.iter().map(|(k, _, _)| k.chars().count()).max().unwrap_or(4).max(4);
        let mut text = format!("\n{:width$}  {:7}  {:>8}\n", "step", "status", "time");
        for (step, status, ms) in recap.iter() {
            let label = format!("{status:?}").to_lowercase();
            text.push_str(&format!("{step:width$}  {label:7}  {:>8}\n", format_ms(*ms)));
        }
        Some(text)
    }
}

pub fn format_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

impl Reporter for HumanReporter {
    fn event(&self, scope: Option<&str>, event: &Event) {
        let normal = self.verbosity >= Verbosity::Normal;
        let verbose = self.verbosity >= Verbosity::Verbose;
        match event {
            Event::RunStarted { script, mode, run_id, .. } if normal => {
                self.write(None, &format!("{} {script} ({mode}, run {run_id})", self.paint("1", "auto")))
            }
            Event::StepStarted { step } if normal => self.write(scope, &format!("▶ {step}")),
            Event::StepFinished { step, status, elapsed_ms, error } => {
                let key = scope.map(str::to_string).unwrap_or_else(|| step.clone());
                let mut recap = self.recap.lock().unwrap_or_else(|e| e.into_inner());
                recap.retain(|(k, _, _)| *k != key);
                recap.push((key, *status, *elapsed_ms));
                drop(recap);
                let (mark, color) = match status {
                    StepStatus::Ok => ("✔", "32"),
                    StepStatus::Changed => ("✔", "33"),
                    StepStatus::Skipped => ("↷", "36"),
                    StepStatus::Failed => ("✘", "31"),
                };
                if normal || *status == StepStatus::Failed {
                    let mut line = format!("{} {step} ({})", self.paint(color, mark), format_ms(*elapsed_ms));
                    if *status == StepStatus::Skipped {
                        line.push_str(" skipped: completed in the resumed run");
                    }
                    if let Some(error) = error {
                        line.push_str(&format!(": {}", error.lines().next().unwrap_or_default()));
                    }
                    self.write(scope, &line);
                }
            }
            Event::Log { level, message } => match level {
                LogLevel::Warn => self.write(scope, &format!("{} {message}", self.paint("33", "warning:"))),
                LogLevel::Info if normal => self.write(scope, message),
                LogLevel::Debug if verbose => self.write(scope, &format!("debug: {message}")),
                _ => {}
            },
            Event::ToolOutput { line } if verbose => self.write(scope, &format!("  {line}")),
            Event::CommandStarted { command } if verbose => self.write(scope, &format!("$ {command}")),
            Event::EffectRecorded { effect } if normal => {
                let verb = match effect.effect {
                    crate::process::Effect::Read => "would read",
                    crate::process::Effect::Write => "would run",
                };
                self.write(scope, &format!("{} {}", self.paint("36", verb), effect.command));
            }
            Event::Progress { message } if normal => self.write(scope, message),
            Event::ChangeSummary { root, add, change, destroy } => {
                self.write(scope, &format!("{root}: {add} to add, {change} to change, {destroy} to destroy"))
            }
            Event::Interrupted { forwarded_to } => self.write(
                None,
                &format!("interrupted: stopping ({forwarded_to} running command(s) told to stop; press Ctrl-C again to kill them)"),
            ),
            Event::RunFinished { status, elapsed_ms, error, .. } => {
                if normal {
                    if let Some(recap) = self.render_recap() {
                        self.write(None, &recap);
                    }
                }
                if error.is_none() && normal {
                    let label = format!("{status:?}").to_lowercase();
                    self.write(None, &format!("{label} in {}", format_ms(*elapsed_ms)));
                }
            }
            _ => {}
        }
    }
}
