//! The one choke point of report output: every byte a reporter writes goes through a
//! [`Redacting`] writer, so nothing a reporter adds — a `[scope]` prefix, a step name in
//! the live status line, a GitHub group title — can carry a secret past the redactor.
//!
//! Issue 18, item 8: the human reporter redacted each message but prepended the scope
//! afterwards, so a secret used as a step name or a `parallel_map` item printed in clear.
//! Redacting at the writer instead of at each `format!` means the next prefix someone
//! adds is covered without them thinking of it.

use std::io::{self, Write};

use crate::secret::redact_lossy;

/// Buffers what is written and redacts it as a whole on `flush` (and when dropped):
/// reporters flush once per rendered event, so a secret is never split between two
/// redactions — except when a single event's text is longer than [`LIMIT`].
pub struct Redacting<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

/// Past this many buffered bytes, complete lines are passed on without waiting for the
/// flush, so a reporter that forgets to flush cannot grow the buffer without bound.
const LIMIT: usize = 1 << 20;

impl<W: Write> Redacting<W> {
    pub fn new(inner: W) -> Self {
        Redacting { inner, pending: Vec::new() }
    }

    /// Redacts and writes everything up to `end` (exclusive) of the buffer.
    fn pass_on(&mut self, end: usize) -> io::Result<()> {
        let chunk: Vec<u8> = self.pending.drain(..end).collect();
        self.inner.write_all(redact_lossy(&chunk).as_bytes()).inspect_err(crate::output::report_write_failed)
    }
}

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() > LIMIT {
            if let Some(last_newline) = self.pending.iter().rposition(|b| *b == b'\n') {
                self.pass_on(last_newline + 1)?;
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let end = self.pending.len();
        self.pass_on(end)?;
        self.inner.flush().inspect_err(crate::output::report_write_failed)
    }
}

impl<W: Write> Drop for Redacting<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// A writer whose bytes a test can read after handing it to a reporter.
#[cfg(test)]
#[derive(Clone, Default)]
pub(super) struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

#[cfg(test)]
impl Shared {
    pub(super) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

#[cfg(test)]
impl Write for Shared {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn a_secret_written_in_pieces_is_masked_when_flushed() {
        let _ = Secret::new("redacting-unit-canary");
        let shared = Shared::default();
        let mut writer = Redacting::new(shared.clone());
        write!(writer, "[redacting-").unwrap();
        writeln!(writer, "unit-canary] line").unwrap();
        assert_eq!(shared.text(), "", "nothing passes before the flush");
        writer.flush().unwrap();
        assert_eq!(shared.text(), "[***] line\n");
    }

    #[test]
    fn what_is_left_is_redacted_when_dropped() {
        let _ = Secret::new("redacting-drop-canary");
        let shared = Shared::default();
        {
            let mut writer = Redacting::new(shared.clone());
            write!(writer, "redacting-drop-canary").unwrap();
        }
        assert_eq!(shared.text(), "***");
    }
}
