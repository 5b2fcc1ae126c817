//! A reviewed plan, applied exactly (issue 21). A `--plan --out FILE` run keeps what it
//! would do — per terraform root the saved plan and the state it was made against, per
//! file write the content's hash, per `confirm` its message — as [`Reviewed`] effects; the
//! bundle (`crate::bundle`) carries them to `auto apply FILE`, which runs the same script
//! and lets each effect happen only if it is the one that was reviewed.
//!
//! The run picks one [`Review`] for its mode (`run/mod.rs`): [`Unreviewed`] (a run or plan
//! without a bundle), [`Keeping`] (a plan writing one), [`Checking`] (an apply of one).
//! Primitives ask it before they act and know nothing of bundles.
//!
//! Effects are matched by what they act on (a root, a path, a question), in order for each:
//! parallel tasks may reach them in another order than the plan did, and that is no
//! difference.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use super::journal::{Journal, Record};
use crate::report::summary::TerraformCounts;

use serde::{Deserialize, Serialize};

/// One effect as it was reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reviewed {
    /// A terraform apply of `root` (its label, `test/demo/hive`): the saved plan file, and
    /// the state it was planned against (an apply of it against any other state is wrong,
    /// also where terraform cannot tell: a plan made against no state).
    TerraformPlan {
        root: String,
        /// The state's lineage and serial when planned (`None`: there was no state yet).
        state: Option<StateIdentity>,
        /// The saved plan, base64 (`terraform plan -out`): it holds every planned value.
        plan: String,
        /// SHA-256 of the root's `.terraform.lock.hcl`: the providers it was planned with.
        lock_file: Option<String>,
        /// The terraform that planned it (`1.11.4`).
        terraform: Option<String>,
        /// What it would do: `address action` per resource, for the reader of the bundle.
        changes: Vec<String>,
        /// Its counts, and its changes attribute by attribute as a reviewer reads them
        /// (secrets masked): what `auto show` renders.
        #[serde(default)]
        counts: TerraformCounts,
        #[serde(default)]
        shown: String,
    },
    /// A terraform apply of `root` that could not be planned yet: its inputs are only known
    /// after an earlier apply of this run, or its files only after this run writes them.
    /// `auto apply` plans it when it comes and goes on only if that plan does what this one
    /// predicted (values aside: they were "known after apply").
    Provisional {
        root: String,
        /// `address action` per resource the prediction plan would change, in its order;
        /// `None`: it could not be predicted (the reason is in `why`).
        predicted: Option<Vec<String>>,
        /// The variables that were only known after apply.
        unknown: Vec<String>,
        /// Why it is provisional, and why a prediction failed.
        why: String,
        /// The prediction's counts and changes (secrets masked), for `auto show`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        counts: Option<TerraformCounts>,
        #[serde(default)]
        shown: String,
    },
    /// A file write: the SHA-256 of what would be written. Where the content holds values
    /// only an earlier apply produces (`(known after apply: …)`), `around_unknowns` is the
    /// text around them, and the write applied must be that text with any values between.
    FileWrite {
        path: String,
        sha256: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        around_unknowns: Option<Vec<String>>,
    },
    /// A `confirm(message)` the plan passed.
    Confirm { message: String },
    /// A kubectl apply (`target` names the manifests and environment) and the SHA-256 of
    /// the diff it would apply (`None`: no diff, a pruning apply).
    KubectlApply { target: String, diff_sha256: Option<String> },
    /// A docker build of `context` (repository path): the hash of the context's content
    /// and build inputs, and the tags it gets.
    DockerBuild { context: String, content_hash: String, tags: Vec<String> },
}

/// Which state a plan was made against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateIdentity {
    pub lineage: String,
    pub serial: u64,
}

impl Difference {
    /// A root whose state is not the one its reviewed plan was made against.
    pub fn state_changed(target: String, now: &Option<StateIdentity>, planned: &Option<StateIdentity>) -> Difference {
        let describe = |state: &Option<StateIdentity>| match state {
            Some(s) => format!("serial {} of lineage {}", s.serial, s.lineage),
            None => "no state".to_string(),
        };
        let what = format!("its state is now {}, the plan was made against {}", describe(now), describe(planned));
        Difference::Differs { target, what }
    }
}

