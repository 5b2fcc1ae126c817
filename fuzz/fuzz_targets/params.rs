//! Parameter declarations and `--set` values: any input yields Ok or a message, never a panic.
#![no_main]
use auto::runtime::data::Data;
use auto::script::params::{bind, Given, ParamSpec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let (declaration, values) = text.split_once('\n').unwrap_or((&text, ""));
    let Ok(options) = serde_json::from_str::<serde_json::Value>(declaration) else { return };
    let Ok(spec) = ParamSpec::declare("p", &Data::from_json(options)) else { return };
    let given: Vec<(String, Given)> = values.lines().map(|v| ("p".to_string(), Given::Text(v.to_string()))).collect();
    let _ = bind(&[spec.clone()], &given);
    let _ = spec.summary();
});
