//! A run's timeline, from its verified journal: one lane per scope (the customer, the app
//! a step runs for), every step as a bar with its result, the tools it ran inside it, the
//! waits (for a lock, for a slot of a `parallel` limit) and the run's critical path.
//! [`html`] writes it as one self-contained page (`auto runs show <id> --html FILE`):
//! styles, script and data inline, and a content security policy that lets the page load
//! nothing at all.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::journal::Record;
use crate::report::StepStatus;

/// How a bar is coloured: a step's result, or what the resumed run took over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Changed,
    Pending,
    Failed,
    Skipped,
    /// Done by the earlier attempt of a resumed run, and not run again.
    Resumed,
    /// Started and never finished: the run was interrupted or died.
    Unfinished,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub key: String,
    pub name: String,
    pub lane: String,
    /// Milliseconds from the run's start.
    pub start_ms: u64,
    pub end_ms: u64,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub critical: bool,
    /// Tool invocations inside the step, by start.
    pub tools: Vec<Tool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub command: String,
    pub start_ms: u64,
    pub end_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Wait {
    pub lane: String,
    pub reason: String,
    pub start_ms: u64,
    pub end_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    pub name: String,
    pub steps: usize,
    pub failed: usize,
    pub busy_ms: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub steps: usize,
    pub ok: usize,
    pub changed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub resumed: usize,
    pub unfinished: usize,
    pub tools: usize,
    pub tool_ms: u64,
    pub waited_ms: u64,
    pub critical_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub run_id: String,
    pub script: String,
    pub mode: String,
    pub started: String,
    pub params: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_from: Option<String>,
    /// `ok`, `failed`, …, `interrupted`, or `unfinished` (no end recorded).
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: u64,
    pub lanes: Vec<Lane>,
    pub steps: Vec<Step>,
    /// Tools run outside any step (at the top of the script).
    pub loose_tools: Vec<(String, Tool)>,
    pub waits: Vec<Wait>,
    pub totals: Totals,
}

/// The lane of the run's top level (steps outside any `parallel` task).
pub const TOP_LANE: &str = "(run)";

fn instant(ts: &str) -> Option<OffsetDateTime> {
    crate::clock::parse_rfc3339(ts)
}

/// `acme/hive/deploy` runs in lane `acme/hive`; a step at the top, in [`TOP_LANE`]. A
/// repeated step's `#2` belongs to its name, not its lane.
fn lane_and_name(key: &str) -> (String, String) {
    match key.rsplit_once('/') {
        Some((lane, name)) => (lane.to_string(), name.to_string()),
        None => (TOP_LANE.to_string(), key.to_string()),
    }
}

