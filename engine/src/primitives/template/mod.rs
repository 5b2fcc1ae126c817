//! Templates: minijinja configured for config files — strict about undefined values,
//! escaping chosen by the output file name, `auto`'s filters, and secret tracking so a
//! file rendered from a secret is itself a secret (written 0600, never shown).
//!
//! No Rhai here, and no writing except through the runner (see [`files`]).

mod escape;
pub mod files;
mod filters;
mod values;

use std::borrow::Cow;
use std::fmt::Write as _;

use minijinja::{Environment, ErrorKind, UndefinedBehavior};

use crate::process::Value;
use crate::repo::{Confinement, Repo, RepoPath};
use crate::runtime::data::Data;
use crate::secret::{redact, Secret};

pub use escape::{escape_for, xml_escape};
pub use files::{DirReport, FsEntry};

/// The name inline templates (`template::render(text, vars)`) carry in messages; it has
/// no extension, so nothing is escaped.
pub const INLINE: &str = "inline template";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    /// A syntax error, an undefined value, a failing filter: the message carries the
    /// template `file:line` and a source excerpt.
    #[error("{0}")]
    Render(String),
    #[error("template variables must be a map, not {0}")]
    Vars(&'static str),
    #[error("cannot read `{path}`: {message}")]
    Read { path: String, message: String },
    #[error("`{path}` is not UTF-8 text: {what}")]
    NotText { path: String, what: &'static str },
    #[error("cannot write `{path}`: {message}")]
    Write { path: String, message: String },
    #[error("{0}")]
    Path(String),
    /// `auto apply`: the write is not the reviewed one.
    #[error("{0}")]
    NotReviewed(String),
}

/// A rendered template. `secret` is set when a secret value was used while rendering;
/// `unknowns` lists the "known after apply" values (dry-run, plan) it printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub secret: bool,
    pub unknowns: Vec<String>,
}

impl Rendered {
    /// As file contents or stdin: a secret render stays a secret.
    pub fn into_value(self) -> Value {
        if self.secret {
            Value::Secret(Secret::containing_secrets(self.text))
        } else {
            Value::Plain(self.text)
        }
    }

    /// As a script value: a text with placeholders in it is itself known only after apply,
    /// so a later `kubectl::apply` or `exec::run` records it instead of sending the
    /// placeholder text to a tool.
    pub fn into_data(self) -> Data {
        if !self.unknowns.is_empty() {
            return Data::Unknown(format!("template using {}", self.unknowns.join(", ")));
        }
        if self.secret {
            Data::Secret(Secret::containing_secrets(self.text))
        } else {
            Data::Str(self.text)
        }
    }
}

/// Renders templates of one repository. Includes and imports (`{% include "x.j2" %}`) are
/// repository-relative, or relative to the including template when they start with `./`
/// or `../`; either way they may not leave the repository.
/// Steps (minijinja instructions) one render may take.
pub const TEMPLATE_FUEL: u64 = 20_000_000;

pub struct Templates {
    env: Environment<'static>,
    repo: Repo,
}

impl Templates {
    pub fn new(repo: &Repo) -> Templates {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Keeps the template source and a snippet in errors.
        env.set_debug(true);
        // Rendering runs in this process, where no step timeout or signal can stop it: a
        // template's work is bounded instead (a loop of 10^10 iterations stops in seconds
        // with a message; the largest platform template takes a few thousand steps).
        env.set_fuel(Some(TEMPLATE_FUEL));
        // Config files end with a newline; `trim_blocks` (Ansible's default) keeps
        // `{% for %}`/`{% if %}` lines from leaving blank lines behind. (`build` fails only
        // for custom delimiters, which are not set here.)
        if let Ok(syntax) =
            minijinja::syntax::SyntaxConfig::builder().keep_trailing_newline(true).trim_blocks(true).build()
        {
            env.set_syntax(syntax);
        }
        env.set_auto_escape_callback(escape::escape_for);
        env.set_formatter(escape::format);
        filters::register(&mut env);
        let loader_repo = repo.clone();
        env.set_loader(move |name| load(&loader_repo, name));
        env.set_path_join_callback(join_relative);
        Templates { env, repo: repo.clone() }
    }

    /// `template::render(text, vars)`: nothing is escaped.
    pub fn render_text(&self, text: &str, vars: &Data) -> Result<Rendered, TemplateError> {
        self.render_named(INLINE, text, vars)
    }

