//! CI outputs: `ci::set_output(name, value)` and `ci::summary(markdown)` append to the
//! files GitHub Actions names in `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` (outside the
//! repository, which is why `fs::write` refuses them). They describe the run, like the
//! step summary auto writes itself, so they are written in every mode; outside Actions
//! they do nothing and say so. A secret is never written: job outputs and summaries are
//! readable by everyone who can see the run.

use std::io::Write;

use crate::runtime::data::Data;

/// What became of an output or a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    To(String),
    /// Not in GitHub Actions: the variable is not set.
    NoCi {
        variable: &'static str,
    },
}

pub const OUTPUT: &str = "GITHUB_OUTPUT";
pub const SUMMARY: &str = "GITHUB_STEP_SUMMARY";

fn text_of(what: &str, value: &Data) -> Result<String, String> {
    if value.contains_secret() {
        return Err(format!(
            "{what} holds a secret: job outputs and summaries are readable by everyone who can see the run"
        ));
    }
    if let Some(unknown) = value.first_unknown() {
        return Err(format!("{what} is not known yet ({unknown})"));
    }
    Ok(match value {
        Data::Str(text) => text.clone(),
        other => other.to_json_exposed().to_string(),
    })
}

/// The line(s) that set output `name` to `value` (a multi-line value in GitHub's
/// `name<<delimiter` form, with a delimiter the value does not hold).
pub fn output_lines(name: &str, value: &str) -> Result<String, String> {
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(format!("output name `{name}` must be letters, digits, `_` and `-`"));
    }
    if !value.contains('\n') && !value.contains('\r') {
        return Ok(format!("{name}={value}\n"));
    }
    let mut delimiter = "AUTO_EOF".to_string();
    while value.lines().any(|line| line == delimiter) {
        delimiter.push('_');
    }
    Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"))
}

fn append(variable: &'static str, text: &str) -> Result<Written, String> {
    let Some(path) = std::env::var_os(variable).filter(|p| !p.is_empty()) else {
        return Ok(Written::NoCi { variable });
    };
    let shown = std::path::Path::new(&path).display().to_string();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot append to ${variable} (`{shown}`): {e}"))?;
    Ok(Written::To(shown))
}

pub fn set_output(name: &str, value: &Data) -> Result<Written, String> {
    let lines = output_lines(name, &text_of(&format!("output `{name}`"), value)?)?;
    append(OUTPUT, &lines)
}

pub fn summary(markdown: &Data) -> Result<Written, String> {
    let mut text = text_of("the summary", markdown)?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    append(SUMMARY, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_written_in_githubs_forms_and_secrets_refused() {
        assert_eq!(output_lines("url", "http://x").unwrap(), "url=http://x\n");
        assert_eq!(output_lines("notes", "a\nAUTO_EOF\nb").unwrap(), "notes<<AUTO_EOF_\na\nAUTO_EOF\nb\nAUTO_EOF_\n");
        assert!(output_lines("bad name", "x").is_err());
        let secret = Data::Secret(crate::secret::Secret::new("hunter2"));
        assert!(text_of("output `x`", &secret).unwrap_err().contains("holds a secret"));
    }
}
