//! What sees a child's output as it comes: one line at a time, with its stream.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Receives each line a child prints, as it prints it (terraform's `-json` UI is parsed
/// from here into progress events).
pub trait LineObserver: Sync {
    fn line(&self, stream: Stream, line: &str);
}

/// Ignores every line; output is still captured in [`Output`].
pub struct Quiet;

impl LineObserver for Quiet {
    fn line(&self, _: Stream, _: &str) {}
}

impl<F: Fn(Stream, &str) + Sync> LineObserver for F {
    fn line(&self, stream: Stream, line: &str) {
        self(stream, line)
    }
}
