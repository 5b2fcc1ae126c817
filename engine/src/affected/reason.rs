//! Why a target is affected: the chain of folders from the target down to what changed,
//! and what changed there. Its own file because targets, the mapping and the output all
//! speak it and none of them owns it.

use std::fmt;
use std::sync::Arc;

/// Why one target is affected: the chain from the target down to what changed, and what
/// changed there. Shared parts are shared: a module used by 4,000 roots gives 4,000 reasons
/// pointing at the same few chains and files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reason {
    /// The folders after the target on the way to the change (`[module, …, changed
    /// module]`, or the settings folder); empty when the change is in the target itself.
    pub via: Arc<[String]>,
    pub cause: Arc<Cause>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// These files changed (sorted).
    Changed(Vec<String>),
    /// The last folder of the chain could not be read, so what it calls is unknown.
    Unreadable(String),
}

/// Files listed in a reason before "and N more": a module change can touch dozens.
const FILES_SHOWN: usize = 3;

impl Reason {
    pub fn new(via: impl Into<Arc<[String]>>, cause: Cause) -> Reason {
        Reason { via: via.into(), cause: Arc::new(cause) }
    }

    /// `target ← module ← … (changed: files)`.
    pub fn display<'a>(&'a self, target: &'a str) -> impl fmt::Display + 'a {
        ReasonOf { target, reason: self }
    }
}

struct ReasonOf<'a> {
    target: &'a str,
    reason: &'a Reason,
}

impl fmt::Display for ReasonOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.target)?;
        for folder in self.reason.via.iter() {
            write!(f, " ← {folder}")?;
        }
        match self.reason.cause.as_ref() {
            Cause::Changed(files) => {
                write!(f, " (changed: {}", files.iter().take(FILES_SHOWN).cloned().collect::<Vec<_>>().join(", "))?;
                if files.len() > FILES_SHOWN {
                    write!(f, " and {} more", files.len() - FILES_SHOWN)?;
                }
                write!(f, ")")
            }
            Cause::Unreadable(why) => write!(f, " (cannot read its module calls, included to be safe: {why})"),
        }
    }
}
