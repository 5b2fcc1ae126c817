//! Turning Rhai errors into messages that say what, where (`file:line:col` with a source
//! snippet), through which calls and imports, and what to do.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rhai::{EvalAltResult, Position};

use super::limits::Limits;
use super::script_error::{ScriptError, Stop};
use crate::error::FailureKind;
pub use crate::error::{Diagnostic, Frame};

/// Context for rendering: where sources live and which limits were set.
pub struct SourceContext<'a> {
    pub repo_root: &'a Path,
    /// The repository-relative path of the main script.
    pub main: &'a str,
    /// The main script's text when it is at hand (compiling, checking): what an editor
    /// checks is its unsaved buffer, not the file on disk. `None`: read the file.
    pub main_source: Option<&'a str>,
    pub limits: &'a Limits,
}

impl SourceContext<'_> {
    fn display_path(&self, source: Option<&str>) -> String {
        match source {
            None | Some("") => self.main.to_string(),
            Some(s) => {
                let path = PathBuf::from(s);
                let relative = path.strip_prefix(self.repo_root).map(Path::to_path_buf).unwrap_or(path);
                let mut shown = relative.to_string_lossy().replace('\\', "/");
                if !shown.ends_with(".rhai") && !shown.starts_with("scripts/") {
                    shown = format!("scripts/{shown}.rhai");
                }
                shown
            }
        }
    }

    /// The text of `file` (repository-relative): the main script's as given, any other read.
    pub fn text_of(&self, file: &str) -> Option<String> {
        match self.main_source {
            Some(source) if file == self.main => Some(source.to_string()),
            _ => std::fs::read_to_string(self.repo_root.join(file)).ok(),
        }
    }
}

pub fn diagnose(error: &EvalAltResult, context: &SourceContext) -> Diagnostic {
    let mut callers = Vec::new();
    let (terminal, terminal_source) = unwind(error, None, &mut callers, context);
    let (message, kind) = describe(terminal, context);
    let mut frames = Vec::new();
    let mut position = terminal.position();
    if let (EvalAltResult::ErrorModuleNotFound(path, _), true) = (terminal, position.is_none()) {
        // Imports are resolved while compiling, where Rhai has no position: find the line.
        position = find_import(context, path).unwrap_or(position);
    }
    if let Some((line, column)) = line_col(position) {
        frames.push(Frame { file: context.display_path(terminal_source.as_deref()), line, column, note: None });
    }
    // Callers were collected outermost first; show them innermost first, like a backtrace.
    for (source, position, note) in callers.into_iter().rev() {
        if let Some((line, column)) = line_col(position) {
            frames.push(Frame { file: context.display_path(source.as_deref()), line, column, note: Some(note) });
        }
    }
    let rendered = render(&message, &frames, context);
    Diagnostic { message, frames, kind, rendered }
}

/// A problem found without running the script (`script::lint`): bad input at `position`
/// of `file` (repository-relative), rendered like a compile error.
pub fn at(message: String, file: &str, position: Position, context: &SourceContext) -> Diagnostic {
    let frames = match line_col(position) {
        Some((line, column)) => vec![Frame { file: file.to_string(), line, column, note: None }],
        None => Vec::new(),
    };
    let rendered = render(&message, &frames, context);
    Diagnostic { message, frames, kind: FailureKind::BadInput, rendered }
}

/// `diagnostic` with another message, at the same place.
pub fn retold(diagnostic: Diagnostic, message: String, context: &SourceContext) -> Diagnostic {
    let rendered = render(&message, &diagnostic.frames, context);
    Diagnostic { message, rendered, ..diagnostic }
}

/// A call site or import statement: the source it is in, its position, what it did.
type Caller = (Option<String>, Position, String);

/// Follows nested call/import errors to the error that actually happened and the source it
/// happened in.
fn unwind<'e>(
    error: &'e EvalAltResult,
    source: Option<String>,
    callers: &mut Vec<Caller>,
    context: &SourceContext,
) -> (&'e EvalAltResult, Option<String>) {
    match error {
        EvalAltResult::ErrorInFunctionCall(name, src, inner, position) => {
            let note = if name.starts_with("anon$") {
                "in a closure called".to_string()
            } else {
                format!("in call to `{name}`")
            };
            callers.push((source.clone(), *position, note));
            let next = if src.is_empty() { source } else { Some(src.clone()) };
            unwind(inner, next, callers, context)
        }
        EvalAltResult::ErrorInModule(path, inner, position) => {
            // The main script's imports are resolved while compiling, without positions.
            let position = match (position.is_none(), &source) {
                (true, None) => find_import(context, path).unwrap_or(*position),
                _ => *position,
            };
            callers.push((source.clone(), position, format!("while importing `{path}`")));
            unwind(inner, Some(path.clone()), callers, context)
        }
        other => (other, source),
    }
}

