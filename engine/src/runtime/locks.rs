//! Scope locks (`dev`, `dev/acme`): two runs must not roll out the same customer at once.
//!
//! A lock is a file under `.auto/locks/` created atomically (`O_EXCL`) holding who took it:
//! run ID, user, host, pid and the pid's start time, and the process groups of the tools
//! the run has running, kept current as tools start and end. A second run fails fast with
//! the holder's run ID, user, host, pid and age.
//!
//! A lock is stale, and taken over with a warning, only when its holder ran on this host,
//! its process is gone (no such pid, or a pid reused by a process that started later), and
//! no process is left in its tools' process groups. Every tool runs in a group of its own
//! (see `runtime::interrupt`), so after `kill -9` of `auto` its terraform may still be
//! applying: a resume that took the lock then would start the same apply a second time.
//!
//! Locks are released when the run ends, on every path including Ctrl-C. Taking, judging
//! and taking over happen under an advisory lock on `.auto/locks/.guard`, which the kernel
//! releases when its process dies: two runs that find the same stale lock take it one after
//! the other, so only one holds it, and no run reads a lock file still being written.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use nix::errno::Errno;
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use crate::failure::FailureKind;
use crate::report::{Context, Event, LogLevel};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Holder {
    pub run_id: String,
    pub pid: u32,
    pub host: String,
    pub user: String,
    pub since: String,
    /// When `pid` started (clock ticks after boot, `/proc/<pid>/stat`): tells the holder
    /// from a later process that was given the same pid. Absent in locks of older `auto`s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<u64>,
    /// The process groups of the tools the holder has running.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_groups: Vec<ToolGroup>,
}

/// A tool's process group: the group ID (the tool's pid) and when the tool started.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ToolGroup {
    pub pgid: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LockError {
    #[error("`{scope}` is locked by run {} ({}@{}, pid {}) since {}: wait for it to finish, or if that run is gone, remove `{}`", .holder.run_id, .holder.user, .holder.host, .holder.pid, .holder.since, .path.display())]
    Held { scope: String, holder: Box<Holder>, path: PathBuf },
    #[error("`{scope}` is locked by run {} ({}@{}) since {}: its process (pid {}) is gone, but tools it started still run (process group {}): wait for them to end, or stop them (`kill -TERM -- -{}`), then run again", .holder.run_id, .holder.user, .holder.host, .holder.since, .holder.pid, join(.groups), .groups.first().copied().unwrap_or_default())]
    ToolsStillRunning { scope: String, holder: Box<Holder>, groups: Vec<i32>, path: PathBuf },
    #[error("cannot take the lock on `{scope}` at `{}`: {message}", .path.display())]
    Io { scope: String, path: PathBuf, message: String },
    #[error("{held} (waited {}{})", humantime::format_duration(*.waited), if *.interrupted { ", interrupted" } else { "" })]
    Waited { held: Box<LockError>, waited: std::time::Duration, interrupted: bool },
}

impl LockError {
    /// Exit 4 is for "another run holds it"; not being able to take a lock at all is a
    /// problem of the machine (exit 1), and its cause is in the message.
    pub fn failure_kind(&self) -> FailureKind {
        match self {
            LockError::Held { .. } | LockError::ToolsStillRunning { .. } => FailureKind::LockHeld,
            LockError::Waited { interrupted: true, .. } => FailureKind::Interrupted,
            LockError::Waited { held, .. } => held.failure_kind(),
            LockError::Io { .. } => FailureKind::Failed,
        }
    }
}

fn join(groups: &[i32]) -> String {
    groups.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(", ")
}

pub struct Locks {
    dir: PathBuf,
    run_id: String,
    /// Dry-run and plan change nothing, so they take no locks.
    enabled: bool,
    held: Mutex<Vec<(String, PathBuf)>>,
}

/// What this process holds, for the runner's hooks: every held lock file is rewritten when
/// a tool starts or ends. Process-wide because tools are tracked process-wide
/// (`runtime::interrupt`); one `auto` process is one run.
struct Registry {
    held: Vec<(PathBuf, Holder)>,
    tool_groups: Vec<ToolGroup>,
}

/// The locks this process holds and its tools' process groups. Process-wide on purpose: a
/// lock file names the holding process (its pid) and every tool group it runs, which the
/// stale-lock check reads, so every run in the process publishes the same list.
static REGISTRY: Mutex<Registry> = Mutex::new(Registry { held: Vec::new(), tool_groups: Vec::new() });

