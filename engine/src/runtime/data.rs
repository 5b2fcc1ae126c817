//! `Data`: the values scripts hand to primitives and get back — JSON-like, plus secrets
//! and values that are not known until something is applied.
//!
//! Primitives see `Data`, never Rhai types. Option maps are deserialised into typed
//! request structs (`#[serde(deny_unknown_fields)]`) through [`from_data`], which carries
//! secrets and unknowns across serde without turning them into plain strings.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::secret::Secret;

#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Secret(Secret),
    List(Vec<Data>),
    Map(BTreeMap<String, Data>),
    /// A value only an apply would produce (dry-run, plan): `dev/acme/infra.storage_account`.
    Unknown(String),
}

impl Data {
    pub fn contains_secret(&self) -> bool {
        match self {
            Data::Secret(_) => true,
            Data::List(items) => items.iter().any(Data::contains_secret),
            Data::Map(map) => map.values().any(Data::contains_secret),
            _ => false,
        }
    }

    /// The first unknown value inside, if any (it must never reach a real apply).
    pub fn first_unknown(&self) -> Option<&str> {
        match self {
            Data::Unknown(what) => Some(what),
            Data::List(items) => items.iter().find_map(Data::first_unknown),
            Data::Map(map) => map.values().find_map(Data::first_unknown),
            _ => None,
        }
    }

    /// Whether a step's result can be journaled and handed back on resume as it is: it holds
    /// no secret, no unknown, and no text the redactor masks. The last is a secret's value
    /// inside a plain string (a connection string read from a tool's output): journaled as
    /// `user:***@db`, it would come back as that on resume, so the step runs again instead.
    pub fn is_replayable(&self) -> bool {
        if self.contains_secret() || self.first_unknown().is_some() {
            return false;
        }
        let text = self.to_json_redacted().to_string();
        super::secret::redact(&text) == text
    }

    /// JSON with secrets exposed: only for a 0600 file or stdin handed to a tool.
    pub fn to_json_exposed(&self) -> serde_json::Value {
        self.to_json(true)
    }

    /// JSON with secrets as `***` and unknowns as `(known after apply: …)`: for plans,
    /// journals and messages.
    pub fn to_json_redacted(&self) -> serde_json::Value {
        self.to_json(false)
    }

    fn to_json(&self, expose: bool) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Data::Null => J::Null,
            Data::Bool(b) => J::Bool(*b),
            Data::Int(i) => J::from(*i),
            Data::Float(f) => serde_json::Number::from_f64(*f).map(J::Number).unwrap_or(J::Null),
            Data::Str(s) => J::String(s.clone()),
            Data::Secret(s) => J::String(if expose { s.expose().to_string() } else { s.to_string() }),
            Data::List(items) => J::Array(items.iter().map(|i| i.to_json(expose)).collect()),
            Data::Map(map) => J::Object(map.iter().map(|(k, v)| (k.clone(), v.to_json(expose))).collect()),
            Data::Unknown(what) => J::String(format!("(known after apply: {what})")),
        }
    }

    pub fn from_json(value: serde_json::Value) -> Data {
        use serde_json::Value as J;
        match value {
            J::Null => Data::Null,
            J::Bool(b) => Data::Bool(b),
            J::Number(n) => n.as_i64().map(Data::Int).unwrap_or_else(|| Data::Float(n.as_f64().unwrap_or_default())),
            J::String(s) => Data::Str(s),
            J::Array(items) => Data::List(items.into_iter().map(Data::from_json).collect()),
            J::Object(map) => {
                if let Some(data) = MARKERS.with(|m| m.borrow().lookup(&map)) {
                    return data;
                }
                Data::Map(map.into_iter().map(|(k, v)| (k, Data::from_json(v))).collect())
            }
        }
    }

    /// Makes every leaf a secret (a sensitive terraform output).
    pub fn into_secret(self) -> Data {
        match self {
            Data::Str(s) => Data::Secret(Secret::new(s)),
            Data::Int(_) | Data::Float(_) | Data::Bool(_) => {
                Data::Secret(Secret::new(self.to_json_exposed().to_string()))
            }
            Data::List(items) => Data::List(items.into_iter().map(Data::into_secret).collect()),
            Data::Map(map) => Data::Map(map.into_iter().map(|(k, v)| (k, v.into_secret())).collect()),
            other => other,
        }
    }
}

impl fmt::Display for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Data::Str(s) => f.write_str(s),
            other => write!(f, "{}", other.to_json_redacted()),
        }
    }
}

