//! `auto docs [--check]`: the script API reference (docs/script-api.md) and the editor
//! definitions (docs/auto.d.rhai), generated from the engine a run builds.
//!
//! The engine says which functions exist, with how many parameters and (for global
//! functions) which types; [`crate::script::api_docs`] says what they do. [`problems`]
//! joins the two both ways, so an undocumented binding, a stale entry or a type that
//! disagrees with the registration fails `auto docs` and the tests instead of reaching the
//! reference. `--check` compares the committed files with what would be generated, so CI
//! fails when someone changed the API without regenerating them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use rhai::Engine;
use serde_json::Value as Json;

use crate::error::Error;
use crate::process::files::{compare, write_atomically, FileChange, FileWrite};
use crate::process::Value;
use crate::repo::Repo;
use crate::run::Run;
use crate::script::api_docs::{self, Function, Member, FUNCTIONS, SECTIONS, TYPES};
use crate::script::bindings::Bound;
use crate::script::limits::Limits;

pub const REFERENCE: &str = "docs/script-api.md";
pub const DEFINITIONS: &str = "docs/auto.d.rhai";
const TABLE: &str = "engine/src/script/api_docs.rs";

pub fn run(repo: &Repo, check: bool) -> Result<(), Error> {
    let engine = engine(repo);
    let generated = generate(&engine).map_err(|problems| {
        Error::Failed(format!(
            "the script API documentation does not match the engine ({} problem(s)):\n{}\nfix {TABLE}, then run `auto docs`",
            problems.len(),
            problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
        ))
    })?;
    let mut writes = Vec::new();
    for (path, text) in [(REFERENCE, generated.reference), (DEFINITIONS, generated.definitions)] {
        let target = repo.confine(path).map_err(|e| Error::Failed(e.to_string()))?;
        writes.push(FileWrite::new(repo.dir(), target, Value::Plain(text)));
    }
    if check {
        let stale: Vec<String> = writes
            .iter()
            .filter_map(|w| match compare(w) {
                Ok(FileChange::Unchanged) => None,
                Ok(FileChange::Created) => Some(format!("`{}` is missing", w.display)),
                Ok(FileChange::Updated) => Some(format!("`{}` is out of date", w.display)),
                Err(e) => Some(format!("`{}` cannot be read ({e})", w.display)),
            })
            .collect();
        if !stale.is_empty() {
            return Err(Error::Failed(format!(
                "{}: the script API changed since they were generated; run `auto docs` and commit the result",
                stale.join(", ")
            )));
        }
        crate::outln!("{REFERENCE} and {DEFINITIONS} are up to date")?;
        return Ok(());
    }
    for write in &writes {
        let change =
            write_atomically(write).map_err(|e| Error::Io { path: write.path.clone(), message: e.to_string() })?;
        let what = match change {
            FileChange::Created => "created",
            FileChange::Updated => "updated",
            FileChange::Unchanged => "unchanged",
        };
        crate::outln!("{what} {}", write.display)?;
    }
    Ok(())
}

/// The engine exactly as `auto run` builds it, over a recording runner: building it runs
/// nothing, and its functions are the ones scripts get.
pub fn engine(repo: &Repo) -> Engine {
    let limits = Limits::default();
    let run = Run::new(repo.clone(), crate::process::Mode::DryRun, "docs".into(), Arc::new(crate::report::Silent));
    crate::script::engine::build(&Bound::new(run, "docs".into(), limits))
}

pub struct Generated {
    pub reference: String,
    pub definitions: String,
}

/// Both files, or every way the doc table and the engine disagree.
pub fn generate(engine: &Engine) -> Result<Generated, Vec<String>> {
    let api = Api::of(engine).map_err(|e| vec![e])?;
    let problems = api.problems();
    if !problems.is_empty() {
        return Err(problems);
    }
    let reference = reference(engine, &api);
    let broken = broken_links(&reference);
    if !broken.is_empty() {
        return Err(broken);
    }
    Ok(Generated { reference, definitions: definitions(engine, &api) })
}

/// Every function the engine exposes without a doc entry, every entry without a function,
/// and every type that disagrees (empty when all is well).
pub fn problems(engine: &Engine) -> Vec<String> {
    match generate(engine) {
        Ok(_) => Vec::new(),
        Err(problems) => problems,
    }
}

// ----- the engine's side -----

