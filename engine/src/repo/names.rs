//! Validation of names that become paths, resource names and command arguments.
//!
//! Environment and customer ids end up in file paths, Azure resource names, Kubernetes
//! namespaces and terraform state keys. Only a boring alphabet is safe in all of them, so
//! anything else is rejected up front with a message that says exactly what is wrong.

use std::fmt;

pub const MAX_NAME_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct NameError {
    pub kind: &'static str,
    pub name: String,
    pub problem: String,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = if self.name.chars().count() > 40 {
            format!("{}… ({} characters)", self.name.chars().take(40).collect::<String>(), self.name.chars().count())
        } else {
            self.name.clone()
        };
        write!(
            f,
            "invalid {} name `{}`: {} (use 1-{MAX_NAME_LEN} lowercase letters, digits and `-`, starting with a letter)",
            self.kind,
            shown.escape_debug(),
            self.problem
        )
    }
}

/// Checks a script name as `auto run <name>` takes it: the file `scripts/<name>.rhai`, so
/// lowercase letters, digits and `_` (as every script is named), starting with a letter.
pub fn validate_script(name: &str) -> Result<(), String> {
    let problem = if name.is_empty() {
        Some("it is empty".to_string())
    } else if name.chars().count() > 40 {
        Some(format!("it is {} characters long, the limit is 40", name.chars().count()))
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("it does not start with a lowercase letter".to_string())
    } else {
        name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')).map(|c| match c {
            c if c.is_ascii_uppercase() => format!("it contains the uppercase letter `{c}`"),
            '-' => "it contains `-` (script names use `_`)".to_string(),
            c => format!("it contains `{}`", c.escape_debug()),
        })
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(format!(
            "invalid script name `{}`: {problem} (a script name is 1-40 lowercase letters, digits and `_`, starting with a letter: the file scripts/<name>.rhai)",
            name.escape_debug()
        )),
    }
}

/// Checks `name` for use as an environment or customer id (`kind` names which, for the message).
pub fn validate(kind: &'static str, name: &str) -> Result<(), NameError> {
    let fail = |problem: String| Err(NameError { kind, name: name.to_string(), problem });
    if name.is_empty() {
        return fail("it is empty".into());
    }
    if let Some(c) = name.chars().find(|c| !c.is_ascii()) {
        return fail(format!(
            "it contains the non-ASCII character `{c}` (U+{:04X}), which can look like a Latin letter",
            c as u32
        ));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return fail(format!("it is {} characters long, the limit is {MAX_NAME_LEN}", name.len()));
    }
    if name == "." || name.contains("..") {
        return fail("it would point outside its folder".into());
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
        let what = if c.is_ascii_uppercase() {
            "an uppercase letter".to_string()
        } else if c.is_whitespace() {
            "whitespace".to_string()
        } else {
            format!("`{}`", c.escape_debug())
        };
        return fail(format!("it contains {what}"));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return fail("it must start with a letter".into());
    }
    if name.ends_with('-') {
        return fail("it must not end with `-`".into());
    }
    if name.contains("--") {
        return fail("it must not contain `--`".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(name: &str) -> String {
        validate("customer", name).unwrap_err().to_string()
    }

    #[test]
    fn accepts_boring_names() {
        for name in ["acme", "a", "demo-2", "x1y2"] {
            assert_eq!(validate("customer", name), Ok(()), "{name}");
        }
    }

    #[test]
    fn rejects_hostile_names_with_reasons() {
        expect_test::expect!["invalid customer name `acme;rm -rf /`: it contains `;` (use 1-32 lowercase letters, digits and `-`, starting with a letter)"].assert_eq(&problem("acme;rm -rf /"));
        expect_test::expect!["invalid customer name `acme;rm`: it contains `;` (use 1-32 lowercase letters, digits and `-`, starting with a letter)"].assert_eq(&problem("acme;rm"));
        expect_test::expect!["invalid customer name `../x`: it would point outside its folder (use 1-32 lowercase letters, digits and `-`, starting with a letter)"].assert_eq(&problem("../x"));
        expect_test::expect!["invalid customer name `$(id)`: it contains `$` (use 1-32 lowercase letters, digits and `-`, starting with a letter)"].assert_eq(&problem("$(id)"));
        expect_test::expect!["invalid customer name `-rf`: it must start with a letter (use 1-32 lowercase letters, digits and `-`, starting with a letter)"].assert_eq(&problem("-rf"));
        expect_test::expect!["invalid customer name `аcme`: it contains the non-ASCII character `а` (U+0430), which can look like a Latin letter (use 1-32 lowercase letters, digits and `-`, starting with a letter)"].assert_eq(&problem("аcme"));
        expect_test::expect!["invalid customer name ``: it is empty (use 1-32 lowercase letters, digits and `-`, starting with a letter)"].assert_eq(&problem(""));
        expect_test::expect!["invalid customer name `Acme`: it contains an uppercase letter (use 1-32 lowercase letters, digits and `-`, starting with a letter)"].assert_eq(&problem("Acme"));
        let long = "a".repeat(10_000);
        expect_test::expect!["invalid customer name `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa… (10000 characters)`: it is 10000 characters long, the limit is 32 (use 1-32 lowercase letters, digits and `-`, starting with a letter)"].assert_eq(&problem(&long));
    }
}
