//! The bad-input corpus: every case ends with a clear error (what, where, what to do),
//! the right exit code, no panic, and nothing half-written.
#![allow(clippy::disallowed_methods)] // tests start the binary under test directly

mod support;

use support::TestRepo;

struct Case {
    name: &'static str,
    /// Script `scripts/t.rhai` (a leading doc comment is added).
    script: Option<&'static str>,
    /// Extra files (path, contents).
    files: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    exit: i32,
    message: &'static str,
}

const fn case(name: &'static str, script: &'static str, exit: i32, message: &'static str) -> Case {
    Case { name, script: Some(script), files: &[], args: &["run", "t"], exit, message }
}

const CASES: &[Case] = &[
    // Malformed scripts: compile errors, exit 2, nothing runs.
    case("unclosed brace", "if true {\n", 2, "syntax error"),
    case("unexpected token", "let x = 1 +* 2;", 2, "syntax error"),
    case("unterminated string", "let s = \"abc;\n", 2, "syntax error"),
    case("undefined variable", "print(nope);", 2, "variable `nope` is not defined"),
    case("reserved word as key", "let m = #{ default: 1 };", 2, "`default` is a reserved word in Rhai"),
    case("eval is disabled", "eval(\"1\");", 2, "eval"),
    case("missing import", "import \"lib/absent\" as a;", 2, "module `lib/absent` not found"),
    case("import outside scripts", "import \"../../etc/x\" as a;", 2, "leaves `scripts/`"),
    // Runtime type errors and friends: exit 1 with the line.
    case("type error", "let x = 1 - \"a\";", 1, "function not found: `- (i64, string)`"),
    case("index out of bounds", "let a = [1];\nlet b = a[5];", 1, "out of bounds"),
    case("missing map property", "let m = #{ a: 1 };\nlet b = m.b;", 1, "Property not found: b"),
    case(
        "function called through a pointer",
        "let f = Fn(\"nope\");\nf.call(1);",
        1,
        "function not found: `nope (i64)`",
    ),
    case("script throws", "throw \"custom failure\";", 1, "the script threw: custom failure"),
    case("fail()", "fail(\"stopped on purpose\");", 1, "stopped on purpose"),
    // What `auto check` finds without running anything: exit 2 before the first effect.
    case("undefined function", "nope(1);", 2, "unknown function `nope`"),
    case(
        "misspelt function",
        "terraform::aply(\"x\");",
        2,
        "unknown function `terraform::aply`: did you mean `terraform::apply`?",
    ),
    case("misspelt module", "terraform2::apply(\"x\");", 2, "unknown module `terraform2`: did you mean `terraform`?"),
    case(
        "wrong arity",
        "step(\"x\");",
        2,
        "`step` takes 2 or 3 arguments (name, body) or (name, options, body), got 1",
    ),
    case(
        "literal of the wrong type",
        "exec::run(\"true\");",
        2,
        "argument 1 of `exec::run` (argv) must be an array, got a string",
    ),
    case("undeclared parameter", "print(params.env);", 2, "unknown parameter `env`: the script declares no parameters"),
    // Unknown or mistyped options.
    case(
        "unknown option key",
        "exec::run([\"true\"], #{ cwdd: \"x\" });",
        2,
        "unknown option `cwdd` of `exec::run`: did you mean `cwd`?",
    ),
    case(
        "unknown option key in a map built at run time",
        "let options = #{ cwdd: \"x\" };\nexec::run([\"true\"], options);",
        2,
        "unknown field `cwdd`, expected one of",
    ),
    case(
        "option of the wrong type",
        "exec::run([\"true\"], #{ timeout: 5 });",
        2,
        "invalid type: integer `5`, expected a string",
    ),
    case("invalid duration", "exec::run([\"true\"], #{ timeout: \"5 parsecs\" });", 2, "invalid duration `5 parsecs`"),
    case("empty argv", "exec::run([]);", 2, "exec::run needs at least the program name"),
    case("parallel of non-closures", "parallel([1, 2]);", 2, "parallel: item 1 is not a closure"),
    case("parallel limit zero", "parallel([|| 1], #{ limit: 0 });", 2, "`limit` must be between 1 and 1024, not 0"),
    case(
        "unknown parallel option",
        "parallel([|| 1], #{ limt: 2 });",
        2,
        "unknown option `limt` of `parallel`: did you mean `limit`?",
    ),
    case("empty step name", "step(\"\", || 1);", 2, "step name `` must be non-empty"),
    case("step name with slash", "step(\"a/b\", || 1);", 2, "must not contain `/`"),
    case("invalid step timeout", "step(\"s\", #{ timeout: \"soon\" }, || 1);", 2, "invalid duration `soon`"),
    // Secrets.
    case(
        "secret on argv",
        "exec::run([\"echo\", secret(\"canary-argv-1234\")]);",
        2,
        "secrets must not be on a command line",
    ),
    case(
        "unset secret env",
        "secret_env(\"AUTO_TEST_SURELY_UNSET\");",
        1,
        "environment variable `AUTO_TEST_SURELY_UNSET` is not set",
    ),
    // Hostile names reaching the repository model.
    case(
        "name with shell metacharacters",
        "customer(\"dev\", \"acme;rm -rf /\");",
        2,
        "invalid customer name `acme;rm -rf /`: it contains `;`",
    ),
    case("path traversal name", "customer(\"dev\", \"../x\");", 2, "it would point outside its folder"),
    case("command substitution name", "customer(\"dev\", \"$(id)\");", 2, "it contains `$`"),
    case("leading dash name", "customer(\"dev\", \"-rf\");", 2, "it must start with a letter"),
    case("unicode look-alike name", "customer(\"dev\", \"аcme\");", 2, "non-ASCII character `а` (U+0430)"),
    case(
        "10k-char name",
        "let n = \"a\";\nn.pad(10000, 'a');\ncustomer(\"dev\", n);",
        2,
        "10000 characters long, the limit is 32",
    ),
    case("empty name", "customer(\"dev\", \"\");", 2, "it is empty"),
    case(
        "unknown environment",
        "customer(\"prod\", \"acme\");",
        2,
        "unknown environment `prod`: known environments are `dev`",
    ),
    case(
        "unknown customer",
        "customer(\"dev\", \"zeta\");",
        2,
        "unknown customer `zeta` in environment `dev`: known customers are `acme`, `beta`",
    ),
    case("invalid lock scope", "lock(\"dev/../x\");", 2, "invalid lock scope name"),
    case("path outside the repository", "path_exists(\"../../etc/passwd\");", 2, "is outside the repository"),
    case("absolute path outside the repository", "path_exists(\"/etc/passwd\");", 2, "is outside the repository"),
    // Limits.
    Case {
        name: "runaway loop",
        script: Some("let i = 0;\nloop { i += 1; }"),
        files: &[],
        args: &["run", "t", "--max-operations", "100000"],
        exit: 1,
        message: "the script exceeded the operations limit (100000)",
    },
    case("deep recursion", "fn f(n) { f(n + 1) }\nf(0);", 1, "the call depth limit (96) was exceeded"),
    case("huge string", "let s = \"x\";\nloop { s += s; }", 1, "more than the 1024 MiB it may"),
    case("huge array", "let a = [1];\nloop { a += a; }", 1, "more than the 1024 MiB it may"),
    // Tools.
    case("missing tool", "exec::run([\"no-such-tool-4f2a\"]);", 1, "`no-such-tool-4f2a` was not found on PATH"),
    case("tool exits non-zero", "exec::run([\"false\"]);", 1, "`false` failed with exit code 1"),
    // Parameters and the command line.
    Case {
        name: "missing required param",
        script: Some(PARAMS),
        files: &[],
        args: &["run", "t"],
        exit: 2,
        message: "missing required parameter `env` (pass --set env=...)",
    },
    Case {
        name: "invalid choice",
        script: Some(PARAMS),
        files: &[],
        args: &["run", "t", "--set", "env=prod"],
        exit: 2,
        message: "parameter `env`: `prod` is not one of `dev`",
    },
    Case {
        name: "pattern mismatch",
        script: Some(PARAMS),
        files: &[],
        args: &["run", "t", "--set", "env=dev", "--set", "id=x;y"],
        exit: 2,
        message: "`x;y` does not match the pattern",
    },
    Case {
        name: "int param not an int",
        script: Some(PARAMS),
        files: &[],
        args: &["run", "t", "--set", "env=dev", "--set", "n=many"],
        exit: 2,
        message: "parameter `n`: `many` is not an integer",
    },
    Case {
        name: "bool param invalid",
        script: Some(PARAMS),
        files: &[],
        args: &["run", "t", "--set", "env=dev", "--set", "force=perhaps"],
        exit: 2,
        message: "`perhaps` is not a boolean (true/false)",
    },
    Case {
        name: "unknown param",
        script: Some(PARAMS),
        files: &[],
        args: &["run", "t", "--set", "env=dev", "--set", "forse=true"],
        exit: 2,
        message: "unknown parameter `forse` (did you mean `force`?)",
    },
    Case {
        name: "params-json not json",
        script: Some(PARAMS),
        files: &[],
        args: &["run", "t", "--params-json", "{env: dev}"],
        exit: 2,
        message: "--params-json is not valid JSON",
    },
    Case {
        name: "params-json not an object",
        script: Some(PARAMS),
        files: &[],
        args: &["run", "t", "--params-json", "[1]"],
        exit: 2,
        message: "--params-json must be a JSON object",
    },
    Case {
        name: "params-json wrong type",
        script: Some(PARAMS),
        files: &[],
        args: &["run", "t", "--params-json", r#"{"env":"dev","n":"3"}"#],
        exit: 2,
        message: "parameter `n`: expected an int, got string",
    },
    Case {
        name: "--set without =",
        script: Some(PARAMS),
        files: &[],
        args: &["run", "t", "--set", "env"],
        exit: 2,
        message: "`env` is not KEY=VALUE",
    },
    Case {
        name: "--dry-run with --plan",
        script: Some(PARAMS),
        files: &[],
        args: &["run", "t", "--dry-run", "--plan"],
        exit: 2,
        message: "cannot be used with",
    },
    Case {
        name: "bad param declaration",
        script: Some("param(\"x\", #{ help: \"x\", pattern: \"[\" });"),
        files: &[],
        args: &["run", "t"],
        exit: 2,
        message: "param `x`: invalid pattern",
    },
    Case {
        name: "duplicate param",
        script: Some("param(\"x\", #{ help: \"x\" });\nparam(\"x\", #{ help: \"y\" });"),
        files: &[],
        args: &["run", "t", "--set", "x=1"],
        exit: 2,
        message: "param `x` is declared twice",
    },
    Case {
        name: "param declared late",
        script: Some("let a = 1;\nparam(\"x\", #{ help: \"x\", default_value: 1 });"),
        files: &[],
        args: &["run", "t"],
        exit: 2,
        message: "param `x` must be declared at the top of the script",
    },
    // Configuration.
    Case {
        name: "env.toml syntax error",
        script: Some("customer(\"dev\", \"acme\");"),
        files: &[("environments/dev/env.toml", "[azure\n")],
        args: &["run", "t"],
        exit: 2,
        message: "invalid configuration in `[REPO]/environments/dev/env.toml:1`",
    },
    Case {
        name: "env.toml unknown key",
        script: Some("customer(\"dev\", \"acme\");"),
        files: &[("environments/dev/env.toml", BAD_KEY_ENV)],
        args: &["run", "t"],
        exit: 2,
        message: "unknown field `regoin`",
    },
    Case {
        name: "env.toml bad prefix",
        script: Some("customer(\"dev\", \"acme\");"),
        files: &[("environments/dev/env.toml", BAD_PREFIX_ENV)],
        args: &["run", "t"],
        exit: 2,
        message: "naming.prefix `Not OK` must be 2-6 lowercase letters or digits",
    },
    Case {
        name: "env.toml context not allowed",
        script: Some("customer(\"dev\", \"acme\");"),
        files: &[("environments/dev/env.toml", BAD_CONTEXT_ENV)],
        args: &["run", "t"],
        exit: 2,
        message: "kubernetes.context `prod-cluster` is not in kubernetes.allowed_contexts",
    },
    Case {
        name: "customer.toml malformed",
        script: Some("customer(\"dev\", \"acme\");"),
        files: &[("environments/dev/acme/customer.toml", "display_name = 3\n")],
        args: &["run", "t"],
        exit: 2,
        message: "invalid configuration in `[REPO]/environments/dev/acme/customer.toml:1`",
    },
    Case {
        name: "script not utf-8",
        script: None,
        files: &[("scripts/t.rhai", "\u{FFFD}")],
        args: &["run", "scripts/latin1.rhai"],
        exit: 2,
        message: "script `scripts/latin1.rhai` not found",
    },
    Case {
        name: "unknown script",
        script: None,
        files: &[],
        args: &["run", "nope"],
        exit: 2,
        message: "no script `nope` in scripts/: it has none yet (`auto new nope` creates one)",
    },
    Case {
        name: "script name with traversal",
        script: None,
        files: &[],
        args: &["run", "..%2Fx"],
        exit: 2,
        message: "invalid script name",
    },
    Case {
        name: "unknown run to resume",
        script: None,
        files: &[],
        args: &["run", "--resume", "20260101T000000Z-dead"],
        exit: 2,
        message: "unknown run `[RUN]`",
    },
    Case {
        name: "unknown run to show",
        script: None,
        files: &[],
        args: &["runs", "show", "nope"],
        exit: 2,
        message: "unknown run `nope`",
    },
    Case {
        name: "check of a missing path",
        script: None,
        files: &[],
        args: &["check", "scripts/absent.rhai"],
        exit: 1,
        message: "cannot read `scripts/absent.rhai`: no such file or folder",
    },
    Case {
        name: "describe unknown script",
        script: None,
        files: &[],
        args: &["describe", "nope"],
        exit: 2,
        message: "no script `nope` in scripts/: it has none yet (`auto new nope` creates one)",
    },
    Case {
        name: ".auto is not a folder",
        script: Some("print(1);"),
        files: &[(".auto", "not a folder")],
        args: &["run", "t"],
        exit: 1,
        message: "cannot write the run journal",
    },
];

const PARAMS: &str = r#"param("env", #{ help: "environment", choices: environments() });
param("id", #{ help: "id", pattern: "[a-z]+", default_value: "abc" });
param("n", #{ help: "count", type: "int", default_value: 1 });
param("force", #{ help: "force", default_value: false });
"#;

const BAD_KEY_ENV: &str = "[azure]\nsubscription_id = \"x\"\ntenant_id = \"x\"\nregoin = \"x\"\n";
const BAD_PREFIX_ENV: &str = r#"[azure]
subscription_id = "x"
tenant_id = "x"
location = "westeurope"
[naming]
prefix = "Not OK"
[backend]
kind = "local"
[kubernetes]
context = "a"
allowed_contexts = ["a"]
[registry]
server = "r"
"#;
const BAD_CONTEXT_ENV: &str = r#"[azure]
subscription_id = "x"
tenant_id = "x"
location = "westeurope"
[naming]
prefix = "anl"
[backend]
kind = "local"
[kubernetes]
context = "prod-cluster"
allowed_contexts = ["dev-cluster"]
[registry]
server = "r"
"#;

#[test]
fn every_bad_input_fails_cleanly() {
    assert!(CASES.len() >= 50, "the corpus has {} cases", CASES.len());
    let mut failures = Vec::new();
    for case in CASES {
        let repo = TestRepo::new();
        if let Some(script) = case.script {
            repo.script("t", &format!("//! Case: {}.\n{script}\n", case.name));
        }
        for (path, contents) in case.files {
            repo.write(path, contents);
        }
        let outcome = repo.run(case.args);
        let problems: Vec<&str> = [
            (outcome.code != case.exit).then_some("exit code"),
            (!outcome.stderr.contains(case.message)).then_some("message"),
            outcome.stderr.contains("panicked").then_some("panic"),
            leftover_temp_files(repo.path()).then_some("temp file left behind"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !problems.is_empty() {
            failures.push(format!(
                "{} ({}): expected exit {} and `{}`, got exit {}:\n{}",
                case.name,
                problems.join(", "),
                case.exit,
                case.message,
                outcome.code,
                outcome.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

fn leftover_temp_files(dir: &std::path::Path) -> bool {
    walk(dir).iter().any(|p| p.to_string_lossy().contains(".auto-tmp-"))
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
