//! The run's one set of numbers (issue 20): what it changed or, in a plan or dry-run, would
//! change — per terraform root and in total, Kubernetes objects, images built and pushed,
//! files written. Primitives' results say what they count ([`Counted`]); the run adds them
//! up in a [`Tally`]; at the end it becomes one [`Summary`], sent as the `plan_summary`
//! event. The human recap, the GitHub step summary, the Markdown of `--plan-md` and the
//! exit code all read that one value, so they cannot disagree.

use std::sync::Mutex;

use serde::Serialize;

use crate::effect::Mode;

/// Where a terraform root stands at the end of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RootState {
    /// Planned: nothing to do.
    #[default]
    Unchanged,
    /// Planned with changes that no apply of this run made (a plan, or `--plan`).
    Pending,
    /// Applied by this run.
    Applied,
    /// Only recorded (dry-run, or inputs known only after an apply): counts unknown.
    Recorded,
    /// Inputs known only after an earlier apply: the counts are a prediction (a plan on
    /// placeholders), and an apply of a bundle plans it again and holds it to them.
    Provisional,
}

/// A plan's counts, as terraform counts them: a replacement is one add and one destroy,
/// and is counted again under `replace` so a reviewer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
pub struct TerraformCounts {
    pub add: u64,
    pub change: u64,
    pub replace: u64,
    pub destroy: u64,
    /// Data sources read during apply.
    pub read: u64,
}

impl TerraformCounts {
    fn plus(self, other: TerraformCounts) -> TerraformCounts {
        TerraformCounts {
            add: self.add + other.add,
            change: self.change + other.change,
            replace: self.replace + other.replace,
            destroy: self.destroy + other.destroy,
            read: self.read + other.read,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.add + self.change + self.replace + self.destroy == 0
    }

    /// `1 to add, 0 to change, 1 to replace, 1 to destroy`.
    pub fn text(&self) -> String {
        format!(
            "{} to add, {} to change, {} to replace, {} to destroy",
            self.add, self.change, self.replace, self.destroy
        )
    }
}

/// One root's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RootChanges {
    /// The root below `environments/`: `test/demo/hive`.
    pub root: String,
    pub state: RootState,
    /// `None` when the plan was only recorded.
    #[serde(flatten)]
    pub counts: Option<TerraformCounts>,
    /// What it changes, rendered (`terraform::changes`): what a question before the next
    /// step shows. Not part of the event (the root's `change_summary` carries it).
    #[serde(skip)]
    pub changes: String,
}

/// What one primitive result adds to the run's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counted {
    pub root: Option<RootChanges>,
    pub kubernetes_objects: u64,
    pub images_built: u64,
    pub images_pushed: u64,
    pub files_written: u64,
}

impl Counted {
    pub fn root(root: RootChanges) -> Counted {
        Counted { root: Some(root), ..Counted::default() }
    }

    pub fn files(files_written: u64) -> Counted {
        Counted { files_written, ..Counted::default() }
    }

    /// Whether it counts anything that changes (an unchanged root does not).
    pub fn is_change(&self) -> bool {
        self.kubernetes_objects + self.images_built + self.images_pushed + self.files_written > 0
            || self.root.as_ref().is_some_and(|r| r.state != RootState::Unchanged)
    }
}

/// The run's running totals; one per run, shared by its threads.
#[derive(Default)]
pub struct Tally {
    inner: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    /// In the order roots were first seen.
    roots: Vec<RootChanges>,
    kubernetes_objects: u64,
    images_built: u64,
    images_pushed: u64,
    files_written: u64,
}

impl Tally {
    pub fn add(&self, counted: &Counted) {
        let mut counts = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        counts.kubernetes_objects += counted.kubernetes_objects;
        counts.images_built += counted.images_built;
        counts.images_pushed += counted.images_pushed;
        counts.files_written += counted.files_written;
        let Some(root) = &counted.root else { return };
        match counts.roots.iter_mut().find(|r| r.root == root.root) {
            // A later plan of a root says where it stands now (an apply settles the plan
            // before it), except that a root once applied stays applied.
            Some(known) if known.state == RootState::Applied && root.state == RootState::Unchanged => {}
            Some(known) => *known = root.clone(),
            None => counts.roots.push(root.clone()),
        }
    }

