//! What a root's `.tf` files declare, read statically (no terraform needed): the output
//! and variable names, and the parts that decide whether `init` must run again.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::root::tf_files;

/// The first labels of the `kind` blocks (`output "x"`, `variable "y"`), sorted; `None`
/// when a file cannot be read as HCL (terraform will say what is wrong with it).
pub fn labels(planned: &crate::process::PlannedWrites, dir: &Path, kind: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for file in tf_files(planned, dir) {
        let text = planned.read_text(&file).ok()?;
        let body = crate::hcl_deadline::within_deadline(move || hcl::parse(&text).ok())??;
        for block in body.blocks().filter(|b| b.identifier() == kind) {
            if let Some(label) = block.labels().first() {
                names.push(label.as_str().to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    Some(names)
}

/// The variables declared `ephemeral = true`: terraform keeps their values out of a saved
/// plan, so the apply of that plan must be given them again. `None` when a file cannot be
/// read as HCL.
pub fn ephemeral_variables(planned: &crate::process::PlannedWrites, dir: &Path) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for file in tf_files(planned, dir) {
        let text = planned.read_text(&file).ok()?;
        let body = crate::hcl_deadline::within_deadline(move || hcl::parse(&text).ok())??;
        for block in body.blocks().filter(|b| b.identifier() == "variable") {
            let ephemeral = block.body().attributes().any(|attribute| {
                attribute.key() == "ephemeral" && matches!(attribute.expr(), hcl::Expression::Bool(true))
            });
            if let (true, Some(label)) = (ephemeral, block.labels().first()) {
                names.push(label.as_str().to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    Some(names)
}

/// Every `required_version` the root declares, and the local modules it calls (`./x`,
/// `../x`, followed transitively): (the folder, the constraint). Files that cannot be read
/// as HCL are passed over: terraform reports those.
pub fn required_versions(planned: &crate::process::PlannedWrites, dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut found = Vec::new();
    let mut queue = vec![dir.to_path_buf()];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(folder) = queue.pop() {
        let Ok(canonical) = folder.canonicalize() else { continue };
        if !seen.insert(canonical) {
            continue;
        }
        for file in tf_files(planned, &folder) {
            let Ok(text) = planned.read_text(&file) else { continue };
            let Some(Some(body)) = crate::hcl_deadline::within_deadline(move || hcl::parse(&text).ok()) else {
                continue;
            };
            for block in body.blocks() {
                let string = |key: &str| {
                    block.body().attributes().find(|a| a.key() == key).and_then(|a| match a.expr() {
                        hcl::Expression::String(text) => Some(text.clone()),
                        _ => None,
                    })
                };
                match block.identifier() {
                    "terraform" => {
                        if let Some(constraint) = string("required_version") {
                            found.push((folder.clone(), constraint));
                        }
                    }
                    "module" => {
                        if let Some(source) = string("source").filter(|s| s.starts_with("./") || s.starts_with("../")) {
                            queue.push(lexically_joined(&folder, &source));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    found
}

/// `dir/../x` as `x`, without touching the file system (a module folder named in messages).
fn lexically_joined(dir: &Path, relative: &str) -> std::path::PathBuf {
    let mut joined = dir.to_path_buf();
    for part in Path::new(relative).components() {
        match part {
            std::path::Component::ParentDir => {
                joined.pop();
            }
            std::path::Component::CurDir => {}
            other => joined.push(other),
        }
    }
    joined
}

/// A fingerprint of what `init` installs: `terraform` blocks (backend, required
/// providers), `module` blocks, the providers resources imply (`azurerm_x` → `azurerm`)
/// and the dependency lock file. Editing a resource leaves it unchanged, so repeated runs
/// skip `init`; adding a provider or module changes it. A file that is not valid HCL is
/// hashed whole (init runs, and terraform reports the error).
pub fn requirements(planned: &crate::process::PlannedWrites, dir: &Path) -> String {
    let mut hasher = Sha256::new();
    for file in tf_files(planned, dir) {
        let text = planned.read_text(&file).unwrap_or_default();
        hasher.update(file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default().as_bytes());
        let parsed = {
            let text = text.clone();
            crate::hcl_deadline::within_deadline(move || hcl::parse(&text).ok()).flatten()
        };
        match parsed.ok_or(()) {
            Ok(body) => {
                for block in body.blocks() {
                    match block.identifier() {
                        "terraform" | "module" => hasher.update(format!("{block:?}").as_bytes()),
                        "resource" | "data" => {
                            let provider = block
                                .labels()
                                .first()
                                .map(|l| l.as_str().split('_').next().unwrap_or_default().to_string());
                            hasher
                                .update(format!("{}:{}", block.identifier(), provider.unwrap_or_default()).as_bytes());
                        }
                        _ => {}
                    }
                }
            }
            Err(_) => hasher.update(text.as_bytes()),
        }
        hasher.update([0]);
    }
    hasher.update(std::fs::read(dir.join(".terraform.lock.hcl")).unwrap_or_default());
    crate::runtime::hex::hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_requirements() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("main.tf", "variable \"size\" {\n  type = number\n}\nresource \"null_resource\" \"a\" {\n  triggers = { s = var.size }\n}\n");
        write("outputs.tf", "output \"size\" {\n  value = var.size\n}\nvariable \"name\" {}\n");
        assert_eq!(
            labels(crate::process::PlannedWrites::none(), dir.path(), "variable"),
            Some(vec!["name".to_string(), "size".to_string()])
        );
        assert_eq!(labels(crate::process::PlannedWrites::none(), dir.path(), "output"), Some(vec!["size".to_string()]));

        let before = requirements(crate::process::PlannedWrites::none(), dir.path());
        write("main.tf", "variable \"size\" {\n  type = number\n}\nresource \"null_resource\" \"a\" {\n  triggers = { s = var.size, t = 2 }\n}\n");
        assert_eq!(
            requirements(crate::process::PlannedWrites::none(), dir.path()),
            before,
            "editing a resource needs no init"
        );
        write("more.tf", "resource \"random_id\" \"x\" {\n  byte_length = 4\n}\n");
        let with_random = requirements(crate::process::PlannedWrites::none(), dir.path());
        assert_ne!(with_random, before, "a new provider needs init");
        write("mod.tf", "module \"naming\" {\n  source = \"../naming\"\n}\n");
        assert_ne!(
            requirements(crate::process::PlannedWrites::none(), dir.path()),
            with_random,
            "a new module needs init"
        );

        assert_eq!(ephemeral_variables(crate::process::PlannedWrites::none(), dir.path()), Some(vec![]));
        write("secret.tf", "variable \"pw\" {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\nvariable \"tag\" {\n  ephemeral = false\n}\n");
        assert_eq!(
            ephemeral_variables(crate::process::PlannedWrites::none(), dir.path()),
            Some(vec!["pw".to_string()])
        );

        write("broken.tf", "variable \"x\" {");
        assert_eq!(labels(crate::process::PlannedWrites::none(), dir.path(), "variable"), None);
    }
}
