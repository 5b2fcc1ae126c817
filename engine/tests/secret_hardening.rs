//! Regression tests for issue 18 (hostile security review), items 7–9: the ways a secret
//! still got out after the canary in `secrets.rs` passed.
//!
//! - 7: a multi-line secret (a PEM key) printed by a tool line by line, or only in part;
//! - 8: a secret in the `[scope]` prefix of an output line (a step name, a parallel item);
//! - 9: secrets turning back into plain strings: a tool's output, base64 at any alignment,
//!   string operations and `+` on a secret.
//!
//! Every output path is checked: human progress, `-v`, JSON events, GitHub Actions
//! annotations and step summary, errors carrying a tool's output, and the journal.
#![allow(clippy::disallowed_methods)] // tests start the binary under test directly

mod support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use support::TestRepo;

/// What one run printed, and where.
struct Printed {
    place: String,
    text: String,
}

/// Runs `auto` with `args` and `env` in every output mode, and returns each place output
/// went: stdout and stderr of each mode, the GitHub step summary, and the journal.
fn run_everywhere(repo: &TestRepo, script: &str, env: &[(&str, &str)], expected_code: i32) -> Vec<Printed> {
    let modes: [(&str, &[&str], bool); 5] = [
        ("human", &[], false),
        ("human -v", &["-v"], false),
        ("json", &["--output", "json"], false),
        ("json -v", &["--output", "json", "-v"], false),
        ("github actions", &["-v"], true),
    ];
    let summary = repo.path().join("step-summary.md");
    let mut printed = Vec::new();
    for (mode, flags, github) in modes {
        let mut args = vec!["run", script];
        args.extend_from_slice(flags);
        let mut command: Command = repo.command(&args);
        command.envs(env.iter().copied());
        if github {
            command.env("GITHUB_ACTIONS", "true").env("GITHUB_STEP_SUMMARY", &summary);
        }
        let output = command.output().expect("auto runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(expected_code), "{mode}:\n{stdout}\n{stderr}");
        printed.push(Printed { place: format!("{mode} stdout"), text: stdout });
        printed.push(Printed { place: format!("{mode} stderr"), text: stderr });
    }
    printed.push(Printed {
        place: "github step summary".into(),
        text: std::fs::read_to_string(&summary).expect("the github reporter wrote a step summary"),
    });
    printed.push(Printed { place: "journal".into(), text: support::journal_text(repo) });
    printed
}

fn assert_nowhere(printed: &[Printed], forms: &[String]) {
    for Printed { place, text } in printed {
        for form in forms {
            assert!(!text.contains(form.as_str()), "{place} shows `{form}`:\n{text}");
        }
    }
}

fn text_of<'a>(printed: &'a [Printed], place: &str) -> &'a str {
    &printed.iter().find(|p| p.place == place).expect("a place that was captured").text
}

// ----- 7: multi-line secrets -----

/// A private key as tools print it: the body lines are what a line-by-line redactor sees.
const PEM: &str = "-----BEGIN TEST PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7q3x9Zk2L\n\
mP0aRtYv8wNc5Hs1JdE4uFgB6iOyTrW7XeKpQzVbN2mUq8sLxJ0vHfYtGc4R\n\
c2VjcmV0LWxpbmUtdGhyZWUtb2YtdGhlLWtleQ==\n\
-----END TEST PRIVATE KEY-----\n";

fn pem_body_lines() -> Vec<String> {
    PEM.lines().filter(|l| !l.starts_with("-----")).map(str::to_string).collect()
}

