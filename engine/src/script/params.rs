//! Script parameters: declared at the top of a script with `param(name, #{...})`, bound
//! from `--set key=value` / `--params-json`, and validated — all of them, every problem
//! listed — before the script's first side effect.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use regex::Regex;
use serde::Deserialize;

use crate::runtime::data::{from_data, Data};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    String,
    Int,
    Float,
    Bool,
}

impl ParamType {
    fn of(data: &Data) -> Option<ParamType> {
        match data {
            Data::Str(_) => Some(ParamType::String),
            Data::Int(_) => Some(ParamType::Int),
            Data::Float(_) => Some(ParamType::Float),
            Data::Bool(_) => Some(ParamType::Bool),
            _ => None,
        }
    }

    fn with_article(self) -> &'static str {
        match self {
            ParamType::Int => "an int",
            ParamType::String => "a string",
            ParamType::Float => "a float",
            ParamType::Bool => "a bool",
        }
    }

    fn name(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::Bool => "bool",
        }
    }
}

/// The option map of `param(name, #{ ... })`; the field docs are its option table in the
/// reference.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ParamOptions {
    /// What the parameter is for (`auto describe`, usage errors).
    help: String,
    /// `--set` text is converted to it.
    /// Default: from `default_value`, else the first choice, else `"string"`.
    #[serde(rename = "type")]
    kind: Option<ParamType>,
    /// `default` is a reserved word in Rhai, so the key is `default_value`; a quoted
    /// `"default"` key works too.
    /// Default: none: the parameter is required.
    #[serde(alias = "default")]
    #[schemars(extend("x-rhai-type" = "string, int, float or bool"))]
    default_value: Option<Data>,
    /// The allowed values.
    /// Default: any value.
    choices: Option<Vec<Data>>,
    /// A regular expression the whole value must match (strings only).
    /// Default: any value.
    pattern: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ParamSpec {
    pub name: String,
    pub help: String,
    pub kind: ParamType,
    pub default: Option<Data>,
    pub choices: Vec<Data>,
    pub pattern: Option<Regex>,
}

impl ParamSpec {
    /// Parses and checks one declaration; the error is shown at the `param(...)` line.
    pub fn declare(name: &str, options: &Data) -> Result<ParamSpec, String> {
        let valid_name = Regex::new("^[a-z][a-z0-9_]{0,39}$").expect("static regex");
        if !valid_name.is_match(name) {
            return Err(format!(
                "parameter name `{name}` must be lowercase letters, digits and `_`, starting with a letter"
            ));
        }
        let options: ParamOptions = from_data(options).map_err(|e| format!("param `{name}`: {e}"))?;
        if options.help.trim().is_empty() {
            return Err(format!("param `{name}`: `help` must say what the parameter is for"));
        }
        let kind = options
            .kind
            .or_else(|| options.default_value.as_ref().and_then(ParamType::of))
            .or_else(|| options.choices.as_ref().and_then(|c| c.first()).and_then(ParamType::of))
            .unwrap_or(ParamType::String);
        let pattern = match options.pattern {
            Some(pattern) => {
                if kind != ParamType::String {
                    return Err(format!("param `{name}`: `pattern` only applies to string parameters"));
                }
                // Anchored so `pattern: "[a-z]+"` cannot be satisfied by `x;rm -rf /`.
                let anchored = format!("^(?:{})$", pattern.trim_start_matches('^').trim_end_matches('$'));
                Some(Regex::new(&anchored).map_err(|e| format!("param `{name}`: invalid pattern: {e}"))?)
            }
            None => None,
        };
        let choices = options.choices.unwrap_or_default();
        for choice in &choices {
            if ParamType::of(choice) != Some(kind) {
                return Err(format!("param `{name}`: choice {choice} is not {}", kind.with_article()));
            }
        }
        let spec = ParamSpec { name: name.to_string(), help: options.help, kind, default: None, choices, pattern };
        if let Some(default) = options.default_value {
            spec.check(&default).map_err(|e| format!("param `{name}`: the default is invalid: {e}"))?;
            return Ok(ParamSpec { default: Some(default), ..spec });
        }
        Ok(spec)
    }

