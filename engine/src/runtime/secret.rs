//! Secret values and the process-wide redactor.
//!
//! A `Secret` displays as `***`. Creating one registers its value (and its base64 and
//! URL-encoded forms, which is how secrets usually leak: basic-auth headers, connection
//! strings) with the redactor that every output path — reports, journal, plans, error
//! messages — passes text through. The registry is process-wide on purpose: a secret can
//! surface anywhere (a tool's stderr, a panic-free error chain), and threading a handle
//! through every writer is how one gets forgotten.

use std::fmt;
use std::sync::{Arc, LazyLock, RwLock};

use aho_corasick::AhoCorasick;
use base64::Engine as _;

/// Shown in place of every secret value.
pub const MASK: &str = "***";

/// Values shorter than this are not redacted from free text: masking every `a` or `1` in
/// the output would make it unreadable and protect nothing.
const MIN_REDACTED_LEN: usize = 4;

#[derive(Clone)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        let value: String = value.into();
        REDACTOR.register(&value);
        Secret(Arc::from(value))
    }

    /// The real value: only for handing to a tool through env, stdin or a 0600 file.
    pub fn expose(&self) -> &str {
        &self.0
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
        self.0 == other.0
    }
}

static REDACTOR: LazyLock<Redactor> = LazyLock::new(Redactor::default);

/// Replaces every registered secret (and its encodings) in `text` with `***`.
pub fn redact(text: &str) -> String {
    REDACTOR.redact(text)
}

/// Same as [`redact`] for bytes that may not be UTF-8 (tool output).
pub fn redact_lossy(bytes: &[u8]) -> String {
    REDACTOR.redact(&String::from_utf8_lossy(bytes))
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
    fn register(&self, value: &str) {
        if value.len() < MIN_REDACTED_LEN {
            return;
        }
        let forms = [
            value.to_string(),
            base64::engine::general_purpose::STANDARD.encode(value),
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(value),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value),
            url_encode(value),
            // JSON-escaped form: a secret containing `"` or `\` appears escaped in JSON output.
            serde_json::to_string(value).unwrap_or_default().trim_matches('"').to_string(),
        ];
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
}