#[test]
fn a_multi_line_secret_is_masked_line_by_line_in_every_output() {
    let repo = TestRepo::new();
    repo.write("key.pem", PEM);
    std::fs::set_permissions(repo.path().join("key.pem"), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    // The tools print part of the key (its body lines), so only line masking can catch it.
    repo.script(
        "pem",
        r#"//! A multi-line secret printed by tools, line by line and in part.
let key = secret_env("AUTO_TEST_PEM");
let line = fs::read("key.pem").split("\n")[2];
print(line);
warn(line);
exec::run(["sed", "-n", "2,4p", "key.pem"], #{ effect: "read" });
step("fails", || exec::run(["sh", "-c", "sed -n 2,4p key.pem >&2; exit 3"], #{ effect: "read" }));
"#,
    );
    let printed = run_everywhere(&repo, "pem", &[("AUTO_TEST_PEM", PEM)], 1);
    assert_nowhere(&printed, &pem_body_lines());

    // Masked, not dropped: the lines are there as `***`, the failure still says why.
    let verbose = text_of(&printed, "human -v stderr");
    // Three lines from each tool: `  ***` and, inside the step, `[fails]   ***`.
    assert_eq!(verbose.lines().filter(|l| l.ends_with("  ***")).count(), 6, "{verbose}");
    let human = text_of(&printed, "human stderr");
    assert!(human.contains("failed with exit code 3:\n***\n"), "{human}");
    let github = text_of(&printed, "github actions stdout");
    assert!(github.contains("::warning::***"), "{github}");
    assert!(github.contains("::error file=scripts/pem.rhai,line=7::error: `sh -c"), "{github}");
    assert!(text_of(&printed, "json stdout").contains(r#""line":"***""#));
}

#[test]
fn a_multi_line_secret_with_crlf_and_indentation_is_masked_by_its_trimmed_lines() {
    let repo = TestRepo::new();
    let value = "first-line-of-the-secret\r\n    indented-second-line-of-the-secret  \r\n";
    repo.script(
        "crlf",
        r#"//! The lines of a secret, as a tool reindents them.
let value = secret_env("AUTO_TEST_VALUE");
exec::run(["printf", "%s\n", "  first-line-of-the-secret", "indented-second-line-of-the-secret"], #{ effect: "read" });
"#,
    );
    let printed = run_everywhere(&repo, "crlf", &[("AUTO_TEST_VALUE", value)], 0);
    assert_nowhere(&printed, &["first-line-of-the-secret".into(), "indented-second-line-of-the-secret".into()]);
    assert!(text_of(&printed, "human -v stderr").contains("\n    ***\n"));
}

/// The journal masks a plain step result that holds a secret's text (a line of a key read
/// from a file); replaying that result on resume would hand the script `***`.
#[test]
fn a_step_result_holding_a_secret_text_is_run_again_on_resume_not_replayed_masked() {
    let repo = TestRepo::new();
    repo.write("notes.txt", "id resume-canary-4711 end\n").write("fail", "");
    repo.script(
        "resume",
        r#"//! A plain result that holds a secret's text.
let key = secret_env("AUTO_TEST_KEY");
let text = step("read", || fs::read("notes.txt"));
exec::run(["sh", "-c", "printf '%s' \"$T\" > seen.txt; test ! -f fail"], #{ env: #{ T: text } });
"#,
    );
    let run = |args: &[&str]| repo.command(args).env("AUTO_TEST_KEY", "resume-canary-4711").output().expect("runs");
    assert_eq!(run(&["run", "resume"]).status.code(), Some(1));
    assert!(!support::journal_text(&repo).contains("resume-canary-4711"));
    std::fs::remove_file(repo.path().join("fail")).expect("rm");
    let id = support::run_ids(&repo).pop().expect("a run id");
    let resumed = run(&["run", "--resume", &id]);
    assert_eq!(resumed.status.code(), Some(0), "{}", String::from_utf8_lossy(&resumed.stderr));
    let seen = std::fs::read_to_string(repo.path().join("seen.txt")).expect("the tool ran");
    assert_eq!(seen, "id resume-canary-4711 end\n", "the script got the value, not the journal's masked copy");
}

// ----- 8: the [scope] prefix -----

const LABEL_CANARY: &str = "label-canary-5150";

#[test]
fn a_secret_value_in_a_step_name_or_parallel_item_is_masked_in_the_scope_prefix() {
    let repo = TestRepo::new();
    repo.script(
        "labels",
        r#"//! Secrets in labels.
let pw = secret_env("AUTO_TEST_PW");
step("label-canary-5150", || info("inside the step"));
parallel_map(["label-canary-5150", "beta"], |item| info("inside the item"));
parallel(#{ "label-canary-5150": || info("inside the named task") });
parallel_map([pw], |item| info("inside the secret item"));
"#,
    );
    let printed = run_everywhere(&repo, "labels", &[("AUTO_TEST_PW", LABEL_CANARY)], 0);
    assert_nowhere(&printed, &[LABEL_CANARY.to_string()]);
    let human = text_of(&printed, "human stderr");
    for line in
        ["[***] inside the step", "[***] inside the item", "[***] inside the named task", "[beta] inside the item"]
    {
        assert!(human.contains(line), "`{line}` missing:\n{human}");
    }
    assert!(text_of(&printed, "github actions stdout").contains("::group::***"));
}

// ----- 9a: the output of a tool that was given a secret -----

const PW: &str = "tool-canary-8086";

#[test]
fn the_output_of_a_tool_given_a_secret_is_a_secret_unless_the_script_says_otherwise() {
    let repo = TestRepo::new();
    repo.write("pw.txt", PW);
    repo.script(
        "taint",
        r#"//! Which tool output is a secret.
let pw = secret_env("AUTO_TEST_PW");
let a = exec::run(["cat"], #{ stdin: pw, effect: "read" });
print(`stdin: stdout ${is_secret(a.stdout)}, stderr ${is_secret(a.stderr)}`);
let b = exec::run(["sh", "-c", "printf 'derived-%s\n' \"$P\" | rev"], #{ env: #{ P: pw }, effect: "read" });
print(`env: stdout ${is_secret(b.stdout)}, stderr ${is_secret(b.stderr)}`);
let c = exec::run(["cat"], #{ stdin: #{ password: pw }, effect: "read" });
print(`a map holding a secret on stdin: ${is_secret(c.stdout)}`);
let d = exec::run(["sh", "-c", "echo not-secret-output"], #{ env: #{ P: pw }, effect: "read", secret_output: false });
print(`opted out: ${is_secret(d.stdout)} ${d.stdout}`);
let e = exec::run(["cat", "pw.txt"], #{ effect: "read" });
print(`the value in stdout: ${is_secret(e.stdout)}`);
let f = exec::run(["cat", "pw.txt"], #{ effect: "read", secret_output: false });
print(`the value in stdout, opted out: ${is_secret(f.stdout)}`);
let g = exec::run(["echo", "plain"], #{ effect: "read" });
print(`no secret involved: ${is_secret(g.stdout)}`);
let h = exec::run(["echo", "forced"], #{ effect: "read", secret_output: true });
print(`secret_output: true: ${is_secret(h.stdout)}`);
"#,
    );
    let outcome = repo.command(&["run", "taint"]).env("AUTO_TEST_PW", PW).output().expect("runs");
    let outcome = support::Outcome::from(outcome, repo.path());
    expect_test::expect![[r#"
        exit 0
        --- stdout
        --- stderr
        auto scripts/taint.rhai (run, run [RUN])
        stdin: stdout true, stderr true
        env: stdout true, stderr true
        a map holding a secret on stdin: true
        opted out: false not-secret-output
        the value in stdout: true
        the value in stdout, opted out: true
        no secret involved: false
        secret_output: true: true
        ok in [T]
    "#]]
    .assert_eq(&outcome.transcript());

    // With -v, a secret output is not streamed (the reversed value is unknown to the
    // redactor); an opted-out one is.
    let verbose = repo.command(&["run", "taint", "-v"]).env("AUTO_TEST_PW", PW).output().expect("runs");
    let verbose = String::from_utf8_lossy(&verbose.stderr).into_owned();
    let reversed: String = format!("derived-{PW}").chars().rev().collect();
    assert!(!verbose.contains(&reversed), "{verbose}");
    assert!(!verbose.contains("  forced"), "{verbose}");
    assert!(verbose.contains("  not-secret-output"), "{verbose}");
    assert!(verbose.contains("  plain"), "{verbose}");
    assert!(verbose.contains("output is secret"), "{verbose}");
}

#[test]
fn a_secret_output_is_not_streamed_in_json_events_either() {
    let repo = TestRepo::new();
    repo.script(
        "json",
        r#"//! A derived secret, with JSON events.
let pw = secret_env("AUTO_TEST_PW");
exec::run(["sh", "-c", "printf 'derived-%s\n' \"$P\" | rev"], #{ env: #{ P: pw }, effect: "read" });
"#,
    );
    let output = repo.command(&["run", "json", "--output", "json"]).env("AUTO_TEST_PW", PW).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let reversed: String = format!("derived-{PW}").chars().rev().collect();
    assert_eq!(output.status.code(), Some(0));
    assert!(!stdout.contains(&reversed), "{stdout}");
    assert!(!stdout.contains(r#""type":"tool_output""#), "{stdout}");
}

// ----- 9b: base64 at every alignment -----

/// Standard and URL-safe alphabets differ on this value (`>` and `?` give `+` and `/`).
const B64_CANARY: &str = "b4sic>auth?canary~";

#[test]
fn base64_of_any_text_containing_a_secret_is_masked() {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    use base64::Engine as _;
    assert_ne!(STANDARD.encode(B64_CANARY), URL_SAFE.encode(B64_CANARY), "the canary exercises both alphabets");
    // Basic-auth headers and other base64 around the secret, at each byte alignment
    // (prefixes of 0, 1, 2 and 5 bytes), printed by a tool that was given no secret — so
    // only the redactor stands between them and the output.
    let prefixes = ["", "a", "ab", "user:", "Authorization: Basic x"];
    let mut lines = String::new();
    let mut forms = Vec::new();
    for prefix in prefixes {
        let standard = STANDARD.encode(format!("{prefix}{B64_CANARY}\n"));
        let url = URL_SAFE.encode(format!("{prefix}{B64_CANARY}-tail"));
        // 12 characters that encode only the secret's own bytes (the neighbours' bits
        // leak into at most one character at each end).
        let start = prefix.len() / 3 * 4 + 4;
        for encoded in [standard, url] {
            forms.push(encoded[start..start + 12].to_string());
            lines.push_str(&format!("{encoded}\n"));
        }
    }
    let repo = TestRepo::new();
    repo.write("headers.txt", &lines);
    repo.script(
        "basic",
        r#"//! base64 of text around a secret.
let pw = secret_env("AUTO_TEST_PW");
print(fs::read("headers.txt").split("\n")[6]);
exec::run(["cat", "headers.txt"], #{ effect: "read" });
"#,
    );
    let printed = run_everywhere(&repo, "basic", &[("AUTO_TEST_PW", B64_CANARY)], 0);
    assert_nowhere(&printed, &forms);
    // Each of the ten lines is there, masked where the secret's base64 was.
    let verbose = text_of(&printed, "human -v stderr");
    let tool_lines: Vec<&str> = verbose.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(tool_lines.len(), 10, "{verbose}");
    assert!(tool_lines.iter().all(|l| l.contains("***")), "{verbose}");
    assert!(text_of(&printed, "human stderr").contains("\ndXNlcjp***"), "{}", text_of(&printed, "human stderr"));
}

// ----- 9c: string operations on a secret -----

#[test]
fn string_operations_and_concatenation_keep_a_secret_secret_and_its_value_intact() {
    let repo = TestRepo::new();
    repo.script(
        "ops",
        r#"//! Working with a secret's value without it turning into text.
let pw = secret_env("AUTO_TEST_PW");
let header = "user:" + pw;
let both = pw + "@" + pw;
let trimmed = pw.trim();
let parts = trimmed.split(":");
let first = trimmed.sub_string(0, 5);
let rest = trimmed.sub_string(10);
let appended = trimmed;
appended += "!";
print(`types: ${type_of(header)} ${type_of(both)} ${type_of(trimmed)} ${type_of(parts[0])} ${type_of(parts[1])} ${type_of(first)} ${type_of(rest)} ${type_of(appended)} ${type_of('<' + pw)} ${type_of(pw + '>')}`);
print(`shown as: ${header} ${parts}`);
print(`len ${pw.len()} / ${trimmed.len()}, empty ${pw.is_empty()}, parts ${parts.len()}`);
print(`equal: ${trimmed == "alpha-one:beta-two"} ${trimmed == pw} ${"alpha-one:beta-two" == trimmed} ${trimmed != "x"}`);
print(`upper: ${type_of(trimmed.to_upper())}, replaced: ${type_of(trimmed.replace("alpha", "omega"))}`);
print(`contains: ${trimmed.contains("beta")} starts: ${trimmed.starts_with("alpha")} ends: ${trimmed.ends_with("two")}`);
exec::run(["sh", "-c", "printf '%s|%s|%s|%s|%s|%s|%s|%s' \"$A\" \"$B\" \"$C\" \"$D\" \"$E\" \"$F\" \"$G\" \"$H\" > values.txt"], #{ env: #{
    A: header, B: both, C: trimmed, D: parts[0], E: parts[1], F: first, G: rest, H: appended,
}, effect: "read" });
let text = "prefix:";
text += pw;
"#,
    );
    let value = "  alpha-one:beta-two \n";
    let outcome = repo.command(&["run", "ops"]).env("AUTO_TEST_PW", value).output().expect("runs");
    let outcome = support::Outcome::from(outcome, repo.path());
    expect_test::expect![[r#"
        exit 2
        --- stdout
        --- stderr
        auto scripts/ops.rhai (run, run [RUN])
        types: Secret Secret Secret Secret Secret Secret Secret Secret Secret Secret
        shown as: *** [Secret(***), Secret(***)]
        len 22 / 18, empty false, parts 2
        equal: true false true true
        upper: Secret, replaced: Secret
        contains: true starts: true ends: true
        error: `+=` would turn the secret into text (`***`): write `text = text + secret`, which keeps it a secret
          --> scripts/ops.rhai:21:6
           |
        21 | text += pw;
           |      ^
    "#]]
    .assert_eq(&outcome.transcript());
    let values = std::fs::read_to_string(repo.path().join("values.txt")).expect("the tool wrote the values");
    assert_eq!(
        values,
        format!(
            "user:{value}|{value}@{value}|alpha-one:beta-two|alpha-one|beta-two|alpha|beta-two|alpha-one:beta-two!"
        ),
        "the tool gets the real values, not `***`"
    );
    assert!(!outcome.stderr.contains("alpha-one"), "{}", outcome.stderr);
}
