//! Script data as template values, and the secret tracking that decides whether a
//! rendered result is itself a secret.
//!
//! A secret enters a template as a [`SecretValue`] object. Rendering it (directly, through
//! `~`, or through any builtin filter, all of which stringify via `Display`) writes the real
//! value and raises a thread-local flag; the render reads the flag afterwards. The `auto`
//! filters (`b64encode`, `to_json`, ...) return a new `SecretValue` when their input held a
//! secret, so a derived value stays tainted until it is printed. Rendering is synchronous
//! on the calling thread, so a thread-local is exactly the render's scope.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use minijinja::value::{Object, ObjectRepr};
use minijinja::{Error, ErrorKind, Value};

use crate::runtime::data::Data;
use crate::runtime::secret::{Secret, MASK};

/// What a render used that decides the kind of its result.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Used {
    pub(crate) secret: bool,
    /// The unknown values that were rendered (`dev/acme/infra.storage_account`).
    pub(crate) unknowns: Vec<String>,
}

thread_local! {
    static USED: RefCell<Used> = RefCell::new(Used::default());
}

/// Records that the current render emitted (or derived output from) a secret.
pub(crate) fn note_secret() {
    USED.with(|used| used.borrow_mut().secret = true);
}

fn note_unknown(what: &str) {
    USED.with(|used| {
        let mut used = used.borrow_mut();
        if !used.unknowns.iter().any(|u| u == what) {
            used.unknowns.push(what.to_string());
        }
    });
}

/// Runs `render` with fresh tracking; returns its result and what it used.
pub(crate) fn tracking<R>(render: impl FnOnce() -> R) -> (R, Used) {
    let outer = USED.with(|used| used.replace(Used::default()));
    let result = render();
    let used = USED.with(|used| used.replace(outer));
    // A render nested in another one taints the outer render too.
    USED.with(|outer| {
        let mut outer = outer.borrow_mut();
        outer.secret |= used.secret;
        outer.unknowns.extend(used.unknowns.iter().cloned());
    });
    (result, used)
}

/// A secret inside a template: renders the real value and flags the render.
pub(crate) struct SecretValue(pub(crate) Secret);

impl fmt::Debug for SecretValue {
    // Debug output reaches error messages (minijinja's "referenced variables"): masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({MASK})")
    }
}

impl Object for SecretValue {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn is_true(self: &Arc<Self>) -> bool {
        !self.0.expose().is_empty()
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        note_secret();
        f.write_str(self.0.expose())
    }
}

/// A value only an apply would produce (dry-run, plan): renders as the same placeholder
/// scripts print, `(known after apply: …)`, so a dry-run render never fails for it, and
/// makes the rendered text itself "known after apply" (see `Rendered::into_data`).
#[derive(Debug)]
pub(crate) struct UnknownValue(pub(crate) String);

impl Object for UnknownValue {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(Value::from_object(UnknownValue(format!("{}.{key}", self.0))))
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        note_unknown(&self.0);
        write!(f, "(known after apply: {})", self.0)
    }
}

pub(crate) fn to_value(data: &Data) -> Value {
    match data {
        Data::Null => Value::from(()),
        Data::Bool(b) => Value::from(*b),
        Data::Int(i) => Value::from(*i),
        Data::Float(f) => Value::from(*f),
        Data::Str(s) => Value::from(s.as_str()),
        Data::Secret(secret) => Value::from_object(SecretValue(secret.clone())),
        Data::Unknown(what) => Value::from_object(UnknownValue(what.clone())),
        Data::List(items) => Value::from(items.iter().map(to_value).collect::<Vec<_>>()),
        Data::Map(map) => Value::from_pairs(map.iter().map(|(k, v)| (k.as_str(), to_value(v)))),
    }
}

/// A template value as a string for a filter, and whether it was a secret.
pub(crate) fn string_of(value: &Value) -> Result<(String, bool), Error> {
    if let Some(secret) = value.downcast_object_ref::<SecretValue>() {
        return Ok((secret.0.expose().to_string(), true));
    }
    if value.is_undefined() {
        return Err(Error::new(ErrorKind::UndefinedError, "the filter's input is undefined"));
    }
    match value.as_str() {
        Some(text) => Ok((text.to_string(), false)),
        None => Ok((value.to_string(), false)),
    }
}

/// A filter's output: still a secret when its input was one.
pub(crate) fn derived(text: String, secret: bool) -> Value {
    if secret {
        Value::from_object(SecretValue(Secret::new(text)))
    } else {
        Value::from(text)
    }
}

/// A template value as JSON (secrets exposed — the output is then tainted), for the
/// `to_json` and `to_yaml` filters. Returns whether a secret was inside.
pub(crate) fn to_json(value: &Value) -> Result<(serde_json::Value, bool), Error> {
    use minijinja::value::ValueKind;
    use serde_json::Value as J;
    if let Some(secret) = value.downcast_object_ref::<SecretValue>() {
        return Ok((J::String(secret.0.expose().to_string()), true));
    }
    if let Some(unknown) = value.downcast_object_ref::<UnknownValue>() {
        return Ok((J::String(format!("(known after apply: {})", unknown.0)), false));
    }
    Ok(match value.kind() {
        ValueKind::Undefined => {
            return Err(Error::new(ErrorKind::UndefinedError, "cannot serialise an undefined value"))
        }
        ValueKind::None => (J::Null, false),
        ValueKind::Bool => (J::Bool(value.is_true()), false),
        ValueKind::Number => {
            if let Some(i) = value.as_i64() {
                (J::from(i), false)
            } else {
                let f = f64::try_from(value.clone())
                    .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("`{value}` is not a number")))?;
                (serde_json::Number::from_f64(f).map(J::Number).unwrap_or(J::Null), false)
            }
        }
        ValueKind::String | ValueKind::Bytes => (J::String(value.to_string()), false),
        ValueKind::Seq | ValueKind::Iterable => {
            let mut secret = false;
            let mut items = Vec::new();
            for item in value.try_iter()? {
                let (json, s) = to_json(&item)?;
                secret |= s;
                items.push(json);
            }
            (J::Array(items), secret)
        }
        ValueKind::Map => {
            let mut secret = false;
            let mut map = serde_json::Map::new();
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                let (json, s) = to_json(&item)?;
                secret |= s;
                map.insert(key.to_string(), json);
            }
            (J::Object(map), secret)
        }
        other => return Err(Error::new(ErrorKind::InvalidOperation, format!("a {other} value cannot be serialised"))),
    })
}

/// Every secret inside `data` (for the final check that no secret reached the output
/// unflagged).
pub(crate) fn secrets_in(data: &Data, out: &mut Vec<Secret>) {
    match data {
        Data::Secret(secret) => out.push(secret.clone()),
        Data::List(items) => items.iter().for_each(|i| secrets_in(i, out)),
        Data::Map(map) => map.values().for_each(|v| secrets_in(v, out)),
        _ => {}
    }
}