impl Locks {
    pub fn new(dir: PathBuf, run_id: String, enabled: bool) -> Self {
        Locks { dir, run_id, enabled, held: Mutex::new(Vec::new()) }
    }

    /// Takes the lock on `scope` for this run (idempotent).
    pub fn acquire(&self, scope: &str, at: &Context) -> Result<(), LockError> {
        if !self.enabled {
            return Ok(());
        }
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.iter().any(|(s, _)| s == scope) {
            return Ok(());
        }
        let path = self.dir.join(format!("{}.lock", scope.replace('/', "__")));
        let io_error = |message: String| LockError::Io { scope: scope.to_string(), path: path.clone(), message };
        let _guard = self.guard().map_err(io_error)?;
        let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
        let me = Holder {
            run_id: self.run_id.clone(),
            pid: std::process::id(),
            host: hostname(),
            user: user_name(),
            since: crate::clock::now_rfc3339(),
            started: start_time(std::process::id() as i32),
            tool_groups: registry.tool_groups.clone(),
        };
        match create_lock(&path, &me) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = match fs::read_to_string(&path) {
                    Ok(text) => serde_json::from_str::<Holder>(&text).ok(),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(e) => return Err(io_error(e.to_string())),
                };
                let who = match holder {
                    Some(holder) => match holding(&holder) {
                        Holding::Alive => {
                            return Err(LockError::Held { scope: scope.to_string(), holder: Box::new(holder), path })
                        }
                        Holding::ToolsRunning(groups) => {
                            return Err(LockError::ToolsStillRunning {
                                scope: scope.to_string(),
                                holder: Box::new(holder),
                                groups,
                                path,
                            })
                        }
                        Holding::Gone => format!("run {} (pid {} on {})", holder.run_id, holder.pid, holder.host),
                    },
                    None => "an unreadable holder".to_string(),
                };
                at.emit(Event::Log {
                    level: LogLevel::Warn,
                    message: format!("taking over the stale lock on `{scope}` left by {who}"),
                });
                match fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_error(e.to_string())),
                    _ => {}
                }
                create_lock(&path, &me).map_err(|e| io_error(e.to_string()))?;
            }
            Err(e) => return Err(io_error(e.to_string())),
            Ok(()) => {}
        }
        registry.held.push((path.clone(), me));
        held.push((scope.to_string(), path));
        Ok(())
    }

    /// The advisory lock under which locks are taken; released when the file is closed.
    fn guard(&self) -> Result<File, String> {
        if let Err(e) = fs::create_dir_all(&self.dir) {
            return Err(match fs::metadata(&self.dir) {
                Ok(metadata) if !metadata.is_dir() => {
                    format!("`{}` is not a folder ({e}): move it away", self.dir.display())
                }
                _ => e.to_string(),
            });
        }
        let guard = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(".guard"))
            .map_err(|e| e.to_string())?;
        guard.lock().map_err(|e| e.to_string())?;
        Ok(guard)
    }

    /// Takes `scope` like [`Locks::acquire`], waiting up to `wait` while another run holds
    /// it (a drift plan waits for an apply, it does not fail). True when this call took
    /// it, false when the run held it already (or takes no locks): only a taker releases.
    /// `stop` says when to give up waiting at once (Ctrl-C: the caller knows how to tell).
    pub fn acquire_waiting(
        &self,
        scope: &str,
        at: &Context,
        wait: std::time::Duration,
        stop: &dyn Fn() -> bool,
    ) -> Result<bool, LockError> {
        if !self.enabled || self.held.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|(s, _)| s == scope) {
            return Ok(false);
        }
        let started = std::time::Instant::now();
        let mut said = false;
        loop {
            match self.acquire(scope, at) {
                Ok(()) => {
                    if said {
                        let elapsed_ms = started.elapsed().as_millis() as u64;
                        at.emit(Event::Waited { reason: format!("the lock on {scope}"), elapsed_ms });
                    }
                    return Ok(true);
                }
                Err(held @ (LockError::Held { .. } | LockError::ToolsStillRunning { .. })) => {
                    let waited = started.elapsed();
                    if waited >= wait {
                        return Err(LockError::Waited { held: Box::new(held), waited, interrupted: false });
                    }
                    if !said {
                        said = true;
                        at.emit(Event::Log {
                            level: LogLevel::Info,
                            message: format!("waiting up to {} for the lock: {held}", humantime::format_duration(wait)),
                        });
                    }
                    if stop() {
                        return Err(LockError::Waited { held: Box::new(held), waited, interrupted: true });
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100).min(wait - waited));
                }
                Err(other) => return Err(other),
            }
        }
    }

    /// Gives `scope` back before the run ends (what [`Locks::acquire_waiting`] took).
    pub fn release(&self, scope: &str) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
        held.retain(|(s, path)| {
            if s != scope {
                return true;
            }
            registry.held.retain(|(p, _)| p != path);
            let _ = fs::remove_file(path);
            false
        });
    }

    pub fn release_all(&self) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        // Under the registry's lock, so a tool ending at this moment cannot write a lock
        // file back after it was removed.
        let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
        for (_, path) in held.drain(..) {
            registry.held.retain(|(p, _)| *p != path);
            let _ = fs::remove_file(path);
        }
    }
}