    /// The changes planned and not applied yet, root by root: what a `confirm` shows.
    pub fn pending_text(&self) -> String {
        let counts = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut text = String::new();
        for root in counts.roots.iter().filter(|r| r.state == RootState::Pending) {
            text.push_str(&format!("{}: {}\n", root.root, root.describe()));
            for line in root.changes.lines() {
                text.push_str(&format!("  {line}\n"));
            }
        }
        text
    }

    /// The numbers of the run, once it is over. `changes_pending` is decided by the run
    /// (what is left to do); `recorded_writes` is how many writes a plan or dry-run
    /// recorded instead of doing.
    /// `real`: whether the run could change anything (not a plan or dry-run).
    pub fn summary(&self, mode: Mode, real: bool, changes_pending: bool, recorded_writes: u64) -> Summary {
        let counts = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let totals =
            counts.roots.iter().filter_map(|r| r.counts).fold(TerraformCounts::default(), TerraformCounts::plus);
        Summary {
            mode,
            real,
            changes_pending,
            terraform: TerraformSummary {
                roots: counts.roots.clone(),
                totals,
                roots_not_planned: counts.roots.iter().filter(|r| r.state == RootState::Recorded).count() as u64,
            },
            kubernetes_objects: counts.kubernetes_objects,
            images_built: counts.images_built,
            images_pushed: counts.images_pushed,
            files_written: counts.files_written,
            recorded_writes,
        }
    }
}

/// The `plan_summary` event: the numbers of the whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// For display: what the numbers mean is `real`.
    pub mode: Mode,
    /// A real run (its numbers are what it changed); false for a plan or dry-run (what
    /// it would change).
    pub real: bool,
    /// Something would change (a plan or dry-run), or a plan of this run was left
    /// unapplied (a real run): a run that worked exits 3 exactly when this is true (a
    /// failed one sets it false: it exits 1).
    pub changes_pending: bool,
    pub terraform: TerraformSummary,
    /// Objects `kubectl::apply` changed (a real run) or would change (a plan), from the
    /// diff it runs first.
    pub kubernetes_objects: u64,
    pub images_built: u64,
    pub images_pushed: u64,
    pub files_written: u64,
    /// Commands and file writes a plan or dry-run recorded instead of doing (0 in a real
    /// run); the other numbers of a dry-run come from these records, not from tools.
    pub recorded_writes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerraformSummary {
    pub roots: Vec<RootChanges>,
    /// The sum over the roots whose counts are known.
    #[serde(flatten)]
    pub totals: TerraformCounts,
    /// Roots whose plan was only recorded (counts unknown).
    pub roots_not_planned: u64,
}