impl Timeline {
    /// The timeline of the run `records` are the verified journal of.
    pub fn of(run_id: &str, records: &[Record]) -> Timeline {
        let first_ts = records.first().map(Record::ts).and_then(instant);
        let origin = first_ts.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let at =
            |ts: &str| -> u64 { instant(ts).map(|t| (t - origin).whole_milliseconds().max(0) as u64).unwrap_or(0) };
        let last_ms = records.iter().map(Record::ts).map(at).max().unwrap_or(0);
        let mut timeline = Timeline {
            run_id: run_id.to_string(),
            script: String::new(),
            mode: String::new(),
            started: first_ts.and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default(),
            params: serde_json::Value::Null,
            git_commit: None,
            resumed_from: None,
            result: "unfinished".into(),
            exit_code: None,
            error: None,
            duration_ms: last_ms,
            lanes: Vec::new(),
            steps: Vec::new(),
            loose_tools: Vec::new(),
            waits: Vec::new(),
            totals: Totals::default(),
        };
        let mut open: Vec<(String, u64)> = Vec::new();
        let mut tools: Vec<(Option<String>, Tool)> = Vec::new();
        let mut waits: Vec<(Option<String>, String, u64, u64)> = Vec::new();
        for record in records {
            match record {
                Record::RunStarted { script, params, mode, git_commit, resumed_from, .. } => {
                    timeline.script = script.clone();
                    timeline.mode = mode.clone();
                    timeline.params = crate::secret::redact_json(params);
                    timeline.git_commit = git_commit.clone();
                    timeline.resumed_from = resumed_from.clone();
                }
                Record::StepStarted { ts, key, .. } => open.push((key.clone(), at(ts))),
                Record::StepFinished { ts, key, status, elapsed_ms, error, .. } => {
                    let end_ms = at(ts);
                    let start_ms = match open.iter().position(|(k, _)| k == key) {
                        Some(index) => open.remove(index).1,
                        None => end_ms.saturating_sub(*elapsed_ms),
                    };
                    let outcome = match status {
                        StepStatus::Ok => Outcome::Ok,
                        StepStatus::Changed => Outcome::Changed,
                        StepStatus::Pending => Outcome::Pending,
                        StepStatus::Failed => Outcome::Failed,
                        StepStatus::Skipped if timeline.resumed_from.is_some() => Outcome::Resumed,
                        StepStatus::Skipped => Outcome::Skipped,
                    };
                    timeline.push_step(key, start_ms, end_ms, outcome, error.clone());
                }
                Record::ToolRan { ts, scope, command, exit_code, elapsed_ms } => {
                    let end_ms = at(ts);
                    let start_ms = end_ms.saturating_sub(*elapsed_ms);
                    tools.push((
                        scope.clone(),
                        Tool { command: command.clone(), start_ms, end_ms, exit_code: *exit_code },
                    ));
                }
                Record::Waited { ts, scope, reason, elapsed_ms } => {
                    let end_ms = at(ts);
                    waits.push((scope.clone(), reason.clone(), end_ms.saturating_sub(*elapsed_ms), end_ms));
                }
                Record::RunFinished { status, exit_code, error, interrupted, .. } => {
                    timeline.result =
                        if *interrupted { "interrupted".into() } else { format!("{status:?}").to_lowercase() };
                    timeline.exit_code = Some(*exit_code);
                    timeline.error = error.clone();
                }
                Record::EffectDone { .. } | Record::Attempts { .. } => {}
            }
        }
        // Steps the run never finished: drawn to where the journal ends.
        for (key, start_ms) in open {
            timeline.push_step(&key, start_ms, last_ms.max(start_ms), Outcome::Unfinished, None);
        }
        timeline.steps.sort_by(|a, b| (a.start_ms, &a.key).cmp(&(b.start_ms, &b.key)));
        timeline.attach_tools(tools);
        timeline.waits = waits
            .into_iter()
            .map(|(scope, reason, start_ms, end_ms)| Wait {
                lane: timeline.lane_of_scope(scope.as_deref()),
                reason,
                start_ms,
                end_ms,
            })
            .collect();
        let waits = std::mem::take(&mut timeline.waits);
        timeline.mark_critical_path(&waits);
        timeline.waits = waits;
        timeline.count();
        timeline
    }

    fn push_step(&mut self, key: &str, start_ms: u64, end_ms: u64, outcome: Outcome, error: Option<String>) {
        let (lane, name) = lane_and_name(key);
        let error = error.map(|e| crate::secret::redact(&e));
        self.steps.push(Step {
            key: key.to_string(),
            name,
            lane,
            start_ms,
            end_ms,
            outcome,
            error,
            critical: false,
            tools: Vec::new(),
        });
    }

    /// A tool belongs to the innermost step whose key is its scope or a prefix of it and
    /// that ran when it did; a tool outside every step is listed on its own.
    fn attach_tools(&mut self, tools: Vec<(Option<String>, Tool)>) {
        for (scope, tool) in tools {
            let owner = scope.as_deref().and_then(|scope| {
                self.steps
                    .iter()
                    .enumerate()
                    .filter(|(_, step)| scope == step.key || scope.starts_with(&format!("{}/", step.key)))
                    .filter(|(_, step)| tool.start_ms + 1 >= step.start_ms && tool.end_ms <= step.end_ms + 1)
                    .max_by_key(|(_, step)| step.key.len())
                    .map(|(index, _)| index)
            });
            match owner {
                Some(index) => self.steps[index].tools.push(tool),
                None => self.loose_tools.push((scope.unwrap_or_else(|| TOP_LANE.to_string()), tool)),
            }
        }
        for step in &mut self.steps {
            step.tools.sort_by_key(|t| t.start_ms);
        }
    }

    /// A wait told in a step's scope is drawn in that step's lane; one told in a task's
    /// scope (a slot of a `parallel` limit) in the task's lane.
    fn lane_of_scope(&self, scope: Option<&str>) -> String {
        match scope {
            None => TOP_LANE.to_string(),
            Some(scope) => match self.steps.iter().find(|s| s.key == scope) {
                Some(step) => step.lane.clone(),
                None => scope.to_string(),
            },
        }
    }

