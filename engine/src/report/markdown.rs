//! The plan as Markdown, for a pull request (`--plan-md FILE`) and the GitHub step
//! summary: a table of the roots with their counts (the run's one [`Summary`]), then each
//! root's changes in a collapsible section — roots that destroy or replace first — cut per
//! root so the whole stays under GitHub's limit for a comment.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use super::redacting::Redacting;
use super::summary::{RootState, Summary};
use super::{Event, Reporter};
use crate::secret::redact;

/// GitHub refuses a comment (and a step summary section) longer than this.
pub const GITHUB_LIMIT: usize = 65_536;
/// Kept free below the limit: the note a cut leaves, and the workflow's own marker line.
const MARGIN: usize = 2_048;

/// What the Markdown is made of, collected from the run's events.
#[derive(Default)]
pub struct PlanMarkdown {
    script: String,
    /// Each root's rendered changes (the last plan of the root), in the order first seen.
    changes: Vec<(String, String)>,
    summary: Option<Summary>,
}

impl PlanMarkdown {
    /// Takes what it needs from one event; true once the summary is in (the run ended).
    pub fn take(&mut self, event: &Event) -> bool {
        match event {
            Event::RunStarted { script, .. } => self.script = script.clone(),
            Event::ChangeSummary { root, changes, .. } => match self.changes.iter_mut().find(|(r, _)| r == root) {
                Some(entry) => entry.1 = changes.clone(),
                None => self.changes.push((root.clone(), changes.clone())),
            },
            Event::PlanSummary(summary) => {
                self.summary = Some(summary.clone());
                return true;
            }
            _ => {}
        }
        false
    }

    /// Whether the run changed, or would change, anything worth a table.
    pub fn has_numbers(&self) -> bool {
        self.summary.as_ref().is_some_and(|s| s.changes_pending || s.has_changes())
    }

    /// The Markdown, at most `limit` characters (without the sections when even the
    /// table does not fit).
    pub fn render(&self, limit: usize) -> String {
        let Some(summary) = &self.summary else { return String::new() };
        let mut head = format!("### auto {}: `{}` — {}\n\n", summary.mode, self.script, headline(summary));
        let roots = &summary.terraform.roots;
        if !roots.is_empty() {
            head.push_str("| root | state | add | change | replace | destroy |\n|---|---|---:|---:|---:|---:|\n");
            let totals = summary.terraform.totals;
            head.push_str(&format!(
                "| **total** ({} root(s)) | | {} | {} | {} | {} |\n",
                roots.len(),
                totals.add,
                totals.change,
                totals.replace,
                totals.destroy
            ));
            for root in ordered(summary) {
                let cells = match root.counts {
                    Some(c) => format!("{} | {} | {} | {}", c.add, c.change, c.replace, c.destroy),
                    None => "? | ? | ? | ?".to_string(),
                };
                head.push_str(&format!("| `{}` | {} | {cells} |\n", root.root, state_word(root.state)));
            }
            head.push('\n');
        }
        let others: Vec<String> = summary
            .rows()
            .into_iter()
            .filter(|(what, _)| what != "terraform")
            .map(|(what, numbers)| format!("{what}: {numbers}"))
            .collect();
        if !others.is_empty() {
            head.push_str(&format!("{}\n\n", others.join(" · ")));
        }
        let sections: Vec<(&str, &str)> = ordered(summary)
            .into_iter()
            .filter_map(|root| {
                let (_, text) = self.changes.iter().find(|(r, _)| *r == root.root)?;
                (!text.is_empty()).then_some((root.root.as_str(), text.as_str()))
            })
            .collect();
        let budget = limit.saturating_sub(head.len() + MARGIN);
        let share = if sections.is_empty() { 0 } else { budget / sections.len() };
        let mut md = head;
        for (root, text) in sections {
            let counts =
                roots.iter().find(|r| r.root == root).and_then(|r| r.counts).map(|c| c.text()).unwrap_or_default();
            md.push_str(&section(root, &counts, text, share));
        }
        if md.len() > limit {
            md.truncate(floor_char_boundary(&md, limit.saturating_sub(200)));
            md.push_str("\n\n… cut here: the plan is longer than a GitHub comment may be.\n");
        }
        redact(&md)
    }
}

/// "would change", "no changes", "changed".
fn headline(summary: &Summary) -> String {
    if summary.has_changes() {
        summary.verb().to_string()
    } else {
        "no changes".to_string()
    }
}

fn state_word(state: RootState) -> &'static str {
    match state {
        RootState::Unchanged => "no changes",
        RootState::Pending => "**pending**",
        RootState::Applied => "applied",
        RootState::Recorded => "recorded, not planned",
        RootState::Provisional => "**provisional** (predicted: inputs known after apply)",
    }
}

/// Roots that destroy or replace first, then the rest in the order of the run.
fn ordered(summary: &Summary) -> Vec<&super::summary::RootChanges> {
    let (first, rest): (Vec<_>, Vec<_>) =
        summary.terraform.roots.iter().partition(|r| r.counts.is_some_and(|c| c.destroy + c.replace > 0));
    first.into_iter().chain(rest).collect()
}

