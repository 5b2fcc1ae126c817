//! The filters `auto` adds to minijinja's builtins. Each keeps secrets secret: a filter
//! whose input was a secret returns a secret carrying that input's render tracker, so
//! printing it later in the template still flags the render (see [`super::values`]).
//!
//! | filter | does |
//! |---|---|
//! | `to_json` / `tojson` | compact JSON; `to_json(2)` pretty-prints with that indent |
//! | `to_yaml` | block-style YAML, no trailing newline (so `| indent` composes) |
//! | `b64encode` / `b64decode` | standard base64 (decoding must give UTF-8 text) |
//! | `sha256` | lowercase hex digest of the string |
//! | `quote` | a double-quoted, JSON-escaped string: valid in YAML, JSON, HCL and TOML |
//! | `required` | the value, or an error "value required: <msg>" if undefined, none or empty |
//!
//! `indent` is minijinja's builtin (Jinja semantics: 4 spaces, first line not indented).

use base64::Engine as _;
use minijinja::{Environment, Error, ErrorKind, Value};
use sha2::{Digest, Sha256};

use super::values::{derived, string_of, to_json as json_of};

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("to_json", to_json);
    // Replaces the builtin `tojson`, which does not know secrets and HTML-escapes.
    env.add_filter("tojson", to_json);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("b64encode", b64encode);
    env.add_filter("b64decode", b64decode);
    env.add_filter("sha256", sha256);
    env.add_filter("quote", quote);
    env.add_filter("required", required);
}

fn to_json(value: &Value, indent: Option<usize>) -> Result<Value, Error> {
    let (json, secret) = json_of(value)?;
    let text = match indent {
        None => serde_json::to_string(&json),
        Some(width) => {
            let indent = " ".repeat(width);
            let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
            let mut out = Vec::new();
            let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
            serde::Serialize::serialize(&json, &mut serializer).map(|_| String::from_utf8_lossy(&out).into_owned())
        }
    }
    .map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?;
    Ok(derived(text, secret))
}

fn to_yaml(value: &Value) -> Result<Value, Error> {
    let (json, secret) = json_of(value)?;
    let text = serde_yaml_ng::to_string(&json).map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?;
    Ok(derived(text.trim_end_matches('\n').to_string(), secret))
}

fn b64encode(value: &Value) -> Result<Value, Error> {
    let (text, secret) = string_of(value)?;
    Ok(derived(base64::engine::general_purpose::STANDARD.encode(text), secret))
}

fn b64decode(value: &Value) -> Result<Value, Error> {
    let (text, secret) = string_of(value)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("b64decode: not valid base64: {e}")))?;
    let decoded = String::from_utf8(bytes)
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, "b64decode: the decoded bytes are not UTF-8 text"))?;
    Ok(derived(decoded, secret))
}

fn sha256(value: &Value) -> Result<Value, Error> {
    let (text, secret) = string_of(value)?;
    let digest = Sha256::digest(text.as_bytes());
    Ok(derived(crate::runtime::hex::hex(&digest), secret))
}

fn quote(value: &Value) -> Result<Value, Error> {
    let (text, secret) = string_of(value)?;
    let quoted = serde_json::to_string(&text).map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?;
    Ok(derived(quoted, secret))
}

fn required(value: &Value, message: Option<String>) -> Result<Value, Error> {
    use minijinja::value::ValueKind;
    let empty = match value.downcast_object_ref::<super::values::SecretValue>() {
        Some(secret) => secret.secret.expose().is_empty(),
        None => {
            value.is_undefined()
                || value.is_none()
                || (matches!(value.kind(), ValueKind::String | ValueKind::Seq | ValueKind::Map)
                    && value.len() == Some(0))
        }
    };
    if empty {
        let message = message.unwrap_or_else(|| "a non-empty value is needed here".to_string());
        return Err(Error::new(ErrorKind::InvalidOperation, format!("value required: {message}")));
    }
    Ok(value.clone())
}
