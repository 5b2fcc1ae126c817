//! `parse_yaml`, `to_yaml`, `parse_toml`, `to_toml`, `to_json` and `fs::read_json` /
//! `fs::read_yaml` / `fs::read_toml`: adapters over `runtime::formats`; `ci::set_output`,
//! `ci::summary`: adapters over `primitives::ci`.

use std::sync::Arc;

use rhai::{Dynamic, Engine, EvalAltResult, FuncRegistration, Map, Module, NativeCallContext};

use super::{at_call, data_of, scope_of, Bound};
use crate::primitives::ci::{self, Written};
use crate::report::{Event, LogLevel};
use crate::runtime::data::Data;
use crate::runtime::formats::{self, Format};
use crate::script::convert::to_dynamic;
use crate::script::{bad_input, failure};
use crate::secret::Secret;

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// The options of `to_json`.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct JsonOptions {
    /// Indented, one value per line.
    /// Default: `false` (compact).
    pretty: Option<bool>,
}

fn render(function: &str, format: Format, value: &Dynamic, pretty: bool) -> Fallible<Dynamic> {
    let data = data_of(function, "value", value)?;
    let text = formats::render(format, &data, pretty).map_err(|e| bad_input(format!("{function}: {e}")))?;
    Ok(to_dynamic(formats::text_of(&data, text)))
}

fn parse(function: &str, format: Format, text: &str, secret: bool) -> Fallible<Dynamic> {
    formats::parse(format, text, secret).map(to_dynamic).map_err(|e| bad_input(format!("{function}: {e}")))
}

pub fn register(engine: &mut Engine, host: &Arc<Bound>) {
    for (format, parse_name, render_name) in
        [(Format::Yaml, "parse_yaml", "to_yaml"), (Format::Toml, "parse_toml", "to_toml")]
    {
        engine.register_fn(parse_name, move |text: &str| parse(parse_name, format, text, false));
        engine.register_fn(parse_name, move |text: Secret| parse(parse_name, format, text.expose(), true));
        engine.register_fn(render_name, move |value: Dynamic| render(render_name, format, &value, false));
    }
    engine.register_fn("to_json", |value: Dynamic| render("to_json", Format::Json, &value, false));
    engine.register_fn("to_json", |value: Dynamic, opts: Map| -> Fallible<Dynamic> {
        let opts: JsonOptions = super::options("to_json", &opts)?;
        render("to_json", Format::Json, &value, opts.pretty.unwrap_or(false))
    });

    let mut ci_module = Module::new();
    let h = host.clone();
    FuncRegistration::new("set_output").with_volatility(true).set_into_module(
        &mut ci_module,
        move |ctx: NativeCallContext, name: &str, value: Dynamic| -> Fallible<()> {
            let data = data_of("ci::set_output", "value", &value).map_err(at_call(&ctx))?;
            let written = ci::set_output(name, &data)
                .map_err(|e| failure(format!("ci::set_output: {e}")))
                .map_err(at_call(&ctx))?;
            said(&h, &ctx, &format!("output `{name}`"), written);
            Ok(())
        },
    );
    let h = host.clone();
    FuncRegistration::new("summary").with_volatility(true).set_into_module(
        &mut ci_module,
        move |ctx: NativeCallContext, markdown: Dynamic| -> Fallible<()> {
            let data = data_of("ci::summary", "markdown", &markdown).map_err(at_call(&ctx))?;
            let written =
                ci::summary(&data).map_err(|e| failure(format!("ci::summary: {e}"))).map_err(at_call(&ctx))?;
            said(&h, &ctx, "the summary", written);
            Ok(())
        },
    );
    engine.register_static_module("ci", ci_module.into());
}

/// Outside Actions nothing is written, and the run says so once per call.
fn said(host: &Bound, ctx: &NativeCallContext, what: &str, written: Written) {
    if let Written::NoCi { variable } = written {
        scope_of(ctx, &host.run).emit(Event::Log {
            level: LogLevel::Info,
            message: format!("not in GitHub Actions (${variable} is not set): {what} is not written"),
        });
    }
}

/// `fs::read_json/yaml/toml(path)`: `read` gives the file as `fs::read` does (a private
/// file as a secret), and the parse keeps it one.
pub fn read_parsed(function: &str, format: Format, read: Data) -> Fallible<Dynamic> {
    match read {
        Data::Str(text) => parse(function, format, &text, false),
        Data::Secret(secret) => parse(function, format, secret.expose(), true),
        other => Err(bad_input(format!("{function}: the file read as {other}, not text"))),
    }
}