impl Drop for Locks {
    fn drop(&mut self) {
        self.release_all();
    }
}

fn create_lock(path: &Path, holder: &Holder) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(serde_json::to_string(holder).unwrap_or_default().as_bytes())?;
    file.sync_all()
}

/// A tool was started in process group `pgid`: every lock this process holds says so.
pub fn tool_started(pgid: i32) {
    let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    registry.tool_groups.push(ToolGroup { pgid, started: start_time(pgid) });
    registry.publish();
}

/// A tool in group `pgid` ended. Its group stays listed while processes it left behind
/// (background children) are still in it.
pub fn tool_finished(pgid: i32) {
    let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    registry.tool_groups.retain(|g| g.pgid != pgid || group_exists(g.pgid));
    registry.publish();
}

impl Registry {
    /// Rewrites every held lock with the current tool groups: a new file renamed over the
    /// old, so a reader sees one or the other, never half. Not synced: `kill -9` loses no
    /// written data, and a power cut ends the tools too.
    fn publish(&mut self) {
        self.tool_groups.retain(|g| group_exists(g.pgid));
        let groups = self.tool_groups.clone();
        for (path, holder) in &mut self.held {
            holder.tool_groups = groups.clone();
            let temporary = path.with_extension(format!("lock.{}.tmp", std::process::id()));
            let written = fs::write(&temporary, serde_json::to_string(holder).unwrap_or_default())
                .and_then(|()| fs::rename(&temporary, &*path));
            if let Err(e) = written {
                let _ = fs::remove_file(&temporary);
                tracing::debug!("cannot record the tool groups in `{}`: {e}", path.display());
            }
        }
    }
}

enum Holding {
    Alive,
    /// The holder's process is gone, but these tool groups still have processes.
    ToolsRunning(Vec<i32>),
    Gone,
}

/// Whether the holder still holds: it runs on another host (cannot tell: held), its process
/// lives, or processes of its tools' groups do.
fn holding(holder: &Holder) -> Holding {
    if holder.host != hostname() {
        return Holding::Alive;
    }
    if process_is(holder.pid as i32, holder.started) {
        return Holding::Alive;
    }
    let running: Vec<i32> = holder.tool_groups.iter().filter(|g| tool_group_runs(g)).map(|g| g.pgid).collect();
    if running.is_empty() {
        Holding::Gone
    } else {
        Holding::ToolsRunning(running)
    }
}

/// Whether `pid` is a live process and, when its start time is known, the one that
/// started then. A zombie is not live: after `kill -9` a dead `auto` stays one until its
/// parent reaps it, and its tools stay zombies forever where init does not reap.
fn process_is(pid: i32, started: Option<u64>) -> bool {
    if pid <= 0 || matches!(nix::sys::signal::kill(Pid::from_raw(pid), None), Err(Errno::ESRCH)) {
        return false;
    }
    match proc_stat(pid) {
        Some(stat) => stat.is_live() && started.is_none_or(|recorded| recorded == stat.started),
        // It exists (EPERM included) and /proc cannot tell more.
        None => true,
    }
}

/// Whether group `pgid` has a process (`kill(-pgid, 0)`): cheap, for pruning the list of
/// this run's own tool groups, which `auto` reaps while it lives.
fn group_exists(pgid: i32) -> bool {
    pgid > 0 && !matches!(nix::sys::signal::killpg(Pid::from_raw(pgid), None), Err(Errno::ESRCH))
}

/// Whether group `pgid` has a live process, zombies left out (see [`process_is`]).
fn group_has_live_process(pgid: i32) -> bool {
    if !group_exists(pgid) {
        return false;
    }
    let Ok(entries) = fs::read_dir("/proc") else { return true };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .any(|pid| proc_stat(pid).is_some_and(|stat| stat.pgrp == pgid && stat.is_live()))
}