impl Reviewed {
    /// What the effect acts on: effects on one thing keep their order.
    pub fn target(&self) -> String {
        match self {
            Reviewed::TerraformPlan { root, .. } | Reviewed::Provisional { root, .. } => {
                format!("terraform apply of {root}")
            }
            Reviewed::FileWrite { path, .. } => format!("write of {path}"),
            Reviewed::Confirm { message } => format!("confirm `{message}`"),
            Reviewed::KubectlApply { target, .. } => target.clone(),
            Reviewed::DockerBuild { context, .. } => format!("docker build of {context}"),
        }
    }
}

/// Why an apply of a bundle stops before an effect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Difference {
    #[error("{target} is not in the reviewed plan: plan and review again")]
    NotReviewed { target: String },
    #[error("{target} differs from the reviewed plan: {what}; plan and review again")]
    Differs { target: String, what: String },
    #[error("the reviewed plan has effects this run never came to: {}", .targets.join(", "))]
    NeverCame { targets: Vec<String> },
}

/// What a file write is reviewed as: its content's hash, and the text around the values
/// that are not known yet, when it has some.
pub fn file_write(path: &str, content: &str) -> Reviewed {
    let sha256 = crate::runtime::hex::hex(&<sha2::Sha256 as sha2::Digest>::digest(content.as_bytes()));
    let around_unknowns = match unknown_marker().is_match(content) {
        true => Some(unknown_marker().split(content).map(str::to_string).collect()),
        false => None,
    };
    Reviewed::FileWrite { path: path.to_string(), sha256, around_unknowns }
}

