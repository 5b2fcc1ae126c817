//! Option tables from the option structs. A function's option map is deserialised into a
//! `#[serde(deny_unknown_fields)]` struct; that struct also derives `schemars::JsonSchema`,
//! so its field doc comments are the descriptions, and the key names, types and defaults
//! come from the struct as serde reads it (`rename`, `default`, `Option`). Nothing about an
//! option is written twice.
//!
//! The keys serde accepts are read from serde itself (the field list its derived
//! `Deserialize` hands to [`serde::Deserializer::deserialize_struct`], aliases included),
//! so the check does not trust the schema: a key the struct accepts that the table does
//! not show, a key the table shows that the struct rejects, a field without a doc comment,
//! or an example (`#{ key: ... }` passed as a function's options) naming a key the struct
//! rejects, is a problem that fails `auto docs`.
//!
//! A field's doc comment may end with a line `Default: <Markdown>.` when the default is
//! applied by the code rather than by serde (`"the context's"`, `"5m"`), or `Required.` when
//! the code insists on a key serde leaves optional; otherwise the default column is derived
//! (serde's default value, `required`, or `none` for an `Option`). A field typed `Data`
//! (any value, checked by the code) may name what it takes with
//! `#[schemars(extend("x-rhai-type" = "string or Secret"))]`.

use rhai::{Engine, Expr, Ident, Position, Stmt, AST};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, DeserializeOwned, Visitor};
use serde_json::Value as Json;

use crate::runtime::data::Data;
use crate::secret::Secret;

/// The options of one function, read from its struct.
#[derive(Debug, Clone)]
pub struct Options {
    /// The struct, for messages (`terraform::options::PlanOptions`).
    pub rust: String,
    /// What the table shows, in the struct's field order.
    pub keys: Vec<Key>,
    /// The keys serde accepts (aliases included), or `None` when the type is not a struct.
    pub accepted: Option<Vec<&'static str>>,
    /// Whether unknown keys are rejected (`deny_unknown_fields`).
    pub closed: bool,
}

/// A key of a literal option map that the struct rejects.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownKey<'o> {
    /// The key with the keys of the maps it is nested in: `retries.attempt`.
    pub path: String,
    /// The key alone: `attempt`.
    pub key: String,
    /// Where the key is written.
    pub position: Position,
    /// The keys accepted where it is (aliases included).
    pub accepted: Vec<&'o str>,
    /// The keys the option table shows there (no aliases).
    pub shown: Vec<&'o str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    /// In the reference's words: `bool`, `array of strings`, `"read"` or `"write"`.
    pub ty: String,
    /// Markdown: `` `false` ``, `required`, `none`, or what the field's doc says.
    pub default: String,
    /// Markdown, one line.
    pub doc: String,
    /// The keys of a nested option map (`retries: #{ attempts, ... }`).
    pub nested: Vec<Key>,
    /// Whether the nested option map rejects keys it does not have (`deny_unknown_fields`).
    pub closed: bool,
}

/// The options of `T`, from its schema and its serde field list.
pub fn of<T: DeserializeOwned + JsonSchema>() -> Options {
    let generator =
        schemars::generate::SchemaSettings::draft2020_12().with(|s| s.inline_subschemas = true).into_generator();
    let schema = generator.into_root_schema_for::<T>().to_value();
    let accepted = serde_fields::<T>();
    let rust = std::any::type_name::<T>().trim_start_matches("auto::").replace("primitives::", "").to_string();
    let order = |name: &str| accepted.as_ref().and_then(|a| a.iter().position(|k| *k == name)).unwrap_or(usize::MAX);
    let mut keys = keys_of(&schema);
    keys.sort_by_key(|k| order(&k.name));
    Options { rust, keys, accepted, closed: schema.get("additionalProperties") == Some(&Json::Bool(false)) }
}

impl Options {
    /// The key names a script may use at the top level (what serde accepts).
    pub fn key_names(&self) -> Vec<&str> {
        match &self.accepted {
            Some(accepted) => accepted.to_vec(),
            None => self.keys.iter().map(|k| k.name.as_str()).collect(),
        }
    }

