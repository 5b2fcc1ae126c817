//! Core functions: `param`, secrets, logging, `fail`.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, FuncRegistration, ImmutableString, Map, NativeCallContext, INT};

use super::{data_of, scope_of, Bound};
use crate::report::{Event, LogLevel};
use crate::runtime::consent::{Kind, Question, Refusal};
use crate::runtime::review::Reviewed;
use crate::script::convert::{to_dynamic, Unknown};
use crate::script::{bad_input, failure, raise, ScriptError};
use crate::secret::{Secret, MASK};

pub fn register(engine: &mut Engine, host: &Arc<Bound>) {
    let h = host.clone();
    FuncRegistration::new("param").with_volatility(true).register_into_engine(
        engine,
        move |name: &str, options: Map| -> Result<Dynamic, Box<rhai::EvalAltResult>> {
            let options = data_of("param", "options", &Dynamic::from_map(options))?;
            let value = match h.declarations.declare(name, &options) {
                Some(declared) => declared,
                None => h.run.param(name).ok_or_else(|| {
                    format!("param `{name}` must be declared at the top of the script, before any other statement")
                }),
            };
            value.map(to_dynamic).map_err(bad_input)
        },
    );

    // Secrets: printable only as ***; no function turns one back into a plain string.
    engine.register_type_with_name::<Secret>("Secret");
    engine.register_fn("to_string", |_: &mut Secret| MASK.to_string());
    engine.register_fn("to_debug", |_: &mut Secret| format!("Secret({MASK})"));
    engine.register_fn("secret", |value: &str| Secret::new(value));
    // Already one (e.g. a value of a secret file read back): stays the same secret.
    engine.register_fn("secret", |value: Secret| value);
    // JSON read from a secret (a private file, a tool given a secret): every value in it
    // is a secret, so the taint survives the parse.
    engine.register_fn("parse_json", |json: Secret| -> Result<Dynamic, Box<rhai::EvalAltResult>> {
        let value: serde_json::Value = serde_json::from_str(json.expose()).map_err(|e| {
            bad_input(format!("parse_json: the secret is not JSON (line {}, column {})", e.line(), e.column()))
        })?;
        Ok(to_dynamic(crate::runtime::data::Data::from_json(value).into_secret()))
    });
    // A fresh random secret (hex of `bytes` random bytes from the OS), generated in-process
    // so a dry-run plan shows it as `***` rather than a command that would make one.
    FuncRegistration::new("random_secret").with_volatility(true).register_into_engine(
        engine,
        |bytes: i64| -> Result<Secret, Box<rhai::EvalAltResult>> {
            if !(8..=256).contains(&bytes) {
                return Err(bad_input(format!("random_secret: `bytes` must be between 8 and 256, not {bytes}")));
            }
            let mut buffer = vec![0u8; bytes as usize];
            use std::io::Read;
            std::fs::File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut buffer))
                .map_err(|e| failure(format!("random_secret: cannot read /dev/urandom: {e}")))?;
            Ok(Secret::new(buffer.iter().map(|b| format!("{b:02x}")).collect::<String>()))
        },
    );
    engine.register_fn("is_secret", |value: Dynamic| value.is::<Secret>());
    register_secret_operations(engine);
    let h = host.clone();
    FuncRegistration::new("secret_env").with_volatility(true).register_into_engine(engine, move |ctx: NativeCallContext, name: &str| -> Result<Secret, Box<rhai::EvalAltResult>> {
        match std::env::var(name) {
            Ok(value) if !value.is_empty() => Ok(Secret::new(value)),
            // A dry-run needs no credentials: it runs nothing that would use the value.
            _ if h.run.policy.placeholder_secrets => {
                scope_of(&ctx, &h.run).emit(Event::Log {
                    level: LogLevel::Warn,
                    message: format!("environment variable `{name}` is not set: the dry-run goes on with a placeholder secret (a real run stops here)"),
                });
                Ok(Secret::new(format!("(dry-run placeholder for ${name})")))
            }
            _ => Err(failure(format!("environment variable `{name}` is not set: export it before running (it is read as a secret and never printed)"))),
        }
    });
    FuncRegistration::new("env_var").with_volatility(true).register_into_engine(engine, |name: &str, default: &str| {
        std::env::var(name).unwrap_or_else(|_| default.to_string())
    });

    engine.register_type_with_name::<Unknown>("Unknown");
    engine.register_fn("to_string", |u: &mut Unknown| format!("(known after apply: {})", u.0));
    engine.register_fn("to_debug", |u: &mut Unknown| format!("(known after apply: {})", u.0));
    engine.register_indexer_get(|u: &mut Unknown, key: &str| Unknown(format!("{}.{key}", u.0)));
    engine.register_indexer_get(|u: &mut Unknown, index: i64| Unknown(format!("{}[{index}]", u.0)));
    engine.register_fn("is_known", |value: Dynamic| !value.is::<Unknown>());

    engine.register_type_with_name::<ScriptError>("Error");
    engine.register_fn("to_string", |e: &mut ScriptError| e.message.clone());
    engine.register_get("message", |e: &mut ScriptError| e.message.clone());

    let h = host.clone();
    FuncRegistration::new("info").with_volatility(true).register_into_engine(
        engine,
        move |ctx: NativeCallContext, message: &str| {
            scope_of(&ctx, &h.run).emit(Event::Log { level: LogLevel::Info, message: h.run.script_says(message) })
        },
    );
    let h = host.clone();
    FuncRegistration::new("warn").with_volatility(true).register_into_engine(
        engine,
        move |ctx: NativeCallContext, message: &str| {
            scope_of(&ctx, &h.run).emit(Event::Log { level: LogLevel::Warn, message: message.to_string() })
        },
    );
    let h = host.clone();
    FuncRegistration::new("confirm").with_volatility(true).register_into_engine(
        engine,
        move |ctx: NativeCallContext, message: &str| -> Result<(), Box<rhai::EvalAltResult>> {
            confirm(&h, &scope_of(&ctx, &h.run), message)
        },
    );
    FuncRegistration::new("fail")
        .with_volatility(true)
        .register_into_engine(engine, |message: &str| -> Result<(), _> { Err(failure(message.to_string())) });
    let h = host.clone();
    engine.register_fn("mode", move || h.run.mode.to_string());
    let h = host.clone();
    engine.register_fn("run_id", move || h.run.run_id.clone());
    engine.register_fn("now", crate::clock::now_rfc3339);
}

