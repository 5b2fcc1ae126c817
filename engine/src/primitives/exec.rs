//! `exec::run`: an arbitrary command through the runner seam — visible in plans and
//! journals like every other effect, no shell, no secrets on argv.
//!
//! The output of a command that was given a secret is a secret (issue 18, item 9a): `auto`
//! cannot know what the tool did with the value (`cat` echoes it, `vault read` trades it
//! for another), so the output is treated like the input unless the script says
//! otherwise with `secret_output: false`. Output that holds a known secret's value is a
//! secret whatever the options.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::process::{describe_failure, Completion, Effect, Invocation, LineObserver, Quiet, Runner, Stdin};
use crate::report::{Event, LogLevel};
use crate::runtime::data::Data;
use crate::secret::{mentions_secret, Secret};

/// The options of `exec::run`; the field docs are its option table in the reference.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecOptions {
    /// Extra environment variables; values may be secrets (they stay secret).
    #[serde(default)]
    pub env: BTreeMap<String, Data>,
    /// The working directory (a repository path).
    /// Default: the repository root.
    pub cwd: Option<String>,
    /// The program's standard input: a string, a secret, or any other value (sent as JSON).
    pub stdin: Option<Data>,
    /// `"read"` commands run under `--plan` too; `"write"` ones are only recorded there.
    /// Default: `"write"`.
    pub effect: Option<EffectName>,
    /// E.g. `"30s"`, `"5m"`: the program is stopped after this long.
    pub timeout: Option<String>,
    /// Whether a non-zero exit is an error (with the tail of its output, masked).
    /// Default: `true`.
    pub check: Option<bool>,
    /// Whether `stdout` and `stderr` are secrets. `false` makes them plain — unless they
    /// hold a known secret's value.
    /// Default: `true` when `env` or `stdin` holds a secret.
    pub secret_output: Option<bool>,
}

/// Whether a command's output is a secret, decided before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputSecrecy {
    /// The command was given a secret (or the script said so): its stdout and stderr are
    /// secrets, registered with the redactor, and are not streamed to the output.
    Secret,
    /// Plain text, streamed with `-v` — except a stream that turns out to hold a known
    /// secret's value, which is returned as a secret.
    Plain,
}

/// A tool's output as a script receives it: a secret when the tool was given a secret
/// (in its environment or on stdin) or when the text holds a known secret's value —
/// for every primitive that hands a tool's output back (`exec::run` decides through
/// [`output_secrecy`], which also honours `secret_output`; `docker::run` and
/// `kubectl::exec` through this).
pub fn tool_output(text: String, given_a_secret: bool) -> Data {
    if given_a_secret || crate::secret::mentions_secret(&text) {
        Data::Secret(crate::secret::Secret::new(text))
    } else {
        Data::Str(text)
    }
}

