//! Name validation: anything accepted is safe in a path, a resource name and argv.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(name) = std::str::from_utf8(input) else { return };
    match auto::repo::names::validate("customer", name) {
        Ok(()) => {
            assert!(!name.is_empty() && name.len() <= auto::repo::names::MAX_NAME_LEN);
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            assert!(!name.starts_with('-') && !name.contains(".."));
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
