//! Human-readable progress on stderr: one whole line per event, prefixed with the step or
//! target it belongs to, so parallel customers never interleave mid-line.
//!
//! On a terminal a live status line at the bottom shows a spinner and the elapsed time of
//! every running step; elsewhere (CI logs, pipes) output is plain lines only.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use super::redacting::Redacting;
use super::summary::Summary;
use super::{Event, LogLevel, Reporter, StepStatus};
use crate::secret::redact;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

pub struct HumanReporter {
    inner: Arc<Inner>,
}

struct Inner {
    verbosity: Verbosity,
    color: bool,
    out: Mutex<Output>,
    /// Steps in the order they finished (a re-run step replaces its earlier row).
    recap: Mutex<Vec<(String, StepStatus, u64)>>,
    /// The run's numbers, once told (`plan_summary`).
    summary: Mutex<Option<Summary>>,
}

struct Output {
    writer: Box<dyn Write + Send>,
    /// Running steps and when they started, when the live status line is on.
    live: Option<Vec<(String, Instant)>>,
    /// A question is on the terminal: the status line would overwrite the answer.
    asking: bool,
    status_shown: bool,
    frame: usize,
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

impl Output {
    fn clear_status(&mut self) {
        if self.status_shown {
            let _ = write!(self.writer, "\r\x1b[2K");
            self.status_shown = false;
        }
    }

    fn draw_status(&mut self) {
        if self.asking {
            return;
        }
        let Some(running) = &self.live else { return };
        if running.is_empty() {
            return;
        }
        self.frame = (self.frame + 1) % SPINNER.len();
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok()).unwrap_or(100);
        let steps: Vec<String> = running
            .iter()
            .map(|(name, started)| format!("{name} {}", format_ms(started.elapsed().as_millis() as u64)))
            .collect();
        // Redacted before it is cut to the terminal's width: the writer redacts too, but a
        // secret cut in half would no longer match.
        let line = redact(&format!("{} {} running: {}", SPINNER[self.frame], running.len(), steps.join(" · ")));
        let line: String = line.chars().take(width.saturating_sub(1)).collect();
        let _ = write!(self.writer, "\r\x1b[2K\x1b[2m{line}\x1b[0m");
        let _ = self.writer.flush();
        self.status_shown = true;
    }
}

impl HumanReporter {
    pub fn stderr(verbosity: Verbosity) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let color = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let reporter = Self::to_writer(verbosity, color, Box::new(std::io::stderr()));
        if terminal && verbosity > Verbosity::Quiet && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(false) {
            reporter.start_live_status();
        }
        reporter
    }

    pub fn to_writer(verbosity: Verbosity, color: bool, out: Box<dyn Write + Send>) -> Self {
        let output =
            Output { writer: Box::new(Redacting::new(out)), live: None, asking: false, status_shown: false, frame: 0 };
        HumanReporter {
            inner: Arc::new(Inner {
                verbosity,
                color,
                out: Mutex::new(output),
                recap: Mutex::new(Vec::new()),
                summary: Mutex::new(None),
            }),
        }
    }

    /// Redraws the status line every 100 ms until the reporter is dropped.
    fn start_live_status(&self) {
        self.inner.out.lock().unwrap_or_else(|e| e.into_inner()).live = Some(Vec::new());
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let _ = std::thread::Builder::new().name("auto-status".into()).spawn(move || loop {
            std::thread::sleep(Duration::from_millis(100));
            let Some(inner) = weak.upgrade() else { break };
            let mut out = inner.out.lock().unwrap_or_else(|e| e.into_inner());
            out.draw_status();
        });
    }
}