/// One registered overload, from the engine's metadata.
#[derive(Debug, Clone)]
struct Registered {
    module: Option<String>,
    name: String,
    /// Normalised parameter types; `None` when the registration does not say.
    params: Vec<Option<String>>,
    /// Normalised return type; `None` when the registration does not say.
    ret: Option<String>,
}

/// What a registered function is, for the join.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// `step`, `terraform::apply`.
    Function(String),
    /// A getter (`c.id`) or method (`c.root(name)`, `s.to_string()`) of a custom type.
    Member { ty: String, getter: bool, name: String },
    /// Indexers and operators: documented in the type's text, not one by one.
    Skipped,
}

struct Api {
    registered: Vec<Registered>,
    /// Display names of the custom types (`Secret`).
    types: BTreeSet<String>,
}

impl Api {
    fn of(engine: &Engine) -> Result<Api, String> {
        let text = engine.gen_fn_metadata_to_json(false).map_err(|e| format!("engine metadata: {e}"))?;
        let json: Json = serde_json::from_str(&text).map_err(|e| format!("engine metadata: {e}"))?;
        let custom: BTreeMap<String, String> = json["customTypes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| Some((t["typeName"].as_str()?.to_string(), t["displayName"].as_str()?.to_string())))
            .collect();
        let mut registered = Vec::new();
        let mut add = |module: Option<&str>, functions: &Json| {
            for f in functions.as_array().into_iter().flatten() {
                let params = f["params"]
                    .as_array()
                    .map(|ps| ps.iter().map(|p| p["type"].as_str().map(|t| normalise(t, &custom))).collect())
                    .unwrap_or_else(|| vec![None; f["numParams"].as_u64().unwrap_or(0) as usize]);
                let ret = match f["returnType"].as_str() {
                    Some(t) => Some(normalise(t, &custom)),
                    // A global function registered with its Rust types and no return type
                    // returns `()`; module functions carry no types at all.
                    None if module.is_none() => Some("()".to_string()),
                    None => None,
                };
                registered.push(Registered {
                    module: module.map(str::to_string),
                    name: f["name"].as_str().unwrap_or_default().to_string(),
                    params,
                    ret,
                });
            }
        };
        add(None, &json["functions"]);
        for (name, module) in json["modules"].as_object().into_iter().flatten() {
            add(Some(name), &module["functions"]);
        }
        Ok(Api { registered, types: custom.into_values().collect() })
    }

    fn kind(&self, f: &Registered) -> Kind {
        let first = f.params.first().cloned().flatten();
        if let Some(property) = f.name.strip_prefix("get$").or_else(|| f.name.strip_prefix("set$")) {
            return Kind::Member {
                ty: first.unwrap_or_default(),
                getter: f.name.starts_with("get$"),
                name: property.to_string(),
            };
        }
        if f.name.contains('$') || !f.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Kind::Skipped;
        }
        // Rhai's own `print` and `debug`, registered again so they report into the calling
        // step (script/engine.rs): Rhai documents them.
        if f.module.is_none() && matches!(f.name.as_str(), "print" | "debug") {
            return Kind::Skipped;
        }
        match (&f.module, first) {
            (None, Some(ty)) if self.types.contains(&ty) => Kind::Member { ty, getter: false, name: f.name.clone() },
            (Some(module), _) => Kind::Function(format!("{module}::{}", f.name)),
            (None, _) => Kind::Function(f.name.clone()),
        }
    }

