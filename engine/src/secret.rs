//! Secret values and the process-wide redactor.
//!
//! A `Secret` displays as `***`. Creating one registers its value with the redactor that
//! every output path — reports, journal, plans, error messages — passes text through,
//! together with the forms in which secrets usually leak: base64 (basic-auth headers,
//! Kubernetes secrets), URL-encoded (connection strings), JSON-escaped, and — for a value
//! of several lines, like a PEM key — each of its lines, because tools print and `auto`
//! forwards output one line at a time. The registry is process-wide on purpose: a secret
//! can surface anywhere (a tool's stderr, a panic-free error chain), and threading a
//! handle through every writer is how one gets forgotten.
//!
//! What no redactor can catch — a value a tool transformed in a way `auto` cannot know
//! (hashed, encrypted, reversed), or printed a few characters at a time — is listed in
//! docs/guide/secrets.md.

use std::fmt;
use std::sync::{Arc, LazyLock, RwLock};

use aho_corasick::AhoCorasick;
use base64::Engine as _;

/// Shown in place of every secret value.
pub const MASK: &str = "***";

/// Values shorter than this are not redacted from free text: masking every `a` or `1` in
/// the output would make it unreadable and protect nothing. The same floor applies to
/// each line of a multi-line value and to each encoded form.
const MIN_REDACTED_LEN: usize = 4;

/// Values longer than this stay secrets but are not registered with the redactor: the
/// matcher holds every form of every value, and a 100 MB tool output (a `pg_dump` run with
/// a password in its environment) would make it enormous. 64 KiB holds any key or
/// certificate chain.
const MAX_REGISTERED_LEN: usize = 64 * 1024;

#[derive(Clone)]
pub struct Secret {
    value: Arc<str>,
    /// How it was registered, so what is computed from it is registered the same way.
    lines: Lines,
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret::registered(value.into(), Lines::EachLine)
    }

    /// A text built around secrets — a rendered template, a var file, a tool's output
    /// that printed one: a secret as a whole, registered whole and in its encodings, but
    /// not line by line. The secrets in it were registered line by line when they were
    /// made; its other lines (`"name": "acme",`, `<configuration>`) are not secret, and
    /// registering them would mask them in every later line of output.
    pub fn containing_secrets(text: impl Into<String>) -> Self {
        Secret::registered(text.into(), Lines::Whole)
    }

    fn registered(value: String, lines: Lines) -> Self {
        REDACTOR.register(&value, lines);
        Secret { value: Arc::from(value), lines }
    }

    /// The real value: only for handing to a tool through env, stdin or a 0600 file.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// Whether it was made by [`Secret::containing_secrets`] (registered whole, not line by
    /// line): what a copy rebuilt from its value must keep (see `data::deserializer`).
    pub(crate) fn is_whole(&self) -> bool {
        self.lines == Lines::Whole
    }

    /// A new secret computed from this one's value: a part of a secret, or a secret with
    /// something added, is a secret too (and is registered with the redactor).
    pub fn derive(&self, f: impl FnOnce(&str) -> String) -> Secret {
        Secret::registered(f(&self.value), self.lines)
    }

    /// `text` followed by this secret, as a secret: how `"user:" + password` stays one.
    pub fn after(&self, text: &str) -> Secret {
        self.derive(|value| format!("{text}{value}"))
    }

    /// This secret followed by `text`.
    pub fn then(&self, text: &str) -> Secret {
        self.derive(|value| format!("{value}{text}"))
    }

    /// The value without leading and trailing whitespace.
    pub fn trimmed(&self) -> Secret {
        self.derive(|value| value.trim().to_string())
    }

    /// The parts between `separator`s, each a secret (`"user:pass"` → `user`, `pass`).
    pub fn split(&self, separator: &str) -> Vec<Secret> {
        self.value.split(separator).map(|part| Secret::registered(part.to_string(), self.lines)).collect()
    }

    /// Characters `start..start + len` (all the rest when `len` is `None`), counted in
    /// characters like Rhai's `sub_string`: a negative `start` counts from the end, and
    /// a range past either end is cut to the value.
    pub fn sub_string(&self, start: i64, len: Option<i64>) -> Secret {
        self.derive(|value| {
            let count = value.chars().count() as i64;
            let start = if start < 0 { (count + start).max(0) } else { start.min(count) };
            let len = len.unwrap_or(count).clamp(0, count - start);
            value.chars().skip(start as usize).take(len as usize).collect()
        })
    }

    /// The length in characters: it says how long the value is, not what it is.
    pub fn len(&self) -> usize {
        self.value.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({MASK})")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

static REDACTOR: LazyLock<Redactor> = LazyLock::new(Redactor::default);

/// Replaces every registered secret (and its encodings) in `text` with `***`.
pub fn redact(text: &str) -> String {
    REDACTOR.redact(text)
}

/// [`redact`] for every string (and key) inside a JSON value.
pub fn redact_json(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(redact(text)),
        Value::Array(items) => Value::Array(items.iter().map(redact_json).collect()),
        Value::Object(fields) => Value::Object(fields.iter().map(|(k, v)| (redact(k), redact_json(v))).collect()),
        other => other.clone(),
    }
}

