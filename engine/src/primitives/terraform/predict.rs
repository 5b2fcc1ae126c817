//! A prediction for a root that cannot be planned yet (issue 21, provisional roots): its
//! variables hold values only an earlier apply produces (a new customer's hive root needs
//! the infra root's outputs), or the root exists only as files this plan would write.
//!
//! Terraform takes no unknown value for a variable, but a module input may be unknown: the
//! prediction plans a small wrapper root in a private folder that calls the root as
//! `module "root"`, gives it the known values through the usual variables file, and each
//! unknown one as `jsondecode(terraform_data.auto_unknown.id)` — an id only known after
//! apply, which terraform carries through as "(known after apply)" into every attribute
//! that depends on it. So the predicted actions are terraform's own, not a guess of auto's.
//!
//! The folder mirrors the repository along the root's path (the root's files, planned or
//! on disk, copied; everything beside them linked), so its relative module sources resolve
//! as they do in the repository; the root's current state, when it has one, is given to
//! the wrapper with its addresses moved under `module.root`, so an existing root's
//! prediction is against what exists. The folder is 0700 (`scratch.rs`): the state and
//! the plan file hold values in clear text.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::changes::PlanChanges;
use super::root::Root;
use crate::process::PlannedWrites;
use crate::repo::Repo;
use crate::runtime::data::Data;

/// The wrapper root's folder, relative to the private folder.
pub const WRAPPER: &str = "predict";
/// The module the wrapper calls the root as: addresses start with this.
const MODULE_PREFIX: &str = "module.root.";
/// The resource whose unknown id stands for every unknown input.
const UNKNOWN_SOURCE: &str = "terraform_data.auto_unknown";

/// A private folder holding the wrapper root, ready for `init` and `plan`.
pub struct Materialised {
    pub dir: tempfile::TempDir,
    /// The variables with known values: the wrapper's variables file.
    pub known: BTreeMap<String, Data>,
}

