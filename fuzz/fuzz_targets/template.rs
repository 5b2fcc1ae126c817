//! Template rendering: any template text and variables give output or an error, never a panic.
#![no_main]
use std::sync::OnceLock;

use auto::primitives::template::Templates;
use auto::runtime::data::Data;
use libfuzzer_sys::fuzz_target;

fn repo() -> &'static auto::repo::Repo {
    static REPO: OnceLock<auto::repo::Repo> = OnceLock::new();
    REPO.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("auto-fuzz-template-{}", std::process::id()));
        let _ = std::fs::create_dir_all(dir.join("scripts"));
        let _ = std::fs::create_dir_all(dir.join("environments"));
        auto::repo::Repo::at(dir)
    })
}

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let (template, vars) = text.split_once('\0').unwrap_or((&text, "{}"));
    let vars = serde_json::from_str::<serde_json::Value>(vars).map(Data::from_json).unwrap_or(Data::Map(Default::default()));
    let templates = Templates::new(repo());
    if let Err(error) = templates.render_text(template, &vars) {
        let _ = error.to_string();
    }
});