    /// Renders the file at `path` (already confined to the repository). The template's
    /// name, shown in errors and used to pick the escaping, is its repository path.
    pub fn render_file(&self, path: &RepoPath, vars: &Data) -> Result<Rendered, TemplateError> {
        let source = files::read_text(&self.repo, path, files::TEMPLATE_MAX_BYTES)?;
        self.render_named(&path.display(), &source, vars)
    }

    pub(crate) fn render_named(&self, name: &str, source: &str, vars: &Data) -> Result<Rendered, TemplateError> {
        // One tracker per render, carried by this render's values (and by what filters
        // derive from its secrets): what it holds afterwards is what this render used.
        let tracker = values::Tracker::default();
        let context = match vars {
            Data::Map(_) | Data::Null => values::to_value(vars, &tracker),
            other => return Err(TemplateError::Vars(other.kind())),
        };
        let result = self.env.render_named_str(name, source, context);
        let used = tracker.used();
        let mut secret = used.secret;
        let text = result.map_err(|e| TemplateError::Render(describe(&e)))?;
        // Belt and braces: a secret that reached the output by a path that bypassed the
        // flag (there should be none) still makes the result secret.
        if !secret {
            let mut secrets = Vec::new();
            values::secrets_in(vars, &mut secrets);
            secret = secrets.iter().any(|s| s.expose().len() >= 4 && text.contains(s.expose()));
        }
        Ok(Rendered { text, secret, unknowns: used.unknowns })
    }
}

/// An included or imported template, read through the repository's capability like any
/// other file (no link on the way, regular files only).
fn load(repo: &Repo, name: &str) -> Result<Option<String>, minijinja::Error> {
    let invalid = |message: String| minijinja::Error::new(ErrorKind::InvalidOperation, message);
    let path = repo.confine(name).map_err(|e| invalid(e.to_string()))?;
    match repo.dir().read(&path, files::TEMPLATE_MAX_BYTES) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| invalid(format!("`{name}` is not UTF-8 text"))),
        Err(Confinement::NotFound { .. }) => Ok(None),
        Err(e) => Err(invalid(format!("cannot read `{name}`: {e}"))),
    }
}

/// `./x.j2` and `../x.j2` are relative to the including template; other names are
/// repository-relative.
fn join_relative<'s>(name: &'s str, parent: &'s str) -> Cow<'s, str> {
    if !(name.starts_with("./") || name.starts_with("../")) {
        return Cow::Borrowed(name);
    }
    let mut parts: Vec<&str> = parent.split('/').collect();
    parts.pop();
    for part in name.split('/') {
        match part {
            "." | "" => {}
            // Above the root stays `..`, so the loader refuses it as outside the repository.
            ".." if parts.last().is_none_or(|p| *p == "..") => parts.push(".."),
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    Cow::Owned(parts.join("/"))
}

/// "undefined value: `port` is undefined (in conf/app.yaml.j2:3)", a hint, the source
/// excerpt, and the causes (errors inside included templates). minijinja's debug info
/// also lists the referenced variables with their values; that part is dropped, since a
/// value derived from a secret would show there.
fn describe(error: &minijinja::Error) -> String {
    let mut message = String::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut first = true;
    while let Some(err) = current {
        if !first {
            message.push_str("\ncaused by: ");
        }
        first = false;
        let _ = write!(message, "{err}");
        if let Some(jinja) = err.downcast_ref::<minijinja::Error>() {
            if jinja.kind() == ErrorKind::OutOfFuel {
                let _ = write!(
                    message,
                    ": the template took more than {TEMPLATE_FUEL} steps (a runaway loop? a template that renders platform files needs a few thousand)"
                );
            }
            if jinja.kind() == ErrorKind::UndefinedError {
                message.push_str(
                    "\nhint: pass the variable to the template, or make it optional with \
                     `{{ name | default(\"...\") }}` or `{% if name is defined %}`",
                );
            }
            let debug = jinja.display_debug_info().to_string();
            let excerpt = debug
                .split("\nReferenced variables:")
                .next()
                .unwrap_or_default()
                .split("\nNo referenced variables")
                .next()
                .unwrap_or_default()
                .trim_end();
            if !excerpt.trim().is_empty() {
                message.push('\n');
                message.push_str(excerpt.trim_start_matches('\n'));
            }
        }
        current = err.source();
    }
    redact(&message)
}

#[cfg(test)]
mod tests;
