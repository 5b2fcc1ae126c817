//! The end-to-end secret canary: a secret from the environment flows into a template, a
//! terraform variable and a sensitive output, through `-v` output, JSON events, a dry-run
//! plan and the journal — and appears in none of them, nor on any child's argv (a
//! wrapper around the real terraform records its arguments).
#![allow(clippy::disallowed_methods)] // tests start the binary under test directly

mod support;

use std::os::unix::fs::PermissionsExt;

use support::{pinned_tools, Outcome, TestRepo};

const CANARY: &str = "canary-S3cr3t/Value+9f2e";

const ROOT: &str = r#"terraform {
  required_providers {
    null = { source = "hashicorp/null", version = "2.1.2" }
  }
}

variable "password" {
  type      = string
  sensitive = true
}

resource "null_resource" "uses_password" {
  triggers = { fingerprint = sha256(var.password) }
}

output "password" {
  value     = var.password
  sensitive = true
}
"#;

const SCRIPT: &str = r#"//! Pushes a secret through every path it could leak from.
let s = secret_env("AUTO_CANARY");
print(s);
debug(s);
fs::write(".auto/out/app.properties", template::render("password={{ pw }}\nencoded={{ pw | b64encode }}\n", #{ pw: s }));
let out = step("apply", || terraform::apply("environments/dev/acme/app", #{ vars: #{ password: s } }));
print(out.password);
print(`${out.password} and ${out}`);
let r = exec::run(["sh", "-c", "echo $P; printf %s \"$P\" | base64"], #{ env: #{ P: out.password } });
print(r.stdout);
step("returns it", || #{ again: out.password, text: `x${s}x` });
"#;

#[test]
fn a_secret_canary_never_leaks() {
    let repo = TestRepo::new();
    repo.write("environments/dev/acme/app/main.tf", ROOT).script("canary", SCRIPT);
    let (bin, config) = pinned_tools();
    let real = bin.join("terraform");
    let wrapper = support::bin_dir_with(
        &repo,
        "terraform",
        &format!("#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$AUTO_TEST_DIR/argv.log\"\nexec {} \"$@\"\n", real.display()),
    );
    let run = |args: &[&str]| {
        let output = repo
            .command(args)
            .env("PATH", support::path_with(&wrapper))
            .env("TF_CLI_CONFIG_FILE", &config)
            .env("AUTO_CANARY", CANARY)
            .env("AUTO_TEST_DIR", repo.path())
            .output()
            .expect("auto runs");
        (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
            output.status.code(),
        )
    };

    let plan = run(&["run", "canary", "--dry-run", "-v"]);
    let real = run(&["run", "canary", "-v"]);
    let json = run(&["run", "canary", "--output", "json", "-v"]);
    assert_eq!(real.2, Some(0), "{}", real.1);
    assert_eq!(json.2, Some(0), "{}", json.1);
    // It would write a file: a dry-run that would change something exits 3.
    assert_eq!(plan.2, Some(3), "{}", plan.1);

    let written = std::fs::read_to_string(repo.path().join(".auto/out/app.properties")).unwrap();
    assert!(written.contains(CANARY), "the tool-facing file does get the value");
    let mode = std::fs::metadata(repo.path().join(".auto/out/app.properties")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "a file holding a secret is private");

    let encodings = [CANARY.to_string(), base64_of(CANARY), CANARY.replace('/', "%2F").replace('+', "%2B")];
    let places = [
        ("dry-run stdout", plan.0),
        ("dry-run stderr (the plan)", plan.1),
        ("run stdout", real.0),
        ("run stderr", real.1),
        ("json events", json.0),
        ("json stderr", json.1),
        ("journal", support::journal_text(&repo)),
        ("terraform argv", std::fs::read_to_string(repo.path().join("argv.log")).unwrap_or_default()),
    ];
    for (place, text) in &places {
        for form in &encodings {
            assert!(!text.contains(form.as_str()), "{place} contains the canary ({form}):\n{text}");
        }
    }
    assert!(places[3].1.contains("***"), "the secret is shown masked");
    // The var file terraform read was private and is gone.
    let argv = &places[7].1;
    assert!(argv.contains("-var-file="), "{argv}");
    let var_file = argv.split_whitespace().find_map(|a| a.strip_prefix("-var-file=")).unwrap();
    assert!(!std::path::Path::new(var_file).exists(), "the var file was removed");
}

fn base64_of(text: &str) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn the_canary_helper_encodes_like_base64() {
    assert_eq!(base64_of("abc"), "YWJj");
    assert_eq!(base64_of("ab"), "YWI");
    let _ = Outcome { code: 0, stdout: String::new(), stderr: String::new() };
}
