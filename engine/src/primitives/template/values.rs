//! Script data as template values, and the secret tracking that decides whether a
//! rendered result is itself a secret.
//!
//! A secret enters a template as a [`SecretValue`] object. Rendering it (directly, through
//! `~`, or through any builtin filter, all of which stringify via `Display`) writes the real
//! value and notes the use in the render's [`Tracker`]; the render reads the tracker
//! afterwards. The `auto` filters (`b64encode`, `to_json`, ...) return a new `SecretValue`
//! carrying its input's tracker when their input held a secret, so a derived value stays
//! tainted until it is printed, and printing it flags the render it came from.
//!
//! The tracker is a value made for one render and carried by that render's values (not a
//! thread-local), so two renders — on two threads, or one after the other — never see each
//! other's use. Renders do not nest: an `include` or `import` is part of the same
//! `render_named_str` call and uses the same values, hence the same tracker, and nothing a
//! template can call starts another render.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use minijinja::value::{Object, ObjectRepr};
use minijinja::{Error, ErrorKind, Value};

use crate::runtime::data::Data;
use crate::secret::{Secret, MASK};

/// What a render used that decides the kind of its result.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Used {
    pub(crate) secret: bool,
    /// The unknown values that were rendered (`dev/acme/infra.storage_account`).
    pub(crate) unknowns: Vec<String>,
}

/// What one render used, shared by the values converted for it (a `Mutex` because
/// minijinja objects are `Send + Sync`; a render is synchronous, so it is never contended).
#[derive(Clone, Default)]
pub(crate) struct Tracker(Arc<Mutex<Used>>);

impl Tracker {
    fn lock(&self) -> MutexGuard<'_, Used> {
        // A panic inside a render leaves nothing half-written here: a bool and a push.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that the render emitted (or derived output from) a secret.
    fn note_secret(&self) {
        self.lock().secret = true;
    }

    fn note_unknown(&self, what: &str) {
        let mut used = self.lock();
        if !used.unknowns.iter().any(|u| u == what) {
            used.unknowns.push(what.to_string());
        }
    }

    /// What the render used so far.
    pub(crate) fn used(&self) -> Used {
        self.lock().clone()
    }
}

/// A secret inside a template: renders the real value and flags the render.
pub(crate) struct SecretValue {
    pub(crate) secret: Secret,
    /// The render this secret belongs to (for a derived secret, its input's render).
    tracker: Tracker,
}

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
        !self.secret.expose().is_empty()
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.tracker.note_secret();
        f.write_str(self.secret.expose())
    }
}

/// A value only an apply would produce (dry-run, plan): renders as the same placeholder
/// scripts print, `(known after apply: …)`, so a dry-run render never fails for it, and
/// makes the rendered text itself "known after apply" (see `Rendered::into_data`).
pub(crate) struct UnknownValue {
    what: String,
    tracker: Tracker,
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnknownValue").field(&self.what).finish()
    }
}

impl Object for UnknownValue {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let what = format!("{}.{key}", self.what);
        Some(Value::from_object(UnknownValue { what, tracker: self.tracker.clone() }))
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.tracker.note_unknown(&self.what);
        write!(f, "(known after apply: {})", self.what)
    }
}

/// `data` as a template value for the render `tracker` belongs to.
pub(crate) fn to_value(data: &Data, tracker: &Tracker) -> Value {
    match data {
        Data::Null => Value::from(()),
        Data::Bool(b) => Value::from(*b),
        Data::Int(i) => Value::from(*i),
        Data::Float(f) => Value::from(*f),
        Data::Str(s) => Value::from(s.as_str()),
        Data::Secret(secret) => Value::from_object(SecretValue { secret: secret.clone(), tracker: tracker.clone() }),
        Data::Unknown(what) => Value::from_object(UnknownValue { what: what.clone(), tracker: tracker.clone() }),
        Data::List(items) => Value::from(items.iter().map(|item| to_value(item, tracker)).collect::<Vec<_>>()),
        Data::Map(map) => Value::from_pairs(map.iter().map(|(k, v)| (k.as_str(), to_value(v, tracker)))),
    }
}

/// A template value as a string for a filter, and — when it was a secret — the tracker
/// of the render the secret belongs to. A literal or plain variable has none.
pub(crate) fn string_of(value: &Value) -> Result<(String, Option<Tracker>), Error> {
    if let Some(secret) = value.downcast_object_ref::<SecretValue>() {
        return Ok((secret.secret.expose().to_string(), Some(secret.tracker.clone())));
    }
    if value.is_undefined() {
        return Err(Error::new(ErrorKind::UndefinedError, "the filter's input is undefined"));
    }
    match value.as_str() {
        Some(text) => Ok((text.to_string(), None)),
        None => Ok((value.to_string(), None)),
    }
}

/// A filter's output: still a secret, of the same render, when its input was one.
pub(crate) fn derived(text: String, secret: Option<Tracker>) -> Value {
    match secret {
        Some(tracker) => Value::from_object(SecretValue { secret: Secret::new(text), tracker }),
        None => Value::from(text),
    }
}

/// A template value as JSON (secrets exposed — the output is then tainted), for the
/// `to_json` and `to_yaml` filters. Returns, when a secret was inside, the tracker of a
/// secret found (all of one template's values share the render's tracker).
pub(crate) fn to_json(value: &Value) -> Result<(serde_json::Value, Option<Tracker>), Error> {
    use minijinja::value::ValueKind;
    use serde_json::Value as J;
    if let Some(secret) = value.downcast_object_ref::<SecretValue>() {
        return Ok((J::String(secret.secret.expose().to_string()), Some(secret.tracker.clone())));
    }
    if let Some(unknown) = value.downcast_object_ref::<UnknownValue>() {
        return Ok((J::String(format!("(known after apply: {})", unknown.what)), None));
    }
    Ok(match value.kind() {
        ValueKind::Undefined => {
            return Err(Error::new(ErrorKind::UndefinedError, "cannot serialise an undefined value"))
        }
        ValueKind::None => (J::Null, None),
        ValueKind::Bool => (J::Bool(value.is_true()), None),
        ValueKind::Number => {
            if let Some(i) = value.as_i64() {
                (J::from(i), None)
            } else {
                let f = f64::try_from(value.clone())
                    .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("`{value}` is not a number")))?;
                (serde_json::Number::from_f64(f).map(J::Number).unwrap_or(J::Null), None)
            }
        }
        ValueKind::String | ValueKind::Bytes => (J::String(value.to_string()), None),
        ValueKind::Seq | ValueKind::Iterable => {
            let mut secret = None;
            let mut items = Vec::new();
            for item in value.try_iter()? {
                let (json, s) = to_json(&item)?;
                secret = secret.or(s);
                items.push(json);
            }
            (J::Array(items), secret)
        }
        ValueKind::Map => {
            let mut secret = None;
            let mut map = serde_json::Map::new();
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                let (json, s) = to_json(&item)?;
                secret = secret.or(s);
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
