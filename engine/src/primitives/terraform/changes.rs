//! What a saved plan would change, as a reviewer reads it (issue 20, "changes, not
//! commands"): the JSON of `terraform show -json <plan file>` becomes resources with their
//! actions and, attribute by attribute, `before → after` — sensitive values as
//! `(sensitive)`, unknown ones as `(known after apply)`, the attributes that force a
//! replacement marked. Pure: no spawning, no Rhai; the session runs `show`.
//!
//! Folding — one row per thing a reviewer decides on, not one per JSON leaf:
//! - Maps and nested blocks (a block is a list of objects in the JSON) are walked, and
//!   each leaf that differs is one row: `triggers["name"]`, `rule[0].port`.
//! - A map or block that is added or removed as a whole is one row with its whole value
//!   (`rule[1]: null → {"port":22}`), and so is a value that changes type.
//! - A list of plain values (`address_space`, `ip_rules`) is one value: one row with both
//!   lists, since its elements have no identity an index could name.
//! - A sensitive or unknown value is one row, whatever it holds: nothing under a sensitive
//!   value is shown apart (that is what "sensitive parent masks its children" means), and
//!   an unknown value has no parts yet. Unknown wins over sensitive: no value exists yet,
//!   so nothing can leak, and "known after apply" says more.
//! - Creates list the top-level attributes the configuration sets (each folded to one
//!   row, after value only); attributes that are only known after apply (`id`, computed
//!   ones) are left out, as there is nothing to review in them. Destroys, reads and
//!   forgets list no attributes: the address is the whole change.
//!
//! Rendering (see [`PlanChanges::render`]): every value passes through
//! [`crate::secret::redact`] before it is cut or diffed, so a secret that terraform did
//! not mark sensitive is masked too, and never half-shown by a cut. Two strings of which
//! one has several lines, or two long JSON documents held in strings (policies), are
//! shown as a diff of their lines; other long values are cut around where they differ.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value as Json;
use similar::{ChangeTag, TextDiff};

use super::ui::ChangeCounts;
use crate::secret::redact;

/// Everything a saved plan would do, in terraform's order (by address).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanChanges {
    /// What an apply of this plan does; no-ops included (rendering leaves them out).
    pub resources: Vec<ResourceChange>,
    /// Changed outside terraform since the last apply (`resource_drift`): what the
    /// refresh found, not what the apply does, so kept apart and never counted.
    pub drift: Vec<ResourceChange>,
    /// By name.
    pub outputs: Vec<OutputChange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceChange {
    /// `module.app.azurerm_storage_account.this["acme"]`; a deposed object's ends in
    /// `(deposed <key>)`, since it shares the address of the current one.
    pub address: String,
    /// `azurerm_storage_account`: what decides whether the resource holds data.
    pub resource_type: String,
    pub action: Action,
    /// Terraform's `action_reason` (`replace_because_cannot_update`,
    /// `delete_because_no_resource_config`, ...), as terraform spells it.
    pub reason: Option<String>,
    /// The rows a reviewer reads (see the module doc for which).
    pub attributes: Vec<AttributeChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Replace(Replacement),
    Destroy,
    /// A data source read during apply (its configuration is known only then).
    Read,
    NoOp,
    /// Removed from the state, not destroyed (a `removed` block with `destroy = false`).
    Forget,
}

/// How a replacement happens: which object exists in between matters to a reviewer
/// (`create_before_destroy` means no gap; `destroy = false` keeps the old one running).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    DestroyThenCreate,
    CreateThenDestroy,
    CreateThenForget,
}

/// One row: a path inside the resource and its value before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeChange {
    /// `triggers["name"]` (a map key), `rule[0].port` (an attribute of a nested block),
    /// `tags` (a top-level attribute).
    pub path: String,
    pub before: Shown,
    pub after: Shown,
    /// Changing it forces the replacement: the path is, is under, or holds one of
    /// terraform's `replace_paths`.
    pub forces_replacement: bool,
}

/// A value as a reviewer sees it. Its `Display` and `Debug` pass through the redactor.
#[derive(Clone, PartialEq, Eq)]
pub enum Shown {
    /// Compact JSON: `"acme"`, `3`, `["10.0.0.0/16"]`, `{"env":"dev"}`; parts terraform
    /// marked sensitive or unknown read `(sensitive)` / `(known after apply)` in place.
    /// Not yet redacted: registered secrets are masked when it is shown.
    Value(String),
    Sensitive,
    Unknown,
    /// `null`, or not set.
    Absent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    pub before: Shown,
    pub after: Shown,
}

/// The counts of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanCounts {
    /// As terraform counts them ("Plan: 1 to add, 0 to change, 1 to destroy.", the
    /// `change_summary` of the JSON UI): a replacement is one add and one destroy.
    pub terraform: ChangeCounts,
    /// How many of those adds and destroys are replacements.
    pub replace: u64,
    /// Data sources read during apply.
    pub read: u64,
    /// Removed from the state without being destroyed.
    pub forget: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangesError {
    #[error("`terraform show -json` printed something that is not JSON ({reason}); it starts `{start}`")]
    NotJson { reason: String, start: String },
    #[error(
        "`terraform show -json` printed no plan (no `{missing}`): give it the file written by `terraform plan -out`"
    )]
    NotAPlan { missing: &'static str },
    #[error("the plan's JSON format `{version}` is not supported: auto reads format 1.x (terraform 1.0 and later)")]
    UnsupportedFormat { version: String },
    #[error("the plan's JSON does not have the expected shape: {reason}")]
    Malformed { reason: String },
    #[error("`{address}` has the actions `{actions}`, which auto does not know (it is tested with terraform 1.11)")]
    UnknownActions { address: String, actions: String },
}

/// Values longer than this (in characters) are cut; each side of a row gets this much.
const VALUE_WIDTH: usize = 96;
/// Characters kept on each side of where two long values start and stop differing.
const CUT_CONTEXT: usize = 16;
/// Unchanged lines shown around each changed one in a diff of lines.
const DIFF_CONTEXT: usize = 2;
/// Lines of one value's diff shown before the rest is only counted.
const DIFF_MAX_LINES: usize = 40;
/// A diff of two huge texts gives up on finding the smallest diff after this.
const DIFF_TIMEOUT: Duration = Duration::from_millis(200);
/// Forcing attributes named in a replacement's header before the rest are counted.
const HEADER_MAX_PATHS: usize = 3;