    /// The chain of steps that decided when the run ended, walked back from the step that
    /// ended last. A step waited for the step before it in its lane (a task's steps run in
    /// order); the first step of a lane for whatever ended last before the lane began —
    /// before its wait for a slot ended, if it waited. The journal records times, not
    /// dependencies: this is what held the run up as the clock saw it.
    fn mark_critical_path(&mut self, waits: &[Wait]) {
        let ended_by = |steps: &[Step], at: u64, skip: usize, lane: Option<&str>| {
            steps
                .iter()
                .enumerate()
                .filter(|(i, s)| *i != skip && !s.critical && s.end_ms <= at && lane.is_none_or(|l| s.lane == l))
                .max_by_key(|(_, s)| (s.end_ms, s.start_ms))
                .map(|(i, _)| i)
        };
        let mut current = self.steps.iter().enumerate().max_by_key(|(_, s)| (s.end_ms, s.start_ms)).map(|(i, _)| i);
        while let Some(index) = current {
            self.steps[index].critical = true;
            let (start, lane) = (self.steps[index].start_ms, self.steps[index].lane.clone());
            current = match ended_by(&self.steps, start, index, Some(&lane)) {
                Some(before) => Some(before),
                None => {
                    let began = waits
                        .iter()
                        .filter(|w| w.lane == lane && w.end_ms <= start)
                        .map(|w| w.end_ms)
                        .max()
                        .unwrap_or(start);
                    ended_by(&self.steps, began, index, None)
                }
            };
        }
    }

    fn count(&mut self) {
        let mut lanes: Vec<Lane> = Vec::new();
        let mut totals = Totals { steps: self.steps.len(), ..Totals::default() };
        for step in &self.steps {
            match step.outcome {
                Outcome::Ok => totals.ok += 1,
                Outcome::Changed => totals.changed += 1,
                Outcome::Failed => totals.failed += 1,
                Outcome::Skipped | Outcome::Pending => totals.skipped += 1,
                Outcome::Resumed => totals.resumed += 1,
                Outcome::Unfinished => totals.unfinished += 1,
            }
            totals.tools += step.tools.len();
            totals.tool_ms += step.tools.iter().map(|t| t.end_ms - t.start_ms).sum::<u64>();
            if step.critical {
                totals.critical_ms += step.end_ms - step.start_ms;
            }
            let lane = match lanes.iter_mut().find(|l| l.name == step.lane) {
                Some(lane) => lane,
                None => {
                    lanes.push(Lane { name: step.lane.clone(), steps: 0, failed: 0, busy_ms: 0 });
                    lanes.last_mut().expect("just pushed")
                }
            };
            lane.steps += 1;
            lane.failed += usize::from(step.outcome == Outcome::Failed);
            lane.busy_ms += step.end_ms - step.start_ms;
        }
        totals.tools += self.loose_tools.len();
        totals.tool_ms += self.loose_tools.iter().map(|(_, t)| t.end_ms - t.start_ms).sum::<u64>();
        totals.waited_ms = self.waits.iter().map(|w| w.end_ms - w.start_ms).sum();
        for wait in &self.waits {
            if !lanes.iter().any(|l| l.name == wait.lane) {
                lanes.push(Lane { name: wait.lane.clone(), steps: 0, failed: 0, busy_ms: 0 });
            }
        }
        // The top of the run first, then the lanes by name (customers in order).
        lanes.sort_by(|a, b| (a.name != TOP_LANE, &a.name).cmp(&(b.name != TOP_LANE, &b.name)));
        self.lanes = lanes;
        self.totals = totals;
    }
}

const PAGE: &str = include_str!("timeline.html");

