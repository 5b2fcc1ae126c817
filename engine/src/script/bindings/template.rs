//! `template::render(text, vars)`, `template::render_file(path, vars)` → string, or a
//! secret when a secret was used; `template::render_dir(src, dest, vars)` →
//! `#{ created, updated, unchanged }` (repository paths).

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, FuncRegistration, Map, Module, NativeCallContext};

use super::{at_call, data_of, scope_of, Bound};
use crate::primitives::template::{DirReport, TemplateError, Templates};
use crate::report::Event;
use crate::run::RunScope;
use crate::runtime::steps::Outcome;
use crate::script::convert::to_dynamic;
use crate::script::{bad_input, failure};

type Fallible<T> = Result<T, Box<rhai::EvalAltResult>>;

pub fn register(engine: &mut Engine, host: &Arc<Bound>) {
    let mut module = Module::new();

    let h = host.clone();
    let render = move |ctx: NativeCallContext, text: &str, vars: Map| -> Fallible<Dynamic> {
        render_text(&h, text, vars).map_err(at_call(&ctx))
    };
    let render1 = render.clone();
    FuncRegistration::new("render").with_volatility(true).set_into_module(&mut module, render);
    FuncRegistration::new("render")
        .with_volatility(true)
        .set_into_module(&mut module, move |ctx: NativeCallContext, text: &str| render1(ctx, text, Map::new()));

    let h = host.clone();
    let render_file = move |ctx: NativeCallContext, path: &str, vars: Map| -> Fallible<Dynamic> {
        render_file(&h, path, vars).map_err(at_call(&ctx))
    };
    let render_file1 = render_file.clone();
    FuncRegistration::new("render_file").with_volatility(true).set_into_module(&mut module, render_file);
    FuncRegistration::new("render_file")
        .with_volatility(true)
        .set_into_module(&mut module, move |ctx: NativeCallContext, path: &str| render_file1(ctx, path, Map::new()));

    let h = host.clone();
    FuncRegistration::new("render_dir").with_volatility(true).set_into_module(
        &mut module,
        move |ctx: NativeCallContext, src: &str, dest: &str, vars: Map| -> Fallible<Map> {
            render_dir(&h, &scope_of(&ctx, &h.run), src, dest, vars).map_err(at_call(&ctx))
        },
    );
    engine.register_static_module("template", module.into());
}

fn render_text(h: &Bound, text: &str, vars: Map) -> Fallible<Dynamic> {
    let vars = data_of("template::render", "vars", &Dynamic::from_map(vars))?;
    let rendered = Templates::new(&h.run.repo).render_text(text, &vars).map_err(|e| error_in("template::render", e))?;
    Ok(to_dynamic(rendered.into_data()))
}

fn render_file(h: &Bound, path: &str, vars: Map) -> Fallible<Dynamic> {
    let vars = data_of("template::render_file", "vars", &Dynamic::from_map(vars))?;
    let path = h.run.repo.confine(path).map_err(|e| bad_input(format!("template::render_file: {e}")))?;
    let rendered =
        Templates::new(&h.run.repo).render_file(&path, &vars).map_err(|e| error_in("template::render_file", e))?;
    Ok(to_dynamic(rendered.into_data()))
}

fn render_dir(h: &Bound, here: &RunScope, src: &str, dest: &str, vars: Map) -> Fallible<Map> {
    let vars = data_of("template::render_dir", "vars", &Dynamic::from_map(vars))?;
    let resolve = |path: &str| h.run.repo.confine(path).map_err(|e| bad_input(format!("template::render_dir: {e}")));
    let (src_path, dest_path) = (resolve(src)?, resolve(dest)?);
    let report = Templates::new(&h.run.repo)
        .render_dir(&here.runner(), &src_path, &dest_path, &vars)
        .map_err(|e| error_in("template::render_dir", e))?;
    here.settle(report.changes());
    here.emit(Event::Progress {
        message: format!(
            "render {src} → {dest}: {} created, {} updated, {} unchanged",
            report.created.len(),
            report.updated.len(),
            report.unchanged.len()
        ),
    });
    Ok(report_map(report))
}

fn report_map(report: DirReport) -> Map {
    let list = |paths: Vec<String>| Dynamic::from_array(paths.into_iter().map(Dynamic::from).collect::<Array>());
    let mut map = Map::new();
    map.insert("created".into(), list(report.created));
    map.insert("updated".into(), list(report.updated));
    map.insert("unchanged".into(), list(report.unchanged));
    map
}

/// The error of `function`: template problems (syntax, undefined values, bad paths) are the
/// script author's to fix (exit 2); failing reads and writes are the world's (exit 1).
pub(super) fn error_in(function: &str, error: TemplateError) -> Box<rhai::EvalAltResult> {
    let message = format!("{function}: {error}");
    match error {
        TemplateError::Read { .. } | TemplateError::Write { .. } => failure(message),
        TemplateError::NotReviewed(_) => crate::script::raise(message, crate::failure::FailureKind::NotReviewed),
        _ => bad_input(message),
    }
}
