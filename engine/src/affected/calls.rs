//! What one terraform folder calls: the plain data between reading folders
//! ([`super::modules`]) and the module graph built from it ([`super::graph`], stored as a
//! [`super::snapshot::Snapshot`]). A file of its own so that the reader depends on the
//! graph and the graph on nothing that reads.

/// What one folder calls, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calls {
    /// Called folders, repository-relative, sorted, without duplicates.
    pub callees: Vec<String>,
    /// `file:line:col: message` of a file that does not parse: its calls are unknown.
    pub unreadable: Option<String>,
}
