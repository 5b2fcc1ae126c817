//! Seeing a started child through to its end from the calling thread: feed its stdin,
//! read its stdout and stderr as they come (bounded, see [`super::capture`]), enforce the
//! deadline, and stop waiting for the pipes once the child is gone.
//!
//! One poll(2) loop instead of reader threads (issue 18, item 14): a child may exit while
//! something it started — a `setsid` daemon, a `cmd &` — keeps the write end of its
//! stdout. Threads blocked in `read` would wait for that process to exit, past any
//! timeout; the loop instead gives the pipes [`GRACE`] after the child's exit, then closes
//! them, names the processes still holding them and returns.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::libc;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use super::capture::{Head, Lines, Tail};
use super::observer::{LineObserver, Stream};

/// How long the pipes may stay open after the child exited: enough for output still in
/// flight from a grandchild that is about to exit, short enough not to be noticed when
/// a daemon keeps them.
pub const GRACE: Duration = Duration::from_millis(500);

/// How much of stderr is kept for failure messages (all of it still reaches the observer).
pub const STDERR_TAIL: usize = 64 * 1024;

/// Without a pidfd (kernels before 5.3) the loop checks on the child this often.
const TICK: Duration = Duration::from_millis(20);

const CHUNK: usize = 64 * 1024;

/// A process other than `auto` that holds a child's output pipe open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: i32,
    /// Its command name (`/proc/<pid>/comm`).
    pub name: String,
}

#[derive(Debug)]
pub enum End {
    Exited(ExitStatus),
    /// The deadline passed: the child's process group was killed.
    TimedOut,
}

#[derive(Debug)]
pub struct Supervised {
    pub end: End,
    pub stdout: Head,
    pub stderr: Tail,
    /// `Some` when stdout or stderr was still open when `auto` stopped reading: the
    /// processes holding it, as far as /proc tells (possibly none found).
    pub held_by: Option<Vec<Holder>>,
}

/// The stdin bytes still to write.
struct Feed<'a> {
    pipe: File,
    left: &'a [u8],
}

/// One of the child's output pipes being read.
struct Pipe {
    pipe: File,
    stream: Stream,
    lines: Lines,
}

