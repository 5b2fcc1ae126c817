//! The terraform structural check on arbitrary .tf text: problems reported, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else { return };
    let dir = std::env::temp_dir().join(format!("auto-fuzz-hcl-{}", std::process::id()));
    let root = dir.join("environments/dev/acme/infra");
    let _ = std::fs::create_dir_all(&root);
    if std::fs::write(root.join("main.tf"), text).is_err() {
        return;
    }
    let report = auto::terraform_lint::lint(&dir, &[dir.join("environments")]);
    let _ = report.summary();
});