impl Inner {
    fn running(&self, key: &str, started: bool) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(live) = &mut out.live {
            live.retain(|(k, _)| k != key);
            if started {
                live.push((key.to_string(), Instant::now()));
            }
        }
    }

    /// A line of a plan's changes, coloured by its action like terraform's.
    fn paint_change(&self, line: &str) -> String {
        let line_start = line.trim_start();
        let code = if line_start.starts_with("-/+") || line_start.starts_with("+/-") {
            "31"
        } else if line_start.starts_with("+++") || line_start.starts_with("---") || line_start.starts_with("@@") {
            "36"
        } else if line_start.starts_with('+') {
            "32"
        } else if line_start.starts_with('-') {
            "31"
        } else if line_start.starts_with('~') {
            "33"
        } else {
            return line.to_string();
        };
        self.paint(code, line)
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Writes `text` line by line, each line prefixed with the scope. The text is redacted
    /// whole first (a multi-line secret matches whole there), and everything written,
    /// prefix included, is redacted again by the [`Redacting`] writer.
    fn write(&self, scope: Option<&str>, text: &str) {
        let prefix = scope.map(|s| self.paint("2", &format!("[{s}] "))).unwrap_or_default();
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        out.clear_status();
        for line in redact(text).lines() {
            let _ = writeln!(out.writer, "{prefix}{line}");
        }
        out.draw_status();
        let _ = out.writer.flush();
    }

    fn render_recap(&self) -> Option<String> {
        let recap = self.recap.lock().unwrap_or_else(|e| e.into_inner());
        let summary = &*self.summary.lock().unwrap_or_else(|e| e.into_inner());
        if recap.is_empty() {
            // A script without steps still has numbers, when it changed something.
            return summary
                .as_ref()
                .filter(|s| s.has_changes() || s.changes_pending)
                .map(|s| format!("\n{}", s.text()));
        }
        let width = recap.iter().map(|(k, _, _)| k.chars().count()).max().unwrap_or(4).max(4);
        let mut text = format!("\n{:width$}  {:7}  {:>8}\n", "step", "status", "time");
        for (step, status, ms) in recap.iter() {
            let label = format!("{status:?}").to_lowercase();
            text.push_str(&format!("{step:width$}  {label:7}  {:>8}\n", format_ms(*ms)));
        }
        let count = |wanted: StepStatus| recap.iter().filter(|(_, status, _)| *status == wanted).count();
        // A plan or dry-run changes nothing: no `changed=0` beside what it would change.
        let real = summary.as_ref().is_none_or(|s| s.real);
        let mut totals = vec![format!("ok={}", count(StepStatus::Ok))];
        if real {
            totals.push(format!("changed={}", count(StepStatus::Changed)));
        }
        if !real || count(StepStatus::Pending) > 0 {
            totals.push(format!("pending={}", count(StepStatus::Pending)));
        }
        totals.push(format!("failed={}", count(StepStatus::Failed)));
        totals.push(format!("skipped={}", count(StepStatus::Skipped)));
        if let Some(summary) = summary {
            text.push('\n');
            text.push_str(&summary.text());
        }
        text.push_str(&totals.join(" "));
        text.push('\n');
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
        self.inner.event(scope, event)
    }
}

