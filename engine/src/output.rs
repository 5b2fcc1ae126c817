//! What commands print, through one writer that survives a closed or full stdout.
//!
//! `println!` panics when stdout is gone: `auto list | head -1` and `auto list >/dev/full`
//! exited 101 with a backtrace (issue 18, item 18). Everything a command prints goes
//! through [`stdout`] (the `out!`/`outln!` macros) instead; clippy's `print_stdout` and
//! `print_stderr` lints keep it that way. What a failed write means:
//!
//! - the reader closed the pipe (EPIPE, `| head -1`): the command stops and `auto` exits
//!   0 without a message, as ripgrep does — the reader has what it wanted;
//! - anything else (ENOSPC from `>/dev/full`, EIO): the command stops and `auto` exits 1
//!   with one line on stderr, if stderr still works.
//!
//! Messages on stderr ([`stderr`], `errln!`) are best effort: when stderr itself is gone
//! there is nowhere left to say so, and the exit code already tells.

use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;

/// The first failed write of a run's report (reporters write from many threads and
/// cannot return an error to the run): a run whose report could not be written must not
/// exit 0 as if it had been. A closed pipe is not a failure (see above). Process-wide
/// because stdout and stderr are: a failed write there fails every run writing to them.
static REPORT_WRITE_FAILED: Mutex<Option<String>> = Mutex::new(None);

/// Whether a run's JSON-lines events on stdout ended with its `run_finished` (exit code
/// and error included): what reads them has the end, and needs no `auto.error/v1`.
static RUN_FINISHED_ON_STDOUT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn run_finished_on_stdout() {
    RUN_FINISHED_ON_STDOUT.store(true, std::sync::atomic::Ordering::Relaxed);
}

pub fn stdout_has_run_finished() -> bool {
    RUN_FINISHED_ON_STDOUT.load(std::sync::atomic::Ordering::Relaxed)
}

/// Records a failed write of a reporter.
pub fn report_write_failed(error: &io::Error) {
    if error.kind() != io::ErrorKind::BrokenPipe {
        REPORT_WRITE_FAILED.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(|| error.to_string());
    }
}

/// Why the run's report could not be written, if it could not.
pub fn report_failure() -> Option<String> {
    REPORT_WRITE_FAILED.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    /// The reader went away; not a failure of `auto`.
    #[error("stdout was closed before everything was written")]
    Closed,
    #[error("cannot write to stdout: {0}")]
    Failed(String),
}

impl OutputError {
    fn of(error: io::Error) -> OutputError {
        match error.kind() {
            io::ErrorKind::BrokenPipe => OutputError::Closed,
            _ => OutputError::Failed(error.to_string()),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            OutputError::Closed => 0,
            OutputError::Failed(_) => 1,
        }
    }

    /// A closed pipe ends `auto` without a message.
    pub fn is_quiet(&self) -> bool {
        matches!(self, OutputError::Closed)
    }
}

/// Writes to stdout and flushes, so a failure surfaces here and not in an exit handler.
pub fn stdout(args: fmt::Arguments<'_>) -> Result<(), OutputError> {
    let mut out = io::stdout().lock();
    out.write_fmt(args).and_then(|()| out.flush()).map_err(OutputError::of)
}

/// [`stdout`] for bytes made elsewhere (generated completions).
pub fn stdout_bytes(bytes: &[u8]) -> Result<(), OutputError> {
    let mut out = io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(OutputError::of)
}

/// Whether text for a terminal may carry escape sequences (colour, clearing a line): only
/// on a terminal, and not when the user said no — `NO_COLOR` (no-color.org), `CLICOLOR=0`
/// (the BSD convention), or a `TERM` of `dumb` or none (Emacs shells, CI consoles).
pub fn escapes_allowed(is_terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let term = std::env::var("TERM").unwrap_or_default();
    is_terminal
        && !set("NO_COLOR")
        && std::env::var("CLICOLOR").map_or(true, |v| v != "0")
        && !term.is_empty()
        && term != "dumb"
}

/// Whether the locale's character set is UTF-8 (the first of `LC_ALL`, `LC_CTYPE` and
/// `LANG` that is set decides, as for every C program); otherwise the glyphs of the
/// progress view are written as ASCII ([`ascii_glyphs`]), which any terminal shows.
pub fn unicode_allowed() -> bool {
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
        .to_ascii_lowercase();
    locale.contains("utf-8") || locale.contains("utf8")
}

/// `text` with the glyphs auto itself draws (marks, arrows, separators, the spinner)
/// spelled in ASCII. Other text (a customer's display name) is left as it is.
pub fn ascii_glyphs(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '▶' => out.push('>'),
            '✔' => out.push('+'),
            '✘' => out.push('x'),
            '↷' => out.push('-'),
            '◌' => out.push('o'),
            '→' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '·' => out.push('|'),
            '—' | '–' => out.push('-'),
            '…' => out.push_str("..."),
            '⠋' | '⠙' | '⠹' | '⠸' | '⠼' | '⠴' | '⠦' | '⠧' | '⠇' | '⠏' => out.push('*'),
            other => out.push(other),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// One `--output json` document on stdout, indented for a person and `jq` alike.
pub fn json_document(value: &serde_json::Value) -> Result<(), OutputError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| OutputError::Failed(e.to_string()))?;
    stdout(format_args!("{text}\n"))
}

/// Whether the command line asks for `--output json`, read before (or without) clap: a
/// command line clap refuses still gets its error as JSON.
pub fn json_requested<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> bool {
    // After `--`, words are no longer options.
    let options = args.iter().map(AsRef::as_ref).take_while(|a| *a != "--");
    let mut previous_was_output = false;
    for arg in options {
        if previous_was_output && arg == "json" || arg == "--output=json" {
            return true;
        }
        previous_was_output = arg == "--output";
    }
    false
}

/// Writes to stderr, ignoring failure (see the module doc).
pub fn stderr(args: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.flush());
}

/// Prints what clap has to say instead of letting clap print it: clap ignores a failed
/// write (`--help >/dev/full` exited 0). Help and version go to stdout like any other
/// output; usage errors to stderr, keeping clap's exit code (2).
pub fn clap(error: &clap::Error) -> ExitCode {
    let rendered = error.render();
    let colour = escapes_allowed;
    if error.use_stderr() {
        let text = if colour(io::stderr().is_terminal()) { rendered.ansi().to_string() } else { rendered.to_string() };
        stderr(format_args!("{text}"));
        return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
    }
    let text = if colour(io::stdout().is_terminal()) { rendered.ansi().to_string() } else { rendered.to_string() };
    match stdout(format_args!("{text}")) {
        Ok(()) => ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(0)),
        Err(failure) => {
            if !failure.is_quiet() {
                stderr(format_args!("error: {failure}\n"));
            }
            ExitCode::from(failure.exit_code())
        }
    }
}

/// `out!("{x}")?`: [`stdout`] with `format!` arguments.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::stdout(format_args!($($arg)*))
    };
}

/// `outln!("{x}")?`: a line on stdout.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::output::stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `errln!("{x}")`: a line on stderr, best effort.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_quiet_and_exits_0_other_failures_exit_1() {
        let closed = OutputError::of(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!((closed.is_quiet(), closed.exit_code()), (true, 0));
        let full = OutputError::of(io::Error::from_raw_os_error(28));
        assert!(!full.is_quiet());
        assert_eq!(full.exit_code(), 1);
        assert_eq!(full.to_string(), "cannot write to stdout: No space left on device (os error 28)");
    }
}
