//! `Data`: the values scripts hand to primitives and get back — JSON-like, plus secrets
//! and values that are not known until something is applied.
//!
//! Primitives see `Data`, never Rhai types. Option maps are deserialised into typed
//! request structs (`#[serde(deny_unknown_fields)]`) through [`from_data`], a serde
//! deserializer over `Data` ([`deserializer`]) that carries secrets and unknowns into
//! fields typed `Data` or `Secret` without turning them into plain strings.

mod deserializer;

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{DeserializeOwned, Error as _, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};

pub use self::deserializer::{DataDeserializer, DataError};
use crate::secret::Secret;

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
        crate::secret::redact(&text) == text
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
            J::Object(map) => Data::Map(map.into_iter().map(|(k, v)| (k, Data::from_json(v))).collect()),
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

/// Deserialises an option map into a typed request. The error is serde's, e.g.
/// "unknown field `dri`, expected one of `dir`, `vars`".
pub fn from_data<T: DeserializeOwned>(data: &Data) -> Result<T, String> {
    T::deserialize(DataDeserializer(data)).map_err(|e| e.0)
}

/// From [`DataDeserializer`] a secret or an unknown arrives as itself; from any other
/// deserializer a value arrives as `serde_json::Value` would read it.
impl<'de> Deserialize<'de> for Data {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(deserializer::DATA_TOKEN, DataVisitor)
    }
}

struct DataVisitor;

