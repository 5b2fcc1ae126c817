//! Scope locks (`dev`, `dev/acme`): two runs must not roll out the same customer at once.
//!
//! A lock is a file under `.auto/locks/` created atomically (`O_EXCL`) holding who took it.
//! A second run fails fast with the holder's run ID, user, host, pid and age. A lock whose
//! holder process is gone (same host, pid not alive) is stale and taken over with a
//! warning. Locks are released when the run ends, on every path including Ctrl-C; `kill -9`
//! leaves a stale lock, which the next run detects.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::report::{emit, Event, LogLevel};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Holder {
    pub run_id: String,
    pub pid: u32,
    pub host: String,
    pub user: String,
    pub since: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LockError {
    #[error("`{scope}` is locked by run {} ({}@{}, pid {}) since {}: wait for it to finish, or if that run is gone, remove `{}`", .holder.run_id, .holder.user, .holder.host, .holder.pid, .holder.since, .path.display())]
    Held { scope: String, holder: Box<Holder>, path: PathBuf },
    #[error("cannot take the lock on `{scope}` at `{}`: {message}", .path.display())]
    Io { scope: String, path: PathBuf, message: String },
}

pub struct Locks {
    dir: PathBuf,
    run_id: String,
    /// Dry-run and plan change nothing, so they take no locks.
    enabled: bool,
    held: Mutex<Vec<(String, PathBuf)>>,
}

impl Locks {
    pub fn new(dir: PathBuf, run_id: String, enabled: bool) -> Self {
        Locks { dir, run_id, enabled, held: Mutex::new(Vec::new()) }
    }

    /// Takes the lock on `scope` for this run (idempotent).
    pub fn acquire(&self, scope: &str) -> Result<(), LockError> {
        if !self.enabled {
            return Ok(());
        }
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.iter().any(|(s, _)| s == scope) {
            return Ok(());
        }
        let path = self.dir.join(format!("{}.lock", scope.replace('/', "__")));
        let io_error =
            |e: std::io::Error| LockError::Io { scope: scope.to_string(), path: path.clone(), message: e.to_string() };
        fs::create_dir_all(&self.dir).map_err(io_error)?;
        let me = Holder {
            run_id: self.run_id.clone(),
            pid: std::process::id(),
            host: hostname(),
            user: std::env::var("USER").unwrap_or_else(|_| "unknown".into()),
            since: crate::runtime::clock::now_rfc3339(),
        };
        for _attempt in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    file.write_all(serde_json::to_string(&me).unwrap_or_default().as_bytes()).map_err(io_error)?;
                    file.sync_all().map_err(io_error)?;
                    held.push((scope.to_string(), path));
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder: Option<Holder> =
                        fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok());
                    match holder {
                        Some(holder) if !is_stale(&holder) => {
                            return Err(LockError::Held { scope: scope.to_string(), holder: Box::new(holder), path })
                        }
                        stale => {
                            let who = stale
                                .map(|h| format!("run {} (pid {} on {})", h.run_id, h.pid, h.host))
                                .unwrap_or_else(|| "an unreadable holder".into());
                            emit(Event::Log {
                                level: LogLevel::Warn,
                                message: format!("taking over the stale lock on `{scope}` left by {who}"),
                            });
                            let _ = fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => return Err(io_error(e)),
            }
        }
        Err(LockError::Io { scope: scope.to_string(), path, message: "another run raced for it".into() })
    }

    pub fn release_all(&self) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        for (_, path) in held.drain(..) {
            let _ = fs::remove_file(path);
        }
    }
}

impl Drop for Locks {
    fn drop(&mut self) {
        self.release_all();
    }
}

/// Stale when the holder ran on this host and its process no longer exists.
fn is_stale(holder: &Holder) -> bool {
    if holder.host != hostname() {
        return false;
    }
    let pid = nix::unistd::Pid::from_raw(holder.pid as i32);
    matches!(nix::sys::signal::kill(pid, None), Err(nix::errno::Errno::ESRCH))
}

pub fn hostname() -> String {
    nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "unknown".into())
}
