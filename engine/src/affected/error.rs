//! What can go wrong in `auto affected`, each error saying what to do; and which of them
//! are the user's (exit code 2) rather than git's.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AffectedError {
    #[error("`{}` is not in a git repository: `auto affected` compares two commits, so run it in a clone of the repository", .dir.display())]
    NotGitRepo { dir: std::path::PathBuf },
    #[error("the repository has no commits yet: commit something before asking what changed")]
    NoCommits,
    #[error("invalid git ref `{reference}` for {role}: a ref is a branch, tag or commit and cannot be empty or start with `-`")]
    BadRef { reference: String, role: RefRole },
    #[error("unknown git ref `{reference}` ({role}){}: fetch it with `{}`; in GitHub Actions check out with `actions/checkout` and `fetch-depth: 0`", if *.shallow { " in this shallow clone" } else { "" }, fetch_hint(.reference))]
    UnknownRef { reference: String, role: RefRole, shallow: bool },
    #[error("this clone is shallow and lacks the history to compare with ({what}): fetch it with `git fetch --unshallow`; in GitHub Actions check out with `fetch-depth: 0`")]
    ShallowWithoutBase { what: String },
    #[error("`{head}` and `{reference}` have no common commit: pass the commit to compare with `--base`")]
    NoCommonHistory { head: String, reference: String },
    #[error("`--include-uncommitted` adds the working tree, which is at {}, but `--head {head}` is commit {}: drop `--head` or check out `{head}` first", short(.checked_out), short(.head_commit))]
    UncommittedNeedsCheckout { head: String, head_commit: String, checked_out: String },
    #[error("{message}")]
    Git { message: String },
}

impl AffectedError {
    /// Bad input (a ref, the clone, the checkout) rather than git failing: exit code 2.
    pub fn is_usage(&self) -> bool {
        !matches!(self, AffectedError::Git { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefRole {
    Base,
    Head,
    DefaultBranch,
}

impl fmt::Display for RefRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefRole::Base => "`--base`",
            RefRole::Head => "`--head`",
            RefRole::DefaultBranch => "the default branch, set with `--default-branch` or `AUTO_DEFAULT_BRANCH`",
        })
    }
}

fn fetch_hint(reference: &str) -> String {
    match reference.split_once('/') {
        Some(("origin", branch)) => format!("git fetch origin {branch}"),
        _ => format!("git fetch origin {reference}"),
    }
}

/// A commit id as people read it: its first 12 characters.
pub fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}