impl Summary {
    /// What the numbers are of: "would change" in a plan or dry-run, "changed" in a run.
    pub fn verb(&self) -> &'static str {
        if !self.real {
            "would change"
        } else {
            "changed"
        }
    }

    /// Whether anything changed (or, in a plan, would): a root that is not unchanged, or
    /// any other count.
    pub fn has_changes(&self) -> bool {
        self.terraform.roots.iter().any(|r| r.state != RootState::Unchanged)
            || self.kubernetes_objects + self.images_built + self.images_pushed + self.files_written > 0
            || self.recorded_writes > 0
    }

    /// The lines of the human recap and of the Markdown table, as (what, numbers).
    pub fn rows(&self) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        let roots = &self.terraform.roots;
        if !roots.is_empty() {
            let changing = roots.iter().filter(|r| r.state != RootState::Unchanged).count();
            let mut text = format!("{}; {} of {} root(s)", self.terraform.totals.text(), changing, roots.len());
            let provisional = roots.iter().filter(|r| r.state == RootState::Provisional).count();
            if provisional > 0 {
                text.push_str(&format!(", {provisional} provisional (predicted: inputs known after apply)"));
            }
            if self.terraform.roots_not_planned > 0 {
                text.push_str(&format!(
                    ", {} only recorded (not planned: counts unknown)",
                    self.terraform.roots_not_planned
                ));
            }
            rows.push(("terraform".to_string(), text));
        }
        // What a real run did, or what a plan or dry-run would do.
        let (changed, built, pushed, written) = if self.real {
            ("changed", "built", "pushed", "written")
        } else {
            ("differ", "to build", "to push", "to write")
        };
        if self.kubernetes_objects > 0 {
            rows.push(("kubernetes".to_string(), format!("{} object(s) {changed}", self.kubernetes_objects)));
        }
        if self.images_built + self.images_pushed > 0 {
            rows.push((
                "images".to_string(),
                format!("{} {built}, {} {pushed}", self.images_built, self.images_pushed),
            ));
        }
        if self.files_written > 0 {
            rows.push(("files".to_string(), format!("{} {written}", self.files_written)));
        }
        if self.recorded_writes > 0 {
            rows.push((
                "recorded".to_string(),
                format!("{} command(s) and file write(s), not run", self.recorded_writes),
            ));
        }
        rows
    }

    /// The recap's closing block: one line per kind of change, then one per root.
    pub fn text(&self) -> String {
        let rows = self.rows();
        let mode = self.mode;
        let head = match (self.real, self.changes_pending, self.has_changes()) {
            (true, true, _) => "changes left pending (a plan of this run was not applied)".to_string(),
            (true, false, false) => "nothing changed".to_string(),
            (true, false, true) => "changed".to_string(),
            (false, _, true) => format!("{mode}: would change; nothing was changed"),
            (false, _, false) => format!("{mode}: no changes"),
        };
        let width = rows.iter().map(|(what, _)| what.len()).max().unwrap_or(0);
        let mut text = format!("{head}\n");
        for (what, numbers) in &rows {
            text.push_str(&format!("  {what:width$}  {numbers}\n"));
        }
        let roots: Vec<&RootChanges> =
            self.terraform.roots.iter().filter(|r| r.state != RootState::Unchanged).collect();
        let root_width = roots.iter().map(|r| r.root.len()).max().unwrap_or(0);
        for root in roots {
            text.push_str(&format!("    {:root_width$}  {}\n", root.root, root.describe()));
        }
        text
    }
}

impl RootChanges {
    /// `pending: 1 to add, …` / `recorded (not planned)`.
    pub fn describe(&self) -> String {
        let state = match self.state {
            RootState::Unchanged => "no changes",
            RootState::Pending => "pending",
            RootState::Applied => "applied",
            RootState::Recorded => return "recorded (not planned: counts unknown)".to_string(),
            RootState::Provisional => "provisional (planned on values known after apply)",
        };
        match self.counts {
            Some(counts) => format!("{state}: {}", counts.text()),
            None => state.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(name: &str, state: RootState, counts: Option<TerraformCounts>) -> Counted {
        Counted::root(RootChanges { root: name.into(), state, counts, changes: String::new() })
    }

    #[test]
    fn a_root_is_counted_once_where_it_ends_up() {
        let tally = Tally::default();
        let replace = TerraformCounts { add: 1, replace: 1, destroy: 1, ..TerraformCounts::default() };
        tally.add(&root("test/demo/hive", RootState::Pending, Some(replace)));
        tally.add(&root("test/demo/hive", RootState::Applied, Some(replace)));
        // A later plan of the applied root finds nothing to do: it stays applied.
        tally.add(&root("test/demo/hive", RootState::Unchanged, Some(TerraformCounts::default())));
        tally.add(&root("test/demo/superset", RootState::Recorded, None));
        tally.add(&Counted::files(2));
        let summary = tally.summary(Mode::Run, true, false, 0);
        expect_test::expect![[r#"
            changed
              terraform  1 to add, 0 to change, 1 to replace, 1 to destroy; 2 of 2 root(s), 1 only recorded (not planned: counts unknown)
              files      2 written
                test/demo/hive      applied: 1 to add, 0 to change, 1 to replace, 1 to destroy
                test/demo/superset  recorded (not planned: counts unknown)
        "#]]
        .assert_eq(&summary.text());
        expect_test::expect![[r#"{"changes_pending":false,"files_written":2,"images_built":0,"images_pushed":0,"kubernetes_objects":0,"mode":"run","real":true,"recorded_writes":0,"terraform":{"add":1,"change":0,"destroy":1,"read":0,"replace":1,"roots":[{"add":1,"change":0,"destroy":1,"read":0,"replace":1,"root":"test/demo/hive","state":"applied"},{"root":"test/demo/superset","state":"recorded"}],"roots_not_planned":1}}"#]]
        .assert_eq(&serde_json::to_value(&summary).unwrap().to_string());
    }
}