impl Inner {
    fn event(&self, scope: Option<&str>, event: &Event) {
        match event {
            Event::StepStarted { step } => self.running(scope.unwrap_or(step), true),
            Event::StepFinished { step, .. } => self.running(scope.unwrap_or(step), false),
            Event::RunFinished { .. } => {
                let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
                out.clear_status();
                out.live = None;
            }
            _ => {}
        }
        let normal = self.verbosity >= Verbosity::Normal;
        let verbose = self.verbosity >= Verbosity::Verbose;
        match event {
            Event::RunStarted { script, mode, run_id, journaled, .. } if normal => {
                // Only a journaled run has an id `auto runs show` and `--resume` know.
                let which = if *journaled { format!("run {run_id}") } else { "not journaled".to_string() };
                self.write(None, &format!("{} {script} ({mode}, {which})", self.paint("1", "auto")))
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
                    StepStatus::Pending => ("◌", "36"),
                    StepStatus::Skipped => ("↷", "36"),
                    StepStatus::Failed => ("✘", "31"),
                };
                if normal || *status == StepStatus::Failed {
                    let mut line = format!("{} {step} ({})", self.paint(color, mark), format_ms(*elapsed_ms));
                    if *status == StepStatus::Skipped {
                        line.push_str(" skipped: completed in the resumed run");
                    }
                    if *status == StepStatus::Pending {
                        line.push_str(" pending: would change");
                    }
                    if let Some(error) = error {
                        line.push_str(&format!(": {}", redact(error).lines().next().unwrap_or_default()));
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
                let verb = match (effect.kind, effect.effect) {
                    (crate::effect::EffectKind::File, _) => "would",
                    (crate::effect::EffectKind::Http, crate::effect::Effect::Read) => "would request",
                    (crate::effect::EffectKind::Http, crate::effect::Effect::Write) => "would send",
                    (_, crate::effect::Effect::Read) => "would read",
                    (_, crate::effect::Effect::Write) => "would run",
                };
                let mut text = format!("{} {}", self.paint("36", verb), effect.command);
                for line in effect.diff.iter().flat_map(|d| d.lines()) {
                    text.push_str(&format!("\n  {}", self.paint_change(line)));
                }
                self.write(scope, &text);
            }
            Event::Progress { message } if normal => self.write(scope, message),
            Event::ChangeSummary { root, add, change, destroy, replace, changes, provisional, .. } => {
                let mut text =
                    format!("{root}: {add} to add, {change} to change, {replace} to replace, {destroy} to destroy");
                if *provisional {
                    text.push_str(" (provisional: predicted on values known after apply)");
                }
                if normal {
                    for line in changes.lines() {
                        text.push_str(&format!("\n  {}", self.paint_change(line)));
                    }
                }
                self.write(scope, &text)
            }
            // The question itself is asked on the terminal (`message [y/N]`): here only
            // what a yes would let happen.
            Event::ConfirmAsked { details, .. } => {
                if !details.trim().is_empty() {
                    let mut text = self.paint("1", "a yes lets this happen:");
                    for line in details.lines() {
                        text.push_str(&format!("\n  {}", self.paint_change(line)));
                    }
                    self.write(scope, &text);
                }
                let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
                out.clear_status();
                out.asking = true;
                // The clear is buffered by the redacting writer: out before the question
                // is put on /dev/tty, or the question is written after the status line.
                let _ = out.writer.flush();
            }
            Event::ConfirmAnswered { message, answer } => {
                self.out.lock().unwrap_or_else(|e| e.into_inner()).asking = false;
                if normal {
                    self.write(scope, &format!("{message} → {answer}"));
                }
            }
            Event::PlanSummary(summary) => {
                *self.summary.lock().unwrap_or_else(|e| e.into_inner()) = Some(summary.clone());
            }
            Event::Interrupted { forwarded_to } => {
                // Ctrl-C at a question: the cursor is still after `[y/N] ^C`; the notice
                // starts a line of its own.
                let asking = self.out.lock().unwrap_or_else(|e| e.into_inner()).asking;
                let text = format!("interrupted: stopping ({forwarded_to} running command(s) told to stop; press Ctrl-C again to kill them)");
                self.write(None, &if asking { format!("\n{text}") } else { text })
            }
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

#[cfg(test)]
mod tests {
    use super::super::redacting::Shared;
    use super::*;
    use crate::secret::Secret;

    /// Issue 18, item 8: the `[scope]` prefix was added after the message was redacted.
    #[test]
    fn the_scope_prefix_is_redacted() {
        let _ = Secret::new("human-scope-canary");
        let shared = Shared::default();
        let reporter = HumanReporter::to_writer(Verbosity::Normal, true, Box::new(shared.clone()));
        reporter.event(Some("onboard/human-scope-canary"), &Event::Log { level: LogLevel::Info, message: "hi".into() });
        assert_eq!(shared.text(), "\x1b[2m[onboard/***] \x1b[0mhi\n");
    }

    /// The live status line is cut to the terminal's width: a secret cut in half there
    /// would not match, so the line is redacted before it is cut.
    #[test]
    fn a_secret_step_name_cut_off_by_the_status_line_is_masked() {
        let value = "human-status-canary-0123456789";
        let _ = Secret::new(value);
        // Padding that puts the cut 10 characters into the secret: `⠙ 1 running: ` is 13.
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok()).unwrap_or(100);
        let padding = "x".repeat(width.saturating_sub(1 + 13 + 10));
        let shared = Shared::default();
        let mut output = Output {
            writer: Box::new(Redacting::new(shared.clone())),
            live: Some(vec![(format!("{padding}{value}"), Instant::now())]),
            asking: false,
            status_shown: false,
            frame: 0,
        };
        output.draw_status();
        let text = shared.text();
        assert!(!text.contains("human-stat"), "{text}");
        assert!(text.contains(&format!("{padding}***")), "{text}");
    }
}