    /// Every way the table and the struct disagree (empty when all is well).
    pub fn problems(&self, function: &str) -> Vec<String> {
        let rust = &self.rust;
        let mut out = Vec::new();
        if !self.closed {
            out.push(format!(
                "`{function}`: {rust} accepts any key: give it `#[serde(deny_unknown_fields)]`, so a misspelt option is an error"
            ));
        }
        let Some(accepted) = &self.accepted else {
            out.push(format!("`{function}`: {rust} is not a struct of options"));
            return out;
        };
        for key in &self.keys {
            if !accepted.contains(&key.name.as_str()) {
                out.push(format!("`{function}`: the table shows `{}`, which {rust} rejects", key.name));
            }
        }
        for name in accepted {
            let shown = self.keys.iter().any(|k| k.name == *name);
            // An alias (`for`, `default`) is mentioned in the doc of the key it stands for.
            let mentioned = || {
                self.keys
                    .iter()
                    .any(|k| k.doc.contains(&format!("`{name}`")) || k.doc.contains(&format!("`\"{name}\"`")))
            };
            if !shown && !mentioned() {
                out.push(format!(
                    "`{function}`: {rust} accepts `{name}`, which the table does not show: document it on the field"
                ));
            }
        }
        fn each_key(keys: &[Key], prefix: &str, function: &str, rust: &str, out: &mut Vec<String>) {
            for key in keys {
                if key.doc.is_empty() {
                    out.push(format!("`{function}`: the option `{prefix}{}` has no doc comment in {rust}", key.name));
                }
                if !key.nested.is_empty() && !key.closed {
                    out.push(format!(
                        "`{function}`: the option map `{prefix}{}` accepts any key: give its struct `#[serde(deny_unknown_fields)]`, so a misspelt option is an error",
                        key.name
                    ));
                }
                each_key(&key.nested, &format!("{prefix}{}.", key.name), function, rust, out);
            }
        }
        each_key(&self.keys, "", function, rust, &mut out);
        out
    }

    /// The Markdown table: one row per key, nested keys as `retries.attempts`.
    pub fn table(&self) -> String {
        fn rows(keys: &[Key], prefix: &str, out: &mut String) {
            for key in keys {
                let cell = |s: &str| s.replace('|', "\\|");
                out.push_str(&format!(
                    "| `{prefix}{}` | {} | {} | {} |\n",
                    key.name,
                    cell(&key.ty),
                    cell(&key.default),
                    cell(&key.doc)
                ));
                rows(&key.nested, &format!("{prefix}{}.", key.name), out);
            }
        }
        let mut out = String::from("| option | type | default | meaning |\n|---|---|---|---|\n");
        rows(&self.keys, "", &mut out);
        out.pop();
        out
    }

    /// Every key of the literal option map `items`, and of the option maps nested in it
    /// (`retries: #{ ... }`), that the struct rejects: what `auto docs` checks examples
    /// with and `auto check` checks scripts with.
    pub fn unknown_keys(&self, items: &[(Ident, Expr)]) -> Vec<UnknownKey<'_>> {
        let mut out = Vec::new();
        if self.closed {
            self.unknown_keys_at(&[], items, &mut out);
        }
        out
    }

    fn unknown_keys_at<'o>(&'o self, path: &[&str], items: &[(Ident, Expr)], out: &mut Vec<UnknownKey<'o>>) {
        let (accepted, shown): (Vec<&str>, Vec<&str>) = match path.is_empty() {
            true => (self.key_names(), self.keys.iter().map(|k| k.name.as_str()).collect()),
            false => {
                let nested: Vec<&str> =
                    self.find(path).map(|k| k.nested.iter().map(|n| n.name.as_str()).collect()).unwrap_or_default();
                (nested.clone(), nested)
            }
        };
        for (ident, value) in items {
            let key = ident.name.as_str();
            let Some(&known) = accepted.iter().find(|k| **k == key) else {
                out.push(UnknownKey {
                    path: path.iter().copied().chain([key]).collect::<Vec<_>>().join("."),
                    key: key.to_string(),
                    position: ident.pos,
                    accepted: accepted.clone(),
                    shown: shown.clone(),
                });
                continue;
            };
            if let Expr::Map(nested, _) = value {
                let mut inner: Vec<&str> = path.to_vec();
                inner.push(known);
                if self.find(&inner).is_some_and(|k| k.closed && !k.nested.is_empty()) {
                    self.unknown_keys_at(&inner, &nested.0, out);
                }
            }
        }
    }

    fn find(&self, path: &[&str]) -> Option<&Key> {
        let mut keys = &self.keys;
        let mut found = None;
        for name in path {
            let key = keys.iter().find(|k| k.name == *name)?;
            keys = &key.nested;
            found = Some(key);
        }
        found
    }
}