/// Runs `child` to its end. `timeout` counts from now; on expiry the child's process
/// group (its pid: the runner starts every child as a group leader) is killed.
pub fn supervise(
    child: &mut Child,
    stdin: Option<&[u8]>,
    observer: &dyn LineObserver,
    timeout: Option<Duration>,
    stdout_limit: usize,
) -> io::Result<Supervised> {
    let started = Instant::now();
    let deadline = timeout.map(|t| started + t);
    let pid = child.id() as i32;
    let exit_signal = pidfd(pid);

    let mut feed = match (stdin, child.stdin.take()) {
        (Some(bytes), Some(pipe)) => Some(Feed { pipe: File::from(nonblocking(OwnedFd::from(pipe))?), left: bytes }),
        _ => None,
    };
    let mut outputs: Vec<Pipe> = Vec::new();
    if let Some(pipe) = child.stdout.take() {
        outputs.push(Pipe {
            pipe: File::from(nonblocking(OwnedFd::from(pipe))?),
            stream: Stream::Stdout,
            lines: Lines::default(),
        });
    }
    if let Some(pipe) = child.stderr.take() {
        outputs.push(Pipe {
            pipe: File::from(nonblocking(OwnedFd::from(pipe))?),
            stream: Stream::Stderr,
            lines: Lines::default(),
        });
    }
    let mut stdout = Head::new(stdout_limit);
    let mut stderr = Tail::new(STDERR_TAIL);
    let mut status: Option<ExitStatus> = None;
    let mut killed = false;
    // Set when the child has exited: after this, open pipes are someone else's.
    let mut give_up_at: Option<Instant> = None;
    let mut buffer = vec![0u8; CHUNK];

    loop {
        if status.is_none() {
            if let Some(exited) = child.try_wait()? {
                status = Some(exited);
                give_up_at = Some(Instant::now() + GRACE);
                // Nobody reads stdin any more (or only an orphan that must not block us).
                feed = None;
            }
        }
        if status.is_some() && outputs.is_empty() {
            break;
        }
        let now = Instant::now();
        if status.is_none() && !killed && deadline.is_some_and(|d| now >= d) {
            // The whole group: a tool's helpers (terraform's providers, a shell's
            // pipeline) go with it.
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
            killed = true;
            continue;
        }
        if give_up_at.is_some_and(|at| now >= at) {
            break;
        }
        let mut wake_at = give_up_at;
        if status.is_none() {
            if !killed {
                wake_at = earliest(wake_at, deadline);
            }
            if exit_signal.is_none() {
                wake_at = earliest(wake_at, Some(now + TICK));
            }
        }

        let mut fds: Vec<libc::pollfd> = Vec::with_capacity(4);
        for output in &outputs {
            fds.push(poll_fd(output.pipe.as_fd(), libc::POLLIN));
        }
        let feed_index = feed.as_ref().map(|f| {
            fds.push(poll_fd(f.pipe.as_fd(), libc::POLLOUT));
            fds.len() - 1
        });
        if let (Some(fd), None) = (&exit_signal, status) {
            fds.push(poll_fd(fd.as_fd(), libc::POLLIN));
        }
        poll(&mut fds, wake_at.map(|at| at.saturating_duration_since(now)))?;

        if let Some(index) = feed_index {
            if fds[index].revents != 0 && feed.as_mut().is_none_or(|f| !f.write_some()) {
                // Written, or the child closed its stdin: either way it sees end of file.
                feed = None;
            }
        }
        let mut index = 0;
        outputs.retain_mut(|output| {
            let ready = fds[index].revents != 0;
            index += 1;
            if !ready {
                return true;
            }
            match output.pipe.read(&mut buffer) {
                Ok(0) => {
                    output.lines.finish(&mut |line| observer.line(output.stream, line));
                    false
                }
                Ok(n) => {
                    let bytes = &buffer[..n];
                    match output.stream {
                        Stream::Stdout => stdout.push(bytes),
                        Stream::Stderr => stderr.push(bytes),
                    }
                    output.lines.push(bytes, &mut |line| observer.line(output.stream, line));
                    true
                }
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => true,
                Err(_) => false,
            }
        });
    }

    let held_by = if outputs.is_empty() {
        None
    } else {
        for output in &mut outputs {
            output.lines.finish(&mut |line| observer.line(output.stream, line));
        }
        Some(holders(outputs.iter().map(|o| &o.pipe)))
    };
    // Dropping `outputs` closes our read ends: a holder's next write gets SIGPIPE.
    drop(outputs);
    let status = status.ok_or_else(|| io::Error::other("the child's exit status is unknown"))?;
    let end = if killed { End::TimedOut } else { End::Exited(status) };
    Ok(Supervised { end, stdout, stderr, held_by })
}

impl Feed<'_> {
    /// Writes what the pipe takes now; false when done (all written, or the pipe closed).
    fn write_some(&mut self) -> bool {
        match self.pipe.write(&self.left[..self.left.len().min(CHUNK)]) {
            Ok(n) => {
                self.left = &self.left[n..];
                !self.left.is_empty()
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => true,
            // A child that exits without reading stdin closes the pipe: not our error.
            Err(_) => false,
        }
    }
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn nonblocking(fd: OwnedFd) -> io::Result<OwnedFd> {
    let flags = OFlag::from_bits_truncate(fcntl(&fd, FcntlArg::F_GETFL)?);
    fcntl(&fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    Ok(fd)
}

fn poll_fd(fd: BorrowedFd<'_>, events: libc::c_short) -> libc::pollfd {
    libc::pollfd { fd: fd.as_raw_fd(), events, revents: 0 }
}

/// poll(2) until an event or `timeout` (`None`: no limit). EINTR counts as a wake-up.
fn poll(fds: &mut [libc::pollfd], timeout: Option<Duration>) -> io::Result<()> {
    let millis = match timeout {
        None => -1,
        // Round up: a zero timeout for a sub-millisecond wait would spin.
        Some(t) => t.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as libc::c_int,
    };
    // SAFETY: `fds` is a valid, exclusively borrowed slice of pollfd for the whole call,
    // and every fd in it is kept open by its owner for that time.
    let result = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, millis) };
    if result < 0 {
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    Ok(())
}

/// A file descriptor that becomes readable when `pid` exits, where the kernel has them.
#[cfg(target_os = "linux")]
fn pidfd(pid: i32) -> Option<OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1; nothing is
    // borrowed.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    // SAFETY: a non-negative result is a freshly opened descriptor that nothing else owns.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

#[cfg(not(target_os = "linux"))]
fn pidfd(_: i32) -> Option<OwnedFd> {
    None
}

/// Which other processes hold the pipes (found through /proc; empty where there is none).
#[cfg(target_os = "linux")]
fn holders<'a>(pipes: impl Iterator<Item = &'a File>) -> Vec<Holder> {
    use std::os::unix::fs::MetadataExt;
    let links: Vec<String> = pipes.filter_map(|p| p.metadata().ok()).map(|m| format!("pipe:[{}]", m.ino())).collect();
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().filter(|n| *n != me).and_then(|n| n.parse::<i32>().ok()) else { continue };
        let holds = std::fs::read_dir(entry.path().join("fd"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|fd| std::fs::read_link(fd.path()).ok())
            .any(|target| links.iter().any(|link| target.as_os_str() == link.as_str()));
        if holds {
            let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            found.push(Holder { pid, name: comm.trim().to_string() });
        }
    }
    found.sort_by_key(|h| h.pid);
    found
}

