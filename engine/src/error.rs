//! The top-level error and the exit-code table.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | success (with `--plan`: nothing to change) |
//! | 1    | the run failed: a tool, a step or the script failed at run time |
//! | 2    | usage or bad input: CLI arguments, parameters, script compile errors, configuration |
//! | 3    | `--plan` found pending changes |
//! | 4    | a scope is locked by another run |
//! | 5    | `auto apply`: an effect is not the one in the reviewed plan bundle (nothing of it was done) |
//! | 130  | interrupted (Ctrl-C) |
//!
//! Stdout closed by its reader (`auto list | head -1`) ends a command with 0 and no
//! message; a failed write to stdout (a full disk) with 1 (see [`crate::output`]).

use std::path::PathBuf;

pub use crate::failure::FailureKind;

/// A script problem ready to print (rendered by `script::diagnostics`); `location` feeds
/// GitHub `::error file=,line=` annotations.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub message: String,
    /// Innermost first: where it happened, then each caller/importer.
    pub frames: Vec<Frame>,
    pub kind: FailureKind,
    pub rendered: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Repository-relative path of the script or module.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub note: Option<String>,
}

impl Diagnostic {
    pub fn location(&self) -> Option<&Frame> {
        self.frames.first()
    }

    /// `--output json`: the message, where (innermost first) and the rendered text.
    pub fn to_json(&self) -> serde_json::Value {
        let frames: Vec<serde_json::Value> = self
            .frames
            .iter()
            .map(|f| serde_json::json!({ "file": f.file, "line": f.line, "column": f.column, "note": f.note }))
            .collect();
        serde_json::json!({
            "message": crate::secret::redact(&self.message),
            "frames": frames,
            "exit_code": self.kind.exit_code(),
            "rendered": crate::secret::redact(&self.rendered),
        })
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.rendered)
    }
}

/// The schema of an error under `--output json` (docs/schemas/auto.error.v1.json).
pub const ERROR_SCHEMA: &str = "auto.error/v1";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Repo(#[from] crate::repo::RepoError),
    #[error("{}", script_not_found(.script, .path, .available))]
    ScriptNotFound { script: String, path: PathBuf, available: Vec<String> },
    #[error("{0}")]
    Compile(Box<Diagnostic>),
    #[error("invalid parameters for `{script}`:\n{}\n\nparameters of `{script}`:\n{}", bullet(.problems), bullet(.usage))]
    Params { script: String, problems: Vec<String>, usage: Vec<String> },
    #[error("{} problem(s) found:\n\n{}", .0.len(), .0.iter().map(|d| d.rendered.as_str()).collect::<Vec<_>>().join("\n\n"))]
    Check(Vec<Diagnostic>),
    #[error("{0}")]
    Script(Box<Diagnostic>),
    #[error("{0}")]
    Journal(#[from] crate::runtime::journal::JournalError),
    /// A journal that does not verify (or names a script outside `scripts/`): not acted on.
    #[error("{0}")]
    JournalRefused(Box<crate::runtime::journal::Refused>),
    #[error("cannot read `{}`: {message}", .path.display())]
    Io { path: PathBuf, message: String },
    #[error("unknown run `{id}`: `auto runs` lists the runs under .auto/runs")]
    UnknownRun { id: String },
    /// `--plan` found changes: not a failure, but CI must be able to tell.
    #[error("the plan has pending changes")]
    PlanHasChanges,
    /// `auto apply`: the bundle cannot be applied here, or an effect differs from it.
    #[error("{0}")]
    NotReviewed(String),
    #[error("interrupted")]
    Interrupted,
    /// Stdout went away (closed pipe: exit 0, quietly) or failed (full disk: exit 1).
    #[error("{0}")]
    Output(#[from] crate::output::OutputError),
    #[error("{0}")]
    Failed(String),
    /// The command's own `--output json` document already says what failed (`auto check`'s
    /// problems, `auto doctor`'s failed checks): only its exit code is left to give.
    #[error("{what}")]
    Reported { what: String, exit_code: u8 },
}

fn bullet(items: &[String]) -> String {
    items.iter().map(|i| format!("  - {i}")).collect::<Vec<_>>().join("\n")
}

/// `no script `x` in scripts/` for a name, `script `p` not found at `…`` for a path; then
/// the nearest script's name, or else the scripts there are.
fn script_not_found(script: &str, path: &std::path::Path, available: &[String]) -> String {
    let is_name = !script.contains('/') && !script.ends_with(".rhai");
    let what = if is_name {
        format!("no script `{script}` in scripts/")
    } else {
        format!("script `{script}` not found at `{}`", path.display())
    };
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    match crate::suggest::closest(&stem, available.iter().map(String::as_str)) {
        Some(near) => format!("{what}: did you mean `{near}`?"),
        None if available.is_empty() && is_name => format!("{what}: it has none yet (`auto new {script}` creates one)"),
        None if available.is_empty() => what,
        None => {
            let names = available.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
            format!("{what}: available scripts are {names}")
        }
    }
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_)
            | Error::Repo(_)
            | Error::ScriptNotFound { .. }
            | Error::Compile(_)
            | Error::Params { .. }
            | Error::Check(_)
            | Error::UnknownRun { .. }
            | Error::JournalRefused(_) => 2,
            Error::Script(diagnostic) => diagnostic.kind.exit_code(),
            Error::PlanHasChanges => 3,
            Error::NotReviewed(_) => FailureKind::NotReviewed.exit_code(),
            Error::Interrupted => FailureKind::Interrupted.exit_code(),
            Error::Output(failure) => failure.exit_code(),
            Error::Journal(_) | Error::Io { .. } | Error::Failed(_) => 1,
            Error::Reported { exit_code, .. } => *exit_code,
        }
    }

    /// A name for the kind of error that scripts reading `--output json` can match on.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Error::Usage(_) => "usage",
            Error::Repo(_) => "repository",
            Error::ScriptNotFound { .. } => "script_not_found",
            Error::Compile(_) => "compile",
            Error::Params { .. } => "params",
            Error::Check(_) => "check",
            Error::Script(_) => "script",
            Error::Journal(_) => "journal",
            Error::JournalRefused(_) => "journal_refused",
            Error::Io { .. } => "io",
            Error::UnknownRun { .. } => "unknown_run",
            Error::PlanHasChanges => "plan_has_changes",
            Error::NotReviewed(_) => "not_reviewed",
            Error::Interrupted => "interrupted",
            Error::Output(_) => "output",
            Error::Failed(_) => "failed",
            Error::Reported { .. } => "reported",
        }
    }

    /// The error as the one JSON document `--output json` prints on stdout in place of
    /// what the command would have printed (`auto.error/v1`): its kind, message (secrets
    /// masked), exit code, and the script diagnostics behind it.
    pub fn to_json(&self) -> serde_json::Value {
        let diagnostics: Vec<serde_json::Value> = match self {
            Error::Compile(d) | Error::Script(d) => vec![d.to_json()],
            Error::Check(found) => found.iter().map(Diagnostic::to_json).collect(),
            _ => Vec::new(),
        };
        serde_json::json!({
            "schema": ERROR_SCHEMA,
            "error": {
                "kind": self.kind_name(),
                "message": crate::secret::redact(&self.to_string()),
                "exit_code": self.exit_code(),
                "diagnostics": diagnostics,
            }
        })
    }

    /// Whether the message was already shown by the run's reporter.
    pub fn is_quiet(&self) -> bool {
        match self {
            Error::Output(failure) => failure.is_quiet(),
            other => matches!(other, Error::PlanHasChanges),
        }
    }
}