impl<'de> Visitor<'de> for DataVisitor {
    type Value = Data;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Data, E> {
        Ok(Data::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Data, E> {
        Ok(Data::Int(i))
    }

    /// Beyond `i64`, a number is a float (as [`Data::from_json`] reads it).
    fn visit_u64<E>(self, u: u64) -> Result<Data, E> {
        Ok(i64::try_from(u).map(Data::Int).unwrap_or(Data::Float(u as f64)))
    }

    /// NaN and the infinities have no JSON form: `null`, as `serde_json::Value` reads them.
    fn visit_f64<E>(self, f: f64) -> Result<Data, E> {
        Ok(if f.is_finite() { Data::Float(f) } else { Data::Null })
    }

    fn visit_str<E>(self, s: &str) -> Result<Data, E> {
        Ok(Data::Str(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Data, E> {
        Ok(Data::Str(s))
    }

    fn visit_unit<E>(self) -> Result<Data, E> {
        Ok(Data::Null)
    }

    fn visit_none<E>(self) -> Result<Data, E> {
        Ok(Data::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Data, D::Error> {
        Data::deserialize(deserializer)
    }

    /// Deserializers other than [`DataDeserializer`] answer [`deserializer::DATA_TOKEN`]
    /// with the value itself.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Data, D::Error> {
        deserializer.deserialize_any(DataVisitor)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Data, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<Data>()? {
            items.push(item);
        }
        Ok(Data::List(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Data, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some((key, value)) = map.next_entry::<String, Data>()? {
            entries.insert(key, value);
        }
        Ok(Data::Map(entries))
    }

    /// The channel of [`DataDeserializer`]: a secret (with how it is registered with the
    /// redactor) or an unknown. No other enum is a `Data`.
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, access: A) -> Result<Data, A::Error> {
        use serde::de::VariantAccess as _;
        let (name, variant) = access.variant::<String>()?;
        match name.as_str() {
            deserializer::SECRET_EACH_LINE => Ok(Data::Secret(Secret::new(variant.newtype_variant::<String>()?))),
            deserializer::SECRET_WHOLE => {
                Ok(Data::Secret(Secret::containing_secrets(variant.newtype_variant::<String>()?)))
            }
            deserializer::UNKNOWN => Ok(Data::Unknown(variant.newtype_variant::<String>()?)),
            _ => Err(A::Error::invalid_type(Unexpected::Enum, &self)),
        }
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
    fn secrets_and_unknowns_arrive_as_themselves_in_data_and_secret_fields() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Fields {
            one: Data,
            maybe: Option<Data>,
            list: Vec<Data>,
            map: BTreeMap<String, Data>,
            whole: Secret,
            later: Data,
        }
        let each_line = Secret::new("line-one\nline-two-xyz");
        let whole = Secret::containing_secrets("rendered {\n  \"pw\": \"x\"\n}");
        let unknown = Data::Unknown("dev/acme/infra.storage_account".into());
        let data = Data::Map(BTreeMap::from([
            ("one".to_string(), Data::Secret(each_line.clone())),
            ("maybe".to_string(), unknown.clone()),
            ("list".to_string(), Data::List(vec![Data::Int(1), Data::Secret(each_line.clone())])),
            ("map".to_string(), Data::Map(BTreeMap::from([("k".to_string(), unknown.clone())]))),
            ("whole".to_string(), Data::Secret(whole.clone())),
            ("later".to_string(), Data::List(vec![unknown.clone()])),
        ]));
        let fields: Fields = from_data(&data).unwrap();
        assert_eq!(fields.one, Data::Secret(each_line.clone()));
        assert!(matches!(&fields.one, Data::Secret(s) if !s.is_whole()));
        assert_eq!(fields.maybe, Some(unknown.clone()));
        assert_eq!(fields.list, vec![Data::Int(1), Data::Secret(each_line)]);
        assert_eq!(fields.map["k"], unknown);
        assert!(fields.whole.is_whole(), "a secret made whole stays whole");
        assert_eq!(fields.whole, whole);
        assert_eq!(fields.later, Data::List(vec![unknown]));
    }

    #[test]
    fn a_secret_or_unknown_never_becomes_plain_text() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Text {
            text: Option<String>,
        }
        let message =
            |value: Data| from_data::<Text>(&Data::Map(BTreeMap::from([("text".to_string(), value)]))).unwrap_err();
        expect_test::expect!["invalid type: secret, expected a string"]
            .assert_eq(&message(Data::Secret(Secret::new("plain-text-never"))));
        expect_test::expect!["invalid type: unknown value, expected a string"]
            .assert_eq(&message(Data::Unknown("dev/x.y".into())));
        // A map that looks like the old JSON markers is just a map.
        let marker = Data::Map(BTreeMap::from([("$auto-opaque".to_string(), Data::Int(0))]));
        assert_eq!(from_data::<Data>(&marker).unwrap(), marker);
    }

    /// Without secrets or unknowns, a request reads as it would from `serde_json::Value`:
    /// the same values, and the same messages for the same mistakes.
    #[test]
    fn requests_read_as_from_json() {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Effect {
            Read,
            Write,
        }
        #[derive(Debug, PartialEq, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Options {
            name: Option<String>,
            #[serde(default)]
            flag: bool,
            count: Option<u32>,
            ratio: Option<f64>,
            effect: Option<Effect>,
            items: Option<Vec<String>>,
            vars: Option<BTreeMap<String, Data>>,
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        let map =
            |entries: &[(&str, Data)]| Data::Map(entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect());
        let cases = [
            map(&[("name", Data::Str("x".into())), ("flag", Data::Bool(true)), ("count", Data::Int(3))]),
            map(&[("ratio", Data::Int(2)), ("effect", Data::Str("read".into())), ("type", Data::Str("t".into()))]),
            map(&[("items", Data::List(vec![Data::Str("a".into())])), ("vars", map(&[("n", Data::Float(1.5))]))]),
            map(&[("name", Data::Null), ("vars", map(&[("big", Data::Float(1e300)), ("nan", Data::Float(f64::NAN))]))]),
            map(&[("nmae", Data::Str("x".into()))]),
            map(&[("name", Data::Int(5))]),
            map(&[("name", Data::Float(2.5))]),
            map(&[("flag", Data::Null)]),
            map(&[("flag", Data::Str("yes".into()))]),
            map(&[("count", Data::Int(-1))]),
            map(&[("count", Data::Float(1.0))]),
            map(&[("effect", Data::Str("reed".into()))]),
            map(&[("effect", Data::Int(1))]),
            map(&[("items", Data::Str("a".into()))]),
            map(&[("items", Data::List(vec![Data::Bool(false)]))]),
            map(&[("vars", Data::List(vec![]))]),
            Data::List(vec![]),
            Data::Str("x".into()),
            Data::Null,
        ];
        for case in cases {
            let ours = from_data::<Options>(&case);
            let json = serde_json::from_value::<Options>(case.to_json_redacted()).map_err(|e| e.to_string());
            assert_eq!(ours, json, "for {case}");
        }
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