const SENSITIVE: &str = "(sensitive)";
const UNKNOWN: &str = "(known after apply)";

impl PlanChanges {
    /// Parses the stdout of `terraform show -json <plan file>`.
    pub fn parse(json: &str) -> Result<PlanChanges, ChangesError> {
        let value: Json = serde_json::from_str(json).map_err(|e| ChangesError::NotJson {
            reason: e.to_string(),
            start: redact(json.trim_start().chars().take(40).collect::<String>().trim_end()),
        })?;
        let version = value
            .get("format_version")
            .and_then(Json::as_str)
            .ok_or(ChangesError::NotAPlan { missing: "format_version" })?;
        if version.split('.').next() != Some("1") {
            return Err(ChangesError::UnsupportedFormat { version: version.to_string() });
        }
        // `show -json` of a state (no plan file) has `values` instead.
        if value.get("planned_values").is_none() {
            return Err(ChangesError::NotAPlan { missing: "planned_values" });
        }
        let raw: RawPlan =
            serde_json::from_value(value).map_err(|e| ChangesError::Malformed { reason: e.to_string() })?;
        let resources = raw.resource_changes.iter().map(RawResource::parse).collect::<Result<_, _>>()?;
        let drift = raw.resource_drift.iter().map(RawResource::parse).collect::<Result<_, _>>()?;
        let outputs = raw
            .output_changes
            .iter()
            .map(|(name, change)| {
                let action = action_of(&change.actions)
                    .ok_or_else(|| unknown_actions(&format!("output.{name}"), &change.actions))?;
                Ok(OutputChange {
                    name: name.clone(),
                    action,
                    before: change.before_side().shown(),
                    after: change.after_side().shown(),
                })
            })
            .collect::<Result<_, ChangesError>>()?;
        Ok(PlanChanges { resources, drift, outputs })
    }

    /// The counts of what an apply would do (drift not included).
    pub fn counts(&self) -> PlanCounts {
        let mut counts = PlanCounts::default();
        for resource in &self.resources {
            let terraform = &mut counts.terraform;
            match resource.action {
                Action::Create => terraform.add += 1,
                Action::Update => terraform.change += 1,
                Action::Destroy => terraform.destroy += 1,
                Action::Replace(how) => {
                    counts.replace += 1;
                    terraform.add += 1;
                    match how {
                        Replacement::DestroyThenCreate | Replacement::CreateThenDestroy => terraform.destroy += 1,
                        Replacement::CreateThenForget => counts.forget += 1,
                    }
                }
                Action::Read => counts.read += 1,
                Action::Forget => counts.forget += 1,
                Action::NoOp => {}
            }
        }
        counts
    }

    /// Whether an apply would do anything: a resource or output action other than no-op.
    pub fn has_changes(&self) -> bool {
        self.resources.iter().any(|r| r.action != Action::NoOp) || self.outputs.iter().any(|o| o.action != Action::NoOp)
    }

    /// Only the resources whose current object an apply would destroy.
    pub fn removals(&self) -> PlanChanges {
        PlanChanges {
            resources: self.resources.iter().filter(|r| r.action.removes()).cloned().collect(),
            ..PlanChanges::default()
        }
    }

    /// The text a reviewer reads: each changing resource with its action and rows (what is
    /// destroyed or replaced first), then the outputs that change; no-ops and drift left
    /// out. Secrets masked throughout.
    ///
    /// ```text
    /// -/+ null_resource.hive  replace (triggers["name"] forces replacement)
    ///     triggers["name"]: "acme" → "zeta"   # forces replacement
    /// + azurerm_storage_account.this  create
    ///     name: "stacme"
    /// - null_resource.old  destroy (no longer in the configuration)
    /// ~ output.url: "https://a" → "https://b"
    /// ```
    pub fn render(&self) -> String {
        let mut out = String::new();
        // What goes first: a reviewer must not miss it below a page of updates.
        let (going, staying): (Vec<&ResourceChange>, Vec<&ResourceChange>) =
            self.resources.iter().filter(|r| r.action != Action::NoOp).partition(|r| r.action.removes());
        for resource in going.into_iter().chain(staying) {
            resource.render_into(&mut out);
        }
        for output in self.outputs.iter().filter(|o| o.action != Action::NoOp) {
            output.render_into(&mut out);
        }
        if out.is_empty() {
            out.push_str("No changes.\n");
        }
        // Addresses and paths can hold a secret too (a `for_each` key).
        redact(&out)
    }
}

impl Action {
    /// Whether the object that exists now is destroyed (a destroy, or a replacement that
    /// destroys the old one): what needs a yes (`guard.rs`).
    pub fn removes(self) -> bool {
        matches!(
            self,
            Action::Destroy | Action::Replace(Replacement::DestroyThenCreate | Replacement::CreateThenDestroy)
        )
    }

    /// Terraform's symbol.
    fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace(Replacement::DestroyThenCreate) => "-/+",
            Action::Replace(Replacement::CreateThenDestroy) => "+/-",
            Action::Replace(Replacement::CreateThenForget) => "+/.",
            Action::Destroy => "-",
            Action::Read => "<=",
            Action::NoOp => "",
            Action::Forget => ".",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace(_) => "replace",
            Action::Destroy => "destroy",
            Action::Read => "read",
            Action::NoOp => "no-op",
            Action::Forget => "forget",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Value(value) => f.write_str(&redact(value)),
            Shown::Sensitive => f.write_str(SENSITIVE),
            Shown::Unknown => f.write_str(UNKNOWN),
            Shown::Absent => f.write_str("null"),
        }
    }
}

impl fmt::Debug for Shown {
    /// Redacted like `Display`: a logged plan must not show what a rendered one hides.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Value(value) => f.debug_tuple("Value").field(&redact(value)).finish(),
            Shown::Sensitive => f.write_str("Sensitive"),
            Shown::Unknown => f.write_str("Unknown"),
            Shown::Absent => f.write_str("Absent"),
        }
    }
}