/// Same as [`redact`] for bytes that may not be UTF-8 (tool output).
pub fn redact_lossy(bytes: &[u8]) -> String {
    REDACTOR.redact(&String::from_utf8_lossy(bytes))
}

/// Whether `text` holds a registered secret in any of its forms: a tool that printed one
/// printed a secret.
pub fn mentions_secret(text: &str) -> bool {
    REDACTOR.matches(text)
}

/// Whether the redactor also learns each line of a multi-line value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lines {
    EachLine,
    Whole,
}

#[derive(Default)]
struct Redactor {
    state: RwLock<RedactorState>,
}

#[derive(Default)]
struct RedactorState {
    needles: Vec<String>,
    matcher: Option<AhoCorasick>,
}

impl Redactor {
    fn register(&self, value: &str, lines: Lines) {
        if value.len() < MIN_REDACTED_LEN || value.len() > MAX_REGISTERED_LEN {
            return;
        }
        let forms = forms_of(value, lines);
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        let before = state.needles.len();
        for form in forms {
            if form.len() >= MIN_REDACTED_LEN && !state.needles.contains(&form) {
                state.needles.push(form);
            }
        }
        if state.needles.len() != before {
            // Longest first so a value that contains another is masked whole.
            state.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
            state.matcher =
                AhoCorasick::builder().match_kind(aho_corasick::MatchKind::LeftmostLongest).build(&state.needles).ok();
        }
    }

    fn redact(&self, text: &str) -> String {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        match &state.matcher {
            Some(matcher) => matcher.replace_all(text, &vec![MASK; state.needles.len()]),
            None => text.to_string(),
        }
    }

    fn matches(&self, text: &str) -> bool {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.matcher.as_ref().is_some_and(|matcher| matcher.is_match(text))
    }
}

/// Every form of `value` the redactor looks for (some may be shorter than the minimum;
/// the caller drops those).
fn forms_of(value: &str, lines: Lines) -> Vec<String> {
    let mut forms = Vec::new();
    let trimmed = value.trim();
    for whole in [value, trimmed] {
        forms.push(whole.to_string());
        forms.extend(base64_forms(whole.as_bytes()));
        forms.push(url_encode(whole));
        forms.push(json_escaped(whole));
    }
    // Output reaches the redactor one line at a time (a tool's streamed lines, one JSON
    // event per line), so a multi-line value is also masked line by line, with and
    // without the indentation and `\r` a tool may add or strip.
    if lines == Lines::EachLine && trimmed.contains(['\n', '\r']) {
        for line in value.split('\n') {
            let line = line.trim_end_matches('\r');
            for form in [line, line.trim()] {
                forms.push(form.to_string());
                forms.push(json_escaped(form));
            }
        }
    }
    forms
}

/// The base64 of `value` wherever it sits in a longer text. Base64 turns 3 bytes into 4
/// characters, so the characters that encode the value depend on its offset modulo 3 in
/// the encoded text (`base64("user:" + password)` puts it at offset 2): for each of the
/// three alignments, the run of characters that depends only on the value's own bytes,
/// in the standard and URL-safe alphabets. The value encoded on its own (with padding)
/// is registered too, so it is masked whole rather than leaving its `=`.
fn base64_forms(value: &[u8]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut forms = vec![STANDARD.encode(value), URL_SAFE.encode(value)];
    for offset in 0..3usize {
        let mut aligned = vec![0u8; offset];
        aligned.extend_from_slice(value);
        // Characters made (in part) of the neighbour bytes before the value: none at
        // offset 0; at 1 the first two carry bits of the unknown byte; at 2 the first three.
        let skip = [0, 2, 3][offset];
        // After the value: a last, partial group shares its final character with the next
        // byte of the text.
        let partial = usize::from(aligned.len() % 3 != 0);
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&aligned);
            if encoded.len() > skip + partial {
                forms.push(encoded[skip..encoded.len() - partial].to_string());
            }
        }
    }
    forms
}

/// The JSON-escaped form: a secret containing `"` or `\` appears escaped in JSON output.
fn json_escaped(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap_or_default();
    // Only the enclosing quotes: a value ending in `"` ends in `\"` once escaped.
    quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')).unwrap_or(&quoted).to_string()
}

fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_masks_and_redact_covers_encodings() {
        let secret = Secret::new("s3cr3t/value+1");
        assert_eq!(secret.to_string(), "***");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        let b64 = base64::engine::general_purpose::STANDARD.encode("s3cr3t/value+1");
        let text = format!("a s3cr3t/value+1 b {b64} c s3cr3t%2Fvalue%2B1 d");
        assert_eq!(redact(&text), "a *** b *** c *** d");
    }

    #[test]
    fn short_values_are_not_redacted_from_text() {
        let _ = Secret::new("ab");
        assert_eq!(redact("ab cd"), "ab cd");
    }

    /// Issue 18, item 7: tool output is redacted line by line, so a PEM key printed by a
    /// tool (or only some of its lines) must be masked line by line too.
    #[test]
    fn each_line_of_a_multi_line_secret_is_masked_on_its_own() {
        let key = "-----BEGIN UNIT KEY-----\r\nMIIBunitLINEone0123456789abcdef\r\n  unitLINEtwo+/0123456789==  \n-----END UNIT KEY-----\n";
        let _ = Secret::new(key);
        assert_eq!(redact("MIIBunitLINEone0123456789abcdef"), "***");
        assert_eq!(redact("> unitLINEtwo+/0123456789== <"), "> *** <", "trimmed line");
        assert_eq!(redact(r#"{"line":"  unitLINEtwo+/0123456789==  "}"#), r#"{"line":"***"}"#);
        assert_eq!(redact(key), "***", "the whole value is still masked whole");
        assert!(mentions_secret("x MIIBunitLINEone0123456789abcdef y"));
        assert!(!mentions_secret("nothing here"));
    }

    /// Issue 18, item 9b: `base64("user:" + password)` puts the password at offset 5, so
    /// its base64 starts mid-group; every alignment and both alphabets are masked.
    #[test]
    fn base64_of_text_around_a_secret_is_masked_at_every_alignment() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let value = "unit>b64?alignment~value";
        let _ = Secret::new(value);
        for prefix in ["", "a", "ab", "abc", "user:", "Authorization: Basic "] {
            for suffix in ["", "\n", "@host", "xy"] {
                let text = format!("{prefix}{value}{suffix}");
                for encoded in [STANDARD.encode(&text), URL_SAFE_NO_PAD.encode(&text)] {
                    let masked = redact(&encoded);
                    assert!(masked.contains(MASK), "{prefix:?} {suffix:?}: {encoded} → {masked}");
                    // What is left are the characters of the neighbours (at most one
                    // character at each end mixes their bits with the value's).
                    let left = masked.len() - MASK.len();
                    let neighbours = (prefix.len() + suffix.len()) * 4 / 3 + 2 + 2;
                    assert!(left <= neighbours, "{prefix:?} {suffix:?}: {encoded} → {masked}");
                }
            }
        }
    }

    #[test]
    fn a_json_escaped_value_ending_in_a_quote_is_masked() {
        let _ = Secret::new(r#"unit-quote-"tail""#);
        assert_eq!(redact(r#"{"v":"unit-quote-\"tail\""}"#), r#"{"v":"***"}"#);
    }

    // The redactor is process-wide and tests run in parallel: every value here is unique
    // to its test, and no part of one is a common word another test prints.
    #[test]
    fn parts_of_a_secret_are_secrets() {
        let secret = Secret::new("  qx7-part-one:qx7-part-two  ");
        let trimmed = secret.trimmed();
        assert_eq!(trimmed.expose(), "qx7-part-one:qx7-part-two");
        let parts: Vec<String> = trimmed.split(":").iter().map(|s| s.expose().to_string()).collect();
        assert_eq!(parts, ["qx7-part-one", "qx7-part-two"]);
        assert_eq!(redact("qx7-part-two"), "***");
        assert_eq!(trimmed.sub_string(0, Some(3)).expose(), "qx7");
        assert_eq!(trimmed.sub_string(-3, None).expose(), "two");
        assert_eq!(trimmed.sub_string(4, Some(100)).expose(), "part-one:qx7-part-two");
        assert_eq!(trimmed.sub_string(100, Some(2)).expose(), "");
        assert_eq!(trimmed.sub_string(2, Some(-1)).expose(), "");
        assert_eq!(trimmed.len(), 25);
        assert_eq!(trimmed.after("user:").expose(), "user:qx7-part-one:qx7-part-two");
        assert_eq!(trimmed.then("@host").expose(), "qx7-part-one:qx7-part-two@host");
    }

    #[test]
    fn a_text_containing_secrets_is_masked_whole_but_its_other_lines_are_not() {
        let password = Secret::new("unit-doc-password");
        let rendered = format!("{{\n  \"name\": \"unit-doc-acme\",\n  \"password\": \"{}\"\n}}", password.expose());
        let _ = Secret::containing_secrets(rendered.clone());
        assert_eq!(redact(&rendered), "***");
        assert_eq!(redact(r#"  "name": "unit-doc-acme","#), r#"  "name": "unit-doc-acme","#);
        assert_eq!(redact(r#"  "password": "unit-doc-password""#), r#"  "password": "***""#);
    }

    #[test]
    fn very_long_values_are_not_registered() {
        let long = "\u{2603}".repeat(MAX_REGISTERED_LEN / 3 + 1);
        let _ = Secret::new(long.clone());
        assert!(redact(&long) == long, "a value over {MAX_REGISTERED_LEN} bytes is not registered");
    }
}
