//! The join of the engine and the bindings' Markdown: the engine says which functions exist,
//! with how many parameters and (for global functions) which types; the Markdown says what
//! they do. [`Api::problems`] joins the two both ways, so an undocumented binding, a stale
//! entry or a type that disagrees with the registration fails `auto docs`.

use std::collections::{BTreeMap, BTreeSet};

use rhai::Engine;
use serde_json::Value as Json;

use super::source::{short, Function, Member, Section};

/// Where the Markdown of a function without an entry belongs.
pub const BINDINGS: &str = "engine/src/script/bindings/";

/// One registered overload, from the engine's metadata.
#[derive(Debug, Clone)]
pub struct Registered {
    pub module: Option<String>,
    pub name: String,
    /// Normalised parameter types; `None` when the registration does not say.
    pub params: Vec<Option<String>>,
    /// Normalised return type; `None` when the registration does not say.
    pub ret: Option<String>,
}

/// What a registered function is, for the join.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `step`, `terraform::apply`.
    Function(String),
    /// A getter (`c.id`) or method (`c.root(name)`, `s.to_string()`) of a custom type.
    Member { ty: String, getter: bool, name: String },
    /// Indexers and operators: documented in the type's text, not one by one.
    Skipped,
}

pub struct Api {
    pub registered: Vec<Registered>,
    /// Display names of the custom types (`Secret`).
    pub types: BTreeSet<String>,
}