/// `confirm(message)`: goes on only with a yes (the terminal, or `--yes`); a plan or
/// dry-run records the question and goes on. What is shown with it: the changes planned
/// so far and not applied, which the next step would make.
fn confirm(h: &Bound, here: &crate::run::RunScope, message: &str) -> Result<(), Box<rhai::EvalAltResult>> {
    // A plan bundle keeps the question; its apply must come to the same one.
    let reviewed = Reviewed::Confirm { message: message.to_string() };
    h.run.review.keep(reviewed.clone());
    h.run.review.check(&reviewed).map_err(|d| raise(d.to_string(), crate::failure::FailureKind::NotReviewed))?;
    let question = Question { message: message.to_string(), details: h.run.tally.pending_text(), kind: Kind::Confirm };
    match h.run.consent.ask(&question, &here.at) {
        Ok(_) => Ok(()),
        Err(Refusal::Interrupted) => {
            Err(raise(format!("confirm: interrupted at `{message}`"), crate::failure::FailureKind::Interrupted))
        }
        Err(Refusal::NoTerminal) => Err(failure(format!(
            "confirm: `{message}` needs a yes, and there is no terminal to ask on: run it on a terminal, or pass --yes"
        ))),
        Err(Refusal::Declined | Refusal::Protected(_)) => {
            Err(failure(format!("confirm: `{message}`: not confirmed, so the run stops here")))
        }
    }
}

