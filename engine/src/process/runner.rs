//! The one seam between `auto` and the outside world.
//!
//! A [`Backend`] is how a run carries out effects, and so is its mode:
//! [`SystemRunner`](super::SystemRunner) runs everything,
//! [`RecordingRunner`](super::RecordingRunner) runs nothing and records (`--dry-run`),
//! [`PlanRunner`](super::PlanRunner) runs reads and records writes (`--plan`). The run
//! (`runtime::run::Run::new`, the one place that looks at the mode) picks it once.
//!
//! Primitives get a [`Runner`]: the run's backend bound to the scope the work runs in
//! ([`Scoped`]), so what it starts, records and reports is labelled with that step and
//! killed at that step's deadline, with no thread-local state.

use std::time::Duration;

use super::invocation::Invocation;
pub use super::observer::{LineObserver, Quiet, Stream};
use super::supervise::Holder;
use crate::report::Context;
use crate::secret::redact_lossy;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// `None` when the child was killed by a signal.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// The last lines of stdout and stderr, redacted: what a failure message shows. Tools
    /// disagree on where errors go (keytool prints them on stdout), so both count — except
    /// machine-readable JSON on stdout, which the primitive parses instead.
    pub fn tail(&self, lines: usize) -> String {
        let last = |bytes: &[u8]| {
            let text = redact_lossy(bytes);
            let all: Vec<&str> = text.trim_end().lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        };
        let stdout = last(&self.stdout);
        let stdout = if stdout.trim_start().starts_with('{') { String::new() } else { stdout };
        [stdout, last(&self.stderr)].into_iter().filter(|t| !t.trim().is_empty()).collect::<Vec<_>>().join("\n")
    }
}

/// What became of an invocation.
#[derive(Debug, Clone)]
pub enum Completion {
    Ran(Output),
    /// Not run: recorded for the plan. Primitives must not invent results from this (a
    /// mocked output that reaches an apply is how Terragrunt users get hurt); they report
    /// "known after apply" instead.
    Recorded,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum RunError {
    #[error("`{program}` was not found on PATH: install it or run `auto doctor` to see what is missing")]
    NotFound { program: String },
    #[error("could not start `{command}`: {message}")]
    Spawn { command: String, message: String },
    #[error("`{command}` did not finish within {} and was killed{}", humantime::format_duration(*.timeout), escaped(.held_by))]
    TimedOut { command: String, timeout: Duration, held_by: Option<Vec<Holder>> },
    #[error("step `{step}` exceeded its timeout of {}: `{command}` was killed{}", humantime::format_duration(*.timeout), escaped(.held_by))]
    StepTimedOut { command: String, step: String, timeout: Duration, held_by: Option<Vec<Holder>> },
    #[error(
        "`{command}` printed {printed} bytes on stdout, more than the {} auto keeps of a tool's output: it ran to the end ({}) but its output is not returned; have it write to a file and read that, or make it print less",
        bytes(*.limit),
        status(*.code)
    )]
    OutputTooLarge { command: String, limit: usize, printed: u64, code: Option<i32> },
    #[error(
        "`{command}` needs a value that is not known yet ({what}): it comes from a step that only recorded its work"
    )]
    Unknown { command: String, what: String },
    #[error("`{command}` was interrupted")]
    Interrupted { command: String },
    #[error("cannot write `{path}`: {message}")]
    Write { path: String, message: String },
    /// `auto apply`: the effect is not the one in the reviewed plan bundle.
    #[error("{message}")]
    NotReviewed { message: String },
    #[error("`{request}` failed: {message}")]
    Http { request: String, message: String },
}

/// Said after "was killed" when processes of the tool outlived the kill of its group
/// (`None`: its output pipes closed with it).
fn escaped(held_by: &Option<Vec<Holder>>) -> String {
    let Some(held_by) = held_by else { return String::new() };
    let what = format!(
        "; {} it started left its process group (`setsid` or a daemon), so it was not killed with it and still holds the output pipe",
        super::supervise::describe_holders(held_by),
    );
    if held_by.is_empty() {
        return what;
    }
    let pids: Vec<String> = held_by.iter().map(|h| h.pid.to_string()).collect();
    format!("{what}: stop it with `kill {}`", pids.join(" "))
}