impl fmt::Display for PlanCounts {
    /// `1 to add, 0 to change, 1 to destroy (1 replacement)`, then reads and forgets
    /// when there are any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ChangeCounts { add, change, destroy } = self.terraform;
        write!(f, "{add} to add, {change} to change, {destroy} to destroy")?;
        match self.replace {
            0 => {}
            1 => f.write_str(" (1 replacement)")?,
            n => write!(f, " ({n} replacements)")?,
        }
        if self.read > 0 {
            write!(f, ", {} to read", self.read)?;
        }
        if self.forget > 0 {
            write!(f, ", {} to forget", self.forget)?;
        }
        Ok(())
    }
}

impl ResourceChange {
    fn render_into(&self, out: &mut String) {
        let note = self.note();
        let note = if note.is_empty() { String::new() } else { format!(" ({note})") };
        let _ = writeln!(out, "{} {}  {}{note}", self.action.symbol(), self.address, self.action);
        for row in &self.attributes {
            let mark = if row.forces_replacement { "   # forces replacement" } else { "" };
            if self.action == Action::Create {
                let _ = writeln!(out, "    {}: {}{mark}", row.path, cut(&row.after.to_string(), VALUE_WIDTH));
            } else {
                render_pair(out, "    ", &row.path, &row.before, &row.after, mark);
            }
        }
    }

    /// What the header says after the action: which attributes force a replacement, or
    /// terraform's reason.
    fn note(&self) -> String {
        let mut parts = Vec::new();
        let forcing: Vec<&str> =
            self.attributes.iter().filter(|row| row.forces_replacement).map(|row| row.path.as_str()).collect();
        if matches!(self.action, Action::Replace(_)) && !forcing.is_empty() {
            let mut named = forcing.iter().take(HEADER_MAX_PATHS).copied().collect::<Vec<_>>().join(", ");
            if forcing.len() > HEADER_MAX_PATHS {
                let _ = write!(named, " and {} more", forcing.len() - HEADER_MAX_PATHS);
            }
            let verb = if forcing.len() == 1 { "forces" } else { "force" };
            parts.push(format!("{named} {verb} replacement"));
        } else if let Some(reason) = &self.reason {
            parts.push(reason_text(reason).to_string());
        }
        match self.action {
            Action::Replace(Replacement::CreateThenDestroy) => parts.push("create before destroy".to_string()),
            Action::Replace(Replacement::CreateThenForget) => {
                parts.push("the old object is kept: destroy = false".to_string())
            }
            Action::Forget => parts.push("removed from the state, not destroyed".to_string()),
            _ => {}
        }
        parts.join("; ")
    }
}

impl OutputChange {
    fn render_into(&self, out: &mut String) {
        let label = format!("{} output.{}", self.action.symbol(), self.name);
        match self.action {
            Action::Destroy => {
                let _ = writeln!(out, "{label}");
            }
            Action::Create => {
                let _ = writeln!(out, "{label}: {}", cut(&self.after.to_string(), VALUE_WIDTH));
            }
            _ => render_pair(out, "", &label, &self.before, &self.after, ""),
        }
    }
}

/// Terraform's `action_reason` in words.
fn reason_text(reason: &str) -> &str {
    match reason {
        "replace_because_cannot_update" => "cannot be updated in place",
        "replace_because_tainted" => "tainted",
        "replace_by_request" => "replacement requested with -replace",
        "replace_by_triggers" => "replace_triggered_by",
        "delete_because_no_resource_config" => "no longer in the configuration",
        "delete_because_no_module" => "its module is no longer in the configuration",
        "delete_because_wrong_repetition" => "count or for_each changed",
        "delete_because_count_index" => "count index no longer in range",
        "delete_because_each_key" => "for_each key no longer in the configuration",
        "delete_because_no_move_target" => "moved to an address not in the configuration",
        "read_because_config_unknown" => "its configuration is known only during apply",
        "read_because_dependency_pending" => "a dependency has changes pending",
        "read_because_check_nested" => "read by a check block",
        other => other,
    }
}

/// `label: before → after` on one line, or, for texts of several lines, `label:` and a
/// diff of their lines below it.
fn render_pair(out: &mut String, indent: &str, label: &str, before: &Shown, after: &Shown, mark: &str) {
    if let Some((old, new)) = as_lines(before, after) {
        let _ = writeln!(out, "{indent}{label}:{mark}");
        for line in diff_lines(&old, &new) {
            // An empty unchanged line: no trailing blanks.
            let _ = writeln!(out, "{}", format!("{indent}  {line}").trim_end());
        }
        return;
    }
    let (old, new) = cut_pair(&before.to_string(), &after.to_string());
    let _ = writeln!(out, "{indent}{label}: {old} → {new}{mark}");
}

/// The two texts to diff by lines, redacted: two strings of which one has several lines,
/// or two long JSON documents held in strings (pretty-printed, so the diff shows the key
/// that changed rather than one cut line).
fn as_lines(before: &Shown, after: &Shown) -> Option<(String, String)> {
    let text = |shown: &Shown| match shown {
        Shown::Value(value) => serde_json::from_str::<String>(value).ok().map(|text| redact(&text)),
        _ => None,
    };
    let (old, new) = (text(before)?, text(after)?);
    if old.contains('\n') || new.contains('\n') {
        return Some((old, new));
    }
    if old.chars().count().max(new.chars().count()) <= VALUE_WIDTH {
        return None;
    }
    let document = |text: &str| match serde_json::from_str::<Json>(text) {
        Ok(value @ (Json::Object(_) | Json::Array(_))) => serde_json::to_string_pretty(&value).ok(),
        _ => None,
    };
    Some((document(&old)?, document(&new)?))
}

