//! The path → target mapper of `auto affected`: any path is classified, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else { return };
    for path in text.split('\n') {
        let area = auto::affected::mapping::classify(path);
        let _ = format!("{area:?}");
    }
    let _ = auto::affected::mapping::listing_scope(text.split('\n'));
});
