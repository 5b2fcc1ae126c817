//! What the terraform functions return, and their form as script data. A recorded
//! (dry-run) result is made of values "known after apply", never of invented ones.

use std::collections::BTreeMap;

use super::changes::PlanChanges;
use super::diagnostic::{Diagnostic, Severity};
use super::ui::{ChangeCounts, ResourceChange};
use crate::error::FailureKind;
use crate::report::summary::{Counted, RootChanges, RootState, TerraformCounts};
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
    /// The root's label (`test/demo/hive`).
    pub root: String,
    /// From the exit code (`-detailed-exitcode`): also true for output-only changes.
    pub changes: bool,
    pub counts: ChangeCounts,
    pub resources: Vec<ResourceChange>,
    /// What the saved plan would change, attribute by attribute (`terraform show -json`);
    /// empty when there are no changes.
    pub detail: PlanChanges,
    /// A prediction, not a plan that can be applied: the root's inputs were only known
    /// after an earlier apply (`predict.rs`).
    pub provisional: bool,
}

impl Planned {
    /// A plan known from its saved plan alone (a reviewed plan, a prediction): its counts
    /// come from the saved plan.
    pub fn from_detail(root: &str, detail: PlanChanges, provisional: bool) -> Planned {
        let counts = detail.counts();
        Planned {
            root: root.to_string(),
            changes: detail.has_changes(),
            counts: counts.terraform,
            resources: Vec::new(),
            detail,
            provisional,
        }
    }

    /// `address action` per resource the plan changes: what a provisional root's plan is
    /// held to.
    pub fn changing(&self) -> Vec<String> {
        self.detail
            .resources
            .iter()
            .filter(|r| r.action != super::changes::Action::NoOp)
            .map(|r| format!("{} {}", r.address, r.action))
            .collect()
    }

    /// The counts of the run's summary: terraform's, with replacements and reads from
    /// the saved plan.
    pub fn counts(&self) -> TerraformCounts {
        let detail = self.detail.counts();
        TerraformCounts {
            add: self.counts.add,
            change: self.counts.change,
            replace: detail.replace,
            destroy: self.counts.destroy,
            read: detail.read,
        }
    }

    /// This plan as a line of the run's summary: `applied` when a real apply made it.
    fn summarised(&self, applied: bool) -> RootChanges {
        let state = match (applied, self.changes) {
            (true, _) => RootState::Applied,
            (false, _) if self.provisional => RootState::Provisional,
            (false, true) => RootState::Pending,
            (false, false) => RootState::Unchanged,
        };
        let changes = if self.changes { self.detail.render() } else { String::new() };
        RootChanges { root: self.root.clone(), state, counts: Some(self.counts()), changes }
    }
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
    fn summarised(&self, applied: bool) -> RootChanges {
        match self {
            PlanResult::Planned(planned) => planned.summarised(applied),
            PlanResult::Recorded { root } => {
                RootChanges { root: root.clone(), state: RootState::Recorded, counts: None, changes: String::new() }
            }
        }
    }

