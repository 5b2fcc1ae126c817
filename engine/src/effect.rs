//! The effects of a run, as data: whether a command can change the world, and what a
//! dry-run or plan recorded instead of doing it. Below both the runner (which records
//! them) and the reporters (which show them), so neither depends on the other for it.

use std::fmt;

/// Whether running the command can change the world. The plan runner runs reads for real
/// and only records writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    Read,
    Write,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EffectKind {
    Command,
    File,
    Http,
}

/// One effect that was recorded instead of run: the plan is a list of these.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordedEffect {
    /// A command, or a file write.
    pub kind: EffectKind,
    /// The masked, pasteable command line (for a file: `create path (N bytes)`).
    pub command: String,
    pub effect: Effect,
    /// Step or target the effect belongs to, when it ran inside one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Attached files (name, redacted contents), shown in the plan so a reviewer sees the
    /// variables terraform will get.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<(String, String)>,
    /// For a file it would update: a unified diff against the file on disk (redacted;
    /// never for a secret's file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

impl RecordedEffect {
    /// A write recorded in scope `label` or in one below it (any scope when `None`).
    pub fn is_write_within(&self, label: Option<&str>) -> bool {
        self.effect == Effect::Write
            && match (label, self.scope.as_deref()) {
                (None, _) => true,
                (Some(here), Some(there)) => {
                    there == here || there.strip_prefix(here).is_some_and(|rest| rest.starts_with('/'))
                }
                (Some(_), None) => false,
            }
    }
}

/// How a run treats side effects; looked at once, by `runtime::run::Run::new`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Run,
    DryRun,
    Plan,
}

impl Mode {
    /// What a plan bundle was made in (`--plan --out`): how `auto show` names it.
    pub const OF_BUNDLES: Mode = Mode::Plan;
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Run => "run",
            Mode::DryRun => "dry-run",
            Mode::Plan => "plan",
        })
    }
}