/// The rows of an object schema, in the schema's order (the caller sorts them).
fn keys_of(schema: &Json) -> Vec<Key> {
    let object = object_branch(schema);
    let required: Vec<&str> = object
        .and_then(|o| o.get("required"))
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = object.and_then(|o| o.get("properties")).and_then(Json::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let description = property.get("description").and_then(Json::as_str).unwrap_or_default();
            let (doc, stated) = split_default(description);
            let default = match stated {
                Some(stated) => stated,
                None if required.contains(&name.as_str()) => "required".to_string(),
                None => derived_default(property),
            };
            // A nested struct's keys are in the schema's order (by name).
            let closed =
                object_branch(property).and_then(|o| o.get("additionalProperties")) == Some(&Json::Bool(false));
            Key { name: name.clone(), ty: type_name(property), default, doc, nested: keys_of(property), closed }
        })
        .collect()
}

/// The object schema of an `Option<Struct>` (`anyOf: [{...}, {type: null}]`) or a struct.
fn object_branch(schema: &Json) -> Option<&serde_json::Map<String, Json>> {
    let object = schema.as_object()?;
    if object.contains_key("properties") {
        return Some(object);
    }
    ["anyOf", "oneOf"].iter().filter_map(|k| object.get(*k)?.as_array()).flatten().find_map(object_branch)
}

/// The doc without its last line when that is `Default: ...` or `Required.`, and what the
/// line says.
fn split_default(description: &str) -> (String, Option<String>) {
    let lines: Vec<&str> = description.lines().map(str::trim).collect();
    let (doc, default) = match lines.last() {
        Some(last) if last.starts_with("Default: ") => {
            let stated = last["Default: ".len()..].trim_end_matches('.').trim().to_string();
            (&lines[..lines.len() - 1], Some(stated))
        }
        Some(&"Required.") => (&lines[..lines.len() - 1], Some("required".to_string())),
        _ => (&lines[..], None),
    };
    let doc = doc.iter().filter(|l| !l.is_empty()).copied().collect::<Vec<_>>().join(" ");
    (doc, default)
}

/// The default of a key the doc says nothing about: serde's default value, `none` for an
/// `Option`, else the empty value of its type (`#[serde(default)]` on a type whose default
/// cannot be shown as JSON).
fn derived_default(property: &Json) -> String {
    if let Some(value) = property.get("default") {
        return format!("`{}`", literal(value));
    }
    if admits_null(property) {
        return "none".to_string();
    }
    match type_name(property).as_str() {
        "map" => "`#{}`",
        t if t.starts_with("array") => "`[]`",
        "bool" => "`false`",
        "string" => "`\"\"`",
        "int" => "`0`",
        _ => "none",
    }
    .to_string()
}

fn admits_null(schema: &Json) -> bool {
    match schema {
        Json::Bool(true) => true,
        Json::Object(o) => {
            o.is_empty()
                || match o.get("type") {
                    Some(Json::String(t)) => t == "null",
                    Some(Json::Array(ts)) => ts.iter().any(|t| t == "null"),
                    _ => ["anyOf", "oneOf"].iter().filter_map(|k| o.get(*k)?.as_array()).flatten().any(admits_null),
                }
        }
        _ => false,
    }
}

/// A JSON value as a script writes it.
fn literal(value: &Json) -> String {
    match value {
        Json::Null => "()".to_string(),
        Json::Array(items) => format!("[{}]", items.iter().map(literal).collect::<Vec<_>>().join(", ")),
        Json::Object(map) if map.is_empty() => "#{}".to_string(),
        Json::Object(map) => {
            format!("#{{ {} }}", map.iter().map(|(k, v)| format!("{k}: {}", literal(v))).collect::<Vec<_>>().join(", "))
        }
        other => other.to_string(),
    }
}