/// The page: [`PAGE`] with the timeline as JSON in a `<script type="application/json">`
/// (read by the page's script with `JSON.parse`, never as markup), `<` escaped so no value
/// can end the element.
pub fn html(timeline: &Timeline) -> String {
    let data = serde_json::to_string(timeline).unwrap_or_else(|_| "{}".into()).replace('<', "\\u003c");
    let data = crate::secret::redact(&data);
    let title =
        format!("auto run {} — {}", timeline.run_id, timeline.script).replace('&', "&amp;").replace('<', "&lt;");
    // The data first: `{{TITLE}}` in <title> comes before it, whatever the data holds.
    PAGE.replacen("{{DATA}}", &data, 1).replacen("{{TITLE}}", &title, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(ts: &str) -> Record {
        Record::RunStarted {
            ts: ts.into(),
            run_id: "r".into(),
            script: "scripts/x.rhai".into(),
            params: serde_json::json!({"env": "dev"}),
            mode: "run".into(),
            git_commit: None,
            script_hash: String::new(),
            pid: 1,
            host: "h".into(),
            user: "u".into(),
            resumed_from: None,
            applies_bundle: None,
            bundle_file: None,
        }
    }

    fn step(key: &str, from: &str, to: &str, elapsed_ms: u64, status: StepStatus) -> [Record; 2] {
        [
            Record::StepStarted { ts: from.into(), key: key.into(), input_hash: String::new() },
            Record::StepFinished {
                ts: to.into(),
                key: key.into(),
                input_hash: String::new(),
                status,
                elapsed_ms,
                output: None,
                replayable: true,
                error: (status == StepStatus::Failed).then(|| "boom".to_string()),
            },
        ]
    }

    #[test]
    fn lanes_tools_waits_and_the_critical_path() {
        let mut records = vec![started("2026-12-01T10:00:00.000Z")];
        records.extend(step("prepare", "2026-12-01T10:00:00.000Z", "2026-12-01T10:00:01.000Z", 1000, StepStatus::Ok));
        records.extend(step(
            "acme/infra",
            "2026-12-01T10:00:01.000Z",
            "2026-12-01T10:00:03.000Z",
            2000,
            StepStatus::Changed,
        ));
        records.extend(step(
            "beta/infra",
            "2026-12-01T10:00:01.000Z",
            "2026-12-01T10:00:02.000Z",
            1000,
            StepStatus::Failed,
        ));
        records.push(Record::ToolRan {
            ts: "2026-12-01T10:00:02.500Z".into(),
            scope: Some("acme/infra".into()),
            command: "terraform apply".into(),
            exit_code: Some(0),
            elapsed_ms: 1200,
        });
        records.push(Record::Waited {
            ts: "2026-12-01T10:00:01.000Z".into(),
            scope: Some("gamma".into()),
            reason: "a slot of the parallel limit (2)".into(),
            elapsed_ms: 900,
        });
        let timeline = Timeline::of("r", &records);
        let lanes: Vec<&str> = timeline.lanes.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(lanes, [TOP_LANE, "acme", "beta", "gamma"]);
        let acme = timeline.steps.iter().find(|s| s.key == "acme/infra").unwrap();
        assert_eq!((acme.start_ms, acme.end_ms, acme.outcome), (1000, 3000, Outcome::Changed));
        assert_eq!(acme.tools.len(), 1);
        assert_eq!((acme.tools[0].start_ms, acme.tools[0].end_ms), (1300, 2500));
        let critical: Vec<&str> = timeline.steps.iter().filter(|s| s.critical).map(|s| s.key.as_str()).collect();
        assert_eq!(critical, ["prepare", "acme/infra"]);
        assert_eq!(timeline.waits[0].lane, "gamma");
        assert_eq!(timeline.totals.failed, 1);
        assert_eq!(timeline.totals.waited_ms, 900);
        assert_eq!(timeline.result, "unfinished");
    }

    #[test]
    fn an_unfinished_step_is_drawn_to_the_end_of_the_journal() {
        let mut records = vec![started("2026-12-01T10:00:00.000Z")];
        records.push(Record::StepStarted {
            ts: "2026-12-01T10:00:00.500Z".into(),
            key: "a/long".into(),
            input_hash: String::new(),
        });
        records.push(Record::ToolRan {
            ts: "2026-12-01T10:00:04.000Z".into(),
            scope: None,
            command: "kubectl version".into(),
            exit_code: None,
            elapsed_ms: 10,
        });
        let timeline = Timeline::of("r", &records);
        assert_eq!(timeline.steps[0].outcome, Outcome::Unfinished);
        assert_eq!(timeline.steps[0].end_ms, 4000);
        assert_eq!(timeline.loose_tools.len(), 1);
    }

    #[test]
    fn the_page_cannot_be_ended_by_a_value() {
        let mut records = vec![started("2026-12-01T10:00:00.000Z")];
        records.extend(step(
            "</script><b>x",
            "2026-12-01T10:00:00.000Z",
            "2026-12-01T10:00:01.000Z",
            1000,
            StepStatus::Ok,
        ));
        let page = html(&Timeline::of("r", &records));
        assert!(!page.contains("</script><b>"), "a value closed the data element");
        assert!(page.contains("\\u003c/script>\\u003cb>x"));
    }
}
