//! `exec::run`: an arbitrary command through the runner seam — visible in plans and
//! journals like every other effect, no shell, no secrets on argv.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::process::{describe_failure, Completion, Effect, Invocation, LineObserver, Runner, Stdin};
use crate::runtime::data::Data;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecOptions {
    /// Extra environment variables; secret values stay secret.
    #[serde(default)]
    pub env: BTreeMap<String, Data>,
    /// Working directory, relative to the repository root.
    pub cwd: Option<String>,
    pub stdin: Option<Data>,
    /// `"read"` commands run under `--plan`; `"write"` (the default) are only recorded.
    pub effect: Option<EffectName>,
    /// E.g. `"30s"`, `"5m"`: the command is killed after this long.
    pub timeout: Option<String>,
    /// Whether a non-zero exit is an error (default true).
    pub check: Option<bool>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum EffectName {
    Read,
    Write,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExecResult {
    Completed { code: Option<i32>, stdout: String, stderr: String },
    Recorded,
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("invalid duration `{text}`: {e} (use e.g. \"30s\", \"5m\")"))
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
            other => Stdin::Plain(other.to_json_exposed().to_string().into_bytes()),
        });
    }
    if let Some(cwd) = cwd {
        invocation = invocation.cwd(cwd);
    }
    let timeout = options.timeout.as_deref().map(parse_duration).transpose()?;
    Ok(invocation.timeout(timeout))
}

pub fn run(
    runner: &dyn Runner,
    invocation: &Invocation,
    check: bool,
    observer: &dyn LineObserver,
) -> Result<ExecResult, String> {
    match runner.run(invocation, observer).map_err(|e| e.to_string())? {
        Completion::Recorded => Ok(ExecResult::Recorded),
        Completion::Ran(output) => {
            if check && !output.success() {
                return Err(describe_failure(invocation, &output));
            }
            Ok(ExecResult::Completed {
                code: output.code,
                stdout: output.stdout_text(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            })
        }
    }
}
