//! `auto docs [--check]`: writes the script API reference (docs/script-api.md) and the
//! editor definitions (docs/auto.d.rhai) that [`crate::script::reference`] generates from
//! the engine a run builds, the Markdown beside the bindings and the option structs.
//! `--check` compares the committed files with what would be generated, so CI fails when
//! someone changed the API without regenerating them.

use rhai::Engine;

use crate::error::Error;
use crate::process::files::{compare, write_atomically, FileChange, FileWrite};
use crate::process::Value;
use crate::repo::Repo;
use crate::script::bindings::Bound;
use crate::script::limits::Limits;
use crate::script::reference::{self, DEFINITIONS, REFERENCE, SOURCES};

pub fn run(repo: &Repo, check: bool) -> Result<(), Error> {
    let generated = reference::generate(&engine(repo), &crate::script::bindings::reference()).map_err(|problems| {
        Error::Failed(format!(
            "the script API documentation does not match the engine ({} problem(s)):\n{}\nfix {SOURCES}, then run `auto docs`",
            problems.len(),
            problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
        ))
    })?;
    let mut writes = Vec::new();
    for (path, text) in [(REFERENCE, generated.reference), (DEFINITIONS, generated.definitions)] {
        let target = repo.confine(path).map_err(|e| Error::Failed(e.to_string()))?;
        writes.push(FileWrite::new(repo.dir(), target, Value::Plain(text)));
    }
    if check {
        let stale: Vec<String> = writes
            .iter()
            .filter_map(|w| match compare(w) {
                Ok(FileChange::Unchanged) => None,
                Ok(FileChange::Created) => Some(format!("`{}` is missing", w.display)),
                Ok(FileChange::Updated) => Some(format!("`{}` is out of date", w.display)),
                Err(e) => Some(format!("`{}` cannot be read ({e})", w.display)),
            })
            .collect();
        if !stale.is_empty() {
            return Err(Error::Failed(format!(
                "{}: the script API changed since they were generated; run `auto docs` and commit the result",
                stale.join(", ")
            )));
        }
        crate::outln!("{REFERENCE} and {DEFINITIONS} are up to date")?;
        return Ok(());
    }
    for write in &writes {
        let change =
            write_atomically(write).map_err(|e| Error::Io { path: write.path.clone(), message: e.to_string() })?;
        let what = match change {
            FileChange::Created => "created",
            FileChange::Updated => "updated",
            FileChange::Unchanged => "unchanged",
        };
        crate::outln!("{what} {}", write.display)?;
    }
    Ok(())
}

/// The engine exactly as `auto run` builds it, over a recording runner: building it runs
/// nothing, and its functions are the ones scripts get.
pub fn engine(repo: &Repo) -> Engine {
    crate::script::engine::build(&Bound::inspecting(repo, "docs", "docs".into(), Limits::default()))
}