/// What a script does with a secret's value without turning it into text (issue 18, item
/// 9c): every operation that yields a value yields a `Secret` (registered with the
/// redactor like any other); only the length and comparisons give plain answers, which
/// say something about the value but are not the value.
///
/// The string operations take the secret by value and return a new one, rather than
/// changing it in place as Rhai's string `trim` does: a constant secret (`const pw = ...`)
/// must be usable too.
fn register_secret_operations(engine: &mut Engine) {
    engine.register_fn("trim", |s: Secret| s.trimmed());
    engine.register_fn("split", |s: Secret, separator: &str| -> Array {
        s.split(separator).into_iter().map(Dynamic::from).collect()
    });
    engine.register_fn("sub_string", |s: Secret, start: INT, len: INT| s.sub_string(start, Some(len)));
    engine.register_fn("sub_string", |s: Secret, start: INT| s.sub_string(start, None));
    engine.register_fn("to_upper", |s: Secret| s.derive(str::to_uppercase));
    engine.register_fn("to_lower", |s: Secret| s.derive(str::to_lowercase));
    engine.register_fn("replace", |s: Secret, find: &str, with: &str| s.derive(|v| v.replace(find, with)));
    engine.register_fn("len", |s: Secret| s.len() as INT);
    engine.register_fn("is_empty", |s: Secret| s.is_empty());
    engine.register_fn("contains", |s: Secret, part: &str| s.expose().contains(part));
    engine.register_fn("starts_with", |s: Secret, part: &str| s.expose().starts_with(part));
    engine.register_fn("ends_with", |s: Secret, part: &str| s.expose().ends_with(part));

    // `+` keeps the taint: without these, Rhai's string `+` formats the secret as `***` and
    // `"user:" + pw` silently becomes the text "user:***".
    engine.register_fn("+", |left: Secret, right: Secret| left.then(right.expose()));
    engine.register_fn("+", |left: Secret, right: ImmutableString| left.then(&right));
    engine.register_fn("+", |left: ImmutableString, right: Secret| right.after(&left));
    engine.register_fn("+", |left: Secret, right: char| left.then(&right.to_string()));
    engine.register_fn("+", |left: char, right: Secret| right.after(&left.to_string()));
    // `+=` returns nothing; saying so (`"()"`) keeps its line in docs/auto.d.rhai valid.
    FuncRegistration::new("+=")
        .with_params_info(["_: &mut Secret", "_: Secret", "()"])
        .register_into_engine(engine, |left: &mut Secret, right: Secret| *left = left.then(right.expose()));
    FuncRegistration::new("+=")
        .with_params_info(["_: &mut Secret", "_: ImmutableString", "()"])
        .register_into_engine(engine, |left: &mut Secret, right: ImmutableString| *left = left.then(&right));
    FuncRegistration::new("+=")
        .with_params_info(["_: &mut Secret", "_: char", "()"])
        .register_into_engine(engine, |left: &mut Secret, right: char| *left = left.then(&right.to_string()));
    // `text += secret` cannot make `text` a secret (Rhai changes the string in place), and
    // Rhai's own `+=` would append `***`: refuse it and say what works.
    FuncRegistration::new("+=").with_params_info(["_: &mut ImmutableString", "_: Secret", "()"]).register_into_engine(
        engine,
        |_: &mut ImmutableString, _: Secret| -> Result<(), Box<rhai::EvalAltResult>> {
            Err(bad_input(
                "`+=` would turn the secret into text (`***`): write `text = text + secret`, which keeps it a secret",
            ))
        },
    );

    // Comparisons answer yes or no; they never hand out the value.
    engine.register_fn("==", |left: Secret, right: Secret| left == right);
    engine.register_fn("!=", |left: Secret, right: Secret| left != right);
    engine.register_fn("==", |left: Secret, right: &str| left.expose() == right);
    engine.register_fn("!=", |left: Secret, right: &str| left.expose() != right);
    engine.register_fn("==", |left: &str, right: Secret| left == right.expose());
    engine.register_fn("!=", |left: &str, right: Secret| left != right.expose());
}