/// A small unified diff: `- ` removed, `+ ` added, `  ` unchanged context, `…` where
/// unchanged lines are left out; long lines cut; at most [`DIFF_MAX_LINES`] lines.
fn diff_lines(old: &str, new: &str) -> Vec<String> {
    let diff = TextDiff::configure().timeout(DIFF_TIMEOUT).diff_lines(old, new);
    let groups = diff.grouped_ops(DIFF_CONTEXT);
    let (old_lines, new_lines) = (old.lines().count(), new.lines().count());
    let mut lines = Vec::new();
    for (index, group) in groups.iter().enumerate() {
        let starts_later = group.first().is_some_and(|op| op.old_range().start > 0 || op.new_range().start > 0);
        if index > 0 || starts_later {
            lines.push("…".to_string());
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Delete => "- ",
                    ChangeTag::Insert => "+ ",
                    ChangeTag::Equal => "  ",
                };
                let text = change.value().trim_end_matches(['\n', '\r']).to_string();
                lines.push(format!("{sign}{}", cut(&text, VALUE_WIDTH)).trim_end().to_string());
            }
        }
    }
    let ends_earlier = groups
        .last()
        .and_then(|group| group.last())
        .is_some_and(|op| op.old_range().end < old_lines || op.new_range().end < new_lines);
    if ends_earlier {
        lines.push("…".to_string());
    }
    if lines.len() > DIFF_MAX_LINES {
        let left = lines.len() - DIFF_MAX_LINES;
        lines.truncate(DIFF_MAX_LINES);
        lines.push(format!("… ({left} more lines of diff)"));
    }
    lines
}

/// `text` if it fits in `width` characters, else its start and end around a marker that
/// says how much was cut.
fn cut(text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width {
        return text.to_string();
    }
    let keep = width / 2;
    let head: String = chars[..keep].iter().collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{head}…({} chars cut)…{tail}", chars.len() - 2 * keep)
}

/// Two values that do not both fit: the part where they differ, with [`CUT_CONTEXT`]
/// characters of what they share on each side, so a change in the middle of a long value
/// is what remains visible.
fn cut_pair(before: &str, after: &str) -> (String, String) {
    let (old, new): (Vec<char>, Vec<char>) = (before.chars().collect(), after.chars().collect());
    if old.len() <= VALUE_WIDTH && new.len() <= VALUE_WIDTH {
        return (before.to_string(), after.to_string());
    }
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..].iter().rev().zip(new[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
    let side = |chars: &[char]| {
        let mut text = String::new();
        let end = chars.len() - suffix;
        if prefix > CUT_CONTEXT {
            let _ = write!(text, "({} chars cut)…", prefix - CUT_CONTEXT);
            text.extend(&chars[prefix - CUT_CONTEXT..prefix]);
        } else {
            text.extend(&chars[..prefix]);
        }
        text.push_str(&cut(&chars[prefix..end].iter().collect::<String>(), VALUE_WIDTH));
        if suffix > CUT_CONTEXT {
            text.extend(&chars[end..end + CUT_CONTEXT]);
            let _ = write!(text, "…({} chars cut)", suffix - CUT_CONTEXT);
        } else {
            text.extend(&chars[end..]);
        }
        text
    };
    (side(&old), side(&new))
}

// ---- the JSON ----

#[derive(Deserialize)]
struct RawPlan {
    #[serde(default)]
    resource_changes: Vec<RawResource>,
    #[serde(default)]
    resource_drift: Vec<RawResource>,
    #[serde(default)]
    output_changes: BTreeMap<String, RawChange>,
}

#[derive(Deserialize)]
struct RawResource {
    address: String,
    #[serde(default, rename = "type")]
    resource_type: String,
    deposed: Option<String>,
    change: RawChange,
    action_reason: Option<String>,
}

#[derive(Deserialize)]
struct RawChange {
    actions: Vec<String>,
    #[serde(default)]
    before: Json,
    #[serde(default)]
    after: Json,
    #[serde(default)]
    after_unknown: Json,
    #[serde(default)]
    before_sensitive: Json,
    #[serde(default)]
    after_sensitive: Json,
    /// Each a path of attribute names, map keys (strings) and list indexes (numbers).
    #[serde(default)]
    replace_paths: Vec<Vec<Json>>,
}

impl RawResource {
    fn parse(&self) -> Result<ResourceChange, ChangesError> {
        let address = match &self.deposed {
            Some(key) => format!("{} (deposed {key})", self.address),
            None => self.address.clone(),
        };
        let action = action_of(&self.change.actions).ok_or_else(|| unknown_actions(&address, &self.change.actions))?;
        let attributes = match action {
            Action::Create => created(self.change.after_side()),
            Action::Update | Action::Replace(_) => {
                let replace_paths: Vec<Vec<Step>> = self
                    .change
                    .replace_paths
                    .iter()
                    .map(|path| path.iter().filter_map(Step::from_json).collect::<Vec<_>>())
                    // An empty path would mark every row.
                    .filter(|path| !path.is_empty())
                    .collect();
                let mut walk = Walk { path: Vec::new(), replace_paths: &replace_paths, rows: Vec::new() };
                walk.visit(self.change.before_side(), self.change.after_side());
                walk.rows
            }
            Action::Destroy | Action::Read | Action::NoOp | Action::Forget => Vec::new(),
        };
        Ok(ResourceChange {
            address,
            resource_type: self.resource_type.clone(),
            action,
            reason: self.action_reason.clone(),
            attributes,
        })
    }
}

impl RawChange {
    fn before_side(&self) -> Side<'_> {
        Side { value: &self.before, sensitive: &self.before_sensitive, unknown: &FALSE }
    }

    fn after_side(&self) -> Side<'_> {
        Side { value: &self.after, sensitive: &self.after_sensitive, unknown: &self.after_unknown }
    }
}

fn action_of(actions: &[String]) -> Option<Action> {
    let names: Vec<&str> = actions.iter().map(String::as_str).collect();
    Some(match names.as_slice() {
        ["create"] => Action::Create,
        ["update"] => Action::Update,
        ["delete"] => Action::Destroy,
        ["read"] => Action::Read,
        ["no-op"] => Action::NoOp,
        ["forget"] => Action::Forget,
        ["delete", "create"] => Action::Replace(Replacement::DestroyThenCreate),
        ["create", "delete"] => Action::Replace(Replacement::CreateThenDestroy),
        ["create", "forget"] => Action::Replace(Replacement::CreateThenForget),
        _ => return None,
    })
}

fn unknown_actions(address: &str, actions: &[String]) -> ChangesError {
    ChangesError::UnknownActions { address: address.to_string(), actions: format!("{actions:?}") }
}

static FALSE: Json = Json::Bool(false);
static NULL: Json = Json::Null;

/// One side of a change at some path: the value, and terraform's marks for it (`true`,
/// or the same shape as the value with `true` where a part is marked).
#[derive(Clone, Copy)]
struct Side<'a> {
    value: &'a Json,
    sensitive: &'a Json,
    unknown: &'a Json,
}