    pub fn required(&self) -> bool {
        self.default.is_none()
    }

    /// Converts a `--set` string to the declared type and checks choices and pattern.
    pub fn parse(&self, raw: &str) -> Result<Data, String> {
        let value = match self.kind {
            ParamType::String => Data::Str(raw.to_string()),
            ParamType::Int => {
                raw.trim().parse::<i64>().map(Data::Int).map_err(|_| format!("`{raw}` is not an integer"))?
            }
            ParamType::Float => {
                raw.trim().parse::<f64>().map(Data::Float).map_err(|_| format!("`{raw}` is not a number"))?
            }
            ParamType::Bool => match raw.trim() {
                "true" | "yes" | "1" => Data::Bool(true),
                "false" | "no" | "0" => Data::Bool(false),
                _ => return Err(format!("`{raw}` is not a boolean (true/false)")),
            },
        };
        self.check(&value)?;
        Ok(value)
    }

    pub fn check(&self, value: &Data) -> Result<(), String> {
        let value = match (self.kind, value) {
            (ParamType::Float, Data::Int(i)) => Data::Float(*i as f64),
            _ => value.clone(),
        };
        if ParamType::of(&value) != Some(self.kind) {
            return Err(format!("expected {}, got {}", self.kind.with_article(), value.kind()));
        }
        if !self.choices.is_empty() && !self.choices.contains(&value) {
            return Err(format!("`{value}` is not one of {}", self.choices_text()));
        }
        if let (Some(pattern), Data::Str(text)) = (&self.pattern, &value) {
            if !pattern.is_match(text) {
                return Err(format!("`{}` does not match the pattern `{}`", text.escape_debug(), self.pattern_text()));
            }
        }
        Ok(())
    }

    pub fn choices_text(&self) -> String {
        self.choices.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
    }

    pub fn pattern_text(&self) -> String {
        self.pattern
            .as_ref()
            .map(|p| p.as_str().trim_start_matches("^(?:").trim_end_matches(")$").to_string())
            .unwrap_or_default()
    }

    pub fn type_name(&self) -> &'static str {
        self.kind.name()
    }

    /// One line for `auto describe` / `auto list` / usage errors.
    pub fn summary(&self) -> String {
        let mut text = format!("{} ({})", self.name, self.kind.name());
        match &self.default {
            Some(default) => {
                let _ = write!(text, " = {}", default.to_json_redacted());
            }
            None => text.push_str(" required"),
        }
        let _ = write!(text, ": {}", self.help);
        if !self.choices.is_empty() {
            let _ = write!(text, " [choices: {}]", self.choices_text());
        }
        if self.pattern.is_some() {
            let _ = write!(text, " [pattern: {}]", self.pattern_text());
        }
        text
    }
    /// The declaration as `--output json` shows it (`auto list`, `auto describe`): a
    /// secret's default is masked as everywhere else.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "type": self.kind.name(),
            "help": self.help,
            "required": self.required(),
            "default": self.default.as_ref().map(Data::to_json_redacted),
            "choices": self.choices.iter().map(Data::to_json_redacted).collect::<Vec<_>>(),
            "pattern": self.pattern.as_ref().map(|_| self.pattern_text()),
        })
    }
}

/// One thing wrong with the given parameters.
#[derive(Debug, Clone, PartialEq)]
enum Problem {
    /// No parameter of that name is declared; `hint` names a close one.
    Unknown { name: String, hint: Option<String> },
    /// The given value does not fit the declaration.
    Invalid { name: String, problem: String },
    /// A required parameter was not given.
    Missing { name: String },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Unknown { name, hint: Some(hint) } => {
                write!(f, "unknown parameter `{name}` (did you mean `{hint}`?)")
            }
            Problem::Unknown { name, hint: None } => write!(f, "unknown parameter `{name}`"),
            Problem::Invalid { name, problem } => write!(f, "parameter `{name}`: {problem}"),
            Problem::Missing { name } => write!(f, "missing required parameter `{name}` (pass --set {name}=...)"),
        }
    }
}