/// A schema as the reference names types: `bool`, `string or Secret`, `array of strings`,
/// `"read"` or `"write"`, `any`.
fn type_name(schema: &Json) -> String {
    let Some(object) = schema.as_object() else { return "any".to_string() };
    if let Some(Json::String(name)) = object.get(RHAI_TYPE) {
        return name.clone();
    }
    if let Some(values) = object.get("enum").and_then(Json::as_array) {
        let values: Vec<String> = values.iter().filter(|v| !v.is_null()).map(|v| format!("`{v}`")).collect();
        return or_list(values);
    }
    if let Some(value) = object.get("const") {
        return format!("`{value}`");
    }
    let branches: Vec<String> = ["anyOf", "oneOf"]
        .iter()
        .filter_map(|k| object.get(*k)?.as_array())
        .flatten()
        .filter(|b| b.get("type") != Some(&Json::String("null".into())))
        .map(type_name)
        .collect();
    if !branches.is_empty() {
        return or_list(branches);
    }
    let types: Vec<&str> = match object.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => return "any".to_string(),
    };
    let names: Vec<String> = types
        .into_iter()
        .filter(|t| *t != "null")
        .map(|t| match t {
            "boolean" => "bool".to_string(),
            "integer" => "int".to_string(),
            "number" => "float".to_string(),
            "object" => "map".to_string(),
            "array" => match object.get("items").map(type_name).as_deref() {
                None | Some("any") => "array".to_string(),
                Some(item) if item.starts_with('`') || item.contains(' ') => format!("array of {item}"),
                Some(item) => format!("array of {item}s"),
            },
            other => other.to_string(),
        })
        .collect();
    or_list(names)
}

fn or_list(mut items: Vec<String>) -> String {
    items.dedup();
    match items.len() {
        0 => "any".to_string(),
        1 => items.remove(0),
        n => format!("{} or {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// The schema keyword that names a runtime type the reference shows by its own name.
const RHAI_TYPE: &str = "x-rhai-type";

/// Any value a script can pass (a string, number, map, secret, ...): the code decides.
impl JsonSchema for Data {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Data".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ RHAI_TYPE: "any" })
    }
}

/// A secret option takes a secret or a plain string (which becomes a secret).
impl JsonSchema for Secret {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", RHAI_TYPE: "string or Secret" })
    }
}

// ----- the keys serde accepts -----

/// The field names `T`'s derived `Deserialize` accepts (aliases included), or `None` when
/// `T` does not deserialise from a struct.
pub fn serde_fields<T: DeserializeOwned>() -> Option<Vec<&'static str>> {
    let mut probe = FieldProbe(None);
    let _ = T::deserialize(&mut probe);
    probe.0.map(<[_]>::to_vec)
}

/// A deserializer that answers nothing and remembers the fields a struct asked for.
struct FieldProbe(Option<&'static [&'static str]>);

impl<'de> de::Deserializer<'de> for &mut FieldProbe {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = Some(fields);
        Err(de::Error::custom("fields read"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

// ----- option maps in examples -----

/// Where a documented function takes its options: `(index of the options argument, its
/// options)` for a call of `name` with `arity` arguments.
pub type OptionsOf<'a> = dyn Fn(&str, usize) -> Option<(usize, &'a Options)> + 'a;

/// Every option map in the ```rhai examples of `doc` that names a key the function's struct
/// rejects (`#{ workspce: "x" }`), and every example that does not compile.
pub fn example_problems(place: &str, doc: &str, options_of: &OptionsOf) -> Vec<String> {
    let mut engine = Engine::new_raw();
    engine.set_optimization_level(rhai::OptimizationLevel::None);
    let mut out = Vec::new();
    for example in rhai_blocks(doc) {
        let ast: AST = match engine.compile(&example) {
            Ok(ast) => ast,
            Err(e) => {
                out.push(format!("{place}: an example does not compile ({e}):\n{example}"));
                continue;
            }
        };
        ast.walk(&mut |path| {
            let call = match path.last() {
                Some(rhai::ASTNode::Expr(Expr::FnCall(call, _))) | Some(rhai::ASTNode::Stmt(Stmt::FnCall(call, _))) => {
                    call
                }
                _ => return true,
            };
            let name = match call.namespace.is_empty() {
                true => call.name.to_string(),
                false => format!("{}::{}", call.namespace, call.name),
            };
            if let Some((index, options)) = options_of(&name, call.args.len()) {
                if let Some(Expr::Map(map, _)) = call.args.get(index) {
                    for unknown in options.unknown_keys(&map.0) {
                        out.push(format!(
                            "{place}: the example passes `{}` to `{name}`, which {} rejects (its keys: {})",
                            unknown.path,
                            options.rust,
                            unknown.accepted.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                        ));
                    }
                }
            }
            true
        });
    }
    out
}

/// The bodies of the ```rhai blocks of a Markdown text.
pub fn rhai_blocks(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut current, fence) {
            (None, Some(info)) if info.trim() == "rhai" => current = Some(String::new()),
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some(body), None) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// A stand-in for an option struct, with every kind of field the real ones have.
    #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Fixture {
        /// What to call it.
        name: String,
        /// Whether to hurry.
        #[serde(default)]
        fast: bool,
        /// How long to wait.
        /// Default: `"5m"`.
        timeout: Option<String>,
        /// Values to pass on.
        #[serde(default)]
        vars: BTreeMap<String, Data>,
        /// The password.
        password: Option<Secret>,
        /// Its kind (`"kind"` quoted works too).
        #[serde(rename = "type", alias = "kind")]
        kind: Option<Effect>,
        /// Tags.
        #[serde(default)]
        tags: Vec<String>,
        /// Retries.
        retry: Option<Nested>,
    }

