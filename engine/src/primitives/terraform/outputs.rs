//! A root's outputs as data: typed values (strings, numbers, bools, lists, maps) with
//! sensitive ones turned into secrets, or — when nothing was applied — the names the
//! configuration declares, each "known after apply".

use std::path::Path;

use serde_json::Value as Json;

use super::config;
use crate::runtime::data::Data;

/// From `output -json` (or the `outputs` UI message): name → `{sensitive, type, value}`.
pub fn from_json(outputs: &serde_json::Map<String, Json>) -> Data {
    let map = outputs
        .iter()
        .map(|(name, output)| {
            let value = Data::from_json(output.get("value").cloned().unwrap_or(Json::Null));
            let sensitive = output.get("sensitive").and_then(Json::as_bool).unwrap_or(false);
            // Made secret here, before anything can print it: the value is registered
            // with the redactor as it becomes a Secret.
            (name.clone(), if sensitive { value.into_secret() } else { value })
        })
        .collect();
    Data::Map(map)
}

/// Whether every output of an `outputs` UI message carries its value. Terraform 1.11
/// leaves the values of sensitive outputs out of the apply's UI message (1.0 gave them);
/// then the outputs are read with `output -json`, which always has them.
pub fn all_values_given(outputs: &serde_json::Map<String, Json>) -> bool {
    outputs.values().all(|output| output.get("value").is_some())
}

pub fn parse(stdout: &str) -> Result<Data, String> {
    let value: Json =
        serde_json::from_str(stdout.trim()).map_err(|e| format!("terraform printed outputs that are not JSON: {e}"))?;
    match value {
        Json::Object(outputs) => Ok(from_json(&outputs)),
        other => Err(format!(
            "terraform printed outputs that are not a JSON object: {}",
            crate::secret::redact(&other.to_string())
        )),
    }
}

/// The outputs a root would have after apply: `dev/acme/infra.storage_account` for each
/// `output "storage_account"` block, so a typo in a script fails in a dry-run too. When
/// the files cannot be read as HCL, the whole map is one unknown value.
pub fn unknown(planned: &crate::process::PlannedWrites, dir: &Path, label: &str) -> Data {
    match config::labels(planned, dir, "output") {
        Some(names) => {
            Data::Map(names.into_iter().map(|name| (name.clone(), Data::Unknown(format!("{label}.{name}")))).collect())
        }
        None => Data::Unknown(label.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_and_sensitive_values() {
        // Captured from terraform 1.0.3 `output -json`.
        let json = r#"{"b":{"sensitive":false,"type":"bool","value":true},"f":{"sensitive":false,"type":"number","value":1.5},"l":{"sensitive":false,"type":["tuple",["string","string"]],"value":["a","b"]},"m":{"sensitive":false,"type":["object",{"k":"string"}],"value":{"k":"v"}},"n":{"sensitive":false,"type":"number","value":42},"o":{"sensitive":false,"type":["object",{"count":"number","name":"string","on":"bool"}],"value":{"count":2,"name":"x","on":false}},"s":{"sensitive":false,"type":"string","value":"hello-x"},"secret":{"sensitive":true,"type":"string","value":"outputs-canary-7731"}}"#;
        let data = parse(json).unwrap();
        expect_test::expect![[r#"{"b":true,"f":1.5,"l":["a","b"],"m":{"k":"v"},"n":42,"o":{"count":2,"name":"x","on":false},"s":"hello-x","secret":"***"}"#]]
            .assert_eq(&data.to_string());
        let Data::Map(map) = &data else { panic!("a map") };
        assert_eq!(map["n"], Data::Int(42));
        assert!(matches!(&map["secret"], Data::Secret(s) if s.expose() == "outputs-canary-7731"));
        assert_eq!(crate::secret::redact("leaked outputs-canary-7731"), "leaked ***");
        assert_eq!(parse("{}\n").unwrap(), Data::Map(Default::default()));
        expect_test::expect!["terraform printed outputs that are not JSON: expected value at line 1 column 1"]
            .assert_eq(&parse("oops").unwrap_err());
    }

    #[test]
    fn unknown_outputs_are_named_after_the_configuration() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("outputs.tf"),
            "output \"storage\" {\n  value = azurerm_storage_account.x.name\n}\noutput \"id\" {\n  value = 1\n}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("main.tf"), "resource \"null_resource\" \"a\" {}\n").unwrap();
        expect_test::expect![[
            r#"{"id":"(known after apply: dev/acme/infra.id)","storage":"(known after apply: dev/acme/infra.storage)"}"#
        ]]
        .assert_eq(&unknown(crate::process::PlannedWrites::none(), dir.path(), "dev/acme/infra").to_string());
        std::fs::write(dir.path().join("broken.tf"), "output \"x\" {").unwrap();
        assert_eq!(
            unknown(crate::process::PlannedWrites::none(), dir.path(), "dev/acme/infra"),
            Data::Unknown("dev/acme/infra".into())
        );
    }
}
