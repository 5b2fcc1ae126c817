//! Core functions: `param`, secrets, logging, `fail`.

use std::sync::Arc;

use rhai::{Dynamic, Engine, FuncRegistration, Map};

use super::data_of;
use crate::report::{emit, Event, LogLevel};
use crate::runtime::host::Host;
use crate::runtime::secret::{Secret, MASK};
use crate::script::convert::{to_dynamic, Unknown};
use crate::script::{bad_input, failure, ScriptError};

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let h = host.clone();
    FuncRegistration::new("param").with_volatility(true).register_into_engine(
        engine,
        move |name: &str, options: Map| -> Result<Dynamic, Box<rhai::EvalAltResult>> {
            let options = data_of("param", "options", &Dynamic::from_map(options))?;
            h.param(name, &options).map(to_dynamic).map_err(bad_input)
        },
    );

    // Secrets: printable only as ***; no function turns one back into a plain string.
    engine.register_type_with_name::<Secret>("Secret");
    engine.register_fn("to_string", |_: &mut Secret| MASK.to_string());
    engine.register_fn("to_debug", |_: &mut Secret| format!("Secret({MASK})"));
    engine.register_fn("secret", |value: &str| Secret::new(value));
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
    FuncRegistration::new("secret_env").with_volatility(true).register_into_engine(engine, |name: &str| -> Result<Secret, Box<rhai::EvalAltResult>> {
        match std::env::var(name) {
            Ok(value) if !value.is_empty() => Ok(Secret::new(value)),
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

    FuncRegistration::new("info").with_volatility(true).register_into_engine(engine, |message: &str| {
        emit(Event::Log { level: LogLevel::Info, message: message.to_string() })
    });
    FuncRegistration::new("warn").with_volatility(true).register_into_engine(engine, |message: &str| {
        emit(Event::Log { level: LogLevel::Warn, message: message.to_string() })
    });
    FuncRegistration::new("fail")
        .with_volatility(true)
        .register_into_engine(engine, |message: &str| -> Result<(), _> { Err(failure(message.to_string())) });
    let h = host.clone();
    engine.register_fn("mode", move || h.mode().to_string());
    let h = host.clone();
    engine.register_fn("run_id", move || h.run_id.clone());
}