/// "16 MiB", or "1000 bytes" when not a whole number of MiB.
fn bytes(n: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}

fn status(code: Option<i32>) -> String {
    match code {
        Some(code) => format!("exit code {code}"),
        None => "killed by a signal".to_string(),
    }
}

/// What primitives run commands and write files with.
pub trait Runner: Send + Sync {
    fn run(&self, invocation: &Invocation, observer: &dyn LineObserver) -> Result<Completion, RunError>;

    /// Writes a file (real runner) or records the write (dry-run, plan).
    fn write_file(&self, write: &super::FileWrite) -> Result<super::WriteOutcome, RunError>;

    /// Writes several files, in order. The real runner flushes them to disk together (one
    /// wait for the disk instead of one per file); each is still atomic on its own.
    fn write_files(&self, writes: &[super::FileWrite]) -> Result<Vec<super::WriteOutcome>, RunError> {
        writes.iter().map(|write| self.write_file(write)).collect()
    }

    /// Sends or records an HTTP request (`process/http.rs`).
    fn http(&self, request: &super::http::HttpRequest) -> Result<super::http::HttpCompletion, RunError> {
        Err(RunError::Http { request: request.to_string(), message: "this runner sends no HTTP requests".into() })
    }

    /// Where this runner's work is reported: the step scope it was handed out in. A primitive
    /// emits its progress here, so its lines carry the step's label.
    fn context(&self) -> Context {
        Context::silent()
    }
}

/// How a run carries out effects (its mode). Each call says where it happens, so one
/// backend serves every step and parallel task of the run.
pub trait Backend: Send + Sync {
    fn run(&self, invocation: &Invocation, observer: &dyn LineObserver, at: &Context) -> Result<Completion, RunError>;

    fn write_file(&self, write: &super::FileWrite, at: &Context) -> Result<super::WriteOutcome, RunError>;

    /// Sends an HTTP request (real runner; a read in a plan) or records it.
    fn http(&self, request: &super::http::HttpRequest, at: &Context) -> Result<super::http::HttpCompletion, RunError>;

    fn write_files(&self, writes: &[super::FileWrite], at: &Context) -> Result<Vec<super::WriteOutcome>, RunError> {
        writes.iter().map(|write| self.write_file(write, at)).collect()
    }

    /// Everything recorded instead of run, in order (empty for the system runner).
    fn recorded(&self) -> Vec<RecordedEffect> {
        Vec::new()
    }

    /// Whether a write was recorded in the scope `label` or below it (every scope when
    /// `None`): what makes a step of a plan or dry-run `pending`. Asked once per step, so
    /// the recorders answer it without copying their records.
    fn recorded_write_within(&self, label: Option<&str>) -> bool {
        self.recorded().iter().any(|effect| effect.is_write_within(label))
    }
}

/// A backend used on its own, outside a run (`auto doctor`, `auto affected`, unit tests):
/// its work belongs to no step and reports nowhere.
impl<B: Backend> Runner for B {
    fn run(&self, invocation: &Invocation, observer: &dyn LineObserver) -> Result<Completion, RunError> {
        Backend::run(self, invocation, observer, &Context::silent())
    }

    fn write_file(&self, write: &super::FileWrite) -> Result<super::WriteOutcome, RunError> {
        Backend::write_file(self, write, &Context::silent())
    }

    fn http(&self, request: &super::http::HttpRequest) -> Result<super::http::HttpCompletion, RunError> {
        Backend::http(self, request, &Context::silent())
    }

    fn write_files(&self, writes: &[super::FileWrite]) -> Result<Vec<super::WriteOutcome>, RunError> {
        Backend::write_files(self, writes, &Context::silent())
    }
}

