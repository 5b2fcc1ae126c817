//! Rhai bindings: adapters only. Each converts Rhai values to typed requests, calls a
//! primitive or the runtime, and converts the result back. None of them spawns a process.
//!
//! Every side-effecting function is registered volatile, so the optimizer never folds a
//! call away or reuses its result.

mod core;
mod docker;
mod exec;
mod flow;
mod fs;
mod kubectl;
mod repo;
mod template;
mod terraform;

use std::sync::Arc;

use rhai::{Dynamic, Engine, EvalAltResult, Map};

use crate::runtime::data::{from_data, Data};
use crate::runtime::host::Host;
use crate::script::convert::to_data;

pub fn register_all(engine: &mut Engine, host: &Arc<Host>) {
    core::register(engine, host);
    repo::register(engine, host);
    exec::register(engine, host);
    flow::register(engine, host);
    fs::register(engine, host);
    kubectl::register(engine, host);
    template::register(engine, host);
    docker::register(engine, host);
    terraform::register(engine, host);
}

/// Custom types from bindings that can travel as data (e.g. a customer handle).
pub fn custom_to_data(value: &Dynamic) -> Option<Data> {
    repo::customer_to_data(value)
}

/// Converts an options map to a typed request, rejecting unknown keys at the script line.
pub(crate) fn options<T: serde::de::DeserializeOwned>(function: &str, map: &Map) -> Result<T, Box<EvalAltResult>> {
    let data =
        to_data(&Dynamic::from_map(map.clone())).map_err(|e| crate::script::bad_input(format!("{function}: {e}")))?;
    from_data(&data).map_err(|e| crate::script::bad_input(format!("{function}: {e}")))
}

/// Rhai does not fill in the call position for errors of namespaced functions
/// (`terraform::apply(...)`), so module functions take the call context and use this to
/// point the error at the script line.
pub(crate) fn at_call(ctx: &rhai::NativeCallContext) -> impl Fn(Box<EvalAltResult>) -> Box<EvalAltResult> {
    let position = ctx.call_position();
    move |mut error| {
        if error.position().is_none() {
            error.set_position(position);
        }
        error
    }
}

pub(crate) fn data_of(function: &str, what: &str, value: &Dynamic) -> Result<Data, Box<EvalAltResult>> {
    to_data(value).map_err(|e| crate::script::bad_input(format!("{function}: {what}: {e}")))
}