    #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Effect {
        Read,
        Write,
    }

    #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Nested {
        /// How often.
        attempts: Option<i64>,
    }

    /// Accepts a key it does not document, and any key at all.
    #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Sloppy {
        /// Documented.
        shown: Option<String>,
        #[serde(alias = "secretly")]
        undocumented: Option<bool>,
    }

    #[test]
    fn the_table_comes_from_the_struct() {
        let options = of::<Fixture>();
        assert!(options.problems("fixture").is_empty(), "{:?}", options.problems("fixture"));
        expect_test::expect![[r#"
            | option | type | default | meaning |
            |---|---|---|---|
            | `name` | string | required | What to call it. |
            | `fast` | bool | `false` | Whether to hurry. |
            | `timeout` | string | `"5m"` | How long to wait. |
            | `vars` | map | `#{}` | Values to pass on. |
            | `password` | string or Secret | none | The password. |
            | `type` | `"read"` or `"write"` | none | Its kind (`"kind"` quoted works too). |
            | `tags` | array of strings | `[]` | Tags. |
            | `retry` | map | none | Retries. |
            | `retry.attempts` | int | none | How often. |"#]]
        .assert_eq(&options.table());
        assert_eq!(
            options.accepted.as_deref(),
            Some(&["name", "fast", "timeout", "vars", "password", "kind", "type", "tags", "retry"][..])
        );
    }

    #[test]
    fn a_key_the_struct_accepts_and_the_docs_do_not_show_is_a_problem() {
        expect_test::expect![[r#"
            [
                "`sloppy`: script::reference::options::tests::Sloppy accepts any key: give it `#[serde(deny_unknown_fields)]`, so a misspelt option is an error",
                "`sloppy`: script::reference::options::tests::Sloppy accepts `secretly`, which the table does not show: document it on the field",
                "`sloppy`: the option `undocumented` has no doc comment in script::reference::options::tests::Sloppy",
            ]
        "#]]
        .assert_debug_eq(&of::<Sloppy>().problems("sloppy"));
    }

    #[test]
    fn an_example_naming_a_key_the_struct_rejects_is_a_problem() {
        let options = of::<Fixture>();
        let lookup = |name: &str, arity: usize| (name == "tool::run" && arity == 2).then_some((1, &options));
        let doc = "Runs.\n\n```rhai\nlet r = tool::run(\"x\", #{ name: \"a\", fats: true, retry: #{ attempts: 2, delay: \"1s\" } });\nstep(\"s\", || tool::run(\"y\", #{ kind: \"read\" }));\n```\n\n```rhai\nlet = broken;\n```\n";
        let problems = example_problems("`tool::run`", doc, &lookup);
        expect_test::expect![[r#"
            [
                "`tool::run`: the example passes `fats` to `tool::run`, which script::reference::options::tests::Fixture rejects (its keys: `name`, `fast`, `timeout`, `vars`, `password`, `kind`, `type`, `tags`, `retry`)",
                "`tool::run`: the example passes `retry.delay` to `tool::run`, which script::reference::options::tests::Fixture rejects (its keys: `attempts`)",
                "`tool::run`: an example does not compile (Expecting name of a variable (line 1, position 5)):\nlet = broken;\n",
            ]
        "#]]
        .assert_debug_eq(&problems);
    }
}
