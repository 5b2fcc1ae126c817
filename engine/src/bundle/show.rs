//! What a plan bundle would do, read from the bundle alone (`auto show FILE`): the
//! Markdown a pull request shows, and a JSON view for tools. Derived from the bundle's
//! reviewed effects, so what reviewers read is exactly what `auto apply FILE` holds the
//! run to — not a log of the planning run that could say something else.
//!
//! Neither view holds a secret: the saved plans (every value in clear text) are left
//! out, the parameters are the masked ones, and each root's changes were rendered with
//! secrets masked when the bundle was written; everything passes `redact` once more.

use serde_json::json;

use super::Manifest;
use crate::effect::Mode;
use crate::report::markdown::PlanMarkdown;
use crate::report::summary::{Counted, RootChanges, RootState, Tally};
use crate::report::Event;
use crate::runtime::review::Reviewed;
use crate::secret::redact;

/// The format of `auto show FILE --output json`.
pub const JSON_FORMAT: &str = "auto.plan-show/v1";

/// The bundle as Markdown: who planned what on which commit, the table of roots and their
/// changes (as a plan's Markdown has them), then the other reviewed effects.
pub fn markdown(manifest: &Manifest, limit: usize) -> String {
    let mut collected = PlanMarkdown::default();
    let tally = Tally::default();
    collected.take(&Event::RunStarted {
        run_id: manifest.id.clone(),
        script: manifest.script.clone(),
        mode: Mode::OF_BUNDLES,
        params: manifest.params_shown.clone(),
        journaled: false,
    });
    for effect in &manifest.effects {
        let (root, counts, shown, state) = match effect {
            Reviewed::TerraformPlan { root, counts, shown, .. } => (root, Some(*counts), shown, RootState::Pending),
            Reviewed::Provisional { root, counts, shown, .. } => (root, *counts, shown, RootState::Provisional),
            Reviewed::FileWrite { .. } => {
                tally.add(&Counted::files(1));
                continue;
            }
            Reviewed::DockerBuild { .. } => {
                tally.add(&Counted { images_built: 1, ..Counted::default() });
                continue;
            }
            Reviewed::Confirm { .. } | Reviewed::KubectlApply { .. } => continue,
        };
        let state = if counts.is_none() && state == RootState::Provisional { RootState::Recorded } else { state };
        tally.add(&Counted::root(RootChanges { root: root.clone(), state, counts, changes: shown.clone() }));
        let counts = counts.unwrap_or_default();
        collected.take(&Event::ChangeSummary {
            root: root.clone(),
            add: counts.add,
            change: counts.change,
            destroy: counts.destroy,
            replace: counts.replace,
            read: counts.read,
            changes: shown.clone(),
            provisional: state == RootState::Provisional,
        });
    }
    collected.take(&Event::PlanSummary(tally.summary(Mode::OF_BUNDLES, false, !manifest.effects.is_empty(), 0)));

    let mut text = format!(
        "Plan bundle `{}` of `{}`, planned {} on commit {}{}; `auto apply` applies exactly this.\n\n",
        manifest.id,
        manifest.script,
        manifest.created,
        manifest.commit.as_deref().map(|c| format!("`{c}`")).unwrap_or_else(|| "(none)".into()),
        if manifest.dirty { " **with uncommitted changes**" } else { "" }
    );
    let others = other_effects(manifest);
    let budget = limit.saturating_sub(text.len() + others.len());
    text.push_str(&collected.render(budget));
    text.push_str(&others);
    redact(&text)
}

/// The effects that are not terraform roots, one line each.
fn other_effects(manifest: &Manifest) -> String {
    let lines: Vec<String> = manifest
        .effects
        .iter()
        .filter_map(|effect| match effect {
            Reviewed::Provisional { root, why, .. } => Some(format!("- provisional: `{root}` ({why})")),
            Reviewed::Confirm { message } => Some(format!("- asks: {message}")),
            Reviewed::KubectlApply { target, .. } => Some(format!("- {target}")),
            Reviewed::DockerBuild { context, tags, .. } => {
                Some(format!("- docker build of `{context}` as {}", tags.join(", ")))
            }
            Reviewed::FileWrite { path, around_unknowns, .. } => Some(match around_unknowns {
                Some(_) => format!("- write of `{path}` (with values known after apply)"),
                None => format!("- write of `{path}`"),
            }),
            Reviewed::TerraformPlan { .. } => None,
        })
        .collect();
    if lines.is_empty() {
        String::new()
    } else {
        format!("\n#### Every reviewed effect besides the plans above, by kind\n\n{}\n", lines.join("\n"))
    }
}