/// A tool group counts while it has a live process, unless a live process with the tool's
/// pid started at another time: then the tool's group ended, its pid was given to a new
/// process, and that one leads a group of its own. (While a group exists, Linux gives its
/// ID to no new process.)
fn tool_group_runs(group: &ToolGroup) -> bool {
    let reused = match (group.started, proc_stat(group.pgid)) {
        (Some(recorded), Some(stat)) => stat.is_live() && stat.started != recorded,
        _ => false,
    };
    !reused && group_has_live_process(group.pgid)
}

/// What `/proc/<pid>/stat` says of a process.
#[derive(Debug, PartialEq)]
struct ProcStat {
    /// Field 3: `R`, `S`, `D`…, `Z` for a zombie, `X` for dead.
    state: char,
    /// Field 5: the process group.
    pgrp: i32,
    /// Field 22: the start time in clock ticks after boot.
    started: u64,
}

impl ProcStat {
    fn is_live(&self) -> bool {
        !matches!(self.state, 'Z' | 'X' | 'x')
    }
}

fn proc_stat(pid: i32) -> Option<ProcStat> {
    parse_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The name (field 2) is in parentheses and may hold spaces and `)`: fields are counted
/// after the last `)`, where field 3 is the first.
fn parse_stat(stat: &str) -> Option<ProcStat> {
    let (_, after_name) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    Some(ProcStat {
        state: fields.first()?.chars().next()?,
        pgrp: fields.get(5 - 3)?.parse().ok()?,
        started: fields.get(22 - 3)?.parse().ok()?,
    })
}

fn start_time(pid: i32) -> Option<u64> {
    proc_stat(pid).map(|stat| stat.started)
}

/// Who runs auto: `$USER`, else `$LOGNAME` (cron, some containers), else the password
/// database's name for the user id, else the id itself.
pub fn user_name() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .or_else(|| nix::unistd::User::from_uid(nix::unistd::getuid()).ok().flatten().map(|user| user.name))
        .unwrap_or_else(|| format!("uid {}", nix::unistd::getuid()))
}

pub fn hostname() -> String {
    nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_stat_is_read_past_a_name_with_spaces_and_parentheses() {
        let stat = "4242 (a) b (c) S 1 4241 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
        assert_eq!(parse_stat(stat), Some(ProcStat { state: 'S', pgrp: 4241, started: 987654 }));
        assert_eq!(parse_stat("4242 (x) S 1"), None);
        assert!(!parse_stat(&stat.replace(" S ", " Z ")).unwrap().is_live());
        let mine = start_time(std::process::id() as i32);
        assert!(mine.is_some_and(|t| t > 0));
        assert!(process_is(std::process::id() as i32, mine));
        assert!(!process_is(std::process::id() as i32, mine.map(|t| t + 1)), "a reused pid is not the holder");
    }

    fn holder(pid: u32, started: Option<u64>, tool_groups: Vec<ToolGroup>) -> Holder {
        Holder { run_id: "r".into(), pid, host: hostname(), user: "u".into(), since: "t".into(), started, tool_groups }
    }

    #[test]
    fn a_dead_holder_holds_while_its_tool_groups_live() {
        // No process has pid 4194303 (above the default pid_max).
        assert!(matches!(holding(&holder(4194303, None, vec![])), Holding::Gone));
        // This test's process group stands in for a tool group that still has processes.
        let group = nix::unistd::getpgrp().as_raw();
        let tool = ToolGroup { pgid: group, started: start_time(group) };
        match holding(&holder(4194303, None, vec![tool.clone()])) {
            Holding::ToolsRunning(groups) => assert_eq!(groups, vec![group]),
            _ => panic!("a live tool group holds the lock"),
        }
        let reused = ToolGroup { started: tool.started.map(|t| t + 1), ..tool };
        if start_time(group).is_some() {
            assert!(matches!(holding(&holder(4194303, None, vec![reused])), Holding::Gone));
        }
        let gone = ToolGroup { pgid: 4194303, started: None };
        assert!(matches!(holding(&holder(4194303, None, vec![gone])), Holding::Gone));
    }

    #[test]
    fn a_lock_folder_that_is_a_file_is_an_io_error_not_locked() {
        let dir = tempfile::tempdir().unwrap();
        let locks_dir = dir.path().join("locks");
        fs::write(&locks_dir, "").unwrap();
        let locks = Locks::new(locks_dir, "r".into(), true);
        let error = locks.acquire("dev", &crate::report::Context::silent()).unwrap_err();
        assert_eq!(error.failure_kind(), FailureKind::Failed);
        assert!(error.to_string().contains("is not a folder"), "{error}");
    }
}
