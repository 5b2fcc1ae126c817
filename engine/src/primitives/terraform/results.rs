//! What the terraform functions return, and their form as script data. A recorded
//! (dry-run) result is made of values "known after apply", never of invented ones.

use std::collections::BTreeMap;

use super::diagnostic::{Diagnostic, Severity};
use super::ui::{ChangeCounts, ResourceChange};
use crate::error::FailureKind;
use crate::runtime::data::Data;
use crate::runtime::steps::{Changes, Outcome};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerraformError {
    pub kind: FailureKind,
    pub message: String,
}

impl TerraformError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        TerraformError { kind: FailureKind::BadInput, message: message.into() }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        TerraformError { kind: FailureKind::Failed, message: message.into() }
    }

    pub fn locked(message: impl Into<String>) -> Self {
        TerraformError { kind: FailureKind::LockHeld, message: message.into() }
    }

    pub fn interrupted(message: impl Into<String>) -> Self {
        TerraformError { kind: FailureKind::Interrupted, message: message.into() }
    }
}

impl std::fmt::Display for TerraformError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A plan terraform actually made.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Planned {
    /// From the exit code (`-detailed-exitcode`): also true for output-only changes.
    pub changes: bool,
    pub counts: ChangeCounts,
    pub resources: Vec<ResourceChange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanResult {
    Planned(Planned),
    /// Recorded instead of run (dry-run, or variables not known yet); the root's label.
    Recorded {
        root: String,
    },
}

impl PlanResult {
    /// `#{ changes, add, change, destroy, resources: [#{ address, action }] }`.
    pub fn to_data(&self) -> Data {
        let map: BTreeMap<String, Data> = match self {
            PlanResult::Planned(planned) => BTreeMap::from([
                ("changes".to_string(), Data::Bool(planned.changes)),
                ("add".to_string(), Data::Int(planned.counts.add as i64)),
                ("change".to_string(), Data::Int(planned.counts.change as i64)),
                ("destroy".to_string(), Data::Int(planned.counts.destroy as i64)),
                (
                    "resources".to_string(),
                    Data::List(
                        planned
                            .resources
                            .iter()
                            .map(|r| {
                                Data::Map(BTreeMap::from([
                                    ("address".to_string(), Data::Str(r.address.clone())),
                                    ("action".to_string(), Data::Str(r.action.clone())),
                                ]))
                            })
                            .collect(),
                    ),
                ),
            ]),
            PlanResult::Recorded { root } => ["changes", "add", "change", "destroy", "resources"]
                .iter()
                .map(|key| (key.to_string(), Data::Unknown(format!("{root}.plan.{key}"))))
                .collect(),
        };
        Data::Map(map)
    }
}

/// What `apply` produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyOutcome {
    pub outputs: Data,
    /// A real apply changed something (the enclosing step reports `changed`).
    pub changed: bool,
}

/// What `destroy` did: the destroy plan, and whether it was applied.
#[derive(Debug, Clone, PartialEq)]
pub struct DestroyOutcome {
    pub plan: PlanResult,
    pub changed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    Checked { path: String, valid: bool, diagnostics: Vec<Diagnostic> },
    Recorded { path: String },
}

impl Validation {
    /// `#{ valid, diagnostics: [#{ severity, summary, detail, file, line }] }`, files
    /// repository-relative.
    pub fn to_data(&self) -> Data {
        match self {
            Validation::Recorded { path } => Data::Map(BTreeMap::from([
                ("valid".to_string(), Data::Unknown(format!("{path}.valid"))),
                ("diagnostics".to_string(), Data::Unknown(format!("{path}.diagnostics"))),
            ])),
            Validation::Checked { path, valid, diagnostics } => {
                let items = diagnostics
                    .iter()
                    .map(|d| {
                        let severity = match d.severity {
                            Severity::Error => "error",
                            Severity::Warning => "warning",
                        };
                        let file = match &d.file {
                            Some(file) if file.starts_with('/') => Data::Str(file.clone()),
                            Some(file) => Data::Str(format!("{path}/{file}")),
                            None => Data::Null,
                        };
                        Data::Map(BTreeMap::from([
                            ("severity".to_string(), Data::Str(severity.to_string())),
                            ("summary".to_string(), Data::Str(d.summary.clone())),
                            ("detail".to_string(), Data::Str(d.detail.clone())),
                            ("file".to_string(), file),
                            ("line".to_string(), d.line.map(|l| Data::Int(l as i64)).unwrap_or(Data::Null)),
                        ]))
                    })
                    .collect();
                Data::Map(BTreeMap::from([
                    ("valid".to_string(), Data::Bool(*valid)),
                    ("diagnostics".to_string(), Data::List(items)),
                ]))
            }
        }
    }
}

/// One root's line in `terraform::summary()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootSummary {
    pub root: String,
    /// `None` when the plan was recorded, not made.
    pub counts: Option<ChangeCounts>,
}

impl RootSummary {
    /// `#{ root, add, change, destroy }`.
    pub fn to_data(&self) -> Data {
        let count = |key: &str, value: Option<u64>| match value {
            Some(n) => Data::Int(n as i64),
            None => Data::Unknown(format!("{}.plan.{key}", self.root)),
        };
        Data::Map(BTreeMap::from([
            ("root".to_string(), Data::Str(self.root.clone())),
            ("add".to_string(), count("add", self.counts.map(|c| c.add))),
            ("change".to_string(), count("change", self.counts.map(|c| c.change))),
            ("destroy".to_string(), count("destroy", self.counts.map(|c| c.destroy))),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_as_data() {
        let planned = PlanResult::Planned(Planned {
            changes: true,
            counts: ChangeCounts { add: 2, change: 1, destroy: 0 },
            resources: vec![ResourceChange { address: "null_resource.a".into(), action: "create".into() }],
        });
        expect_test::expect![[r#"{"add":2,"change":1,"changes":true,"destroy":0,"resources":[{"action":"create","address":"null_resource.a"}]}"#]]
            .assert_eq(&planned.to_data().to_string());
        expect_test::expect![[r#"{"add":"(known after apply: dev/x.plan.add)","change":"(known after apply: dev/x.plan.change)","changes":"(known after apply: dev/x.plan.changes)","destroy":"(known after apply: dev/x.plan.destroy)","resources":"(known after apply: dev/x.plan.resources)"}"#]]
            .assert_eq(&PlanResult::Recorded { root: "dev/x".into() }.to_data().to_string());
        let summary =
            RootSummary { root: "dev/x".into(), counts: Some(ChangeCounts { add: 1, change: 0, destroy: 3 }) };
        expect_test::expect![[r#"{"add":1,"change":0,"destroy":3,"root":"dev/x"}"#]]
            .assert_eq(&summary.to_data().to_string());
    }
}

impl Outcome for PlanResult {
    /// A plan that found changes leaves them pending until an apply of its root.
    fn changes(&self) -> Changes {
        Changes { left_pending: matches!(self, PlanResult::Planned(planned) if planned.changes), ..Changes::none() }
    }
}

impl Outcome for ApplyOutcome {
    /// An apply settles its root, and changed something when a real apply had changes.
    fn changes(&self) -> Changes {
        Changes { changed: self.changed, applied: true, ..Changes::none() }
    }
}

impl Outcome for DestroyOutcome {
    fn changes(&self) -> Changes {
        Changes { changed: self.changed, applied: true, ..Changes::none() }
    }
}