    /// The registered overloads of each documented thing, by kind, fewest parameters first.
    fn overloads(&self) -> BTreeMap<Kind, Vec<&Registered>> {
        let mut map: BTreeMap<Kind, Vec<&Registered>> = BTreeMap::new();
        for f in &self.registered {
            let kind = self.kind(f);
            if kind != Kind::Skipped {
                map.entry(kind).or_default().push(f);
            }
        }
        for overloads in map.values_mut() {
            overloads.sort_by_key(|f| f.params.len());
        }
        map
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let overloads = self.overloads();

        // Every entry is well-formed and in a section of its namespace.
        let mut seen = BTreeSet::new();
        for entry in FUNCTIONS {
            if !seen.insert(entry.name) {
                problems.push(format!("`{}` has two entries", entry.name));
            }
            let module = entry.name.split_once("::").map(|(m, _)| m);
            match SECTIONS.iter().find(|s| s.key == entry.section) {
                Some(section) if section.module == module => {}
                Some(_) => problems
                    .push(format!("`{}` is listed in section `{}` of another module", entry.name, entry.section)),
                None => problems.push(format!("`{}` names the unknown section `{}`", entry.name, entry.section)),
            }
            if !entry.doc.contains("```rhai") {
                problems.push(format!("the doc of `{}` has no ```rhai example", entry.name));
            }
            let short = entry.name.rsplit("::").next().unwrap_or(entry.name);
            let mut arities = BTreeSet::new();
            for text in entry.signatures {
                match Signature::parse(text) {
                    Ok(sig) if sig.name != short || sig.getter => {
                        problems.push(format!("`{}`: the signature `{text}` names another function", entry.name))
                    }
                    Ok(sig) if !arities.insert(sig.params.len()) => problems.push(format!(
                        "`{}`: two signatures with {} parameter(s)",
                        entry.name,
                        sig.params.len()
                    )),
                    Ok(_) => {}
                    Err(e) => problems.push(format!("`{}`: {e}", entry.name)),
                }
            }
        }

        // Functions: engine ⇄ table.
        for (kind, registered) in &overloads {
            let Kind::Function(key) = kind else { continue };
            let Some(entry) = FUNCTIONS.iter().find(|e| e.name == key) else {
                let arities = registered.iter().map(|f| f.params.len().to_string()).collect::<Vec<_>>().join(", ");
                problems.push(format!(
                    "`{key}` (registered with {arities} parameter(s)) has no entry in {TABLE}: document it there"
                ));
                continue;
            };
            for f in registered {
                match signatures(entry).into_iter().find(|s| s.params.len() == f.params.len()) {
                    Some(sig) => problems.extend(sig.disagreements(key, f)),
                    None => problems.push(format!(
                        "`{key}` with {} parameter(s) is registered but its entry in {TABLE} has no such signature",
                        f.params.len()
                    )),
                }
            }
        }
        for entry in FUNCTIONS {
            let registered = overloads.get(&Kind::Function(entry.name.to_string()));
            for sig in signatures(entry) {
                if !registered.is_some_and(|r| r.iter().any(|f| f.params.len() == sig.params.len())) {
                    problems.push(format!(
                        "`{}` is documented with {} parameter(s) in {TABLE} but the engine has no such function: remove the entry or register it",
                        entry.name,
                        sig.params.len()
                    ));
                }
            }
        }

        // Types and their members: engine ⇄ table.
        let documented: BTreeSet<String> = TYPES.iter().map(|t| t.name.to_string()).collect();
        for ty in self.types.difference(&documented) {
            problems.push(format!("the type `{ty}` has no entry in {TABLE}"));
        }
        for ty in documented.difference(&self.types) {
            problems.push(format!("the type `{ty}` is documented in {TABLE} but the engine has no such type"));
        }
        for (kind, registered) in &overloads {
            let Kind::Member { ty, getter, name } = kind else { continue };
            for f in registered {
                match member(ty, *getter, name, f.params.len()) {
                    Some((_, sig)) => problems.extend(sig.disagreements(&format!("{ty}.{name}"), f)),
                    None => problems.push(format!(
                        "`{ty}` has a {} `{name}` ({} parameter(s)) that its entry in {TABLE} does not document",
                        if *getter { "property" } else { "method" },
                        f.params.len()
                    )),
                }
            }
        }
        for ty in TYPES {
            for m in ty.members {
                match Signature::parse(m.signature) {
                    Ok(sig) => {
                        let kind = Kind::Member { ty: ty.name.to_string(), getter: sig.getter, name: sig.name.clone() };
                        let exists =
                            overloads.get(&kind).is_some_and(|r| r.iter().any(|f| f.params.len() == sig.params.len()));
                        if !exists {
                            problems.push(format!(
                                "`{}` documents `{}` but the engine registers no such member",
                                ty.name, m.signature
                            ));
                        }
                    }
                    Err(e) => problems.push(format!("`{}`: {e}", ty.name)),
                }
            }
        }
        problems
    }
}

