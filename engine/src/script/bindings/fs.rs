//! `fs::read(path)` → string, `fs::write(path, content)` → `"created"|"updated"|"unchanged"`,
//! `fs::exists(path)` → bool, `fs::list(dir)` → repository paths of its entries (sorted).
//!
//! Every path is repository-relative and may not leave the repository. Writes go through
//! the runner: atomic, only when the content changed, 0600 when the content is a secret,
//! and only recorded in dry-run and plan.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, FuncRegistration, Module, NativeCallContext};

use super::{at_call, data_of, scope_of, Bound};
use crate::primitives::template::{files, TemplateError};
use crate::process::{FileChange, Value, WriteOutcome};
use crate::repo::RepoPath;
use crate::run::RunScope;
use crate::runtime::data::Data;
use crate::runtime::steps::Outcome;
use crate::script::bad_input;

type Fallible<T> = Result<T, Box<rhai::EvalAltResult>>;

pub fn register(engine: &mut Engine, host: &Arc<Bound>) {
    let mut module = Module::new();
    let h = host.clone();
    FuncRegistration::new("read").with_volatility(true).set_into_module(
        &mut module,
        move |ctx: NativeCallContext, path: &str| -> Fallible<Dynamic> {
            let resolved = resolve(&h, "fs::read", path).map_err(at_call(&ctx))?;
            files::read_data(&h.run.repo, &resolved, h.limits.max_string_size)
                .map(crate::script::convert::to_dynamic)
                .map_err(in_fn("fs::read"))
                .map_err(at_call(&ctx))
        },
    );
    for (name, function, format) in [
        ("read_json", "fs::read_json", crate::runtime::formats::Format::Json),
        ("read_yaml", "fs::read_yaml", crate::runtime::formats::Format::Yaml),
        ("read_toml", "fs::read_toml", crate::runtime::formats::Format::Toml),
    ] {
        let h = host.clone();
        FuncRegistration::new(name).with_volatility(true).set_into_module(
            &mut module,
            move |ctx: NativeCallContext, path: &str| -> Fallible<Dynamic> {
                let resolved = resolve(&h, function, path).map_err(at_call(&ctx))?;
                let read = files::read_data(&h.run.repo, &resolved, h.limits.max_string_size)
                    .map_err(in_fn(function))
                    .map_err(at_call(&ctx))?;
                super::data::read_parsed(function, format, read).map_err(at_call(&ctx))
            },
        );
    }
    let h = host.clone();
    FuncRegistration::new("write").with_volatility(true).set_into_module(
        &mut module,
        move |ctx: NativeCallContext, path: &str, content: Dynamic| -> Fallible<String> {
            write(&h, &scope_of(&ctx, &h.run), path, &content).map_err(at_call(&ctx))
        },
    );
    let h = host.clone();
    FuncRegistration::new("exists").with_volatility(true).set_into_module(
        &mut module,
        move |ctx: NativeCallContext, path: &str| -> Fallible<bool> {
            let resolved = resolve(&h, "fs::exists", path).map_err(at_call(&ctx))?;
            files::exists(&h.run.repo, &resolved).map_err(in_fn("fs::exists")).map_err(at_call(&ctx))
        },
    );
    let h = host.clone();
    FuncRegistration::new("list").with_volatility(true).set_into_module(
        &mut module,
        move |ctx: NativeCallContext, dir: &str| -> Fallible<Array> {
            let resolved = resolve(&h, "fs::list", dir).map_err(at_call(&ctx))?;
            let entries = files::list(&h.run.repo, &resolved).map_err(in_fn("fs::list")).map_err(at_call(&ctx))?;
            Ok(entries.into_iter().map(|entry| Dynamic::from(entry.path)).collect())
        },
    );
    engine.register_static_module("fs", module.into());
}

fn in_fn(function: &'static str) -> impl Fn(TemplateError) -> Box<rhai::EvalAltResult> {
    move |e| super::template::error_in(function, e)
}

fn resolve(h: &Bound, function: &str, path: &str) -> Fallible<RepoPath> {
    h.run.repo.confine(path).map_err(|e| bad_input(format!("{function}: {e}")))
}

fn write(h: &Bound, here: &RunScope, path: &str, content: &Dynamic) -> Fallible<String> {
    let contents = match data_of("fs::write", "content", content)? {
        Data::Str(text) => Value::Plain(text),
        Data::Secret(secret) => Value::Secret(secret),
        other => {
            return Err(bad_input(format!(
                "fs::write: content must be a string or a secret, not {} (render structured data with a template: `{{{{ value | to_json }}}}`)",
                other.kind()
            )))
        }
    };
    let resolved = resolve(h, "fs::write", path)?;
    let outcome = files::write(&here.runner(), &h.run.repo, &resolved, contents).map_err(in_fn("fs::write"))?;
    here.settle(outcome.changes());
    let (WriteOutcome::Written(change) | WriteOutcome::Recorded(change)) = outcome;
    Ok(match change {
        FileChange::Created => "created",
        FileChange::Updated => "updated",
        FileChange::Unchanged => "unchanged",
    }
    .to_string())
}