/// Secrets and unknowns travel through serde as marker objects that only this module
/// creates and resolves, on the same thread, within one [`from_data`] call.
#[derive(Default)]
struct Markers {
    values: Vec<Data>,
}

const MARKER_KEY: &str = "$auto-opaque";

impl Markers {
    fn lookup(&self, map: &serde_json::Map<String, serde_json::Value>) -> Option<Data> {
        if map.len() != 1 {
            return None;
        }
        let index = map.get(MARKER_KEY)?.as_u64()? as usize;
        self.values.get(index).cloned()
    }
}

thread_local! {
    static MARKERS: RefCell<Markers> = RefCell::new(Markers::default());
}

fn to_marked_json(data: &Data, markers: &mut Markers) -> serde_json::Value {
    use serde_json::Value as J;
    match data {
        Data::Secret(_) | Data::Unknown(_) => {
            markers.values.push(data.clone());
            serde_json::json!({ MARKER_KEY: markers.values.len() - 1 })
        }
        Data::List(items) => J::Array(items.iter().map(|i| to_marked_json(i, markers)).collect()),
        Data::Map(map) => J::Object(map.iter().map(|(k, v)| (k.clone(), to_marked_json(v, markers))).collect()),
        other => other.to_json(false),
    }
}

/// Deserialises an option map into a typed request. The error is serde's, e.g.
/// "unknown field `dri`, expected one of `dir`, `vars`".
pub fn from_data<T: DeserializeOwned>(data: &Data) -> Result<T, String> {
    let mut markers = Markers::default();
    let json = to_marked_json(data, &mut markers);
    let previous = MARKERS.with(|m| m.replace(markers));
    let result = serde_json::from_value::<T>(json).map_err(|e| e.to_string());
    MARKERS.with(|m| m.replace(previous));
    result
}

impl<'de> Deserialize<'de> for Data {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(deserializer).map(Data::from_json)
    }
}

/// A secret option accepts a secret value, or a plain string (which becomes a secret).
impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Data::deserialize(deserializer)? {
            Data::Secret(secret) => Ok(secret),
            Data::Str(plain) => Ok(Secret::new(plain)),
            other => Err(serde::de::Error::custom(format!("expected a secret or a string, found {}", other.kind()))),
        }
    }
}

impl Data {
    pub fn kind(&self) -> &'static str {
        match self {
            Data::Null => "()",
            Data::Bool(_) => "bool",
            Data::Int(_) => "int",
            Data::Float(_) => "float",
            Data::Str(_) => "string",
            Data::Secret(_) => "secret",
            Data::List(_) => "array",
            Data::Map(_) => "map",
            Data::Unknown(_) => "unknown value",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Request {
        #[allow(dead_code)]
        dir: String,
        vars: BTreeMap<String, Data>,
        password: Option<Secret>,
    }

    #[test]
    fn typed_requests_keep_secrets_and_reject_unknown_keys() {
        let secret = Secret::new("p4ssw0rd-xyz");
        let data = Data::Map(BTreeMap::from([
            ("dir".to_string(), Data::Str("x".into())),
            ("vars".to_string(), Data::Map(BTreeMap::from([("pw".to_string(), Data::Secret(secret.clone()))]))),
            ("password".to_string(), Data::Secret(secret.clone())),
        ]));
        let request: Request = from_data(&data).unwrap();
        assert_eq!(request.vars["pw"], Data::Secret(secret.clone()));
        assert_eq!(request.password, Some(secret));

        let typo = Data::Map(BTreeMap::from([("dri".to_string(), Data::Str("x".into()))]));
        expect_test::expect!["unknown field `dri`, expected one of `dir`, `vars`, `password`"]
            .assert_eq(&from_data::<Request>(&typo).unwrap_err());
    }

    #[test]
    fn results_with_secrets_or_masked_text_are_not_replayable() {
        let secret = Secret::new("s3cret-replay-value");
        let plain = |s: &str| Data::Map(BTreeMap::from([("url".to_string(), Data::Str(s.to_string()))]));
        assert!(plain("user@db").is_replayable());
        assert!(!Data::List(vec![Data::Secret(secret.clone())]).is_replayable());
        assert!(!Data::Unknown("dev/acme/infra.id".into()).is_replayable());
        assert!(!plain(&format!("user:{}@db", secret.expose())).is_replayable(), "masked in the journal");
        let key = Data::Map(BTreeMap::from([(secret.expose().to_string(), Data::Int(1))]));
        assert!(!key.is_replayable(), "a map key is journaled too");
    }
}