/// A registered Rust type name → the name scripts see (`type_of`), so the table's types can
/// be compared with the registration's.
fn normalise(rust: &str, custom: &BTreeMap<String, String>) -> String {
    let t = rust.trim();
    let t = t.strip_prefix("&mut ").or_else(|| t.strip_prefix('&')).unwrap_or(t).trim();
    if let Some(display) = custom.get(t) {
        return display.clone();
    }
    if let Some(inner) = t.split_once('<').filter(|(outer, _)| outer.ends_with("Result")).map(|(_, rest)| rest) {
        // `Result<T, Box<EvalAltResult>>`: the value type is what the script gets.
        let mut depth = 0usize;
        let end = inner
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '<' => depth += 1,
                    '>' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                c == ',' && depth == 0
            })
            .map(|(i, _)| i)
            .unwrap_or(inner.len());
        return normalise(&inner[..end], custom);
    }
    if t.starts_with("alloc::vec::Vec<") || t.starts_with("Vec<") {
        return "array".into();
    }
    let last = t.rsplit("::").next().unwrap_or(t);
    if let Some((_, display)) = custom.iter().find(|(name, _)| name.rsplit("::").next() == Some(last)) {
        return display.clone();
    }
    match last {
        "string" | "String" | "str" | "ImmutableString" => "string",
        "i64" | "INT" | "int" => "int",
        "f64" | "FLOAT" | "float" => "float",
        "bool" => "bool",
        "array" | "Array" => "array",
        "map" | "Map" => "map",
        "Fn" | "FnPtr" => "Fn",
        "Dynamic" | "?" | "" => "?",
        other => other,
    }
    .to_string()
}

// ----- the table's side -----

/// `[get ]name(a: T, b: U) -> R`, parsed.
#[derive(Debug, Clone, PartialEq)]
struct Signature {
    getter: bool,
    name: String,
    params: Vec<(String, String)>,
    ret: String,
}

impl Signature {
    fn parse(text: &str) -> Result<Signature, String> {
        let bad = || format!("`{text}` is not `name(param: type, ...) -> type`");
        let (head, ret) = text.rsplit_once(") -> ").ok_or_else(bad)?;
        let (name, params) = head.split_once('(').ok_or_else(bad)?;
        let (getter, name) = match name.strip_prefix("get ") {
            Some(name) => (true, name),
            None => (false, name),
        };
        let params = if params.trim().is_empty() {
            Vec::new()
        } else {
            params
                .split(", ")
                .map(|p| p.split_once(": ").map(|(n, t)| (n.to_string(), t.to_string())).ok_or_else(bad))
                .collect::<Result<_, _>>()?
        };
        Ok(Signature { getter, name: name.trim().to_string(), params, ret: ret.trim().to_string() })
    }

    /// Types the registration states that this signature contradicts.
    fn disagreements(&self, what: &str, f: &Registered) -> Vec<String> {
        let mut out = Vec::new();
        for (i, ((name, documented), registered)) in self.params.iter().zip(&f.params).enumerate() {
            if let Some(registered) = registered.as_deref().filter(|t| *t != "?") {
                if registered != documented {
                    out.push(format!(
                        "`{what}`: parameter {} `{name}` is documented as `{documented}` but registered as `{registered}`",
                        i + 1
                    ));
                }
            }
        }
        if let Some(registered) = f.ret.as_deref().filter(|t| *t != "?") {
            if registered != self.ret {
                out.push(format!(
                    "`{what}` is documented to return `{}` but registered to return `{registered}`",
                    self.ret
                ));
            }
        }
        out
    }

    fn render(&self) -> String {
        let params = self.params.iter().map(|(n, t)| format!("{n}: {t}")).collect::<Vec<_>>().join(", ");
        format!("{}{}({params}) -> {}", if self.getter { "get " } else { "" }, self.name, self.ret)
    }
}

fn signatures(entry: &Function) -> Vec<Signature> {
    entry.signatures.iter().filter_map(|s| Signature::parse(s).ok()).collect()
}

fn member(ty: &str, getter: bool, name: &str, arity: usize) -> Option<(&'static Member, Signature)> {
    TYPES.iter().find(|t| t.name == ty)?.members.iter().find_map(|m| {
        let sig = Signature::parse(m.signature).ok()?;
        (sig.getter == getter && sig.name == name && sig.params.len() == arity).then_some((m, sig))
    })
}

// ----- docs/script-api.md -----

/// GitHub's heading anchors: lowercase, punctuation other than `-` and `_` dropped, spaces
/// to `-`.
pub fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn section_heading(section: &api_docs::Section) -> String {
    match section.module {
        Some(module) => format!("`{module}::`"),
        None => section.title.to_string(),
    }
}

