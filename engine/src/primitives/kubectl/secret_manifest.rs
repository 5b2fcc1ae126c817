//! The Secret object `create_secret` applies, built in memory as JSON with base64 data and
//! sent on stdin, so the values never appear on a command line.

use std::collections::BTreeMap;

use base64::Engine as _;

use super::{KubectlError, SecretOptions};
use crate::runtime::data::Data;
use crate::secret::Secret;

/// The Secret object for `create_secret`, as JSON with base64 data: built in memory and
/// sent on stdin, so the values never appear on a command line.
pub fn secret_manifest(
    name: &str,
    data: &BTreeMap<String, Data>,
    options: &SecretOptions,
) -> Result<Secret, KubectlError> {
    let bad = |m: String| KubectlError::BadRequest(format!("kubectl::create_secret: {m}"));
    if !is_dns_subdomain(name) {
        return Err(bad(format!(
            "`{name}` is not a valid Secret name: lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit"
        )));
    }
    let mut encoded = serde_json::Map::new();
    for (key, value) in data {
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(bad(format!("key `{key}` may only contain letters, digits, `-`, `_` and `.`")));
        }
        let plain = match value {
            Data::Secret(secret) => secret.expose().to_string(),
            Data::Str(text) => text.clone(),
            Data::Int(_) | Data::Float(_) | Data::Bool(_) | Data::Unknown(_) => value.to_string(),
            other => return Err(bad(format!("value of `{key}` must be a string or a secret, not {}", other.kind()))),
        };
        encoded.insert(key.clone(), base64::engine::general_purpose::STANDARD.encode(plain).into());
    }
    let mut metadata = serde_json::Map::new();
    metadata.insert("name".into(), name.into());
    if let Some(namespace) = &options.namespace {
        metadata.insert("namespace".into(), namespace.clone().into());
    }
    let manifest = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": options.secret_type.as_deref().unwrap_or("Opaque"),
        "data": encoded,
    });
    Ok(Secret::new(manifest.to_string()))
}

fn is_dns_subdomain(name: &str) -> bool {
    let bytes = name.as_bytes();
    !name.is_empty()
        && name.len() <= 253
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'.')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    #[test]
    fn secret_manifest_is_base64_json() {
        let secret = secret_manifest(
            "hive-db",
            &BTreeMap::from([
                ("password".to_string(), Data::Secret(Secret::new("p@ss word"))),
                ("user".to_string(), Data::Str("hive".into())),
            ]),
            &SecretOptions { namespace: Some("acme".into()), secret_type: None },
        )
        .unwrap();
        assert_eq!(secret.to_string(), "***");
        expect![[r#"{"apiVersion":"v1","data":{"password":"cEBzcyB3b3Jk","user":"aGl2ZQ=="},"kind":"Secret","metadata":{"name":"hive-db","namespace":"acme"},"type":"Opaque"}"#]]
            .assert_eq(secret.expose());
    }
}
