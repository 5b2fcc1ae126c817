//! Escaping chosen by the output file's name: `.xml` → XML, `.html`/`.htm` → HTML,
//! everything else (YAML, properties, HCL, JSON, TOML, env files) → none.
//!
//! minijinja's default would JSON-quote every value in a `.yaml` template (`v: "a<b"`) and
//! HTML-escape XML (`&#x2f;` for `/`, which Hadoop's XML parser accepts but humans do not
//! expect); both surprise people writing config files, so values are written as they are and
//! templates use `| to_json`, `| to_yaml` or `| quote` where quoting is wanted.

use std::fmt::Write as _;

use minijinja::{AutoEscape, Error, Output, State, Value};

const XML: &str = "xml";

/// The escaping for a template (or output file) name; a trailing `.j2` is ignored.
pub fn escape_for(name: &str) -> AutoEscape {
    let name = name.strip_suffix(".j2").unwrap_or(name).to_ascii_lowercase();
    let extension = name.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("");
    match extension {
        "xml" => AutoEscape::Custom(XML.into()),
        "html" | "htm" => AutoEscape::Html,
        _ => AutoEscape::None,
    }
}

/// The output formatter: XML escaping for `AutoEscape::Custom("xml")`, minijinja's own for
/// the rest. Values marked safe (`| safe`) are written as they are.
pub fn format(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if matches!(state.auto_escape(), AutoEscape::Custom(name) if name == XML) && !value.is_safe() {
        let text = value.to_string();
        return out.write_str(&xml_escape(&text)).map_err(Error::from);
    }
    minijinja::escape_formatter(out, state, value)
}

pub fn xml_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            other => {
                let _ = escaped.write_char(other);
            }
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_output_name() {
        assert_eq!(escape_for("core-site.xml.j2"), AutoEscape::Custom("xml".into()));
        assert_eq!(escape_for("conf/HIVE-SITE.XML"), AutoEscape::Custom("xml".into()));
        assert_eq!(escape_for("index.html.j2"), AutoEscape::Html);
        for plain in ["values.yaml.j2", "a.properties.j2", "main.tf.j2", "x.json", "x.toml", ".env.j2", "inline"] {
            assert_eq!(escape_for(plain), AutoEscape::None, "{plain}");
        }
    }

    #[test]
    fn xml_escape_covers_the_five_entities() {
        assert_eq!(xml_escape(r#"a&b<c>d"e'f/g"#), "a&amp;b&lt;c&gt;d&quot;e&apos;f/g");
    }
}
