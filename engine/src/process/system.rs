//! The only code in `auto` that starts processes (clippy's `disallowed-methods` enforces it).

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::invocation::{Arg, Invocation, Stdin};
use super::runner::{Backend, Completion, LineObserver, Output, RunError};
use super::supervise::{self, End};
use crate::report::Context;
use crate::runtime::interrupt;

#[derive(Default)]
pub struct SystemRunner;

impl Backend for SystemRunner {
    fn http(&self, request: &super::http::HttpRequest, _: &Context) -> Result<super::http::HttpCompletion, RunError> {
        if crate::runtime::interrupt::is_interrupted() {
            return Err(RunError::Interrupted { command: request.to_string() });
        }
        super::http::send(request)
            .map(super::http::HttpCompletion::Sent)
            .map_err(|message| RunError::Http { request: request.to_string(), message })
    }

    fn run(&self, invocation: &Invocation, observer: &dyn LineObserver, at: &Context) -> Result<Completion, RunError> {
        let command = invocation.to_string();
        if let Some(what) = &invocation.unknown {
            return Err(RunError::Unknown { command, what: what.clone() });
        }
        let spawn_error = |message: String| RunError::Spawn { command: command.clone(), message };
        if let Some(cwd) = &invocation.cwd {
            if !cwd.is_dir() {
                return Err(spawn_error(format!("working directory `{}` does not exist", cwd.display())));
            }
        }
        // Attached files live in a private directory that is removed when this returns.
        let scratch =
            materialize_files(invocation).map_err(|e| spawn_error(format!("cannot write attached files: {e}")))?;
        let args = resolve_args(invocation, scratch.as_ref().map(|d| d.path()));

        #[allow(clippy::disallowed_methods)] // the one sanctioned spawn site
        let mut cmd = Command::new(&invocation.program);
        cmd.args(&args)
            .stdin(if invocation.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Own process group: the terminal's Ctrl-C reaches only us, and we forward it
            // once, so terraform gets a single graceful interrupt.
            .process_group(0);
        die_with_auto(&mut cmd);
        for (key, value) in &invocation.env {
            cmd.env(key, value.expose());
        }
        if let Some(cwd) = &invocation.cwd {
            cmd.current_dir(cwd);
        }
        // Announced here, where it really starts: recorded commands are reported by the
        // recording runners instead.
        at.emit(crate::report::Event::CommandStarted { command: command.clone() });
        let started = Instant::now();
        // The invocation's own timeout, or what is left of the enclosing step's.
        let deadline = at.deadline.clone();
        let step_left = deadline.as_ref().map(|d| d.at.saturating_duration_since(started));
        let effective_timeout = match (invocation.timeout, step_left) {
            (Some(own), Some(left)) => Some(own.min(left)),
            (own, left) => own.or(left),
        };
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RunError::NotFound { program: invocation.program.clone() },
            _ => spawn_error(e.to_string()),
        })?;
        let _guard = interrupt::track_child(child.id() as i32);

        let stdin: Option<&[u8]> = invocation.stdin.as_ref().map(|payload| match payload {
            Stdin::Plain(bytes) => bytes.as_slice(),
            Stdin::Secret(secret) => secret.expose().as_bytes(),
        });
        let supervised =
            match supervise::supervise(&mut child, stdin, observer, effective_timeout, invocation.max_stdout) {
                Ok(supervised) => supervised,
                Err(e) => {
                    // A child auto can no longer follow must not run on unwatched.
                    let _ = nix::sys::signal::killpg(
                        nix::unistd::Pid::from_raw(child.id() as i32),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                    let _ = child.wait();
                    return Err(spawn_error(format!("lost track of it: {e}")));
                }
            };
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let exit_code = match &supervised.end {
            End::Exited(status) => status.code(),
            End::TimedOut => None,
        };
        at.emit(crate::report::Event::CommandFinished { command: command.clone(), exit_code, elapsed_ms });
        let status = match supervised.end {
            End::Exited(status) => status,
            End::TimedOut => {
                let held_by = supervised.held_by;
                return Err(match (&deadline, step_left) {
                    (Some(deadline), Some(left)) if invocation.timeout.is_none_or(|own| left <= own) => {
                        RunError::StepTimedOut {
                            command,
                            step: deadline.step.clone(),
                            timeout: deadline.timeout,
                            held_by,
                        }
                    }
                    _ => RunError::TimedOut { command, timeout: invocation.timeout.unwrap_or_default(), held_by },
                });
            }
        };
        if let Some(held_by) = &supervised.held_by {
            at.emit(crate::report::Event::Log {
                level: crate::report::LogLevel::Warn,
                message: format!(
                    "`{command}` exited, but {} it started still holds its output: auto stopped reading after {} and went on without it (it was not stopped)",
                    supervise::describe_holders(held_by),
                    humantime::format_duration(supervise::GRACE),
                ),
            });
        }
        if interrupt::is_interrupted() && !status.success() {
            return Err(RunError::Interrupted { command });
        }
        if supervised.stdout.overflowed() {
            return Err(RunError::OutputTooLarge {
                command,
                limit: invocation.max_stdout,
                printed: supervised.stdout.total(),
                code: status.code(),
            });
        }
        Ok(Completion::Ran(Output {
            code: status.code(),
            stdout: supervised.stdout.into_bytes(),
            stderr: supervised.stderr.into_bytes(),
            elapsed: started.elapsed(),
        }))
    }