/// Builds the wrapper for `root` with the script's `vars`; `state` is the root's current
/// state (`terraform state pull`), when it has one.
pub fn materialise(
    planned: &PlannedWrites,
    repo: &Repo,
    root: &Root,
    vars: &BTreeMap<String, Data>,
    ephemeral: &[String],
    state: Option<&str>,
) -> Result<Materialised, String> {
    // A root called as a module reads no variables files of its own: what they set is
    // given as inputs too, under the script's values (which `-var-file` puts last).
    let mut inputs = tfvars(planned, &root.dir)?;
    inputs.extend(vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    if let Some(name) = inputs.keys().find(|name| !is_identifier(name)) {
        return Err(format!("variable name `{name}` is not a terraform identifier"));
    }
    let dir = super::scratch::private_dir().map_err(|e| format!("cannot create a private folder: {e}"))?;
    mirror(planned, repo, root, dir.path()).map_err(|e| format!("cannot lay out the root's files: {e}"))?;
    let wrapper = dir.path().join(WRAPPER);
    std::fs::create_dir(&wrapper).map_err(|e| e.to_string())?;
    let source = format!("../{}", root.path);
    std::fs::write(wrapper.join("main.tf"), wrapper_source(&source, &inputs, ephemeral)).map_err(|e| e.to_string())?;
    let known = inputs
        .iter()
        .filter(|(_, value)| !matches!(value, Data::Unknown(_)))
        .map(|(name, value)| (name.clone(), known_part(value)))
        .collect();
    // The providers the root is locked to, so the prediction plans with the same ones.
    if let Ok(lock) = std::fs::read(root.dir.join(".terraform.lock.hcl")) {
        std::fs::write(wrapper.join(".terraform.lock.hcl"), lock).map_err(|e| e.to_string())?;
    }
    if let Some(state) = state {
        let moved = state_under_module(state)?;
        let path = wrapper.join("terraform.tfstate");
        std::fs::write(&path, moved).map_err(|e| e.to_string())?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(|e| e.to_string())?;
    }
    Ok(Materialised { dir, known })
}

/// The wrapper's configuration. Values never appear in it: known ones come from the
/// variables file (each variable with its unknown parts as null), unknown ones from the
/// placeholder resource; a value known in part is rebuilt from both, key by key.
fn wrapper_source(source: &str, inputs: &BTreeMap<String, Data>, ephemeral: &[String]) -> String {
    let mut text = String::from(
        "# Written by auto for a prediction of the root below: never applied.\n\
         resource \"terraform_data\" \"auto_unknown\" {}\n\n",
    );
    let known = inputs.iter().filter(|(_, value)| !matches!(value, Data::Unknown(_)));
    for (name, value) in known {
        text.push_str(&format!("variable \"{name}\" {{\n"));
        if value.contains_secret() {
            text.push_str("  sensitive = true\n");
        }
        if ephemeral.contains(name) {
            text.push_str("  ephemeral = true\n");
        }
        text.push_str("}\n\n");
    }
    text.push_str(&format!("module \"root\" {{\n  source = {}\n", serde_json::Value::from(source)));
    for (name, value) in inputs {
        text.push_str(&format!("  {name} = {}\n", expression(value, &format!("var.{name}"))));
    }
    text.push_str("}\n");
    text
}

/// The HCL expression for `value`, found at `reference` in the variables file where known.
fn expression(value: &Data, reference: &str) -> String {
    if value.first_unknown().is_none() {
        return reference.to_string();
    }
    match value {
        Data::Map(map) => {
            let fields: Vec<String> = map
                .iter()
                .map(|(key, item)| {
                    let key = hcl_string(key);
                    format!("{key} = {}", expression(item, &format!("{reference}[{key}]")))
                })
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        Data::List(items) => {
            let items: Vec<String> =
                items.iter().enumerate().map(|(i, item)| expression(item, &format!("{reference}[{i}]"))).collect();
            format!("[{}]", items.join(", "))
        }
        _ => format!("jsondecode({UNKNOWN_SOURCE}.id)"),
    }
}

/// A quoted HCL string: JSON's escapes, and no template sequences.
fn hcl_string(text: &str) -> String {
    serde_json::Value::from(text).to_string().replace("${", "$${").replace("%{", "%%{")
}

/// `value` with each unknown part null: what the variables file holds of it.
fn known_part(value: &Data) -> Data {
    match value {
        Data::Unknown(_) => Data::Null,
        Data::Map(map) => Data::Map(map.iter().map(|(k, v)| (k.clone(), known_part(v))).collect()),
        Data::List(items) => Data::List(items.iter().map(known_part).collect()),
        other => other.clone(),
    }
}

/// The values the root's own variables files set (`terraform.tfvars[.json]`, then
/// `*.auto.tfvars[.json]` by name, later ones winning, as terraform loads them), as this
/// plan would leave them; `(known after apply: …)` in them is unknown.
fn tfvars(planned: &PlannedWrites, dir: &Path) -> Result<BTreeMap<String, Data>, String> {
    let name_of =
        |path: &std::path::PathBuf| path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut files: Vec<std::path::PathBuf> = planned
        .files_in(dir)
        .into_iter()
        .filter(|p| {
            let name = name_of(p);
            name == "terraform.tfvars"
                || name == "terraform.tfvars.json"
                || name.ends_with(".auto.tfvars")
                || name.ends_with(".auto.tfvars.json")
        })
        .collect();
    files.sort_by_key(|p| (!name_of(p).starts_with("terraform.tfvars"), name_of(p)));
    let mut values = BTreeMap::new();
    for file in files {
        let text = planned.read_text(&file).map_err(|e| format!("cannot read `{}`: {e}", name_of(&file)))?;
        let json: serde_json::Value = if name_of(&file).ends_with(".json") {
            serde_json::from_str(&text).map_err(|e| format!("`{}` is not JSON: {e}", name_of(&file)))?
        } else {
            hcl::from_str(&text).map_err(|e| format!("cannot read `{}`: {e}", name_of(&file)))?
        };
        if let serde_json::Value::Object(map) = json {
            values.extend(map.into_iter().map(|(k, v)| (k, with_unknowns(Data::from_json(v)))));
        }
    }
    Ok(values)
}

/// Turns the text a plan renders for an unknown value back into one.
fn with_unknowns(value: Data) -> Data {
    match value {
        Data::Str(text) => match text.strip_prefix("(known after apply: ").and_then(|t| t.strip_suffix(')')) {
            Some(what) => Data::Unknown(what.to_string()),
            None => Data::Str(text),
        },
        Data::Map(map) => Data::Map(map.into_iter().map(|(k, v)| (k, with_unknowns(v))).collect()),
        Data::List(items) => Data::List(items.into_iter().map(with_unknowns).collect()),
        other => other,
    }
}

/// Lays out `into` like the repository along the root's path: each folder on the way is
/// real and links the repository's other entries; the root's folder holds copies of its
/// files (planned ones included) and links its subfolders (`templates/` and the like).
fn mirror(planned: &PlannedWrites, repo: &Repo, root: &Root, into: &Path) -> std::io::Result<()> {
    let mut from = repo.root().to_path_buf();
    let mut to = into.to_path_buf();
    for component in Path::new(&root.path).components() {
        link_entries_except(&from, &to, Some(component.as_os_str()))?;
        from.push(component);
        to.push(component);
        std::fs::create_dir(&to)?;
    }
    for file in configuration_files(planned, &root.dir) {
        if let (Some(name), Ok(text)) = (file.file_name(), planned.read_text(&file)) {
            std::fs::write(to.join(name), text)?;
        }
    }
    for entry in std::fs::read_dir(&root.dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        if entry.path().is_dir() && name != ".terraform" {
            std::os::unix::fs::symlink(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// The root's files as the plan leaves them, leaving out state, its backups and the lock
/// file (the wrapper holds that).
fn configuration_files(planned: &PlannedWrites, dir: &Path) -> Vec<std::path::PathBuf> {
    planned
        .files_in(dir)
        .into_iter()
        .filter(|path| {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            !name.starts_with("terraform.tfstate") && name != ".terraform.lock.hcl"
        })
        .collect()
}

/// Links every entry of `from` into `to` but `except` and what is no source (the
/// repository's own `.git`, `.auto` and build output).
fn link_entries_except(from: &Path, to: &Path, except: Option<&std::ffi::OsStr>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let skipped = [".git", ".auto", "target", ".terraform"].iter().any(|s| name == *s);
        if Some(name.as_os_str()) == except || skipped {
            continue;
        }
        std::os::unix::fs::symlink(entry.path(), to.join(&name))?;
    }
    Ok(())
}

/// The root's state with every resource moved under `module.root`: what the wrapper
/// plans against. Its outputs and check results are the root's, not the wrapper's.
fn state_under_module(state: &str) -> Result<String, String> {
    let mut state: serde_json::Value =
        serde_json::from_str(state).map_err(|e| format!("the root's state is not JSON: {e}"))?;
    if let Some(resources) = state.get_mut("resources").and_then(|r| r.as_array_mut()) {
        for resource in resources {
            let module = match resource.get("module").and_then(|m| m.as_str()) {
                Some(inner) => format!("{MODULE_PREFIX}{inner}"),
                None => MODULE_PREFIX.trim_end_matches('.').to_string(),
            };
            resource["module"] = serde_json::Value::from(module);
            if let Some(provider) = resource.get("provider").and_then(|p| p.as_str()) {
                if provider.starts_with("provider[") {
                    resource["provider"] = serde_json::Value::from(format!("{MODULE_PREFIX}{provider}"));
                }
            }
        }
    }
    state["outputs"] = serde_json::json!({});
    if let Some(object) = state.as_object_mut() {
        object.remove("check_results");
    }
    serde_json::to_string(&state).map_err(|e| e.to_string())
}

/// The wrapper's plan seen as the root's: addresses without `module.root.`, and the
/// placeholder resource left out.
pub fn as_the_roots(mut changes: PlanChanges) -> PlanChanges {
    let strip = |list: &mut Vec<super::changes::ResourceChange>| {
        list.retain(|r| r.address != UNKNOWN_SOURCE);
        for resource in list.iter_mut() {
            if let Some(inner) = resource.address.strip_prefix(MODULE_PREFIX) {
                resource.address = inner.to_string();
            }
        }
    };
    strip(&mut changes.resources);
    strip(&mut changes.drift);
    // The wrapper has no outputs; the root's are not planned through it.
    changes.outputs.clear();
    changes
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrapper_names_no_value_and_passes_unknowns_as_unknown() {
        let catalogs = Data::Map(BTreeMap::from([
            ("demo".to_string(), Data::Map(BTreeMap::from([("uri".to_string(), Data::Str("thrift://d".into()))]))),
            ("new${x}".to_string(), Data::Unknown("test/new/infra.trino_catalog".into())),
        ]));
        let inputs = BTreeMap::from([
            ("catalogs".to_string(), catalogs.clone()),
            ("customer".to_string(), Data::Str("acme".into())),
            ("db_password".to_string(), Data::Secret(crate::secret::Secret::new("hunter2"))),
            ("storage_account_name".to_string(), Data::Unknown("test/acme/infra.storage_account".into())),
        ]);
        let text = wrapper_source("../environments/test/acme/hive", &inputs, &["db_password".to_string()]);
        assert!(!text.contains("acme\"\n") && !text.contains("hunter2"), "{text}");
        expect_test::expect![[r#"
            # Written by auto for a prediction of the root below: never applied.
            resource "terraform_data" "auto_unknown" {}

            variable "catalogs" {
            }

            variable "customer" {
            }

            variable "db_password" {
              sensitive = true
              ephemeral = true
            }

            module "root" {
              source = "../environments/test/acme/hive"
              catalogs = { "demo" = var.catalogs["demo"], "new$${x}" = jsondecode(terraform_data.auto_unknown.id) }
              customer = var.customer
              db_password = var.db_password
              storage_account_name = jsondecode(terraform_data.auto_unknown.id)
            }
        "#]]
        .assert_eq(&text);
        assert_eq!(
            known_part(&catalogs).to_json_exposed(),
            serde_json::json!({"demo": {"uri": "thrift://d"}, "new${x}": null})
        );
    }

    #[test]
    fn variables_files_are_read_as_the_plan_leaves_them_with_unknowns_unknown() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("terraform.tfvars"), "workers = 2\nimage = \"a\"\n").unwrap();
        std::fs::write(
            dir.path().join("catalogs.auto.tfvars.json"),
            r#"{"image":"b","catalogs":{"new":"(known after apply: test/new/infra.trino_catalog)"}}"#,
        )
        .unwrap();
        let values = tfvars(PlannedWrites::none(), dir.path()).unwrap();
        assert_eq!(values["workers"], Data::Int(2));
        assert_eq!(values["image"], Data::Str("b".into()), "auto files come after terraform.tfvars");
        assert_eq!(values["catalogs"].first_unknown(), Some("test/new/infra.trino_catalog"));
    }

    #[test]
    fn state_moves_under_the_module() {
        let state = r#"{"version":4,"serial":3,"lineage":"l","outputs":{"x":{"value":"v"}},"check_results":null,
            "resources":[{"mode":"managed","type":"terraform_data","name":"hive","provider":"provider[\"terraform.io/builtin/terraform\"]","instances":[]},
                         {"module":"module.app","mode":"managed","type":"null_resource","name":"n","provider":"provider[\"registry.terraform.io/hashicorp/null\"]","instances":[]}]}"#;
        let moved: serde_json::Value = serde_json::from_str(&state_under_module(state).unwrap()).unwrap();
        assert_eq!(moved["resources"][0]["module"], "module.root");
        assert_eq!(moved["resources"][1]["module"], "module.root.module.app");
        assert_eq!(moved["resources"][1]["provider"], "module.root.provider[\"registry.terraform.io/hashicorp/null\"]");
        assert_eq!(moved["outputs"], serde_json::json!({}));
        assert!(moved.get("check_results").is_none());
        assert_eq!(moved["serial"], 3);
    }

    #[test]
    fn only_identifiers_are_variable_names() {
        assert!(is_identifier("storage_account_name") && is_identifier("_x") && is_identifier("a-b"));
        assert!(!is_identifier("") && !is_identifier("1x") && !is_identifier("x\"y") && !is_identifier("a b"));
    }
}