fn find_import(context: &SourceContext, path: &str) -> Option<Position> {
    let text = context.text_of(context.main)?;
    let needle = format!("\"{path}\"");
    text.lines().enumerate().find_map(|(index, line)| {
        let column = line.find(&needle)?;
        line.trim_start().starts_with("import").then(|| Position::new(index as u16 + 1, column as u16 + 1))
    })
}

fn line_col(position: Position) -> Option<(usize, usize)> {
    Some((position.line()?, position.position().unwrap_or(1)))
}

fn describe(error: &EvalAltResult, context: &SourceContext) -> (String, FailureKind) {
    let limits = context.limits;
    use EvalAltResult as E;
    let failure = FailureKind::Failed;
    match error {
        E::ErrorRuntime(value, _) => match value.clone().try_cast::<ScriptError>() {
            Some(script_error) => (script_error.message.clone(), script_error.kind),
            None => (format!("the script threw: {value}"), failure),
        },
        E::ErrorTerminated(token, _) => match token.clone().try_cast::<Stop>() {
            Some(Stop::Limit(message)) => (message, failure),
            Some(Stop::Interrupted) | None => ("interrupted".to_string(), FailureKind::Interrupted),
        },
        E::ErrorTooManyOperations(_) => (
            format!("the script exceeded the operations limit ({}): is there a runaway loop? (raise it with --max-operations)", limits.max_operations),
            failure,
        ),
        E::ErrorStackOverflow(_) => (format!("the call depth limit ({}) was exceeded: is there runaway recursion?", limits.max_call_levels), failure),
        E::ErrorDataTooLarge(what, _) => {
            let limit = match what.as_str() {
                w if w.contains("string") || w.contains("String") => format!("{} bytes", limits.max_string_size),
                _ => "the configured limit".to_string(),
            };
            (format!("{what} exceeds the limit of {limit}"), failure)
        }
        E::ErrorTooManyModules(_) => ("too many modules imported".to_string(), failure),
        E::ErrorVariableNotFound(name, _) => (format!("variable `{name}` is not defined (declare it with `let` first)"), FailureKind::BadInput),
        E::ErrorModuleNotFound(name, _) if !super::resolver::stays_inside(name) => (
            format!("import \"{name}\" leaves `scripts/`: an import names a file under scripts/ without `..` or a leading `/` (e.g. `import \"lib/common\" as common;` loads scripts/lib/common.rhai)"),
            FailureKind::BadInput,
        ),
        E::ErrorModuleNotFound(name, _) => (
            format!("module `{name}` not found: imports resolve under `scripts/` (e.g. `import \"lib/common\" as common;` loads scripts/lib/common.rhai)"),
            FailureKind::BadInput,
        ),
        E::ErrorParsing(rhai::ParseErrorType::VariableUndefined(name), _) => {
            (format!("variable `{name}` is not defined (declare it with `let` first)"), FailureKind::BadInput)
        }
        E::ErrorParsing(rhai::ParseErrorType::Reserved(word), _) => (
            format!("`{word}` is a reserved word in Rhai (as a map key, quote it: `\"{word}\"`)"),
            FailureKind::BadInput,
        ),
        E::ErrorParsing(parse_error, _) => (format!("syntax error: {parse_error}"), FailureKind::BadInput),
        E::ErrorFunctionNotFound(signature, _) => {
            // Rhai spells a string argument `&str | ImmutableString | String`.
            let signature = signature.replace("&str | ImmutableString | String", "string");
            (format!("function not found: `{signature}` (check the name, the module prefix and the argument types)"), failure)
        }
        other => {
            // The position is shown separately, as a snippet.
            let text = other.to_string();
            let text = match text.rfind(" (line ") {
                Some(at) if text.ends_with(')') => text[..at].to_string(),
                _ => text,
            };
            (text, failure)
        }
    }
}

fn render(message: &str, frames: &[Frame], context: &SourceContext) -> String {
    let mut out = format!("error: {message}\n");
    if let Some(primary) = frames.first() {
        let _ = writeln!(out, "  --> {}:{}:{}", primary.file, primary.line, primary.column);
        if let Some(source_line) = read_line(context, &primary.file, primary.line) {
            let number = primary.line.to_string();
            let pad = " ".repeat(number.len());
            let marker_pad: String = source_line
                .chars()
                .take(primary.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad} |\n{number} | {source_line}\n{pad} | {marker_pad}^");
        }
        for caller in &frames[1..] {
            let note = caller.note.as_deref().unwrap_or("called");
            let _ = writeln!(out, "  = {note} at {}:{}:{}", caller.file, caller.line, caller.column);
        }
    }
    out.trim_end().to_string()
}

fn read_line(context: &SourceContext, file: &str, line: usize) -> Option<String> {
    let text = context.text_of(file)?;
    text.lines().nth(line.checked_sub(1)?).map(|l| l.trim_end().to_string())
}
