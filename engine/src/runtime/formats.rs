//! JSON, YAML and TOML to and from script values (`parse_yaml`, `to_toml`,
//! `fs::read_yaml`, …), by one conversion through JSON's data model. Secrets stay secrets:
//! text parsed from a secret gives secret values, and a value holding a secret renders to
//! a secret.

use crate::runtime::data::Data;
use crate::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Toml,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
            Format::Toml => "TOML",
        }
    }
}

/// Parses `text`; a secret's text gives secret values.
pub fn parse(format: Format, text: &str, secret: bool) -> Result<Data, String> {
    let value: serde_json::Value = match format {
        Format::Json => serde_json::from_str(text).map_err(|e| located(format, secret, e.line(), e.column(), &e))?,
        Format::Yaml => serde_yaml_ng::from_str(text).map_err(|e| match e.location() {
            Some(at) => located(format, secret, at.line(), at.column(), &e),
            None => not(format, secret, &e),
        })?,
        Format::Toml => toml::from_str(text).map_err(|e| not(format, secret, &e))?,
    };
    let data = Data::from_json(value);
    Ok(if secret { data.into_secret() } else { data })
}

/// Renders `data`: compact or pretty JSON, YAML, TOML (whose top level is a table).
/// `Err` for what the format cannot hold. The caller makes it a secret when
/// `data.contains_secret()`.
pub fn render(format: Format, data: &Data, pretty: bool) -> Result<String, String> {
    let value = data.to_json_exposed();
    match format {
        Format::Json if pretty => serde_json::to_string_pretty(&value).map_err(|e| e.to_string()),
        Format::Json => Ok(value.to_string()),
        Format::Yaml => serde_yaml_ng::to_string(&value).map_err(|e| e.to_string()),
        Format::Toml => {
            if !value.is_object() {
                return Err("TOML's top level is a table: give a map".into());
            }
            toml::to_string(&value).map_err(|e| format!("{e} (TOML has no null: leave such keys out)"))
        }
    }
}

/// `text` rendered from a value holding a secret is one.
pub fn text_of(data: &Data, text: String) -> Data {
    if data.contains_secret() {
        Data::Secret(Secret::containing_secrets(text))
    } else {
        Data::Str(text)
    }
}

/// The error of a secret's text says where, never what.
fn located(format: Format, secret: bool, line: usize, column: usize, error: &dyn std::fmt::Display) -> String {
    if secret {
        format!("the secret is not {} (line {line}, column {column})", format.name())
    } else {
        format!("not {}: {error}", format.name())
    }
}

fn not(format: Format, secret: bool, error: &dyn std::fmt::Display) -> String {
    if secret {
        format!("the secret is not {}", format.name())
    } else {
        format!("not {}: {error}", format.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_round_trips_through_script_values() {
        let yaml = "name: hive\nreplicas: 2\nports: [9083]\n";
        let data = parse(Format::Yaml, yaml, false).unwrap();
        assert_eq!(data.to_string(), r#"{"name":"hive","ports":[9083],"replicas":2}"#);
        assert_eq!(render(Format::Yaml, &data, false).unwrap(), "name: hive\nports:\n- 9083\nreplicas: 2\n");
        let toml = render(Format::Toml, &data, false).unwrap();
        assert_eq!(parse(Format::Toml, &toml, false).unwrap(), data);
        assert_eq!(render(Format::Json, &data, true).unwrap().lines().count(), 7);
        assert!(render(Format::Toml, &Data::Int(1), false).unwrap_err().contains("top level is a table"));
    }

    #[test]
    fn secrets_stay_secrets_and_errors_do_not_show_them() {
        let data = parse(Format::Yaml, "password: hunter2\n", true).unwrap();
        assert!(data.contains_secret());
        let error = parse(Format::Json, "{\"password\": hunter2", true).unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
        let rendered = render(Format::Json, &data, false).unwrap();
        assert!(matches!(text_of(&data, rendered), Data::Secret(_)));
    }
}