fn type_heading(name: &str) -> String {
    format!("Type `{name}`")
}

fn reference(engine: &Engine, api: &Api) -> String {
    let overloads = api.overloads();
    let mut md = String::new();
    md.push_str(&format!(
        "<!-- GENERATED by `auto docs` from the engine and {TABLE}: do not edit. Change the table, then run `auto docs`. -->\n\n"
    ));
    md.push_str("# Script API reference\n\n");
    md.push_str(
        "Every function a script can call, generated from the engine `auto run` builds (signatures, \
overloads) and the documentation table in `engine/src/script/api_docs.rs`. Signatures use Rhai's \
`type_of()` names; `?` is any value, and `options: map` is an option map whose unknown keys are errors. \
Rhai's own functions (`parse_json`, `len`, `split`, …) are in the [Rhai book](https://rhai.rs/book/). \
Guides: [writing a rollout script](guide/writing-a-rollout-script.md), [run modes](guide/run-modes.md), \
[secrets](guide/secrets.md), [resuming](guide/resuming.md), [CI](guide/ci.md), [editor setup](editor.md).\n\n",
    );

    md.push_str(
        "## Contents\n\n- [The script environment](#the-script-environment): `params`, modes, limits, sandbox\n",
    );
    for section in SECTIONS {
        let heading = section_heading(section);
        let names: Vec<String> = FUNCTIONS
            .iter()
            .filter(|f| f.section == section.key)
            .map(|f| {
                let short = f.name.rsplit("::").next().unwrap_or(f.name);
                format!("[`{short}`](#{})", anchor(&format!("`{}`", f.name)))
            })
            .collect();
        let _ = writeln!(md, "- [{heading}](#{}): {}", anchor(&heading), names.join(" · "));
    }
    let types: Vec<String> =
        TYPES.iter().map(|t| format!("[`{}`](#{})", t.name, anchor(&type_heading(t.name)))).collect();
    let _ = writeln!(md, "- [Types](#types): {}\n", types.join(" · "));

    md.push_str("## The script environment\n");
    md.push_str(&environment(engine));
    md.push('\n');

    for section in SECTIONS {
        let _ = writeln!(md, "## {}\n", section_heading(section));
        if section.module.is_some() {
            let _ = writeln!(md, "{}\n", section.title);
        }
        let _ = writeln!(md, "{}\n", section.doc);
        for entry in FUNCTIONS.iter().filter(|f| f.section == section.key) {
            let _ = writeln!(md, "### `{}`\n", entry.name);
            md.push_str("```rhai\n");
            let prefix = section.module.map(|m| format!("{m}::")).unwrap_or_default();
            for f in overloads.get(&Kind::Function(entry.name.to_string())).into_iter().flatten() {
                if let Some(sig) = signatures(entry).into_iter().find(|s| s.params.len() == f.params.len()) {
                    let _ = writeln!(md, "{prefix}{}", sig.render());
                }
            }
            md.push_str("```\n\n");
            let _ = writeln!(md, "{}\n", entry.doc.trim());
        }
    }

    md.push_str("## Types\n\n");
    for ty in TYPES {
        let _ = writeln!(md, "### {}\n\n{}\n", type_heading(ty.name), ty.doc.trim());
        md.push_str("| member | type | |\n|---|---|---|\n");
        for m in ty.members {
            let Ok(sig) = Signature::parse(m.signature) else { continue };
            let this = sig.params.first().map(|(n, _)| n.as_str()).unwrap_or("value");
            let call = if sig.getter {
                format!("{this}.{}", sig.name)
            } else {
                let args = sig.params.iter().skip(1).map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ");
                format!("{this}.{}({args})", sig.name)
            };
            let _ = writeln!(md, "| `{call}` | {} | {} |", sig.ret, m.doc.replace('|', "\\|"));
        }
        md.push('\n');
    }
    while md.ends_with("\n\n") {
        md.pop();
    }
    md
}