impl Api {
    pub fn of(engine: &Engine) -> Result<Api, String> {
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

    pub fn kind(&self, f: &Registered) -> Kind {
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
        // Rhai's own `print`/`debug`, which script/engine.rs overloads to label the text with
        // the step: their registration is what Rhai calls internally (one overload per
        // value type, returning the text Rhai hands on), and the "run" section's text
        // documents them for scripts.
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
    pub fn overloads(&self) -> BTreeMap<Kind, Vec<&Registered>> {
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

    /// Every function the engine exposes without an entry, every entry without a function,
    /// and every type that disagrees (empty when all is well).
    pub fn problems(&self, sections: &[Section]) -> Vec<String> {
        let mut problems = Vec::new();
        let overloads = self.overloads();
        let entries: Vec<(&Section, &Function)> =
            sections.iter().flat_map(|s| s.functions.iter().map(move |f| (s, f))).collect();

        // Every entry is well-formed and in a section of its namespace.
        let mut seen = BTreeSet::new();
        for (section, entry) in &entries {
            let file = section.file;
            if !seen.insert(entry.name.as_str()) {
                problems.push(format!("`{}` has two entries", entry.name));
            }
            let module = entry.name.split_once("::").map(|(m, _)| m);
            if section.module.as_deref() != module {
                problems.push(format!("{file}: `{}` is listed in the section of another module", entry.name));
            }
            if !entry.doc.contains("```rhai") {
                problems.push(format!("{file}: the doc of `{}` has no ```rhai example", entry.name));
            }
            let mut arities = BTreeSet::new();
            for text in &entry.signatures {
                match Signature::parse(text) {
                    Ok(sig) if sig.name != short(&entry.name) || sig.getter => {
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

        // Functions: engine ⇄ Markdown.
        for (kind, registered) in &overloads {
            let Kind::Function(key) = kind else { continue };
            let Some((section, entry)) = entries.iter().find(|(_, e)| e.name == *key) else {
                let arities = registered.iter().map(|f| f.params.len().to_string()).collect::<Vec<_>>().join(", ");
                let module = key.split_once("::").map(|(m, _)| m);
                let file = sections.iter().find(|s| module.is_some() && s.module.as_deref() == module).map_or_else(
                    || format!("the Markdown beside its binding ({BINDINGS}*.md)"),
                    |s| s.file.to_string(),
                );
                problems.push(format!(
                    "`{key}` (registered with {arities} parameter(s)) has no entry in {file}: document it there"
                ));
                continue;
            };
            for f in registered {
                match signatures(entry).into_iter().find(|s| s.params.len() == f.params.len()) {
                    Some(sig) => problems.extend(sig.disagreements(key, f)),
                    None => problems.push(format!(
                        "`{key}` with {} parameter(s) is registered but its entry in {} has no such signature",
                        f.params.len(),
                        section.file
                    )),
                }
            }
        }
        for (section, entry) in &entries {
            let registered = overloads.get(&Kind::Function(entry.name.clone()));
            for sig in signatures(entry) {
                if !registered.is_some_and(|r| r.iter().any(|f| f.params.len() == sig.params.len())) {
                    problems.push(format!(
                        "`{}` is documented with {} parameter(s) in {} but the engine has no such function: remove the entry or register it",
                        entry.name,
                        sig.params.len(),
                        section.file
                    ));
                }
            }
        }

        // Types and their members: engine ⇄ Markdown.
        let documented: BTreeMap<&str, &Section> =
            sections.iter().flat_map(|s| s.types.iter().map(move |t| (t.name.as_str(), s))).collect();
        for ty in &self.types {
            if !documented.contains_key(ty.as_str()) {
                problems.push(format!(
                    "the type `{ty}` has no entry in the Markdown beside the binding that registers it ({BINDINGS}*.md)"
                ));
            }
        }
        for (ty, section) in &documented {
            if !self.types.contains(*ty) {
                problems
                    .push(format!("the type `{ty}` is documented in {} but the engine has no such type", section.file));
            }
        }
        for (kind, registered) in &overloads {
            let Kind::Member { ty, getter, name } = kind else { continue };
            for f in registered {
                match member(sections, ty, *getter, name, f.params.len()) {
                    Some((_, sig)) => problems.extend(sig.disagreements(&format!("{ty}.{name}"), f)),
                    None => problems.push(format!(
                        "`{ty}` has a {} `{name}` ({} parameter(s)) that its entry in {} does not document",
                        if *getter { "property" } else { "method" },
                        f.params.len(),
                        documented.get(ty.as_str()).map_or(BINDINGS, |s| s.file)
                    )),
                }
            }
        }
        for ty in sections.iter().flat_map(|s| &s.types) {
            for m in &ty.members {
                match Signature::parse(&m.signature) {
                    Ok(sig) => {
                        let kind = Kind::Member { ty: ty.name.clone(), getter: sig.getter, name: sig.name.clone() };
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

/// A registered Rust type name → the name scripts see (`type_of`), so the Markdown's types
/// can be compared with the registration's.
pub fn normalise(rust: &str, custom: &BTreeMap<String, String>) -> String {
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

/// `[get ]name(a: T, b: U) -> R`, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    pub getter: bool,
    pub name: String,
    pub params: Vec<(String, String)>,
    pub ret: String,
}

impl Signature {
    pub fn parse(text: &str) -> Result<Signature, String> {
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
    pub fn disagreements(&self, what: &str, f: &Registered) -> Vec<String> {
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

    pub fn render(&self) -> String {
        let params = self.params.iter().map(|(n, t)| format!("{n}: {t}")).collect::<Vec<_>>().join(", ");
        format!("{}{}({params}) -> {}", if self.getter { "get " } else { "" }, self.name, self.ret)
    }

    /// The position of the `options` parameter, if it has one.
    pub fn options_index(&self) -> Option<usize> {
        self.params.iter().position(|(name, ty)| name == "options" && ty == "map")
    }
}

pub fn signatures(entry: &Function) -> Vec<Signature> {
    entry.signatures.iter().filter_map(|s| Signature::parse(s).ok()).collect()
}

pub fn member<'a>(
    sections: &'a [Section],
    ty: &str,
    getter: bool,
    name: &str,
    arity: usize,
) -> Option<(&'a Member, Signature)> {
    sections.iter().flat_map(|s| &s.types).find(|t| t.name == ty)?.members.iter().find_map(|m| {
        let sig = Signature::parse(&m.signature).ok()?;
        (sig.getter == getter && sig.name == name && sig.params.len() == arity).then_some((m, sig))
    })
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
        assert_eq!(sig.options_index(), Some(1));
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
        let problems = api.problems(&crate::script::bindings::reference());
        let interesting: Vec<&String> = problems
            .iter()
            .filter(|p| p.contains("explode") || p.contains("`step`") || p.contains("`Unknown`"))
            .take(3)
            .collect();
        expect_test::expect![[r#"
            [
                "`terraform::explode` (registered with 1 parameter(s)) has no entry in engine/src/script/bindings/terraform.md: document it there",
                "`step` is documented with 2 parameter(s) in engine/src/script/bindings/flow.md but the engine has no such function: remove the entry or register it",
                "`step` is documented with 3 parameter(s) in engine/src/script/bindings/flow.md but the engine has no such function: remove the entry or register it",
            ]
        "#]]
        .assert_debug_eq(&interesting);
        assert!(problems.iter().any(|p| p.contains("the type `Unknown` is documented")));
    }
}