/// The bundle for tools: everything but the saved plans and the exposed parameters.
pub fn json(manifest: &Manifest) -> serde_json::Value {
    let effects: Vec<serde_json::Value> = manifest
        .effects
        .iter()
        .map(|effect| {
            let mut value = serde_json::to_value(effect).unwrap_or_default();
            if let Some(object) = value.as_object_mut() {
                // Every planned value, sensitive ones in clear text.
                object.remove("plan");
            }
            value
        })
        .collect();
    let text = json!({
        "format": JSON_FORMAT,
        "bundle": manifest.format,
        "id": manifest.id,
        "created": manifest.created,
        "commit": manifest.commit,
        "dirty": manifest.dirty,
        "script": manifest.script,
        "params": manifest.params_shown,
        "auto_version": manifest.auto_version,
        "effects": effects,
    })
    .to_string();
    serde_json::from_str(&redact(&text)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::summary::TerraformCounts;

    fn bundle() -> Manifest {
        let mut manifest = super::super::tests::manifest();
        manifest.effects = vec![
            Reviewed::FileWrite {
                path: "environments/test/acme/customer.toml".into(),
                sha256: "00".into(),
                around_unknowns: None,
            },
            Reviewed::TerraformPlan {
                root: "test/acme/infra".into(),
                state: None,
                plan: "c2VjcmV0LXBsYW4tYnl0ZXM=".into(),
                lock_file: None,
                terraform: Some("1.11.4".into()),
                changes: vec!["terraform_data.infra create".into()],
                counts: TerraformCounts { add: 1, ..TerraformCounts::default() },
                shown: "+ terraform_data.infra  create\n    input[\"name\"]: \"acme\"\n".into(),
            },
            Reviewed::Provisional {
                root: "test/acme/hive".into(),
                predicted: Some(vec!["terraform_data.hive create".into()]),
                unknown: vec!["storage_account_name".into()],
                why: "its variables `storage_account_name` are known only after an earlier apply".into(),
                counts: Some(TerraformCounts { add: 1, ..TerraformCounts::default() }),
                shown: "+ terraform_data.hive  create\n".into(),
            },
            Reviewed::Confirm { message: "go?".into() },
        ];
        manifest
    }

    #[test]
    fn the_markdown_is_the_bundles_effects() {
        let text = markdown(&bundle(), 65_536);
        assert!(!text.contains("bundle-canary-3141"), "{text}");
        for expected in [
            "Plan bundle `b1` of `scripts/x.rhai`",
            "| `test/acme/infra` | **pending** | 1 | 0 | 0 | 0 |",
            "| `test/acme/hive` | **provisional** (predicted: inputs known after apply) | 1 | 0 | 0 | 0 |",
            "input[\"name\"]: \"acme\"",
            "- asks: go?",
            "- write of `environments/test/acme/customer.toml`",
            "- provisional: `test/acme/hive` (its variables `storage_account_name` are known only after an earlier apply)",
        ] {
            assert!(text.contains(expected), "{expected} not in:\n{text}");
        }
    }

    #[test]
    fn the_json_holds_no_saved_plan_and_no_exposed_parameter() {
        let value = json(&bundle());
        let text = value.to_string();
        assert!(!text.contains("c2VjcmV0LXBsYW4tYnl0ZXM=") && !text.contains("bundle-canary-3141"), "{text}");
        assert_eq!(value["format"], JSON_FORMAT);
        assert_eq!(value["params"]["password"], "***");
        assert_eq!(value["effects"][1]["changes"][0], "terraform_data.infra create");
        assert_eq!(value["effects"][2]["kind"], "provisional");
    }
}