/// The run's backend bound to one scope: what a step's primitives get.
#[derive(Clone)]
pub struct Scoped {
    backend: std::sync::Arc<dyn Backend>,
    at: Context,
}

impl Scoped {
    pub fn new(backend: std::sync::Arc<dyn Backend>, at: Context) -> Scoped {
        Scoped { backend, at }
    }
}

impl Runner for Scoped {
    fn run(&self, invocation: &Invocation, observer: &dyn LineObserver) -> Result<Completion, RunError> {
        self.backend.run(invocation, observer, &self.at)
    }

    fn write_file(&self, write: &super::FileWrite) -> Result<super::WriteOutcome, RunError> {
        self.backend.write_file(write, &self.at)
    }

    fn write_files(&self, writes: &[super::FileWrite]) -> Result<Vec<super::WriteOutcome>, RunError> {
        self.backend.write_files(writes, &self.at)
    }

    fn http(&self, request: &super::http::HttpRequest) -> Result<super::http::HttpCompletion, RunError> {
        self.backend.http(request, &self.at)
    }

    fn context(&self) -> Context {
        self.at.clone()
    }
}

/// What became of a file write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Written(super::FileChange),
    /// Recorded for the plan, with what it would do.
    Recorded(super::FileChange),
}

impl crate::runtime::steps::Outcome for WriteOutcome {
    /// Only a write that reached the disk changed something; a recorded one counts as a
    /// file the run would write.
    fn changes(&self) -> crate::runtime::steps::Changes {
        let (WriteOutcome::Written(change) | WriteOutcome::Recorded(change)) = self;
        let differs = *change != super::FileChange::Unchanged;
        crate::runtime::steps::Changes {
            counted: crate::report::summary::Counted::files(differs as u64),
            ..crate::runtime::steps::Changes::changed_if(matches!(self, WriteOutcome::Written(_)) && differs)
        }
    }
}

pub use crate::effect::{EffectKind, Mode, RecordedEffect};

/// "`cmd` failed with exit code 1:\n<last lines of stderr>": the message for a tool that
/// exited non-zero (command masked, output redacted).
pub fn describe_failure(invocation: &super::Invocation, output: &Output) -> String {
    let status = match output.code {
        Some(code) => format!("exit code {code}"),
        None => "a signal".to_string(),
    };
    let tail = output.tail(20);
    let mut message = format!("`{invocation}` failed with {status}");
    if !tail.is_empty() {
        message.push_str(":\n");
        message.push_str(&tail);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_says_which_processes_escaped_the_kill() {
        let timed_out = |held_by| {
            RunError::TimedOut { command: "sh -c x".into(), timeout: Duration::from_secs(1), held_by }.to_string()
        };
        expect_test::expect!["`sh -c x` did not finish within 1s and was killed"].assert_eq(&timed_out(None));
        expect_test::expect!["`sh -c x` did not finish within 1s and was killed; a process it started left its process group (`setsid` or a daemon), so it was not killed with it and still holds the output pipe"]
            .assert_eq(&timed_out(Some(vec![])));
        expect_test::expect!["`sh -c x` did not finish within 1s and was killed; process 42 (`sleep`) it started left its process group (`setsid` or a daemon), so it was not killed with it and still holds the output pipe: stop it with `kill 42`"]
            .assert_eq(&timed_out(Some(vec![Holder { pid: 42, name: "sleep".into() }])));
    }

    #[test]
    fn too_much_output_names_the_command_the_limit_and_the_size() {
        let error = RunError::OutputTooLarge { command: "cat big".into(), limit: 1000, printed: 5000, code: None };
        expect_test::expect!["`cat big` printed 5000 bytes on stdout, more than the 1000 bytes auto keeps of a tool's output: it ran to the end (killed by a signal) but its output is not returned; have it write to a file and read that, or make it print less"]
            .assert_eq(&error.to_string());
    }
}
