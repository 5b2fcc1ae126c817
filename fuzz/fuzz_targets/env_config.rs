//! `env.toml` parsing and validation: errors carry a line, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else { return };
    let dir = std::env::temp_dir().join(format!("auto-fuzz-env-{}", std::process::id()));
    let env_dir = dir.join("environments/fuzz");
    let _ = std::fs::create_dir_all(&env_dir);
    let _ = std::fs::create_dir_all(dir.join("scripts"));
    if std::fs::write(env_dir.join("env.toml"), text).is_err() {
        return;
    }
    let repo = auto::repo::Repo::at(&dir);
    if let Err(error) = repo.environment("fuzz") {
        let _ = error.to_string();
    }
});