#[cfg(not(target_os = "linux"))]
fn holders<'a>(_: impl Iterator<Item = &'a File>) -> Vec<Holder> {
    Vec::new()
}

/// "process 4242 (`sleep`)", "processes 1 (`a`) and 2 (`b`)" — or "a process" when /proc
/// did not say.
pub fn describe_holders(holders: &[Holder]) -> String {
    let names: Vec<String> = holders.iter().take(5).map(|h| format!("{} (`{}`)", h.pid, h.name)).collect();
    let more = holders.len().saturating_sub(names.len());
    match names.as_slice() {
        [] => "a process".to_string(),
        [one] => format!("process {one}"),
        _ if more > 0 => format!("processes {} and {more} more", names.join(", ")),
        [rest @ .., last] => format!("processes {} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    use super::*;
    use crate::process::Quiet;

    fn start(program: &str, args: &[&str]) -> Child {
        #[allow(clippy::disallowed_methods)] // a unit test of the supervisor, below the runner
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("starts");
        child
    }

    #[test]
    fn stdin_larger_than_a_pipe_round_trips_while_stdout_is_read() {
        // Writing all of stdin before reading stdout would deadlock on `cat`.
        let input: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut child = start("cat", &[]);
        let done = supervise(&mut child, Some(&input), &Quiet, Some(Duration::from_secs(60)), usize::MAX).unwrap();
        assert!(matches!(done.end, End::Exited(status) if status.success()), "{:?}", done.end);
        assert!(done.held_by.is_none());
        assert_eq!(done.stdout.into_bytes(), input);
    }

    #[test]
    fn a_child_that_ignores_stdin_is_not_waited_on_for_it() {
        let input = vec![b'x'; 3_000_000];
        let mut child = start("sh", &["-c", "echo err >&2; exit 4"]);
        let done = supervise(&mut child, Some(&input), &Quiet, Some(Duration::from_secs(60)), 1024).unwrap();
        assert!(matches!(done.end, End::Exited(status) if status.code() == Some(4)), "{:?}", done.end);
        assert_eq!(done.stderr.into_bytes(), b"err\n");
    }

    #[test]
    fn holders_are_named() {
        let h = |pid, name: &str| Holder { pid, name: name.into() };
        assert_eq!(describe_holders(&[]), "a process");
        assert_eq!(describe_holders(&[h(7, "sleep")]), "process 7 (`sleep`)");
        assert_eq!(describe_holders(&[h(7, "sleep"), h(8, "sh")]), "processes 7 (`sleep`) and 8 (`sh`)");
        let many: Vec<Holder> = (1..=7).map(|i| h(i, "x")).collect();
        assert_eq!(describe_holders(&many), "processes 1 (`x`), 2 (`x`), 3 (`x`), 4 (`x`), 5 (`x`) and 2 more");
    }
}
