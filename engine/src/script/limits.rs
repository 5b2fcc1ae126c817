//! Resource limits for scripts: a runaway loop or recursion stops with a message naming the
//! limit instead of hanging a CI job or eating the machine's memory.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_operations: u64,
    pub max_call_levels: usize,
    /// The largest file or tool output a script is handed as a string.
    pub max_string_size: usize,
    /// Heap bytes the process may hold while the script runs (see `memory.rs`): what stops
    /// a loop that grows an array, a map or a string without end.
    pub max_memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Onboarding 1,000 customers in dry-run takes a few million operations; a loop
            // that never ends reaches this in seconds.
            max_operations: 200_000_000,
            max_call_levels: 96,
            max_string_size: 16 * 1024 * 1024,
            max_memory: 1 << 30,
        }
    }
}