    /// `#{ changes, add, change, replace, destroy, resources: [#{ address, action }],
    /// resource_changes, resource_drift }`: the last two attribute by attribute
    /// (`#{ address, type, action, attributes: [#{ path, before, after }] }`, values as a
    /// reviewer reads them, secrets masked), what the apply would do and what changed
    /// outside terraform.
    pub fn to_data(&self) -> Data {
        let map: BTreeMap<String, Data> = match self {
            PlanResult::Planned(planned) => BTreeMap::from([
                (
                    "resource_changes".to_string(),
                    Data::List(
                        planned
                            .detail
                            .resources
                            .iter()
                            .filter(|r| r.action != super::changes::Action::NoOp)
                            .map(resource_data)
                            .collect(),
                    ),
                ),
                ("resource_drift".to_string(), Data::List(planned.detail.drift.iter().map(resource_data).collect())),
                ("changes".to_string(), Data::Bool(planned.changes)),
                ("add".to_string(), Data::Int(planned.counts.add as i64)),
                ("change".to_string(), Data::Int(planned.counts.change as i64)),
                ("destroy".to_string(), Data::Int(planned.counts.destroy as i64)),
                ("replace".to_string(), Data::Int(planned.counts().replace as i64)),
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
            PlanResult::Recorded { root } => {
                ["changes", "add", "change", "replace", "destroy", "resources", "resource_changes", "resource_drift"]
                    .iter()
                    .map(|key| (key.to_string(), Data::Unknown(format!("{root}.plan.{key}"))))
                    .collect()
            }
        };
        Data::Map(map)
    }
}

/// One resource of a plan as scripts see it.
fn resource_data(resource: &super::changes::ResourceChange) -> Data {
    let attributes = resource
        .attributes
        .iter()
        .map(|a| {
            Data::Map(BTreeMap::from([
                ("path".to_string(), Data::Str(a.path.clone())),
                ("before".to_string(), Data::Str(a.before.to_string())),
                ("after".to_string(), Data::Str(a.after.to_string())),
            ]))
        })
        .collect();
    Data::Map(BTreeMap::from([
        ("address".to_string(), Data::Str(resource.address.clone())),
        ("type".to_string(), Data::Str(resource.resource_type.clone())),
        ("action".to_string(), Data::Str(resource.action.to_string())),
        ("attributes".to_string(), Data::List(attributes)),
    ]))
}

/// What `apply` produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyOutcome {
    pub outputs: Data,
    /// A real apply changed something (the enclosing step reports `changed`).
    pub changed: bool,
    /// The plan it applied (or, in a plan or dry-run, would apply).
    pub plan: PlanResult,
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
    pub counts: Option<TerraformCounts>,
}

impl RootSummary {
    /// `#{ root, add, change, replace, destroy }`.
    pub fn to_data(&self) -> Data {
        let count = |key: &str, value: Option<u64>| match value {
            Some(n) => Data::Int(n as i64),
            None => Data::Unknown(format!("{}.plan.{key}", self.root)),
        };
        Data::Map(BTreeMap::from([
            ("root".to_string(), Data::Str(self.root.clone())),
            ("add".to_string(), count("add", self.counts.map(|c| c.add))),
            ("change".to_string(), count("change", self.counts.map(|c| c.change))),
            ("replace".to_string(), count("replace", self.counts.map(|c| c.replace))),
            ("destroy".to_string(), count("destroy", self.counts.map(|c| c.destroy))),
        ]))
    }
}

impl Outcome for PlanResult {
    /// A plan that found changes leaves them pending until an apply of its root.
    fn changes(&self) -> Changes {
        Changes {
            left_pending: matches!(self, PlanResult::Planned(planned) if planned.changes),
            counted: Counted::root(self.summarised(false)),
            ..Changes::none()
        }
    }
}

impl Outcome for ApplyOutcome {
    /// An apply settles its root, and changed something when a real apply had changes.
    fn changes(&self) -> Changes {
        Changes {
            changed: self.changed,
            applied: true,
            counted: Counted::root(self.plan.summarised(self.changed)),
            ..Changes::none()
        }
    }
}

impl Outcome for DestroyOutcome {
    fn changes(&self) -> Changes {
        Changes {
            changed: self.changed,
            applied: true,
            counted: Counted::root(self.plan.summarised(self.changed)),
            ..Changes::none()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_as_data() {
        let planned = PlanResult::Planned(Planned {
            root: "dev/x".into(),
            detail: PlanChanges::default(),
            changes: true,
            counts: ChangeCounts { add: 2, change: 1, destroy: 0 },
            resources: vec![ResourceChange { address: "null_resource.a".into(), action: "create".into() }],
            provisional: false,
        });
        expect_test::expect![[r#"{"add":2,"change":1,"changes":true,"destroy":0,"replace":0,"resource_changes":[],"resource_drift":[],"resources":[{"action":"create","address":"null_resource.a"}]}"#]]
            .assert_eq(&planned.to_data().to_string());
        expect_test::expect![[r#"{"add":"(known after apply: dev/x.plan.add)","change":"(known after apply: dev/x.plan.change)","changes":"(known after apply: dev/x.plan.changes)","destroy":"(known after apply: dev/x.plan.destroy)","replace":"(known after apply: dev/x.plan.replace)","resource_changes":"(known after apply: dev/x.plan.resource_changes)","resource_drift":"(known after apply: dev/x.plan.resource_drift)","resources":"(known after apply: dev/x.plan.resources)"}"#]]
            .assert_eq(&PlanResult::Recorded { root: "dev/x".into() }.to_data().to_string());
        let summary = RootSummary {
            root: "dev/x".into(),
            counts: Some(TerraformCounts { add: 1, destroy: 3, ..Default::default() }),
        };
        expect_test::expect![[r#"{"add":1,"change":0,"destroy":3,"replace":0,"root":"dev/x"}"#]]
            .assert_eq(&summary.to_data().to_string());
    }
}