/// A value only an apply produces, as rendered into text: `(known after apply: …)`, with
/// the quotes of a JSON or HCL string around it (the real value may be no string).
fn unknown_marker() -> &'static regex::Regex {
    static MARKER: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    MARKER.get_or_init(|| regex::Regex::new(r#""?\(known after apply: [^)]*\)"?"#).expect("a valid pattern"))
}

/// Whether `content` is the `around` texts in order with anything between them.
fn fills(around: &[String], content: &str) -> bool {
    let (Some(first), Some(last)) = (around.first(), around.last()) else { return content.is_empty() };
    if around.len() == 1 {
        return content == first;
    }
    let Some(mut rest) = content.strip_prefix(first.as_str()) else { return false };
    for middle in &around[1..around.len() - 1] {
        match rest.find(middle.as_str()) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    rest.ends_with(last.as_str())
}

/// A provisional root's plan now against what was predicted for it (`address action`
/// each): `Err` names the first difference. Order is no difference; values are not
/// compared (the prediction had none where they were only known after apply).
pub fn against_prediction(target: &str, predicted: &[String], now: &[String]) -> Result<(), Difference> {
    let differs = |what: String| Difference::Differs { target: target.to_string(), what };
    let expected: std::collections::BTreeSet<&String> = predicted.iter().collect();
    let found: std::collections::BTreeSet<&String> = now.iter().collect();
    if let Some(extra) = now.iter().find(|change| !expected.contains(change)) {
        return Err(differs(format!("it was provisional, and its plan now has `{extra}`, which was not predicted")));
    }
    if let Some(missing) = predicted.iter().find(|change| !found.contains(change)) {
        return Err(differs(format!("it was provisional, and its plan now lacks the predicted `{missing}`")));
    }
    Ok(())
}

fn not_the_content(target: String) -> Difference {
    Difference::Differs { target, what: "the content is not the reviewed content".into() }
}

/// Where the plan a terraform apply applies comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanSource {
    /// Planned now (no bundle is applied).
    Fresh,
    /// The reviewed one ([`Reviewed::TerraformPlan`]).
    Reviewed(Reviewed),
    /// Planned now, and applied only if the plan does what was predicted: `address
    /// action` per changing resource ([`Reviewed::Provisional`]); `Err`: why there is no
    /// prediction to hold it to.
    Provisional(Result<Vec<String>, String>),
    /// The bundle has none for the root: a fresh plan must find nothing to do.
    NotReviewed,
}

/// What a primitive asks before it acts.
pub trait Review: Send + Sync {
    /// A plan that writes a bundle keeps `effect`; other runs ignore it.
    fn keep(&self, effect: Reviewed);

    /// Whether this run must keep what it plans (a `--plan --out` run): a plan that
    /// would otherwise be thrown away is kept, with what identifies its state.
    fn keeps(&self) -> bool {
        false
    }

    /// The plan the next apply of `root` (its label) applies.
    fn plan_source(&self, root: &str) -> PlanSource {
        let _ = root;
        PlanSource::Fresh
    }

    /// An apply of a bundle: `Ok` when `effect` is the next reviewed one on its target.
    fn check(&self, effect: &Reviewed) -> Result<(), Difference> {
        let _ = effect;
        Ok(())
    }

    /// An apply of a bundle: `Ok` when writing `content` to `path` is the next reviewed
    /// write of it (the same content, or the reviewed text with the values that were not
    /// known yet filled in).
    fn check_write(&self, path: &str, content: &str) -> Result<(), Difference> {
        self.check(&file_write(path, content))
    }

    /// At the end of an apply: the reviewed effects that never came.
    fn finish(&self) -> Result<(), Difference> {
        Ok(())
    }

    /// The reviewed terraform apply of `root` (its label) was applied: done, so a resume
    /// of a failed apply does not look for it again. (Other effects are done once let
    /// through; a terraform apply that failed may be tried again with the same plan.)
    fn applied(&self, root: &str) {
        let _ = root;
    }

    /// Where the effects done are journaled (`auto apply`).
    fn journal_into(&self, journal: Arc<Journal>) {
        let _ = journal;
    }
}

/// A run with no bundle.
pub struct Unreviewed;

impl Review for Unreviewed {
    fn keep(&self, _: Reviewed) {}
}

/// `--plan --out`: what the plan would do, kept in order.
#[derive(Default)]
pub struct Keeping {
    effects: Mutex<Vec<Reviewed>>,
}

impl Keeping {
    pub fn effects(&self) -> Vec<Reviewed> {
        self.effects.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Review for Keeping {
    fn keep(&self, effect: Reviewed) {
        self.effects.lock().unwrap_or_else(|e| e.into_inner()).push(effect);
    }

    fn keeps(&self) -> bool {
        true
    }
}

/// `auto apply`: the reviewed effects, by target, each taken once.
pub struct Checking {
    pending: Mutex<BTreeMap<String, VecDeque<Reviewed>>>,
    /// Resuming a failed apply: the effects the failed attempt did. Steps it did not finish
    /// run again, and may come to one of them again: the same effect once more is no
    /// difference (a terraform root, whose reviewed plan is used up, must then plan to
    /// nothing).
    done_before: BTreeMap<String, Vec<Reviewed>>,
    journal: OnceLock<Arc<Journal>>,
}

impl Checking {
    pub fn new(effects: Vec<Reviewed>) -> Checking {
        Checking::resuming(effects, &[])
    }

    /// The effects of a bundle an earlier attempt applied in part: `done` are the targets
    /// of the effects it did, in order (its journal's `effect_done` records).
    pub fn resuming(effects: Vec<Reviewed>, done: &[String]) -> Checking {
        let mut pending: BTreeMap<String, VecDeque<Reviewed>> = BTreeMap::new();
        for effect in effects {
            pending.entry(effect.target()).or_default().push_back(effect);
        }
        let mut done_before: BTreeMap<String, Vec<Reviewed>> = BTreeMap::new();
        for target in done {
            if let Some(effect) = pending.get_mut(target).and_then(VecDeque::pop_front) {
                done_before.entry(target.clone()).or_default().push(effect);
            }
        }
        pending.retain(|_, queue| !queue.is_empty());
        Checking { pending: Mutex::new(pending), done_before, journal: OnceLock::new() }
    }

    /// Journals `target` as done.
    fn done(&self, target: &str) {
        if let Some(journal) = self.journal.get() {
            // A journal that cannot be written stops the run at its next step record.
            let _ = journal.append(&Record::EffectDone { ts: crate::clock::now_rfc3339(), target: target.to_string() });
        }
    }

    /// A resumed apply coming to an effect the failed attempt did: `effect` once more.
    fn again(&self, effect: &Reviewed) -> bool {
        self.done_before.get(&effect.target()).is_some_and(|done| done.iter().any(|d| d == effect))
    }

    fn next(&self, target: &str) -> Option<Reviewed> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let queue = pending.get_mut(target)?;
        let next = queue.pop_front();
        if queue.is_empty() {
            pending.remove(target);
        }
        next
    }
}

impl Review for Checking {
    fn keep(&self, _: Reviewed) {}

    fn plan_source(&self, root: &str) -> PlanSource {
        match self.next(&format!("terraform apply of {root}")) {
            Some(Reviewed::Provisional { predicted: Some(predicted), .. }) => PlanSource::Provisional(Ok(predicted)),
            Some(Reviewed::Provisional { predicted: None, why, .. }) => PlanSource::Provisional(Err(why)),
            Some(reviewed) => PlanSource::Reviewed(reviewed),
            None => PlanSource::NotReviewed,
        }
    }

    fn check(&self, effect: &Reviewed) -> Result<(), Difference> {
        let target = effect.target();
        match self.next(&target) {
            Some(reviewed) if &reviewed == effect => {
                self.done(&target);
                Ok(())
            }
            Some(Reviewed::FileWrite { .. }) => Err(not_the_content(target)),
            Some(Reviewed::DockerBuild { .. }) => {
                Err(Difference::Differs { target, what: "its context or tags are not the reviewed ones".into() })
            }
            Some(Reviewed::KubectlApply { .. }) => Err(Difference::Differs {
                target,
                what: "the cluster's diff is not the reviewed diff (the cluster or the manifests changed)".into(),
            }),
            Some(_) => Err(Difference::Differs { target, what: "it is another effect".into() }),
            None if self.again(effect) => Ok(()),
            None => Err(Difference::NotReviewed { target }),
        }
    }

    fn check_write(&self, path: &str, content: &str) -> Result<(), Difference> {
        let effect = file_write(path, content);
        match self.next(&effect.target()) {
            Some(Reviewed::FileWrite { sha256, around_unknowns, .. }) => {
                let Reviewed::FileWrite { sha256: now, .. } = &effect else { unreachable!("a file write") };
                let same = match &around_unknowns {
                    Some(around) => fills(around, content),
                    None => &sha256 == now,
                };
                if same {
                    self.done(&effect.target());
                    Ok(())
                } else {
                    Err(not_the_content(effect.target()))
                }
            }
            Some(_) => Err(Difference::Differs { target: effect.target(), what: "it is another effect".into() }),
            None if self.again(&effect) => Ok(()),
            None => Err(Difference::NotReviewed { target: effect.target() }),
        }
    }

    fn applied(&self, root: &str) {
        self.done(&format!("terraform apply of {root}"));
    }

    fn journal_into(&self, journal: Arc<Journal>) {
        let _ = self.journal.set(journal);
    }

    fn finish(&self) -> Result<(), Difference> {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.is_empty() {
            Ok(())
        } else {
            Err(Difference::NeverCame { targets: pending.keys().cloned().collect() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &str, sha256: &str) -> Reviewed {
        Reviewed::FileWrite { path: path.into(), sha256: sha256.into(), around_unknowns: None }
    }

    #[test]
    fn a_write_planned_with_unknown_values_takes_any_values_in_their_place_and_nothing_else() {
        let planned =
            r#"{"catalogs":{"demo":{"uri":"a"},"newco":"(known after apply: test/newco/infra.trino_catalog)"}}"#;
        let checking = Checking::new(vec![file_write("c.json", planned), file_write("c.json", planned)]);
        let applied = r#"{"catalogs":{"demo":{"uri":"a"},"newco":{"uri":"b"}}}"#;
        assert_eq!(checking.check_write("c.json", applied), Ok(()));
        let other = r#"{"catalogs":{"demo":{"uri":"CHANGED"},"newco":{"uri":"b"}}}"#;
        assert!(checking.check_write("c.json", other).is_err(), "the known text must be the reviewed one");
        assert!(fills(&["a".into()], "a") && !fills(&["a".into()], "ab"));
        assert!(fills(&["x=".into(), ", y=".into(), ".".into()], "x=1, y=2."));
        assert!(!fills(&["x=".into(), ", y=".into(), ".".into()], "x=1; y=2."));
        let plain = Checking::new(vec![file_write("p.txt", "text")]);
        assert_eq!(plain.check_write("p.txt", "text"), Ok(()));
    }

    #[test]
    fn effects_are_matched_per_target_in_order_and_the_rest_is_named() {
        let checking = Checking::new(vec![write("a", "1"), write("b", "2"), write("a", "3")]);
        // Another order across targets is no difference; within one it is.
        assert_eq!(checking.check(&write("b", "2")), Ok(()));
        assert_eq!(checking.check(&write("a", "1")), Ok(()));
        expect_test::expect![
            "write of a differs from the reviewed plan: the content is not the reviewed content; plan and review again"
        ]
        .assert_eq(&checking.check(&write("a", "9")).unwrap_err().to_string());
        expect_test::expect!["write of c is not in the reviewed plan: plan and review again"]
            .assert_eq(&checking.check(&write("c", "1")).unwrap_err().to_string());
        let unfinished = Checking::new(vec![Reviewed::Confirm { message: "go?".into() }]);
        expect_test::expect!["the reviewed plan has effects this run never came to: confirm `go?`"]
            .assert_eq(&unfinished.finish().unwrap_err().to_string());
        assert_eq!(checking.finish(), Ok(()));
    }

    #[test]
    fn a_resumed_apply_goes_on_with_the_effects_not_done_and_may_repeat_a_done_one() {
        let confirm = Reviewed::Confirm { message: "go?".into() };
        let effects = vec![write("a", "1"), confirm.clone(), write("b", "2")];
        let resumed = Checking::resuming(effects, &["write of a".to_string(), "confirm `go?`".to_string()]);
        assert_eq!(resumed.check(&confirm), Ok(()), "the failed step runs again and asks again");
        assert!(resumed.check(&write("a", "9")).is_err(), "but not something else on a done target");
        expect_test::expect!["the reviewed plan has effects this run never came to: write of b"]
            .assert_eq(&resumed.finish().unwrap_err().to_string());
        assert_eq!(resumed.check(&write("b", "2")), Ok(()));
        assert_eq!(resumed.finish(), Ok(()));
    }

    #[test]
    fn a_provisional_root_goes_on_only_with_the_predicted_addresses_and_actions() {
        let predicted = ["terraform_data.hive create".to_string(), "null_resource.a create".to_string()];
        let target = "terraform apply of test/acme/hive";
        let reordered = [predicted[1].clone(), predicted[0].clone()];
        assert_eq!(against_prediction(target, &predicted, &reordered), Ok(()));
        let extra = [predicted[0].clone(), predicted[1].clone(), "terraform_data.extra create".to_string()];
        expect_test::expect!["terraform apply of test/acme/hive differs from the reviewed plan: it was provisional, and its plan now has `terraform_data.extra create`, which was not predicted; plan and review again"]
            .assert_eq(&against_prediction(target, &predicted, &extra).unwrap_err().to_string());
        let other_action = ["terraform_data.hive replace".to_string(), predicted[1].clone()];
        assert!(against_prediction(target, &predicted, &other_action).is_err());
        expect_test::expect!["terraform apply of test/acme/hive differs from the reviewed plan: it was provisional, and its plan now lacks the predicted `null_resource.a create`; plan and review again"]
            .assert_eq(&against_prediction(target, &predicted, &predicted[..1]).unwrap_err().to_string());
    }
}
