//! An external command as plain data: what runs, with what, and whether it changes anything.
//!
//! Primitives build invocations with pure functions (unit-tested without spawning) and hand
//! them to a [`Runner`](super::Runner). The display form is shell-escaped so it can be pasted
//! into a terminal, with every secret shown as `***`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::secret::{Secret, MASK};

pub use crate::effect::Effect;

#[derive(Debug, Clone)]
pub enum Arg {
    Plain(String),
    /// Replaced by the path of the attached file of that name, materialised by the runner
    /// in a private directory (0700) as a 0600 file, and removed afterwards.
    FilePath(String),
    /// `prefix` + the attached file's path, for flags such as `-var-file=<path>`.
    FlagWithFile {
        prefix: String,
        file: String,
    },
}

#[derive(Debug, Clone)]
pub enum Value {
    Plain(String),
    Secret(Secret),
}

impl Value {
    pub fn expose(&self) -> &str {
        match self {
            Value::Plain(value) => value,
            Value::Secret(secret) => secret.expose(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Stdin {
    Plain(Vec<u8>),
    Secret(Secret),
}

/// A file the command needs (a terraform var file, a kubeconfig fragment). Attached rather
/// than written by the primitive so that dry-run writes nothing and secrets land only in
/// 0600 files the runner removes.
#[derive(Debug, Clone)]
pub struct AttachedFile {
    pub name: String,
    pub contents: Value,
}

#[derive(Debug, Clone)]
pub struct Invocation {
    pub program: String,
    pub args: Vec<Arg>,
    pub env: Vec<(String, Value)>,
    pub cwd: Option<PathBuf>,
    pub stdin: Option<Stdin>,
    pub files: Vec<AttachedFile>,
    pub effect: Effect,
    pub timeout: Option<Duration>,
    /// Set when an argument or env value is only known after an apply (dry-run, plan): such
    /// a command can be recorded but never run.
    pub unknown: Option<String>,
    /// Paths the command reads (a terraform root): when one exists only in the plan, the
    /// plan runner records the command instead of running it.
    pub reads: Vec<PathBuf>,
    /// The most stdout kept as the command's result; more is an error
    /// ([`RunError::OutputTooLarge`](super::RunError::OutputTooLarge)), never a cut result.
    pub max_stdout: usize,
}

/// What a command may print on stdout unless its caller says otherwise: far above what
/// terraform's `-json` UI or a `kubectl get -o json` prints, far below what would exhaust
/// a CI runner's memory.
pub const DEFAULT_MAX_STDOUT: usize = 64 * 1024 * 1024;

impl Invocation {
    pub fn new(program: impl Into<String>, effect: Effect) -> Self {
        Invocation {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
            stdin: None,
            files: Vec::new(),
            effect,
            timeout: None,
            reads: Vec::new(),
            unknown: None,
            max_stdout: DEFAULT_MAX_STDOUT,
        }
    }

    /// Marks the command as depending on a value not known yet (shown in its place).
    pub fn depends_on_unknown(mut self, what: impl Into<String>) -> Self {
        self.unknown.get_or_insert(what.into());
        self
    }

    pub fn reads(mut self, path: impl Into<PathBuf>) -> Self {
        self.reads.push(path.into());
        self
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(Arg::Plain(arg.into()));
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(|a| Arg::Plain(a.into())));
        self
    }

    pub fn file_arg(mut self, prefix: impl Into<String>, file: AttachedFile) -> Self {
        let prefix = prefix.into();
        let name = file.name.clone();
        self.files.push(file);
        self.args.push(if prefix.is_empty() { Arg::FilePath(name) } else { Arg::FlagWithFile { prefix, file: name } });
        self
    }

    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), Value::Plain(value.into())));
        self
    }

    pub fn secret_env(mut self, key: impl Into<String>, secret: Secret) -> Self {
        self.env.push((key.into(), Value::Secret(secret)));
        self
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    pub fn stdin(mut self, stdin: Stdin) -> Self {
        self.stdin = Some(stdin);
        self
    }

    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Caps what is kept of stdout (a script's string limit, for a result handed to Rhai).
    pub fn max_stdout(mut self, bytes: usize) -> Self {
        self.max_stdout = bytes;
        self
    }

    /// The command line with secrets masked and attached files shown as `@name`.
    pub fn display_args(&self) -> Vec<String> {
        self.args
            .iter()
            .map(|arg| match arg {
                Arg::Plain(value) => value.clone(),
                Arg::FilePath(name) => format!("@{name}"),
                Arg::FlagWithFile { prefix, file } => format!("{prefix}@{file}"),
            })
            .collect()
    }
}

/// `cd dir && NAME=value NAME2=*** program 'arg with space' *** < (stdin)`: pasteable, masked.
impl fmt::Display for Invocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(cwd) = &self.cwd {
            write!(f, "cd {} && ", shell_words::quote(&cwd.display().to_string()))?;
        }
        for (key, value) in &self.env {
            match value {
                Value::Plain(v) => write!(f, "{key}={} ", shell_words::quote(v))?,
                Value::Secret(_) => write!(f, "{key}={MASK} ")?,
            }
        }
        write!(f, "{}", shell_words::quote(&self.program))?;
        for arg in self.display_args() {
            if arg == MASK {
                write!(f, " {MASK}")?;
            } else {
                write!(f, " {}", shell_words::quote(&arg))?;
            }
        }
        match &self.stdin {
            Some(Stdin::Plain(bytes)) => write!(f, " < (stdin: {} bytes)", bytes.len())?,
            Some(Stdin::Secret(_)) => write!(f, " < (stdin: {MASK})")?,
            None => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_shell_escaped_and_masks_secrets() {
        let invocation = Invocation::new("kubectl", Effect::Write)
            .args(["create", "secret", "generic", "db pass"])
            .secret_env("PGPASSWORD", Secret::new("hunter2-secret"))
            .env("KUBECONFIG", "/tmp/k config")
            .file_arg(
                "-var-file=",
                AttachedFile { name: "vars.tfvars.json".into(), contents: Value::Plain("{}".into()) },
            )
            .stdin(Stdin::Secret(Secret::new("stdin-secret")))
            .cwd("/repo");
        expect_test::expect!["cd /repo && PGPASSWORD=*** KUBECONFIG='/tmp/k config' kubectl create secret generic 'db pass' '-var-file=@vars.tfvars.json' < (stdin: ***)"]
            .assert_eq(&invocation.to_string());
    }
}
