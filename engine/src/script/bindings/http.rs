//! `http::get(url, opts)`, `http::post(url, opts)`, `http::request(method, url, opts)` →
//! `#{ status, ok, body, json, headers, recorded }`: adapters over `primitives::http`.

use std::sync::Arc;

use rhai::{Dynamic, Engine, FuncRegistration, Map, Module, NativeCallContext};

use super::{at_call, data_of, options, scope_of, Bound};
use crate::primitives::http::{self, HttpOptions, HttpResult};
use crate::run::RunScope;
use crate::runtime::steps::Changes;
use crate::script::convert::{to_dynamic, Unknown};
use crate::script::{bad_input, failure};

type Outcome = Result<Map, Box<rhai::EvalAltResult>>;

/// The options of `notify`.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NotifyOptions {
    /// The incoming webhook's URL (Slack, Teams, Mattermost, …), usually a secret:
    /// `secret_env("CHAT_WEBHOOK_URL")`.
    webhook: crate::runtime::data::Data,
    /// How long the post may take.
    /// Default: `"10s"`.
    timeout: Option<String>,
}

fn call(here: &RunScope, function: &str, method: &str, url: &Dynamic, opts: &Map) -> Outcome {
    let url = data_of(function, "url", url)?;
    let opts: HttpOptions = options(function, opts)?;
    let request = http::request(method, &url, &opts).map_err(|e| bad_input(format!("{function}: {e}")))?;
    let result = http::call(&here.runner(), &request, &opts).map_err(|e| failure(format!("{function}: {e}")))?;
    // A request that may write was sent: auto cannot see what it changed, so it did.
    let sent_write = matches!(result, HttpResult::Answered { .. }) && request.effect == crate::process::Effect::Write;
    here.settle(Changes::changed_if(sent_write));
    let mut map = Map::new();
    match result {
        HttpResult::Answered { status, headers, body, json } => {
            map.insert("status".into(), Dynamic::from(status as i64));
            map.insert("ok".into(), Dynamic::from((200..300).contains(&status)));
            map.insert("body".into(), Dynamic::from(body));
            map.insert("json".into(), json.map(to_dynamic).unwrap_or(Dynamic::UNIT));
            let headers: Map = headers.into_iter().map(|(k, v)| (k.into(), Dynamic::from(v))).collect();
            map.insert("headers".into(), headers.into());
            map.insert("recorded".into(), false.into());
        }
        HttpResult::Recorded => {
            // Without the query string (it may carry a token); a secret URL not at all.
            let what = match &request.url {
                crate::process::Value::Secret(_) => format!("{function} ***"),
                crate::process::Value::Plain(url) => {
                    crate::secret::redact(&format!("{function} {}", url.split('?').next().unwrap_or_default()))
                }
            };
            for key in ["status", "ok", "body", "json", "headers"] {
                map.insert(key.into(), Dynamic::from(Unknown(format!("{what}.{key}"))));
            }
            map.insert("recorded".into(), true.into());
        }
    }
    Ok(map)
}

pub fn register(engine: &mut Engine, host: &Arc<Bound>) {
    let mut module = Module::new();
    for (name, method) in [("get", "GET"), ("post", "POST")] {
        let function = format!("http::{name}");
        let (h, f) = (host.clone(), function.clone());
        FuncRegistration::new(name).with_volatility(true).set_into_module(
            &mut module,
            move |ctx: NativeCallContext, url: Dynamic, opts: Map| -> Outcome {
                call(&scope_of(&ctx, &h.run), &f, method, &url, &opts).map_err(at_call(&ctx))
            },
        );
        let (h, f) = (host.clone(), function);
        FuncRegistration::new(name).with_volatility(true).set_into_module(
            &mut module,
            move |ctx: NativeCallContext, url: Dynamic| -> Outcome {
                call(&scope_of(&ctx, &h.run), &f, method, &url, &Map::new()).map_err(at_call(&ctx))
            },
        );
    }
    let h = host.clone();
    FuncRegistration::new("request").with_volatility(true).set_into_module(
        &mut module,
        move |ctx: NativeCallContext, method: &str, url: Dynamic, opts: Map| -> Outcome {
            call(&scope_of(&ctx, &h.run), "http::request", method, &url, &opts).map_err(at_call(&ctx))
        },
    );
    engine.register_static_module("http", module.into());

    let h = host.clone();
    FuncRegistration::new("notify").with_volatility(true).register_into_engine(
        engine,
        move |ctx: NativeCallContext, message: Dynamic, opts: Map| -> Result<bool, Box<rhai::EvalAltResult>> {
            let here = scope_of(&ctx, &h.run);
            let message = data_of("notify", "message", &message)?;
            if message.contains_secret() {
                return Err(bad_input("notify: the message holds a secret: a chat channel is no place for one"));
            }
            let opts: NotifyOptions = options("notify", &opts)?;
            // `{"text": …}` is what Slack, Teams and Mattermost incoming webhooks read.
            let text = match message {
                crate::runtime::data::Data::Str(text) => text,
                other => other.to_string(),
            };
            let body = crate::runtime::data::Data::Map(std::collections::BTreeMap::from([(
                "text".to_string(),
                crate::runtime::data::Data::Str(text),
            )]));
            let http_options = HttpOptions {
                json: Some(body),
                timeout: Some(opts.timeout.unwrap_or_else(|| "10s".into())),
                ..HttpOptions::default()
            };
            let request = http::request("POST", &opts.webhook, &http_options)
                .map_err(|e| bad_input(format!("notify: {e}")))
                .map_err(at_call(&ctx))?;
            let result = http::call(&here.runner(), &request, &http_options)
                .map_err(|e| failure(format!("notify: {e}")))
                .map_err(at_call(&ctx))?;
            Ok(matches!(result, HttpResult::Answered { .. }))
        },
    );
}
