//! `auto new <name>`: scaffold a script that passes `auto check` and shows the house style.

use crate::error::Error;
use crate::repo::Repo;

const TEMPLATE: &str = r#"//! TODO: one line saying what `{name}` does (shown by `auto list`).
//!
//! Longer description: what it changes, what it keeps, how to undo it.
//!
//!     auto run {name} --set env=dev --dry-run
param("env", #{ help: "target environment", choices: environments() });
param("customer", #{ help: "one customer, or `all`", default_value: "all" });

let env = params.env;
let targets = if params.customer == "all" { customers(env) } else { [customer(env, params.customer).id] };

// One task per customer, at most `runtime.parallelism` (env.toml) at once; every failure
// is reported, not only the first.
parallel_map(targets, |id| {
    step("plan infra", || terraform::plan(`environments/${env}/${id}/infra`, #{
        vars: #{ environment: env, customer: id },
    }))
});
info(`done for ${targets.len()} customer(s) in ${env}`);
"#;

pub fn new_script(repo: &Repo, name: &str) -> Result<(), Error> {
    let valid = regex::Regex::new("^[a-z][a-z0-9_]{1,39}$").expect("static regex");
    if !valid.is_match(name) {
        return Err(Error::Usage(format!(
            "invalid script name `{}`: use 2-40 lowercase letters, digits and `_`, starting with a letter",
            name.escape_debug()
        )));
    }
    let path = repo.scripts_dir().join(format!("{name}.rhai"));
    if path.exists() {
        return Err(Error::Usage(format!("`{}` already exists: pick another name or edit it", repo.relative(&path))));
    }
    let target = repo.confine(&format!("scripts/{name}.rhai")).map_err(|e| Error::Failed(e.to_string()))?;
    let write = crate::process::FileWrite::new(
        repo.dir(),
        target,
        crate::process::Value::Plain(TEMPLATE.replace("{name}", name)),
    );
    crate::process::files::write_atomically(&write)
        .map_err(|e| Error::Io { path: path.clone(), message: e.to_string() })?;
    crate::outln!(
        "created {}: edit its doc comment and steps, then `auto check {}`",
        repo.relative(&path),
        repo.relative(&path)
    )?;
    Ok(())
}
