//! Script variables → the JSON variables file terraform reads (`-var-file=`), never `-var`:
//! a value on the command line is visible to every user of the machine in `ps`.

use std::collections::BTreeMap;

use super::invocation::VAR_FILE;
use crate::process::{AttachedFile, Value};
use crate::runtime::data::Data;

/// What a value that is only known after an apply (it came from a root a dry-run or plan
/// did not apply) means for the commands that would consume it. The run decides it from
/// its mode (`run::Run::new`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownInputs {
    /// A real run: a bug in the script's ordering, reported as an error.
    Reject,
    /// Dry-run and plan: the plan is recorded, never run with a placeholder value.
    Defer,
}

#[derive(Debug, Clone)]
pub struct VarFile {
    /// `None` when there are no variables.
    pub file: Option<AttachedFile>,
    /// Some value is not known yet: the plan must be recorded, not run.
    pub deferred: bool,
}

/// Builds the variables file; secret values make the whole file secret (shown `***` in
/// plans), unknown ones are handled per `unknowns`. `declared` (when the configuration
/// could be read) catches a misspelt name, which terraform would only warn about.
pub fn var_file(
    vars: &BTreeMap<String, Data>,
    unknowns: UnknownInputs,
    declared: Option<&[String]>,
    root_path: &str,
) -> Result<VarFile, String> {
    if let Some(declared) = declared {
        if let Some(name) = vars.keys().find(|name| !declared.contains(name)) {
            let known = if declared.is_empty() {
                "it declares none".to_string()
            } else {
                format!("it declares {}", declared.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", "))
            };
            return Err(format!("variable `{name}` is not declared in `{root_path}`: {known}"));
        }
    }
    let mut deferred = false;
    for (name, value) in vars {
        if let Some(unknown) = value.first_unknown() {
            match unknowns {
                UnknownInputs::Reject => {
                    return Err(format!(
                        "variable `{name}`: value `{unknown}` is not known: it came from a root that was not applied; apply that root before this one"
                    ))
                }
                UnknownInputs::Defer => deferred = true,
            }
        }
    }
    if vars.is_empty() {
        return Ok(VarFile { file: None, deferred });
    }
    let data = Data::Map(vars.clone());
    let text = serde_json::to_string_pretty(&data.to_json_exposed()).unwrap_or_default();
    let contents = if data.contains_secret() {
        Value::Secret(crate::secret::Secret::containing_secrets(text))
    } else {
        Value::Plain(text)
    };
    Ok(VarFile { file: Some(AttachedFile { name: VAR_FILE.to_string(), contents }), deferred })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn vars(items: &[(&str, Data)]) -> BTreeMap<String, Data> {
        items.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn plain_and_secret_files() {
        let plain = var_file(
            &vars(&[("name", Data::Str("acme".into())), ("size", Data::Int(3))]),
            UnknownInputs::Reject,
            None,
            "r",
        )
        .unwrap();
        let file = plain.file.unwrap();
        assert!(matches!(&file.contents, Value::Plain(text) if text == "{\n  \"name\": \"acme\",\n  \"size\": 3\n}"));
        assert_eq!(file.name, "auto.tfvars.json");

        let secret = var_file(
            &vars(&[("password", Data::Secret(Secret::new("vars-canary-1234")))]),
            UnknownInputs::Reject,
            None,
            "r",
        )
        .unwrap();
        assert!(matches!(&secret.file.unwrap().contents, Value::Secret(s) if s.expose().contains("vars-canary-1234")));
        assert!(var_file(&BTreeMap::new(), UnknownInputs::Reject, None, "r").unwrap().file.is_none());
    }

    #[test]
    fn unknown_values_are_an_error_in_a_real_run_and_deferred_otherwise() {
        let unknown = vars(&[("storage", Data::Unknown("dev/acme/infra.storage_account".into()))]);
        expect_test::expect!["variable `storage`: value `dev/acme/infra.storage_account` is not known: it came from a root that was not applied; apply that root before this one"]
            .assert_eq(&var_file(&unknown, UnknownInputs::Reject, None, "r").unwrap_err());
        let deferred = var_file(&unknown, UnknownInputs::Defer, None, "r").unwrap();
        assert!(deferred.deferred);
        assert!(
            matches!(deferred.file.unwrap().contents, Value::Plain(text) if text.contains("(known after apply: dev/acme/infra.storage_account)"))
        );
    }

    #[test]
    fn misspelt_variables_are_caught() {
        let declared = ["name".to_string(), "size".to_string()];
        expect_test::expect!["variable `sze` is not declared in `environments/dev/x`: it declares `name`, `size`"]
            .assert_eq(
                &var_file(
                    &vars(&[("sze", Data::Int(1))]),
                    UnknownInputs::Reject,
                    Some(&declared),
                    "environments/dev/x",
                )
                .unwrap_err(),
            );
        expect_test::expect!["variable `a` is not declared in `environments/dev/x`: it declares none"].assert_eq(
            &var_file(&vars(&[("a", Data::Int(1))]), UnknownInputs::Reject, Some(&[]), "environments/dev/x")
                .unwrap_err(),
        );
    }
}
