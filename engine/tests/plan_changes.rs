//! What a saved plan changes, read from real terraform 1.11 and its null provider
//! (installed by .ci/install-tools.sh): a replacement forced by one attribute is shown with
//! that attribute marked, sensitive values as `(sensitive)`, and the same counts as
//! terraform's own summary (issue 20).
#![allow(clippy::disallowed_methods)] // the test runs terraform itself, as a person would

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use auto::primitives::terraform::changes::{Action, PlanChanges, Replacement, Shown};
use auto::primitives::terraform::ui::{ChangeCounts, UiLog};
use auto::secret::Secret;
use expect_test::expect;
use support::{path_with, pinned_tools};

const MAIN_TF: &str = r#"variable "name" {
  type = string
}

variable "password" {
  type      = string
  sensitive = true
}

# Not marked sensitive: the slip the redactor is there for.
variable "api_token" {
  type = string
}

resource "null_resource" "hive" {
  triggers = {
    name      = var.name
    password  = var.password
    api_token = var.api_token
    region    = "westeurope"
  }
}

output "name" {
  value = var.name
}
"#;

/// Terraform in `dir`; its stdout, after checking it succeeded.
fn terraform(dir: &Path, args: &[&str]) -> String {
    let (bin, config) = pinned_tools();
    let output = Command::new(bin.join("terraform"))
        .args(args)
        .current_dir(dir)
        .env("PATH", path_with(&bin))
        .env("TF_CLI_CONFIG_FILE", config)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .stdin(Stdio::null())
        .output()
        .expect("terraform runs");
    assert!(
        output.status.success(),
        "terraform {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn vars(name: &str, password: &str, token: &str) -> Vec<String> {
    [("name", name), ("password", password), ("api_token", token)]
        .iter()
        .map(|(key, value)| format!("-var={key}={value}"))
        .collect()
}

#[test]
fn a_replacement_forced_by_one_trigger_shows_that_trigger_marked_and_the_secret_masked() {
    // What a script's `secret(...)` would have registered for the token.
    let _tokens = (Secret::new("tok-canary-old-7781"), Secret::new("tok-canary-new-7782"));
    let root = tempfile::tempdir().expect("temp dir");
    std::fs::write(root.path().join("main.tf"), MAIN_TF).expect("main.tf");
    terraform(root.path(), &["init", "-input=false", "-no-color"]);
    let first = vars("acme", "pw-canary-old-4411", "tok-canary-old-7781");
    let mut apply = vec!["apply", "-auto-approve", "-input=false", "-no-color"];
    apply.extend(first.iter().map(String::as_str));
    terraform(root.path(), &apply);

    // The customer is renamed and both credentials rotated.
    let second = vars("zeta", "pw-canary-new-4412", "tok-canary-new-7782");
    let mut plan = vec!["plan", "-input=false", "-no-color", "-json", "-out=p.tfplan"];
    plan.extend(second.iter().map(String::as_str));
    let ui = UiLog::collect(&terraform(root.path(), &plan));
    let shown = terraform(root.path(), &["show", "-json", "p.tfplan"]);

    let changes = PlanChanges::parse(&shown).expect("terraform's plan parses");
    assert_eq!(changes.resources.len(), 1, "{changes:?}");
    let hive = &changes.resources[0];
    assert_eq!((hive.address.as_str(), hive.resource_type.as_str()), ("null_resource.hive", "null_resource"));
    assert_eq!(hive.action, Action::Replace(Replacement::DestroyThenCreate));
    assert_eq!(hive.reason.as_deref(), Some("replace_because_cannot_update"));
    let row = |path: &str| {
        hive.attributes.iter().find(|row| row.path == path).unwrap_or_else(|| panic!("no row {path} in {hive:?}"))
    };
    let name = row("triggers[\"name\"]");
    assert_eq!((&name.before, &name.after), (&Shown::Value("\"acme\"".into()), &Shown::Value("\"zeta\"".into())));
    assert!(name.forces_replacement);
    let password = row("triggers[\"password\"]");
    assert_eq!((&password.before, &password.after), (&Shown::Sensitive, &Shown::Sensitive));
    assert!(password.forces_replacement);
    assert!(!row("id").forces_replacement);
    assert!(hive.attributes.iter().all(|row| row.path != "triggers[\"region\"]"), "unchanged: {hive:?}");

    let counts = changes.counts();
    assert_eq!(counts.terraform, ChangeCounts { add: 1, change: 0, destroy: 1 });
    assert_eq!(counts.replace, 1);
    assert_eq!(Some(counts.terraform), ui.counts, "the same numbers as terraform's own summary");
    expect!["1 to add, 0 to change, 1 to destroy (1 replacement)"].assert_eq(&counts.to_string());

    let text = changes.render();
    let id = regex::Regex::new(r#""\d+""#).expect("regex");
    expect![[r#"
        -/+ null_resource.hive  replace (triggers["api_token"], triggers["name"], triggers["password"] force replacement)
            id: "[ID]" → (known after apply)
            triggers["api_token"]: "***" → "***"   # forces replacement
            triggers["name"]: "acme" → "zeta"   # forces replacement
            triggers["password"]: (sensitive) → (sensitive)   # forces replacement
        ~ output.name: "acme" → "zeta"
    "#]]
    .assert_eq(&id.replace_all(&text, "\"[ID]\""));
    for canary in ["pw-canary", "tok-canary"] {
        assert!(!text.contains(canary), "{canary} shown:\n{text}");
    }
    // Terraform's sensitive values never even enter the data; the others are redacted
    // when it is logged.
    let logged = format!("{changes:?}");
    assert!(!logged.contains("pw-canary") && !logged.contains("tok-canary"), "{logged}");
}