/// One root's collapsible section, its text cut at a line to about `share` characters.
fn section(root: &str, counts: &str, text: &str, share: usize) -> String {
    let fence = if text.contains("```") { "~~~~" } else { "```" };
    let mut shown = String::new();
    let mut cut = 0;
    for (index, line) in text.lines().enumerate() {
        if shown.len() + line.len() + 1 > share.saturating_sub(300) && index > 0 {
            cut = text.lines().count() - index;
            break;
        }
        shown.push_str(line);
        shown.push('\n');
    }
    let note = if cut > 0 {
        format!("\n… {cut} more line(s) of `{root}` not shown here, to stay under GitHub's size limit: the run's log has the whole plan.\n")
    } else {
        String::new()
    };
    format!(
        "<details><summary><code>{}</code>: {}</summary>\n\n{fence}diff\n{shown}{fence}\n{note}\n</details>\n\n",
        escape_html(root),
        escape_html(counts)
    )
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `--plan-md FILE`: writes the Markdown once the run's summary is known.
pub struct MarkdownFile {
    path: PathBuf,
    plan: Mutex<PlanMarkdown>,
}

impl MarkdownFile {
    pub fn new(path: PathBuf) -> MarkdownFile {
        MarkdownFile { path, plan: Mutex::new(PlanMarkdown::default()) }
    }
}

impl Reporter for MarkdownFile {
    fn event(&self, _: Option<&str>, event: &Event) {
        let mut plan = self.plan.lock().unwrap_or_else(|e| e.into_inner());
        if plan.take(event) {
            let text = plan.render(GITHUB_LIMIT);
            let written = std::fs::File::create(&self.path).and_then(|file| {
                let mut file = Redacting::new(file);
                file.write_all(text.as_bytes())?;
                file.flush()
            });
            // The run then fails: a plan asked for and not written must not pass as done.
            if let Err(error) = written {
                let message = format!("cannot write the plan to {}: {error}", self.path.display());
                crate::output::report_write_failed(&std::io::Error::new(error.kind(), message));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effect::Mode;
    use crate::report::summary::{Counted, RootChanges, Tally, TerraformCounts};

    fn plan_of(roots: &[(&str, TerraformCounts, String)]) -> PlanMarkdown {
        let tally = Tally::default();
        let mut md = PlanMarkdown::default();
        md.take(&Event::RunStarted {
            run_id: "r".into(),
            script: "scripts/plan.rhai".into(),
            mode: Mode::Plan,
            params: serde_json::Value::Null,
            journaled: false,
        });
        for (root, counts, text) in roots {
            tally.add(&Counted::root(RootChanges {
                root: root.to_string(),
                state: RootState::Pending,
                counts: Some(*counts),
                changes: String::new(),
            }));
            md.take(&Event::ChangeSummary {
                root: root.to_string(),
                add: counts.add,
                change: counts.change,
                destroy: counts.destroy,
                replace: counts.replace,
                read: 0,
                changes: text.clone(),
                provisional: false,
            });
        }
        assert!(md.take(&Event::PlanSummary(tally.summary(Mode::Plan, false, true, 0))));
        md
    }

    #[test]
    fn destroying_roots_come_first_and_each_root_is_folded() {
        let create = TerraformCounts { add: 1, ..TerraformCounts::default() };
        let replace = TerraformCounts { add: 1, replace: 1, destroy: 1, ..TerraformCounts::default() };
        let md = plan_of(&[
            ("test/demo/infra", create, "+ null_resource.infra  create\n".into()),
            (
                "test/demo/hive",
                replace,
                "-/+ null_resource.hive  replace (triggers[\"image\"] forces replacement)\n".into(),
            ),
        ]);
        expect_test::expect![[r####"
            ### auto plan: `scripts/plan.rhai` — would change

            | root | state | add | change | replace | destroy |
            |---|---|---:|---:|---:|---:|
            | **total** (2 root(s)) | | 2 | 0 | 1 | 1 |
            | `test/demo/hive` | **pending** | 1 | 0 | 1 | 1 |
            | `test/demo/infra` | **pending** | 1 | 0 | 0 | 0 |

            <details><summary><code>test/demo/hive</code>: 1 to add, 0 to change, 1 to replace, 1 to destroy</summary>

            ```diff
            -/+ null_resource.hive  replace (triggers["image"] forces replacement)
            ```

            </details>

            <details><summary><code>test/demo/infra</code>: 1 to add, 0 to change, 0 to replace, 0 to destroy</summary>

            ```diff
            + null_resource.infra  create
            ```

            </details>

        "####]]
        .assert_eq(&md.render(GITHUB_LIMIT));
    }

    #[test]
    fn a_huge_plan_is_cut_per_root_under_the_limit() {
        let counts = TerraformCounts { change: 5000, ..TerraformCounts::default() };
        let text: String = (0..5000)
            .map(|i| format!("~ null_resource.r[{i}]  update\n    triggers[\"v\"]: \"{}\" → \"b\"\n", "a".repeat(40)))
            .collect();
        let md = plan_of(&[("test/a", counts, text.clone()), ("test/b", counts, text)]);
        let rendered = md.render(GITHUB_LIMIT);
        assert!(rendered.len() < GITHUB_LIMIT, "{}", rendered.len());
        assert_eq!(rendered.matches("more line(s) of `test/").count(), 2, "each root says it was cut");
        assert_eq!(rendered.matches("</details>").count(), 2);
    }
}