impl<'a> Side<'a> {
    fn child(&self, step: &Step) -> Side<'a> {
        let get = |json: &'a Json| match step {
            Step::Key(key) => json.get(key.as_str()),
            Step::Index(index) => json.get(*index),
        };
        Side {
            value: get(self.value).unwrap_or(&NULL),
            sensitive: get(self.sensitive).unwrap_or(&FALSE),
            unknown: get(self.unknown).unwrap_or(&FALSE),
        }
    }

    /// The steps to walk into: every key or index the value or its unknown marks have
    /// (an unknown part is left out of the value).
    fn children(&self) -> Vec<Step> {
        match (self.value, self.unknown) {
            (Json::Object(map), unknown) => {
                let marked = unknown.as_object().into_iter().flat_map(|marks| marks.keys());
                map.keys().chain(marked).cloned().collect::<BTreeSet<_>>().into_iter().map(Step::Key).collect()
            }
            (Json::Array(items), unknown) => {
                let len = items.len().max(unknown.as_array().map_or(0, Vec::len));
                (0..len).map(Step::Index).collect()
            }
            _ => Vec::new(),
        }
    }

    fn shown(&self) -> Shown {
        if self.unknown == &Json::Bool(true) {
            Shown::Unknown
        } else if self.sensitive == &Json::Bool(true) {
            Shown::Sensitive
        } else if self.value.is_null() {
            Shown::Absent
        } else {
            let mut text = String::new();
            self.write_compact(&mut text);
            Shown::Value(text)
        }
    }

    /// Compact JSON with the marked parts replaced by their markers.
    fn write_compact(&self, out: &mut String) {
        if self.unknown == &Json::Bool(true) {
            return out.push_str(UNKNOWN);
        }
        if self.sensitive == &Json::Bool(true) {
            return out.push_str(SENSITIVE);
        }
        let (open, close) = match self.value {
            Json::Object(_) => ('{', '}'),
            Json::Array(_) => ('[', ']'),
            scalar => return out.push_str(&scalar.to_string()),
        };
        out.push(open);
        for (index, step) in self.children().iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            if let Step::Key(key) = step {
                let _ = write!(out, "{}:", Json::String(key.clone()));
            }
            self.child(step).write_compact(out);
        }
        out.push(close);
    }

    /// A list of plain values (no maps or lists in it): one value, not walked.
    fn is_plain_list(&self) -> bool {
        self.value.as_array().is_some_and(|items| items.iter().all(|item| !item.is_object() && !item.is_array()))
    }
}

/// A step of a path inside a resource. Ordered so the keys (or indexes) of one value are
/// walked in order, once each.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    Index(usize),
}

impl Step {
    fn from_json(json: &Json) -> Option<Step> {
        match json {
            Json::String(key) => Some(Step::Key(key.clone())),
            Json::Number(n) => n.as_u64().map(|n| Step::Index(n as usize)),
            _ => None,
        }
    }
}

/// `triggers["name"]`, `rule[0].port`: a key under a list element is an attribute of a
/// nested block; one under a map (or object) value is a map key. The JSON does not say
/// which an object is, so this is the convention; it reads as terraform writes both.
fn path_text(steps: &[Step]) -> String {
    let mut text = String::new();
    for (index, step) in steps.iter().enumerate() {
        match step {
            Step::Index(n) => {
                let _ = write!(text, "[{n}]");
            }
            Step::Key(key) if index == 0 => text.push_str(key),
            Step::Key(key) if matches!(steps[index - 1], Step::Index(_)) && is_identifier(key) => {
                let _ = write!(text, ".{key}");
            }
            Step::Key(key) => {
                let _ = write!(text, "[{}]", Json::String(key.clone()));
            }
        }
    }
    text
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The rows of a create: each top-level attribute that has a value, after value only.
fn created(after: Side<'_>) -> Vec<AttributeChange> {
    let row = |path: &[Step], side: Side<'_>| AttributeChange {
        path: path_text(path),
        before: Shown::Absent,
        after: side.shown(),
        forces_replacement: false,
    };
    let mut rows = Vec::new();
    for step in after.children() {
        let child = after.child(&step);
        if child.unknown == &Json::Bool(true) || child.value.is_null() {
            continue;
        }
        // A map too long for one row (a create's `tags`, `triggers`) gets a row per key,
        // as an update of it would.
        let long = matches!(child.shown(), Shown::Value(text) if text.chars().count() > VALUE_WIDTH);
        if long && child.value.is_object() {
            for key in child.children() {
                let grandchild = child.child(&key);
                if grandchild.unknown != &Json::Bool(true) && !grandchild.value.is_null() {
                    rows.push(row(&[step.clone(), key], grandchild));
                }
            }
        } else {
            rows.push(row(&[step], child));
        }
    }
    rows
}

/// The walk over an update or replacement (the folding rules are in the module doc).
struct Walk<'p> {
    path: Vec<Step>,
    replace_paths: &'p [Vec<Step>],
    rows: Vec<AttributeChange>,
}

impl Walk<'_> {
    fn visit(&mut self, before: Side<'_>, after: Side<'_>) {
        let whole = after.unknown == &Json::Bool(true)
            || before.sensitive == &Json::Bool(true)
            || after.sensitive == &Json::Bool(true);
        let walked = !whole
            && match (before.value, after.value) {
                (Json::Object(_), Json::Object(_)) => true,
                (Json::Array(_), Json::Array(_)) => !(before.is_plain_list() && after.is_plain_list()),
                _ => false,
            };
        if walked {
            let steps: BTreeSet<Step> = before.children().into_iter().chain(after.children()).collect();
            for step in steps {
                self.path.push(step.clone());
                self.visit(before.child(&step), after.child(&step));
                self.path.pop();
            }
        } else if differs(before, after) {
            let forces_replacement = self.replace_paths.iter().any(|replace| {
                let shared = replace.len().min(self.path.len());
                replace[..shared] == self.path[..shared]
            });
            self.rows.push(AttributeChange {
                path: path_text(&self.path),
                before: before.shown(),
                after: after.shown(),
                forces_replacement,
            });
        }
    }
}