/// The secrecy of the output of a command run with `options` (pure; unit-tested).
pub fn output_secrecy(options: &ExecOptions) -> OutputSecrecy {
    let given_a_secret =
        options.env.values().any(Data::contains_secret) || options.stdin.as_ref().is_some_and(Data::contains_secret);
    match options.secret_output {
        Some(true) => OutputSecrecy::Secret,
        Some(false) => OutputSecrecy::Plain,
        None if given_a_secret => OutputSecrecy::Secret,
        None => OutputSecrecy::Plain,
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EffectName {
    Read,
    Write,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExecResult {
    /// `stdout` and `stderr` are [`Data::Str`] or [`Data::Secret`].
    Completed {
        code: Option<i32>,
        stdout: Data,
        stderr: Data,
    },
    Recorded,
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    crate::duration::parse(text)
}

/// Builds the invocation (pure; unit-tested).
pub fn invocation(argv: &[Data], options: &ExecOptions, cwd: Option<PathBuf>) -> Result<Invocation, String> {
    let Some((program, args)) = argv.split_first() else {
        return Err("exec::run needs at least the program name".into());
    };
    let plain = |item: &Data, what: &str| -> Result<String, String> {
        match item {
            Data::Str(s) => Ok(s.clone()),
            Data::Int(_) | Data::Float(_) | Data::Bool(_) => Ok(item.to_string()),
            Data::Secret(_) => Err(format!("{what} is a secret: secrets must not be on a command line (anyone can read it in `ps`); pass it with `env` or `stdin`")),
            Data::Unknown(u) => Ok(format!("(known after apply: {u})")),
            other => Err(format!("{what} must be a string, not {}", other.kind())),
        }
    };
    let effect = match options.effect.unwrap_or(EffectName::Write) {
        EffectName::Read => Effect::Read,
        EffectName::Write => Effect::Write,
    };
    let mut invocation = Invocation::new(plain(program, "the program")?, effect);
    if let Some(what) =
        argv.iter().chain(options.env.values()).chain(options.stdin.iter()).find_map(Data::first_unknown)
    {
        invocation = invocation.depends_on_unknown(what);
    }
    for (i, arg) in args.iter().enumerate() {
        invocation = invocation.arg(plain(arg, &format!("argument {}", i + 1))?);
    }
    for (key, value) in &options.env {
        invocation = match value {
            Data::Secret(secret) => invocation.secret_env(key, secret.clone()),
            other => invocation.env(key, plain(other, &format!("env `{key}`"))?),
        };
    }
    if let Some(stdin) = &options.stdin {
        invocation = invocation.stdin(match stdin {
            Data::Secret(secret) => Stdin::Secret(secret.clone()),
            Data::Str(text) => Stdin::Plain(text.clone().into_bytes()),
            // A map or list holding a secret goes as JSON; that JSON holds the secret, so
            // it is one (a plan shows `< (stdin: ***)`, not its size).
            other if other.contains_secret() => {
                Stdin::Secret(Secret::containing_secrets(other.to_json_exposed().to_string()))
            }
            other => Stdin::Plain(other.to_json_exposed().to_string().into_bytes()),
        });
    }
    if let Some(cwd) = cwd {
        invocation = invocation.cwd(cwd);
    }
    let timeout = options.timeout.as_deref().map(parse_duration).transpose()?;
    Ok(invocation.timeout(timeout))
}

/// Runs the command. `observer` sees its lines as they come — unless its output is
/// secret, which is never streamed: `-v` would print the very value the script gets back
/// as a secret. A failure's message shows the end of the output either way, redacted:
/// a failing command returns nothing, and its last lines are the diagnosis.
pub fn run(
    runner: &dyn Runner,
    invocation: &Invocation,
    check: bool,
    secrecy: OutputSecrecy,
    observer: &dyn LineObserver,
) -> Result<ExecResult, String> {
    let observer = match secrecy {
        OutputSecrecy::Secret => &Quiet,
        OutputSecrecy::Plain => observer,
    };
    match runner.run(invocation, observer).map_err(|e| e.to_string())? {
        Completion::Recorded => Ok(ExecResult::Recorded),
        Completion::Ran(output) => {
            if check && !output.success() {
                return Err(describe_failure(invocation, &output));
            }
            if secrecy == OutputSecrecy::Secret && !(output.stdout.is_empty() && output.stderr.is_empty()) {
                runner.context().emit(Event::Log {
                    level: LogLevel::Debug,
                    message: format!("`{invocation}`: output is secret, not shown (`secret_output: false` shows it)"),
                });
            }
            Ok(ExecResult::Completed {
                code: output.code,
                stdout: captured(output.stdout_text(), secrecy),
                stderr: captured(String::from_utf8_lossy(&output.stderr).into_owned(), secrecy),
            })
        }
    }
}

/// One captured stream as the script gets it.
fn captured(text: String, secrecy: OutputSecrecy) -> Data {
    match secrecy {
        // What the tool made from a secret may be a new secret (a token traded for a
        // key): registered, so it is masked wherever it shows up later.
        OutputSecrecy::Secret => Data::Secret(Secret::new(text)),
        // Every known secret it holds is registered already, line by line; its other
        // lines are not known to be secret, so they are not registered (the redactor
        // would otherwise mask every line of, say, `kubectl get secret -o yaml` from then on).
        OutputSecrecy::Plain if mentions_secret(&text) => Data::Secret(Secret::containing_secrets(text)),
        OutputSecrecy::Plain => Data::Str(text),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::process::{Output, RunError, Stream, WriteOutcome};

    /// Answers every invocation with the same output, as a tool that ran would.
    struct Answering(Output);

    impl Runner for Answering {
        fn run(&self, _: &Invocation, observer: &dyn LineObserver) -> Result<Completion, RunError> {
            for line in String::from_utf8_lossy(&self.0.stdout).lines() {
                observer.line(Stream::Stdout, line);
            }
            Ok(Completion::Ran(self.0.clone()))
        }
        fn write_file(&self, write: &crate::process::FileWrite) -> Result<WriteOutcome, RunError> {
            Err(RunError::Spawn { command: write.display.clone(), message: "not in this test".into() })
        }
    }

    fn answering(stdout: &str) -> Answering {
        Answering(Output { code: Some(0), stdout: stdout.into(), stderr: Vec::new(), elapsed: Duration::ZERO })
    }

    fn options(env: &[(&str, Data)], stdin: Option<Data>, secret_output: Option<bool>) -> ExecOptions {
        ExecOptions {
            env: env.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            stdin,
            secret_output,
            ..Default::default()
        }
    }

    #[test]
    fn output_is_secret_when_the_command_was_given_a_secret_unless_the_script_says_otherwise() {
        let secret = Data::Secret(Secret::new("exec-unit-given-1"));
        let in_a_map = Data::Map(BTreeMap::from([("pw".to_string(), secret.clone())]));
        let plain = Data::Str("plain".into());
        for (options, expected) in [
            (options(&[("P", secret.clone())], None, None), OutputSecrecy::Secret),
            (options(&[], Some(secret.clone()), None), OutputSecrecy::Secret),
            (options(&[], Some(in_a_map.clone()), None), OutputSecrecy::Secret),
            (options(&[("P", secret.clone())], None, Some(false)), OutputSecrecy::Plain),
            (options(&[("P", plain.clone())], Some(plain.clone()), None), OutputSecrecy::Plain),
            (options(&[], None, Some(true)), OutputSecrecy::Secret),
        ] {
            assert_eq!(output_secrecy(&options), expected, "{options:?}");
        }
    }

    #[test]
    fn a_map_holding_a_secret_goes_on_stdin_as_a_secret() {
        let map = Data::Map(BTreeMap::from([("pw".to_string(), Data::Secret(Secret::new("exec-unit-stdin-2")))]));
        let invocation = invocation(&[Data::Str("cat".into())], &options(&[], Some(map), None), None).unwrap();
        assert!(matches!(invocation.stdin, Some(Stdin::Secret(_))));
        assert_eq!(invocation.to_string(), "cat < (stdin: ***)");
    }

    #[test]
    fn a_secret_output_is_returned_as_a_secret_and_never_streamed() {
        let streamed = Mutex::new(Vec::new());
        let observer = |_: Stream, line: &str| streamed.lock().unwrap().push(line.to_string());
        let runner = answering("exec-unit-derived-3\n");
        let invocation = Invocation::new("vault", Effect::Read);
        let result = run(&runner, &invocation, true, OutputSecrecy::Secret, &observer).unwrap();
        let ExecResult::Completed { stdout: Data::Secret(stdout), .. } = result else { panic!("{result:?}") };
        assert_eq!(stdout.expose(), "exec-unit-derived-3\n");
        assert!(streamed.lock().unwrap().is_empty(), "{:?}", streamed.lock().unwrap());
        assert_eq!(crate::secret::redact("later: exec-unit-derived-3"), "later: ***", "registered");
    }

    #[test]
    fn plain_output_is_streamed_and_plain_unless_it_holds_a_known_secret() {
        let known = Secret::new("exec-unit-known-4");
        let streamed = Mutex::new(Vec::new());
        let observer = |_: Stream, line: &str| streamed.lock().unwrap().push(line.to_string());
        let invocation = Invocation::new("echo", Effect::Read);
        let plain = run(&answering("hello\n"), &invocation, true, OutputSecrecy::Plain, &observer).unwrap();
        assert!(matches!(plain, ExecResult::Completed { stdout: Data::Str(ref s), .. } if s == "hello\n"));
        let text = format!("value: {}\nother line\n", known.expose());
        let holding = run(&answering(&text), &invocation, true, OutputSecrecy::Plain, &observer).unwrap();
        assert!(matches!(holding, ExecResult::Completed { stdout: Data::Secret(_), .. }), "{holding:?}");
        assert_eq!(*streamed.lock().unwrap(), ["hello", "value: exec-unit-known-4", "other line"]);
        assert_eq!(crate::secret::redact("other line"), "other line", "its other lines are not secret");
    }
}