    fn write_file(&self, write: &super::FileWrite, _: &Context) -> Result<super::WriteOutcome, RunError> {
        super::files::write_atomically(write)
            .map(super::WriteOutcome::Written)
            .map_err(|e| RunError::Write { path: write.display.clone(), message: e.to_string() })
    }

    fn write_files(&self, writes: &[super::FileWrite], _: &Context) -> Result<Vec<super::WriteOutcome>, RunError> {
        super::files::write_all_atomically(writes)
            .map(|changes| changes.into_iter().map(super::WriteOutcome::Written).collect())
            .map_err(|(display, e)| RunError::Write { path: display, message: e.to_string() })
    }
}

/// Children die with `auto` (issue 18, item 15): a `kill -9` of `auto`, or the OOM
/// killer, used to leave terraform applying and kubectl waiting with nobody reading them.
/// SIGTERM rather than SIGKILL: terraform takes it as a graceful stop (it finishes the
/// resource in flight, writes its state and releases the lock), as on the first Ctrl-C;
/// a tool that ignores it dies at its next write, as its output pipe is gone with `auto`.
/// The kernel sends it when the *thread* that forked the child exits; [`SystemRunner::run`]
/// blocks its calling thread until the child is reaped, so that thread outlives it.
/// It reaches the child itself, not what the child started (a setting cleared by fork).
#[cfg(target_os = "linux")]
fn die_with_auto(cmd: &mut Command) {
    let parent = nix::unistd::getpid();
    // SAFETY: the closure runs between fork and exec and only makes the prctl and getppid
    // syscalls (async-signal-safe); its error is built from an errno, without allocating.
    unsafe {
        cmd.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)?;
            // `auto` died between fork and prctl: no signal will come, so do not start.
            if nix::unistd::getppid() != parent {
                return Err(std::io::Error::from_raw_os_error(nix::libc::ESRCH));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_auto(_: &mut Command) {}

fn materialize_files(invocation: &Invocation) -> std::io::Result<Option<tempfile::TempDir>> {
    if invocation.files.is_empty() {
        return Ok(None);
    }
    // tempfile creates the directory 0700.
    let dir = tempfile::Builder::new().prefix("auto-").tempdir()?;
    for file in &invocation.files {
        let mut handle =
            fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(dir.path().join(&file.name))?;
        handle.write_all(file.contents.expose().as_bytes())?;
        handle.sync_all()?;
    }
    Ok(Some(dir))
}

fn resolve_args(invocation: &Invocation, scratch: Option<&Path>) -> Vec<String> {
    let path_of = |name: &str| -> String {
        scratch.map(|dir| dir.join(name)).unwrap_or_else(|| PathBuf::from(name)).display().to_string()
    };
    invocation
        .args
        .iter()
        .map(|arg| match arg {
            Arg::Plain(value) => value.clone(),
            Arg::FilePath(name) => path_of(name),
            Arg::FlagWithFile { prefix, file } => format!("{prefix}{}", path_of(file)),
        })
        .collect()
}