/// Whether terraform marked a value or any part of it (`true` somewhere in its marks).
fn has_marks(marks: &Json) -> bool {
    match marks {
        Json::Bool(marked) => *marked,
        Json::Object(map) => map.values().any(has_marks),
        Json::Array(items) => items.iter().any(has_marks),
        _ => false,
    }
}

/// Whether a value shown as one row changed: its value, whether any of it is unknown, or
/// what of it is sensitive (a value that stops being sensitive is a change to review).
fn differs(before: Side<'_>, after: Side<'_>) -> bool {
    let marks_differ = match (has_marks(before.sensitive), has_marks(after.sensitive)) {
        (false, false) => false,
        (true, true) => before.sensitive != after.sensitive,
        _ => true,
    };
    before.value != after.value || has_marks(after.unknown) || marks_differ
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;
    use serde_json::json;

    /// A saved plan's JSON with these resource changes (and drift and outputs, if given).
    fn plan(resources: Json) -> String {
        json!({ "format_version": "1.2", "planned_values": {}, "resource_changes": resources }).to_string()
    }

    fn resource(address: &str, actions: &[&str], change: Json) -> Json {
        let mut change = change;
        change["actions"] = json!(actions);
        let kind = address.split('.').next().unwrap_or_default();
        json!({ "address": address, "mode": "managed", "type": kind, "name": "x", "change": change })
    }

    fn parsed(resources: Json) -> PlanChanges {
        PlanChanges::parse(&plan(resources)).expect("a plan")
    }

    #[test]
    fn an_update_in_place_shows_each_changed_leaf() {
        let changes = parsed(json!([resource(
            "azurerm_storage_account.this",
            &["update"],
            json!({
                "before": { "name": "stacme", "min_tls_version": "TLS1_0", "tags": { "env": "dev", "owner": "a", "old": "x" } },
                "after": { "name": "stacme", "min_tls_version": "TLS1_2", "tags": { "env": "dev", "owner": "b", "new": "y" } },
                "after_unknown": { "tags": {} },
                "before_sensitive": { "tags": {} },
                "after_sensitive": { "tags": {} },
            }),
        )]));
        let resource = &changes.resources[0];
        assert_eq!(resource.action, Action::Update);
        assert_eq!(resource.resource_type, "azurerm_storage_account");
        assert!(resource.attributes.iter().all(|row| !row.forces_replacement));
        expect![[r#"
              ~ azurerm_storage_account.this  update
                  min_tls_version: "TLS1_0" → "TLS1_2"
                  tags["new"]: null → "y"
                  tags["old"]: "x" → null
                  tags["owner"]: "a" → "b"
        "#]]
        .assert_eq(&changes.render());
        assert_eq!(changes.counts().terraform, ChangeCounts { add: 0, change: 1, destroy: 0 });
    }

    #[test]
    fn nested_blocks_are_walked_and_whole_blocks_and_plain_lists_are_one_row() {
        let changes = parsed(json!([resource(
            "azurerm_network_security_group.nsg",
            &["update"],
            json!({
                "before": {
                    "security_rule": [ { "name": "ssh", "port": 22, "sources": ["10.0.0.0/8"] } ],
                    "identity": [ { "type": "SystemAssigned" } ],
                    "address_space": ["10.0.0.0/16", "10.1.0.0/16"],
                    "labels": { "team name": "data" },
                },
                "after": {
                    "security_rule": [
                        { "name": "ssh", "port": 2222, "sources": ["10.0.0.0/8", "192.168.0.0/16"] },
                        { "name": "https", "port": 443, "sources": [] },
                    ],
                    "identity": [],
                    "address_space": ["10.0.0.0/16", "10.2.0.0/16"],
                    "labels": { "team name": "platform" },
                },
                "after_unknown": {},
                "before_sensitive": {},
                "after_sensitive": {},
                "replace_paths": [],
            }),
        )]));
        expect![[r#"
              ~ azurerm_network_security_group.nsg  update
                  address_space: ["10.0.0.0/16","10.1.0.0/16"] → ["10.0.0.0/16","10.2.0.0/16"]
                  identity[0]: {"type":"SystemAssigned"} → null
                  labels["team name"]: "data" → "platform"
                  security_rule[0].port: 22 → 2222
                  security_rule[0].sources: ["10.0.0.0/8"] → ["10.0.0.0/8","192.168.0.0/16"]
                  security_rule[1]: null → {"name":"https","port":443,"sources":[]}
        "#]]
        .assert_eq(&changes.render());
    }

    #[test]
    fn a_replacement_marks_the_attributes_under_its_replace_paths() {
        let changes = parsed(json!([resource(
            "null_resource.hive",
            &["delete", "create"],
            json!({
                "before": { "id": "123", "triggers": { "name": "acme", "size": "s" }, "rule": [ { "port": 1 } ] },
                "after": { "triggers": { "name": "zeta", "size": "m" }, "rule": [ { "port": 2 } ] },
                "after_unknown": { "id": true, "triggers": {} },
                "before_sensitive": {},
                "after_sensitive": {},
                // `rule` forces through one of its parts; `triggers` as a whole.
                "replace_paths": [["triggers"], ["rule", 0, "port"]],
            }),
        )]));
        let rows: Vec<(&str, bool)> =
            changes.resources[0].attributes.iter().map(|row| (row.path.as_str(), row.forces_replacement)).collect();
        assert_eq!(
            rows,
            vec![("id", false), ("rule[0].port", true), ("triggers[\"name\"]", true), ("triggers[\"size\"]", true)]
        );
        expect![[r#"
            -/+ null_resource.hive  replace (rule[0].port, triggers["name"], triggers["size"] force replacement)
                id: "123" → (known after apply)
                rule[0].port: 1 → 2   # forces replacement
                triggers["name"]: "acme" → "zeta"   # forces replacement
                triggers["size"]: "s" → "m"   # forces replacement
        "#]]
        .assert_eq(&changes.render());
    }

    #[test]
    fn unknown_values_at_any_depth_read_known_after_apply() {
        let changes = parsed(json!([
            resource(
                "azurerm_linux_web_app.app",
                &["update"],
                json!({
                    "before": { "outbound_ip": "1.2.3.4", "site_config": [ { "worker_count": 1, "ip": "a" } ], "zones": ["1"] },
                    // Terraform leaves unknown parts out of `after` (or null in a list).
                    "after": { "site_config": [ { "worker_count": 2 } ], "zones": ["1", null] },
                    "after_unknown": { "outbound_ip": true, "site_config": [ { "ip": true } ], "zones": [false, true] },
                    "before_sensitive": {},
                    "after_sensitive": {},
                }),
            ),
            resource(
                "azurerm_resource_group.rg",
                &["create"],
                json!({
                    "before": null,
                    "after": { "name": "rg-acme", "location": "westeurope", "tags": null, "settings": { "a": 1 } },
                    "after_unknown": { "id": true, "settings": { "b": true } },
                    "before_sensitive": false,
                    "after_sensitive": {},
                }),
            ),
        ]));
        let app = &changes.resources[0].attributes;
        assert_eq!(app[0].path, "outbound_ip");
        assert_eq!(app[0].after, Shown::Unknown);
        // A create lists what the configuration sets: no `id` (computed), no null `tags`.
        expect![[r#"
              ~ azurerm_linux_web_app.app  update
                  outbound_ip: "1.2.3.4" → (known after apply)
                  site_config[0].ip: "a" → (known after apply)
                  site_config[0].worker_count: 1 → 2
                  zones: ["1"] → ["1",(known after apply)]
              + azurerm_resource_group.rg  create
                  location: "westeurope"
                  name: "rg-acme"
                  settings: {"a":1,"b":(known after apply)}
        "#]]
        .assert_eq(&changes.render());
    }

    #[test]
    fn sensitive_values_are_masked_at_any_depth_and_a_sensitive_parent_masks_its_children() {
        let changes = parsed(json!([
            resource(
                "azurerm_key_vault_secret.s",
                &["update"],
                json!({
                    "before": { "value": "old-pw", "settings": { "a": "1", "b": "2" }, "tags": { "k": "v" }, "label": "x" },
                    "after": { "value": "new-pw", "settings": { "a": "1", "b": "3" }, "tags": { "k": "w" }, "label": "x" },
                    "after_unknown": {},
                    "before_sensitive": { "value": true, "settings": true },
                    "after_sensitive": { "value": true, "settings": true, "label": true },
                }),
            ),
            resource(
                "azurerm_kubernetes_cluster.aks",
                &["create"],
                json!({
                    "before": null,
                    "after": { "profile": [ { "admin": "root", "password": "hunter2-pw" } ] },
                    "after_unknown": {},
                    "before_sensitive": false,
                    "after_sensitive": { "profile": [ { "password": true } ] },
                }),
            ),
        ]));
        // `label` did not change, but stopped being shown: a change to review.
        expect![[r#"
              ~ azurerm_key_vault_secret.s  update
                  label: "x" → (sensitive)
                  settings: (sensitive) → (sensitive)
                  tags["k"]: "v" → "w"
                  value: (sensitive) → (sensitive)
              + azurerm_kubernetes_cluster.aks  create
                  profile: [{"admin":"root","password":(sensitive)}]
        "#]]
        .assert_eq(&changes.render());
        let debug = format!("{changes:?}");
        for secret in ["old-pw", "new-pw", "hunter2-pw", "\"3\""] {
            assert!(!debug.contains(secret), "{secret} leaked into {debug}");
        }
    }

    #[test]
    fn values_equal_to_a_registered_secret_are_masked_though_terraform_did_not_mark_them() {
        let _token = crate::secret::Secret::new("tok-canary-9185");
        let changes = parsed(json!([resource(
            "null_resource.n",
            &["update"],
            json!({
                "before": { "triggers": { "token": "tok-canary-9185", "note": "x" } },
                "after": { "triggers": { "token": "tok-canary-9185-v2", "note": "tok-canary-9185\nsecond line" } },
                "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {},
            }),
        )]));
        let text = changes.render();
        assert!(!text.contains("canary-9185"), "{text}");
        assert!(!format!("{changes:?}").contains("canary-9185"));
        expect![[r#"
              ~ null_resource.n  update
                  triggers["note"]:
                    - x
                    + ***
                    + second line
                  triggers["token"]: "***" → "***-v2"
        "#]]
        .assert_eq(&text);
    }

    #[test]
    fn multi_line_strings_and_long_json_documents_are_diffed_by_lines() {
        let before_script: String = (1..=12).map(|n| format!("line {n}\n")).collect();
        let after_script = before_script.replace("line 3\n", "line three\n").replace("line 11\n", "");
        let policy = |effect: &str| {
            json!({ "Version": "2012-10-17", "Statement": [ { "Effect": effect, "Action": "storage:read", "Resource": "arn:acme:storage:::bucket/reports/*" } ] })
                .to_string()
        };
        let changes = parsed(json!([resource(
            "azurerm_linux_virtual_machine.vm",
            &["update"],
            json!({
                "before": { "custom_data": before_script, "policy": policy("Allow") },
                "after": { "custom_data": after_script, "policy": policy("Deny") },
                "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {},
            }),
        )]));
        expect![[r#"
            ~ azurerm_linux_virtual_machine.vm  update
                custom_data:
                    line 1
                    line 2
                  - line 3
                  + line three
                    line 4
                    line 5
                  …
                    line 9
                    line 10
                  - line 11
                    line 12
                policy:
                  …
                        {
                          "Action": "storage:read",
                  -       "Effect": "Allow",
                  +       "Effect": "Deny",
                          "Resource": "arn:acme:storage:::bucket/reports/*"
                        }
                  …
        "#]]
        .assert_eq(&changes.render());
    }

    #[test]
    fn long_values_are_cut_in_the_middle_around_what_changed() {
        let long = |middle: &str| format!("{}{middle}{}", "a".repeat(150), "z".repeat(150));
        let changes = parsed(json!([
            resource(
                "null_resource.cut",
                &["update"],
                json!({
                    "before": { "blob": long("OLD") }, "after": { "blob": long("NEW") },
                    "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {},
                }),
            ),
            resource(
                "null_resource.created",
                &["create"],
                json!({
                    "before": null, "after": { "blob": long("-") },
                    "after_unknown": {}, "before_sensitive": false, "after_sensitive": {},
                }),
            ),
        ]));
        expect![[r#"
            ~ null_resource.cut  update
                blob: (135 chars cut)…aaaaaaaaaaaaaaaaOLDzzzzzzzzzzzzzzzz…(135 chars cut) → (135 chars cut)…aaaaaaaaaaaaaaaaNEWzzzzzzzzzzzzzzzz…(135 chars cut)
            + null_resource.created  create
                blob: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…(207 chars cut)…zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
        "#]]
        .assert_eq(&changes.render());
        let diff = diff_lines(&"x\n".repeat(100), &"y\n".repeat(100));
        assert_eq!(diff.len(), DIFF_MAX_LINES + 1);
        assert_eq!(diff.last().map(String::as_str), Some("… (160 more lines of diff)"));
    }

    #[test]
    fn drift_is_kept_apart_and_neither_counted_nor_rendered() {
        let json = json!({
            "format_version": "1.2",
            "planned_values": {},
            "resource_drift": [resource("null_resource.a", &["update"], json!({
                "before": { "triggers": { "n": "1" } }, "after": { "triggers": { "n": "2" } },
                "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {},
            }))],
            "resource_changes": [resource("null_resource.a", &["no-op"], json!({
                "before": { "triggers": { "n": "2" } }, "after": { "triggers": { "n": "2" } },
            }))],
        });
        let changes = PlanChanges::parse(&json.to_string()).expect("a plan");
        assert_eq!(changes.drift.len(), 1);
        assert_eq!(changes.drift[0].attributes[0].path, "triggers[\"n\"]");
        assert_eq!(changes.resources[0].action, Action::NoOp);
        assert_eq!(changes.counts(), PlanCounts::default());
        assert!(!changes.has_changes());
        assert_eq!(changes.render(), "No changes.\n");
    }

    #[test]
    fn every_action_is_counted_as_terraform_counts_it() {
        let bare = json!({ "before": null, "after": null });
        let changes = PlanChanges::parse(
            &json!({
                "format_version": "1.2",
                "planned_values": {},
                "resource_changes": [
                    resource("null_resource.new", &["create"], bare.clone()),
                    resource("null_resource.edit", &["update"], bare.clone()),
                    resource("null_resource.gone", &["delete"], bare.clone()),
                    resource("null_resource.swap", &["delete", "create"], bare.clone()),
                    resource("null_resource.first", &["create", "delete"], bare.clone()),
                    resource("null_resource.keep", &["create", "forget"], bare.clone()),
                    resource("null_resource.left", &["forget"], bare.clone()),
                    resource("null_resource.same", &["no-op"], bare.clone()),
                    resource("data.http.ip", &["read"], bare.clone()),
                ],
                "output_changes": {
                    "url": { "actions": ["update"], "before": "https://a", "after": "https://b", "after_unknown": false, "before_sensitive": false, "after_sensitive": false },
                    "key": { "actions": ["create"], "before": null, "after": "k", "after_unknown": false, "before_sensitive": false, "after_sensitive": true },
                    "id": { "actions": ["update"], "before": "1", "after": null, "after_unknown": true, "before_sensitive": false, "after_sensitive": false },
                    "old": { "actions": ["delete"], "before": "x", "after": null, "after_unknown": false, "before_sensitive": false, "after_sensitive": false },
                    "same": { "actions": ["no-op"], "before": "s", "after": "s", "after_unknown": false, "before_sensitive": false, "after_sensitive": false },
                },
            })
            .to_string(),
        )
        .expect("a plan");
        let counts = changes.counts();
        assert_eq!(counts.terraform, ChangeCounts { add: 4, change: 1, destroy: 3 });
        expect!["4 to add, 1 to change, 3 to destroy (3 replacements), 1 to read, 2 to forget"]
            .assert_eq(&counts.to_string());
        let mut resources = changes.resources.clone();
        resources[2].reason = Some("delete_because_no_resource_config".into());
        resources[8].reason = Some("read_because_config_unknown".into());
        let changes = PlanChanges { resources, ..changes };
        expect![[r#"
            - null_resource.gone  destroy (no longer in the configuration)
            -/+ null_resource.swap  replace
            +/- null_resource.first  replace (create before destroy)
            + null_resource.new  create
            ~ null_resource.edit  update
            +/. null_resource.keep  replace (the old object is kept: destroy = false)
            . null_resource.left  forget (removed from the state, not destroyed)
            <= data.http.ip  read (its configuration is known only during apply)
            ~ output.id: "1" → (known after apply)
            + output.key: (sensitive)
            - output.old
            ~ output.url: "https://a" → "https://b"
        "#]]
        .assert_eq(&changes.render());
    }

    #[test]
    fn what_is_not_a_plan_says_what_it_is() {
        let error = |json: &str| PlanChanges::parse(json).expect_err("not a plan").to_string();
        expect!["`terraform show -json` printed something that is not JSON (expected value at line 1 column 1); it starts `Error: Failed to read the given file as`"]
            .assert_eq(&error("Error: Failed to read the given file as a state or plan file"));
        expect!["`terraform show -json` printed no plan (no `planned_values`): give it the file written by `terraform plan -out`"]
            .assert_eq(&error(r#"{"format_version":"1.0","terraform_version":"1.11.4","values":{}}"#));
        expect!["`terraform show -json` printed no plan (no `format_version`): give it the file written by `terraform plan -out`"]
            .assert_eq(&error("[]"));
        expect!["the plan's JSON format `2.0` is not supported: auto reads format 1.x (terraform 1.0 and later)"]
            .assert_eq(&error(r#"{"format_version":"2.0","planned_values":{}}"#));
        expect!["the plan's JSON does not have the expected shape: invalid type: map, expected a sequence"]
            .assert_eq(&error(r#"{"format_version":"1.2","planned_values":{},"resource_changes":{}}"#));
        expect![[r#"`null_resource.x` has the actions `["delete", "frobnicate"]`, which auto does not know (it is tested with terraform 1.11)"#]]
            .assert_eq(&error(&plan(json!([resource("null_resource.x", &["delete", "frobnicate"], json!({}))]))));
    }

    #[test]
    fn deposed_objects_are_named_apart_from_the_current_one() {
        let mut deposed = resource("null_resource.a", &["delete"], json!({ "before": {}, "after": null }));
        deposed["deposed"] = json!("00ab12cd");
        let changes = parsed(json!([deposed]));
        expect![[r#"
              - null_resource.a (deposed 00ab12cd)  destroy
        "#]]
        .assert_eq(&changes.render());
    }
}