/// The environment section, with the limits the engine was built with.
fn environment(engine: &Engine) -> String {
    // The engine is built with the default limits; the size limits are auto's, not Rhai's.
    let limits = crate::script::limits::Limits::default();
    let number = |n: u64| {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    api_docs::ENVIRONMENT
        .replace("{max_operations}", &number(engine.max_operations()))
        .replace("{max_call_levels}", &number(engine.max_call_levels() as u64))
        .replace("{max_string_size}", &number(limits.max_string_size as u64))
        .replace("{max_memory}", &number(limits.max_memory as u64))
        .replace("{max_expr_depth}", &number(engine.max_expr_depth() as u64))
        .replace("{max_function_expr_depth}", &number(engine.max_function_expr_depth() as u64))
        .replace("{max_modules}", &number(engine.max_modules() as u64))
}

/// Links to `#anchor`s no heading of the reference has.
fn broken_links(markdown: &str) -> Vec<String> {
    let anchors: BTreeSet<String> =
        markdown.lines().filter(|l| l.starts_with('#')).map(|l| anchor(l.trim_start_matches('#').trim())).collect();
    let mut broken = BTreeSet::new();
    for (i, _) in markdown.match_indices("](#") {
        let rest = &markdown[i + 3..];
        let target = &rest[..rest.find(')').unwrap_or(rest.len())];
        if !anchors.contains(target) {
            broken
                .insert(format!("{REFERENCE}: the link `#{target}` points at no heading (check the links in {TABLE})"));
        }
    }
    broken.into_iter().collect()
}

// ----- docs/auto.d.rhai -----

/// Rhai's own definitions of the engine (`module static;`, one `module x { }` per static
/// module, the `params` constant), with each function's signature replaced by the
/// documented one (parameter names, precise types) and its doc as `///` comments.
fn definitions(engine: &Engine, api: &Api) -> String {
    let scope = crate::script::initial_scope(rhai::Map::new());
    let raw = engine.definitions_with_scope(&scope).include_standard_packages(false).single_file();
    let mut out = String::new();
    let mut module: Option<String> = None;
    let mut after_skipped = false;
    for line in raw.lines() {
        // Rhai's own `print`/`debug`, registered again (script/engine.rs): editors know them.
        if line.starts_with("op print(") || line.starts_with("op debug(") {
            after_skipped = true;
            continue;
        }
        if std::mem::take(&mut after_skipped) && line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix("module ").and_then(|l| l.strip_suffix(" {")) {
            module = Some(name.to_string());
        } else if line == "}" {
            module = None;
        }
        if line == "module static;" {
            let _ = writeln!(out, "{line}\n");
            let _ = writeln!(
                out,
                "// GENERATED by `auto docs` from the engine and {TABLE}: do not edit.\n// Editor setup: docs/editor.md. Reference: {REFERENCE}."
            );
            continue;
        }
        if let Some(rest) = line.strip_prefix("const params:") {
            comment(&mut out, api_docs::PARAMS_DOC);
            let _ = writeln!(out, "const params:{rest}");
            continue;
        }
        match line.strip_prefix("fn ").and_then(|l| documented(api, module.as_deref(), l)) {
            Some((doc, signature)) => {
                comment(&mut out, doc);
                let _ = writeln!(out, "fn {signature};");
            }
            None => {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn comment(out: &mut String, doc: &str) {
    // Links between sections of the reference point into it from here (docs/ as well).
    let doc = doc.replace("](#", "](script-api.md#");
    for line in doc.trim().lines() {
        let _ = writeln!(out, "{}", format!("/// {line}").trim_end());
    }
}

/// The doc and documented signature of one `fn` line of Rhai's definitions
/// (`apply(_: ?, _: ?) -> ;`), or `None` to keep the line as Rhai wrote it (indexers).
fn documented(api: &Api, module: Option<&str>, line: &str) -> Option<(&'static str, String)> {
    let open = line.find('(')?;
    let close = line.rfind(") ->")?;
    let head = &line[..open];
    let params: Vec<&str> = line[open + 1..close].split(", ").filter(|p| !p.is_empty()).collect();
    let first = params.first().and_then(|p| p.split_once(": ")).map(|(_, t)| t.trim().to_string());
    let registered = Registered {
        module: module.map(str::to_string),
        name: match head.strip_prefix("get ") {
            Some(property) => format!("get${property}"),
            None => head.to_string(),
        },
        params: params.iter().enumerate().map(|(i, _)| if i == 0 { first.clone() } else { None }).collect(),
        ret: None,
    };
    match api.kind(&registered) {
        Kind::Function(key) => {
            let entry = FUNCTIONS.iter().find(|e| e.name == key)?;
            let sig = signatures(entry).into_iter().find(|s| s.params.len() == params.len())?;
            Some((entry.doc, sig.render()))
        }
        Kind::Member { ty, getter, name } => {
            let (m, sig) = member(&ty, getter, &name, params.len())?;
            Some((m.doc, sig.render()))
        }
        Kind::Skipped => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom() -> BTreeMap<String, String> {
        BTreeMap::from([("auto::script::bindings::repo::CustomerHandle".to_string(), "Customer".to_string())])
    }

    #[test]
    fn registered_rust_types_become_script_types() {
        let c = custom();
        let cases = [
            "core::result::Result<auto::script::bindings::repo::CustomerHandle,alloc::boxed::Box<rhai::types::error::EvalAltResult>>",
            "core::result::Result<alloc::vec::Vec<rhai::types::dynamic::Dynamic>,alloc::boxed::Box<rhai::types::error::EvalAltResult>>",
            "core::result::Result<(),alloc::boxed::Box<rhai::types::error::EvalAltResult>>",
            "&mut Customer",
            "types::dynamic::Dynamic",
            "i64",
            "string",
            "Fn",
        ];
        let normalised: Vec<String> = cases.iter().map(|t| normalise(t, &c)).collect();
        expect_test::expect![[r#"["Customer", "array", "()", "Customer", "?", "int", "string", "Fn"]"#]]
            .assert_eq(&format!("{normalised:?}"));
    }

    #[test]
    fn signatures_parse_and_render() {
        let sig = Signature::parse("apply(root: string, options: map) -> map").unwrap();
        assert_eq!(sig.render(), "apply(root: string, options: map) -> map");
        assert!(Signature::parse("get id(customer: Customer) -> string").unwrap().getter);
        assert!(Signature::parse("summary() -> array").unwrap().params.is_empty());
        expect_test::expect!["`apply(root) -> map` is not `name(param: type, ...) -> type`"]
            .assert_eq(&Signature::parse("apply(root) -> map").unwrap_err());
    }

    #[test]
    fn disagreeing_types_are_reported() {
        let sig = Signature::parse("lock(scope: int) -> string").unwrap();
        let registered = Registered {
            module: None,
            name: "lock".into(),
            params: vec![Some("string".into())],
            ret: Some("()".into()),
        };
        expect_test::expect![[r#"
            [
                "`lock`: parameter 1 `scope` is documented as `int` but registered as `string`",
                "`lock` is documented to return `string` but registered to return `()`",
            ]
        "#]]
        .assert_debug_eq(&sig.disagreements("lock", &registered));
    }

    #[test]
    fn undocumented_and_stale_entries_are_reported() {
        let mut api = Api {
            registered: vec![
                Registered {
                    module: None,
                    name: "lock".into(),
                    params: vec![Some("string".into())],
                    ret: Some("()".into()),
                },
                Registered { module: Some("terraform".into()), name: "explode".into(), params: vec![None], ret: None },
            ],
            types: BTreeSet::new(),
        };
        api.types.insert("Secret".into());
        let problems = api.problems();
        let interesting: Vec<&String> = problems
            .iter()
            .filter(|p| p.contains("explode") || p.contains("`step`") || p.contains("`Unknown`"))
            .take(3)
            .collect();
        expect_test::expect![[r#"
            [
                "`terraform::explode` (registered with 1 parameter(s)) has no entry in engine/src/script/api_docs.rs: document it there",
                "`step` is documented with 2 parameter(s) in engine/src/script/api_docs.rs but the engine has no such function: remove the entry or register it",
                "`step` is documented with 3 parameter(s) in engine/src/script/api_docs.rs but the engine has no such function: remove the entry or register it",
            ]
        "#]]
        .assert_debug_eq(&interesting);
        assert!(problems.iter().any(|p| p.contains("the type `Unknown` is documented")));
    }

    #[test]
    fn anchors_follow_github() {
        assert_eq!(anchor("`terraform::apply`"), "terraformapply");
        assert_eq!(anchor("Type `Secret`"), "type-secret");
        assert_eq!(anchor("Steps, concurrency and locks"), "steps-concurrency-and-locks");
        assert_eq!(
            broken_links("# A\n[x](#a) [y](#b)\n"),
            vec![format!("{REFERENCE}: the link `#b` points at no heading (check the links in {TABLE})")]
        );
    }
}
