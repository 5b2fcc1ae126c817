//! Ctrl-C handling shared by the runner and the script engine.
//!
//! Children run in their own process group, so the terminal's SIGINT reaches only `auto`.
//! The first interrupt is forwarded as SIGINT to every running child (terraform then
//! stops gracefully and releases its state lock) and makes the script stop at its next
//! operation; `auto` waits for the children. A second interrupt sends SIGKILL.
//! When `auto` gets no chance to do this (SIGKILL, the OOM killer), the kernel sends each
//! direct child SIGTERM instead: the system runner sets it as their parent-death signal.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use crate::report::Reporter;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

// Process-wide on purpose: a signal reaches the process, not a run. Every run in the
// process stops at it, and every child of the process gets it forwarded.
static INTERRUPTS: AtomicUsize = AtomicUsize::new(0);
static CHILD_GROUPS: LazyLock<Mutex<HashSet<i32>>> = LazyLock::new(Default::default);
/// The runs in progress, told when an interrupt arrives (from the signal thread, which
/// belongs to no run): each subscribes for as long as it lives.
static LISTENERS: Mutex<Vec<(usize, Arc<dyn Reporter>)>> = Mutex::new(Vec::new());
static NEXT_LISTENER: AtomicUsize = AtomicUsize::new(0);

/// Tells `reporter` about interrupts until the subscription drops.
pub fn subscribe(reporter: Arc<dyn Reporter>) -> Subscription {
    let id = NEXT_LISTENER.fetch_add(1, Ordering::SeqCst);
    LISTENERS.lock().unwrap_or_else(|e| e.into_inner()).push((id, reporter));
    Subscription(id)
}

pub struct Subscription(usize);

impl Drop for Subscription {
    fn drop(&mut self) {
        LISTENERS.lock().unwrap_or_else(|e| e.into_inner()).retain(|(id, _)| *id != self.0);
    }
}

pub fn is_interrupted() -> bool {
    INTERRUPTS.load(Ordering::SeqCst) > 0
}

/// Registers a running child's process group until the guard drops.
pub fn track_child(pgid: i32) -> ChildGuard {
    let mut groups = CHILD_GROUPS.lock().unwrap_or_else(|e| e.into_inner());
    groups.insert(pgid);
    // A child started after the first interrupt must not outlive the run unnoticed.
    if is_interrupted() {
        let _ = killpg(Pid::from_raw(pgid), Signal::SIGINT);
    }
    drop(groups);
    // The run's scope locks name the tools' groups, so a lock outlives a killed `auto`
    // while its tools still run.
    crate::runtime::locks::tool_started(pgid);
    ChildGuard(pgid)
}

pub struct ChildGuard(i32);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        CHILD_GROUPS.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.0);
        crate::runtime::locks::tool_finished(self.0);
    }
}

/// Handles one interrupt (SIGINT or SIGTERM): forward on the first, kill on the second.
pub fn interrupt() {
    let count = INTERRUPTS.fetch_add(1, Ordering::SeqCst) + 1;
    let signal = if count == 1 { Signal::SIGINT } else { Signal::SIGKILL };
    let groups: Vec<i32> = CHILD_GROUPS.lock().unwrap_or_else(|e| e.into_inner()).iter().copied().collect();
    for pgid in groups {
        let _ = killpg(Pid::from_raw(pgid), signal);
    }
    if count == 1 {
        let event =
            crate::report::Event::Interrupted { forwarded_to: CHILD_GROUPS.lock().map(|g| g.len()).unwrap_or(0) };
        let listeners: Vec<Arc<dyn Reporter>> =
            LISTENERS.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(_, r)| r.clone()).collect();
        for reporter in listeners {
            reporter.event(None, &event);
        }
    }
}

/// Installs the SIGINT/SIGTERM listener for the whole process (the binary calls this once;
/// in-process tests do not, so they can call [`interrupt`] directly).
pub fn install_handler() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new().name("auto-signals".into()).spawn(move || {
        for _ in signals.forever() {
            interrupt();
        }
    })?;
    Ok(())
}