/// Every problem with the given values, or the bound values (defaults filled in).
pub fn bind(specs: &[ParamSpec], given: &[(String, Given)]) -> Result<BTreeMap<String, Data>, Vec<String>> {
    let mut problems = Vec::new();
    let mut values = BTreeMap::new();
    for (name, value) in given {
        let Some(spec) = specs.iter().find(|s| &s.name == name) else {
            let hint = crate::suggest::closest(name, specs.iter().map(|s| s.name.as_str())).map(str::to_string);
            problems.push(Problem::Unknown { name: name.clone(), hint });
            continue;
        };
        let parsed = match value {
            Given::Text(raw) => spec.parse(raw),
            Given::Json(data) => spec.check(data).map(|_| data.clone()),
        };
        match parsed {
            Ok(data) => {
                values.insert(name.clone(), data);
            }
            Err(problem) => problems.push(Problem::Invalid { name: name.clone(), problem }),
        }
    }
    for spec in specs {
        if values.contains_key(&spec.name) {
            continue;
        }
        match &spec.default {
            Some(default) => {
                values.insert(spec.name.clone(), default.clone());
            }
            // A parameter given with a bad value is not also reported missing.
            None if !problems.iter().any(|p| matches!(p, Problem::Invalid { name, .. } if *name == spec.name)) => {
                problems.push(Problem::Missing { name: spec.name.clone() })
            }
            None => {}
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems.iter().map(Problem::to_string).collect())
    }
}

/// The scope every script starts with: `params` (filled in when the run starts).
pub fn initial_scope(params: rhai::Map) -> rhai::Scope<'static> {
    let mut scope = rhai::Scope::new();
    scope.push_constant("params", params);
    scope
}

/// A value from the command line: `--set k=v` text, or typed JSON from `--params-json`.
#[derive(Debug, Clone)]
pub enum Given {
    Text(String),
    Json(Data),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, options: serde_json::Value) -> ParamSpec {
        ParamSpec::declare(name, &Data::from_json(options)).unwrap()
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let specs = vec![
            spec("env", serde_json::json!({"help": "environment", "choices": ["dev", "qa"]})),
            spec("customer", serde_json::json!({"help": "customer id", "pattern": "[a-z]{3,}"})),
            spec("limit", serde_json::json!({"help": "parallelism", "default_value": 4})),
        ];
        let given = vec![
            ("env".to_string(), Given::Text("prod".into())),
            ("customer".to_string(), Given::Text("x;rm -rf /".into())),
            ("limit".to_string(), Given::Text("many".into())),
            ("custmer".to_string(), Given::Text("x".into())),
        ];
        expect_test::expect![[r#"
            [
                "parameter `env`: `prod` is not one of `dev`, `qa`",
                "parameter `customer`: `x;rm -rf /` does not match the pattern `[a-z]{3,}`",
                "parameter `limit`: `many` is not an integer",
                "unknown parameter `custmer` (did you mean `customer`?)",
            ]
        "#]]
        .assert_debug_eq(&bind(&specs, &given).unwrap_err());
        let ok =
            bind(&specs, &[("env".into(), Given::Text("qa".into())), ("customer".into(), Given::Text("acme".into()))])
                .unwrap();
        assert_eq!(ok["limit"], Data::Int(4));
    }

    #[test]
    fn declarations_are_checked() {
        let bad = |name: &str, o: serde_json::Value| ParamSpec::declare(name, &Data::from_json(o)).unwrap_err();
        expect_test::expect!["param `env`: unknown field `hlep`, expected one of `help`, `type`, `default`, `default_value`, `choices`, `pattern`"].assert_eq(&bad("env", serde_json::json!({"hlep": "x"})));
        expect_test::expect!["param `n`: the default is invalid: expected an int, got string"]
            .assert_eq(&bad("n", serde_json::json!({"help": "x", "type": "int", "default_value": "a"})));
        expect_test::expect!["parameter name `Env` must be lowercase letters, digits and `_`, starting with a letter"]
            .assert_eq(&bad("Env", serde_json::json!({"help": "x"})));
    }
}
