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
    live: Option<Live>,
    /// A question is on the terminal: the status line would overwrite the answer.
    asking: bool,
    /// The width of the status line on the screen (0: none is shown).
    status_width: usize,
    frame: usize,
    /// Glyphs in ASCII: the locale is not UTF-8.
    ascii: bool,
}

/// What the live status line shows: the running steps, how many finished, and how many
/// tasks wait for a slot of a `parallel` limit (per scope of the `parallel` call).
struct Live {
    running: Vec<(String, Instant)>,
    done: usize,
    queued: std::collections::BTreeMap<String, usize>,
    /// How the line is drawn over: `\r` and an erase-line escape, or (escapes not
    /// allowed) `\r` and spaces over what was there.
    escapes: bool,
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const ASCII_SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

/// The status line's text, cut to `width` columns (a terminal wraps a longer line, and
/// every redraw would then leave one more stale row behind): the counts first, then the
/// step running longest, then the others, newest last.
fn status_text(live: &Live, spinner: &str, width: usize) -> String {
    let queued: usize = live.queued.values().sum();
    let mut line = format!("{spinner} {} done · {} running · {queued} queued", live.done, live.running.len());
    let mut by_age: Vec<&(String, Instant)> = live.running.iter().collect();
    by_age.sort_by_key(|(_, started)| *started);
    if let Some((name, started)) = by_age.first() {
        line.push_str(&format!(" · longest: {name} {}", format_ms(started.elapsed().as_millis() as u64)));
    }
    for (name, started) in by_age.iter().skip(1) {
        line.push_str(&format!(" · {name} {}", format_ms(started.elapsed().as_millis() as u64)));
    }
    // Redacted before it is cut: the writer redacts too, but a secret cut in half would
    // no longer match.
    truncate_to_width(&redact(&line), width)
}

/// `text` in at most `width` terminal columns, ending in `…` when cut.
fn truncate_to_width(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if unicode_width::UnicodeWidthStr::width(text) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// The terminal's width now (it may have been resized since the last redraw): what the
/// terminal says, else `COLUMNS`, else 80.
fn terminal_width() -> usize {
    terminal_size::terminal_size_of(std::io::stderr())
        .map(|(terminal_size::Width(w), _)| w as usize)
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()))
        .filter(|w| *w > 0)
        .unwrap_or(80)
}

impl Output {
    fn clear_status(&mut self) {
        if self.status_width == 0 {
            return;
        }
        let escapes = self.live.as_ref().is_some_and(|l| l.escapes);
        if escapes {
            let _ = write!(self.writer, "\r\x1b[2K");
        } else {
            let _ = write!(self.writer, "\r{}\r", " ".repeat(self.status_width));
        }
        self.status_width = 0;
    }

    fn draw_status(&mut self) {
        if self.asking {
            return;
        }
        let Some(live) = &self.live else { return };
        if live.running.is_empty() {
            return;
        }
        self.frame = self.frame.wrapping_add(1);
        let spinner = match self.ascii {
            true => ASCII_SPINNER[self.frame % ASCII_SPINNER.len()],
            false => SPINNER[self.frame % SPINNER.len()],
        };
        // One column is kept free: a line that fills the last column wraps on some terminals.
        let text = status_text(live, spinner, terminal_width().saturating_sub(1).max(10));
        let text = if self.ascii { crate::output::ascii_glyphs(&text).into_owned() } else { text };
        let shown = unicode_width::UnicodeWidthStr::width(text.as_str());
        if live.escapes {
            let _ = write!(self.writer, "\r\x1b[2K\x1b[2m{text}\x1b[0m");
        } else {
            let padding = self.status_width.saturating_sub(shown);
            let _ = write!(self.writer, "\r{text}{}", " ".repeat(padding));
        }
        let _ = self.writer.flush();
        self.status_width = shown.max(1);
    }
}

impl HumanReporter {
    /// On stderr, as the terminal and the user allow: colour and an erase-line status
    /// only where escapes are allowed (`output::escapes_allowed`); a status redrawn with
    /// `\r` and spaces on a terminal that takes no escapes (`NO_COLOR`, `CLICOLOR=0`), none
    /// on a `dumb` one or off a terminal; ASCII glyphs when the locale is not UTF-8.
    pub fn stderr(verbosity: Verbosity) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let escapes = crate::output::escapes_allowed(terminal);
        let mut reporter = Self::to_writer(verbosity, escapes, Box::new(std::io::stderr()));
        reporter.set_ascii(!crate::output::unicode_allowed());
        let dumb = std::env::var("TERM").map_or(true, |t| t.is_empty() || t == "dumb");
        if terminal && verbosity > Verbosity::Quiet && !dumb {
            reporter.start_live_status(escapes);
        }
        reporter
    }

    /// Glyphs in ASCII (`▶` as `>`, `✔` as `+`, …).
    pub fn set_ascii(&mut self, ascii: bool) {
        self.inner.out.lock().unwrap_or_else(|e| e.into_inner()).ascii = ascii;
    }

    pub fn to_writer(verbosity: Verbosity, color: bool, out: Box<dyn Write + Send>) -> Self {
        let output = Output {
            writer: Box::new(Redacting::new(out)),
            live: None,
            asking: false,
            status_width: 0,
            frame: 0,
            ascii: false,
        };
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
    pub fn start_live_status(&self, escapes: bool) {
        self.inner.out.lock().unwrap_or_else(|e| e.into_inner()).live =
            Some(Live { running: Vec::new(), done: 0, queued: Default::default(), escapes });
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
            live.running.retain(|(k, _)| k != key);
            if started {
                live.running.push((key.to_string(), Instant::now()));
            } else {
                live.done += 1;
            }
        }
    }

    fn queued(&self, scope: Option<&str>, waiting: usize) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(live) = &mut out.live {
            live.queued.insert(scope.unwrap_or_default().to_string(), waiting);
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
        let text = redact(text);
        let text = if out.ascii { crate::output::ascii_glyphs(&text) } else { std::borrow::Cow::Borrowed(&*text) };
        for line in text.lines() {
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
            Event::Queued { waiting } => self.queued(scope, *waiting),
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
        let live = |name: &str| Live {
            running: vec![(name.to_string(), Instant::now())],
            done: 0,
            queued: Default::default(),
            escapes: true,
        };
        let before = "⠙ 0 done · 1 running · 0 queued · longest: xxxx".chars().count();
        // The cut 10 characters into the secret.
        let text = status_text(&live(&format!("xxxx{value}")), "⠙", before + 10);
        assert!(!text.contains("human-stat"), "{text}");
        assert!(text.contains("longest: xxxx***"), "{text}");
    }

    #[test]
    fn the_status_line_counts_and_names_the_longest_first() {
        let started = Instant::now() - Duration::from_secs(75);
        let live = Live {
            running: vec![("beta".into(), Instant::now()), ("acme".into(), started)],
            done: 4,
            queued: [("rollout".to_string(), 3), ("other".to_string(), 2)].into(),
            escapes: false,
        };
        let text = status_text(&live, "|", 200);
        assert!(text.starts_with("| 4 done · 2 running · 5 queued · longest: acme 1m15s · beta "), "{text}");
        let cut = status_text(&live, "|", 30);
        assert_eq!(cut, "| 4 done · 2 running · 5 queu…");
        assert_eq!(unicode_width::UnicodeWidthStr::width(cut.as_str()), 30);
    }
}
