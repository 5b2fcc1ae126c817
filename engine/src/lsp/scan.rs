//! A lexical reading of a script, for what an editor asks while the text is being typed and
//! so seldom compiles: the tokens (strings and comments skipped as Rhai skips them, `///`
//! doc comments kept), and where a place in the text is — inside which calls, at which
//! argument, inside which option map at which key, inside which string.
//!
//! The compiler and the static checks (`script::lint`) read the text properly once it
//! parses; this only has to be right about brackets, strings and names.

use std::ops::Range;

use super::text::is_name;

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A name or keyword: `terraform`, `let`, `apply`.
    Name,
    /// `::`
    Path,
    /// A string literal; the token's range is its content, between the quotes.
    Str { closed: bool },
    /// A `///` line or `/** */` block: the text without the markers.
    Doc(String),
    /// `#{`
    MapOpen,
    /// `1_000`, `0x1f`, `2e3`: its letters are no name.
    Number,
    /// Any other character: brackets, `,`, `:`, `.`, operators.
    Punct(char),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: Kind,
    /// Byte range in the text (a string's content, without its quotes).
    pub span: Range<usize>,
}

impl Token {
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.span.clone()]
    }

    fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }
}

/// The tokens of `text`, in order.
pub fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        let start = at;
        let rest = &text[at..];
        if c.is_whitespace() {
            at += c.len_utf8();
        } else if rest.starts_with("//") {
            let end = rest.find('\n').map_or(text.len(), |n| at + n);
            if rest.starts_with("///") && !rest.starts_with("////") {
                let doc = text[at + 3..end].strip_prefix(' ').unwrap_or(&text[at + 3..end]).trim_end();
                out.push(Token { kind: Kind::Doc(doc.to_string()), span: start..end });
            }
            at = end;
        } else if rest.starts_with("/*") {
            at = block_comment_end(text, at);
            if rest.starts_with("/**") && !rest.starts_with("/**/") {
                let inner = text[start + 3..at].trim_end_matches("*/");
                let doc: Vec<&str> = inner.lines().map(|l| l.trim().trim_start_matches('*').trim()).collect();
                out.push(Token { kind: Kind::Doc(doc.join("\n").trim().to_string()), span: start..at });
            }
        } else if c == '"' || c == '`' {
            let (end, closed) = string_end(text, at, c);
            let content_end = if closed { end - 1 } else { end };
            out.push(Token { kind: Kind::Str { closed }, span: at + 1..content_end });
            at = end;
        } else if c == '\'' {
            // A character literal: skipped like a string, it holds no name.
            let (end, _) = string_end(text, at, '\'');
            at = end;
        } else if is_name(c) && !c.is_ascii_digit() {
            let end = rest.find(|c: char| !is_name(c)).map_or(text.len(), |n| at + n);
            out.push(Token { kind: Kind::Name, span: start..end });
            at = end;
        } else if rest.starts_with("::") {
            out.push(Token { kind: Kind::Path, span: at..at + 2 });
            at += 2;
        } else if rest.starts_with("#{") {
            out.push(Token { kind: Kind::MapOpen, span: at..at + 2 });
            at += 2;
        } else if c.is_ascii_digit() {
            let end = at + bytes[at..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
            out.push(Token { kind: Kind::Number, span: at..end });
            at = end;
        } else {
            out.push(Token { kind: Kind::Punct(c), span: at..at + c.len_utf8() });
            at += c.len_utf8();
        }
    }
    out
}

/// The end of the block comment starting at `at` (Rhai's nest).
fn block_comment_end(text: &str, at: usize) -> usize {
    let mut depth = 0;
    let mut i = at;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with("/*") {
            depth += 1;
            i += 2;
        } else if rest.starts_with("*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    text.len()
}

/// Where the string literal opened by `quote` at `at` ends (after its closing quote), and
/// whether it is closed. A `"` string ends at the line's end when it is not closed.
fn string_end(text: &str, at: usize, quote: char) -> (usize, bool) {
    let mut escaped = false;
    for (i, c) in text[at + 1..].char_indices() {
        let i = at + 1 + i;
        match c {
            '\\' if !escaped => escaped = true,
            '\n' if quote != '`' => return (i, false),
            c if c == quote && !escaped => return (i + 1, true),
            _ => escaped = false,
        }
    }
    (text.len(), false)
}

/// Keywords that take a parenthesis without being a call.
const NOT_CALLS: &[&str] = &["if", "while", "for", "switch", "return", "throw", "in", "fn", "loop", "do", "until"];

/// An open bracket around a place in the text, innermost last.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// The arguments of a call of `name` (`terraform::apply`, `step`, `platform::namespace`).
    Call {
        name: String,
        /// Where the called name is written.
        name_span: Range<usize>,
        /// The argument the place is in, from 0.
        argument: usize,
        /// The arguments before it that are a string literal alone, by position.
        literals: Vec<Option<String>>,
    },
    /// An object map `#{ … }`.
    Map {
        /// The key whose value it is, when it is one (`retries` of `retries: #{`).
        key: Option<String>,
        /// The keys written in it so far.
        keys: Vec<String>,
        /// Whether a key comes next (after `#{` or `,`), not a value (after `:`).
        at_key: bool,
    },
    /// `( … )` that is no call, `[ … ]`, `{ … }`.
    Other(char),
}

/// Where a place (a byte offset) in the text is.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// The open brackets around it, outermost first.
    pub frames: Vec<Frame>,
    /// The string literal it is in (its content so far), when it is in one.
    pub string: Option<String>,
    /// Whether the string it is in is an `import "…"` path.
    pub import: bool,
}

impl Place {
    /// The innermost call it is an argument of (also inside a map or array argument):
    /// the call's name, the argument, the literals before it.
    pub fn call(&self) -> Option<(&str, usize, &[Option<String>])> {
        self.frames.iter().rev().find_map(|frame| match frame {
            Frame::Call { name, argument, literals, .. } => Some((name.as_str(), *argument, literals.as_slice())),
            _ => None,
        })
    }

    /// When it is where a key of an option map goes: the call the map is an argument of,
    /// the argument, the keys of the maps it is nested in (`["retries"]`) and the keys
    /// already written in its own map.
    pub fn option_key(&self) -> Option<OptionKey<'_>> {
        let Some(Frame::Map { at_key: true, keys, .. }) = self.frames.last() else { return None };
        if self.string.is_some() {
            return None;
        }
        self.map_chain().map(|(function, argument, path)| OptionKey { function, argument, path, written: keys })
    }

    /// The call whose option map the innermost map is (directly or nested under keys) and
    /// the keys leading to it.
    fn map_chain(&self) -> Option<(&str, usize, Vec<&str>)> {
        let mut path = Vec::new();
        for (index, frame) in self.frames.iter().enumerate().rev() {
            match frame {
                Frame::Map { key, .. } => {
                    let outer = index.checked_sub(1).map(|i| &self.frames[i]);
                    match (outer, key) {
                        (Some(Frame::Call { name, argument, .. }), None) => {
                            path.reverse();
                            return Some((name.as_str(), *argument, path));
                        }
                        (Some(Frame::Map { .. }), Some(key)) => path.push(key.as_str()),
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
        None
    }
}

/// A place where an option key goes (see [`Place::option_key`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OptionKey<'p> {
    pub function: &'p str,
    pub argument: usize,
    pub path: Vec<&'p str>,
    pub written: &'p [String],
}

/// Where `offset` is in `text`.
pub fn place(text: &str, offset: usize) -> Place {
    let offset = offset.min(text.len());
    let tokens = tokens(&text[..offset]);
    let mut frames: Vec<Frame> = Vec::new();
    // Where the current argument of each open call starts, to tell a lone literal.
    let mut argument_tokens: Vec<usize> = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        match &token.kind {
            Kind::Punct('(') => match called_name(&tokens, index, text) {
                Some((name, name_span)) => {
                    frames.push(Frame::Call { name, name_span, argument: 0, literals: Vec::new() });
                    argument_tokens.push(index + 1);
                }
                None => frames.push(Frame::Other('(')),
            },
            Kind::MapOpen => {
                let key = match frames.last() {
                    Some(Frame::Map { at_key: false, keys, .. }) => keys.last().cloned(),
                    _ => None,
                };
                frames.push(Frame::Map { key, keys: Vec::new(), at_key: true });
            }
            Kind::Punct(open @ ('[' | '{')) => frames.push(Frame::Other(*open)),
            Kind::Punct(')' | ']' | '}') => {
                if let Some(Frame::Call { .. }) = frames.pop() {
                    argument_tokens.pop();
                }
            }
            Kind::Punct(',') => match frames.last_mut() {
                Some(Frame::Call { argument, literals, .. }) => {
                    let start = argument_tokens.last().copied().unwrap_or(index);
                    let lone = match &tokens[start..index] {
                        [only @ Token { kind: Kind::Str { .. }, .. }] => Some(only.text(text).to_string()),
                        _ => None,
                    };
                    literals.push(lone);
                    *argument += 1;
                    if let Some(last) = argument_tokens.last_mut() {
                        *last = index + 1;
                    }
                }
                Some(Frame::Map { at_key, .. }) => *at_key = true,
                _ => {}
            },
            Kind::Punct(':') => {
                if let Some(Frame::Map { at_key, .. }) = frames.last_mut() {
                    *at_key = false;
                }
            }
            Kind::Name | Kind::Str { .. } => {
                if let Some(Frame::Map { at_key: true, keys, .. }) = frames.last_mut() {
                    let next_is_colon = tokens.get(index + 1).is_some_and(|t| t.is_punct(':'));
                    if next_is_colon {
                        keys.push(token.text(text).to_string());
                    }
                }
            }
            _ => {}
        }
    }
    let (string, import) = match tokens.last() {
        Some(last @ Token { kind: Kind::Str { closed: false }, .. })
            if last.span.end == offset && !in_interpolation(text, last) =>
        {
            let import = tokens.len() >= 2 && tokens[tokens.len() - 2].text(text) == "import";
            (Some(last.text(text).to_string()), import)
        }
        _ => (None, false),
    };
    Place { frames, string, import }
}

/// Whether the end of the unclosed string `token` is code: inside the `${ … }` of a
/// backtick string (`${params.en|`), where names are typed as anywhere else.
fn in_interpolation(text: &str, token: &Token) -> bool {
    let backtick = token.span.start > 0 && text.as_bytes()[token.span.start - 1] == b'`';
    let content = token.text(text);
    backtick && content.rfind("${").is_some_and(|open| !content[open..].contains('}'))
}

/// The name called by the `(` at `tokens[index]`: `a::b` or `f` right before it, when
/// that is a call (not `if (`, not `fn f(`, not a method `.f(`).
fn called_name(tokens: &[Token], index: usize, text: &str) -> Option<(String, Range<usize>)> {
    let last = tokens.get(index.checked_sub(1)?)?;
    if last.kind != Kind::Name || NOT_CALLS.contains(&last.text(text)) {
        return None;
    }
    let mut first = index - 1;
    while first >= 2 && tokens[first - 1].kind == Kind::Path && tokens[first - 2].kind == Kind::Name {
        first -= 2;
    }
    let before = first.checked_sub(1).map(|i| &tokens[i]);
    if before.is_some_and(|t| t.is_punct('.') || t.text(text) == "fn") {
        return None;
    }
    let span = tokens[first].span.start..last.span.end;
    let name: String = text[span.clone()].split_whitespace().collect();
    Some((name, span))
}

/// The name (with its module path) around `offset`, and where it is written:
/// `terraform::apply` for an offset anywhere in it.
pub fn name_at(text: &str, offset: usize) -> Option<(String, Range<usize>)> {
    let offset = offset.min(text.len());
    let is_part = |c: char| is_name(c) || c == ':';
    let mut start = after_last(&text[..offset], |c| !is_part(c));
    let mut end = text[offset..].find(|c: char| !is_part(c)).map_or(text.len(), |i| offset + i);
    // A lone `:` (`key:value`) ends a name; `::` joins one.
    for (at, _) in text[start..end].match_indices(':').collect::<Vec<_>>() {
        let at = start + at;
        let bytes = text.as_bytes();
        let joined = bytes.get(at + 1) == Some(&b':') || (at > 0 && bytes[at - 1] == b':');
        if !joined {
            if at < offset {
                start = start.max(at + 1);
            } else {
                end = end.min(at);
            }
        }
    }
    let raw = &text[start..end.max(start)];
    let name = raw.trim_matches(':');
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let start = start + raw.find(name).unwrap_or(0);
    Some((name.to_string(), start..start + name.len()))
}

/// The offset right after the last character of `text` that `stop` holds for (0 if none).
fn after_last(text: &str, stop: impl Fn(char) -> bool) -> usize {
    text.char_indices().rev().find(|(_, c)| stop(*c)).map_or(0, |(i, c)| i + c.len_utf8())
}

/// The name being typed right before `offset`, split at its last `::`: `(Some("terraform"),
/// "ap")` for `terraform::ap|`, `(None, "st")` for `st|`.
pub fn typed_path(text: &str, offset: usize) -> (Option<&str>, &str) {
    let before = &text[..offset.min(text.len())];
    let start = after_last(before, |c| !is_name(c) && c != ':');
    let typed = &before[start..];
    match typed.rsplit_once("::") {
        Some((module, name)) if !module.is_empty() => (Some(module), name),
        _ => (None, typed.trim_start_matches(':')),
    }
}

/// The property being typed after `params.` right before `offset` (`en` of `params.en|`).
pub fn typed_param(text: &str, offset: usize) -> Option<&str> {
    let before = &text[..offset.min(text.len())];
    let start = after_last(before, |c| !is_name(c));
    let head = before[..start].trim_end().strip_suffix('.')?.trim_end();
    let is_params = head.strip_suffix("params").is_some_and(|rest| !rest.ends_with(|c: char| is_name(c) || c == '.'));
    is_params.then_some(&before[start..])
}

/// What a script declares, read from its tokens: imports, parameters and `fn`s.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Outline {
    pub imports: Vec<Import>,
    pub params: Vec<Param>,
    pub functions: Vec<Function>,
}

/// `import "lib/platform" as platform;`
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub path: String,
    /// Where the path is written (inside the quotes).
    pub path_span: Range<usize>,
    pub alias: Option<String>,
}

/// `param("env", #{ help: "target environment", … })`
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    /// Where the name is written (inside the quotes).
    pub span: Range<usize>,
    pub help: Option<String>,
}

/// `/// doc` then `[private] fn name(a, b) {`
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    pub span: Range<usize>,
    pub params: Vec<String>,
    pub doc: String,
    pub private: bool,
}

impl Function {
    /// `fn customer_roots(env, id)`.
    pub fn signature(&self) -> String {
        format!("fn {}({})", self.name, self.params.join(", "))
    }
}

pub fn outline(text: &str) -> Outline {
    let tokens = tokens(text);
    let mut outline = Outline::default();
    let mut depth = 0usize;
    let name = |i: usize| tokens.get(i).filter(|t| t.kind == Kind::Name).map(|t| t.text(text));
    for (i, token) in tokens.iter().enumerate() {
        match &token.kind {
            Kind::Punct('(' | '[' | '{') | Kind::MapOpen => depth += 1,
            Kind::Punct(')' | ']' | '}') => depth = depth.saturating_sub(1),
            Kind::Name => match token.text(text) {
                "import" => {
                    if let Some(path @ Token { kind: Kind::Str { closed: true }, .. }) = tokens.get(i + 1) {
                        let alias = (name(i + 2) == Some("as")).then(|| name(i + 3)).flatten().map(str::to_string);
                        outline.imports.push(Import {
                            path: path.text(text).to_string(),
                            path_span: path.span.clone(),
                            alias,
                        });
                    }
                }
                "param" if depth == 0 && tokens.get(i + 1).is_some_and(|t| t.is_punct('(')) => {
                    if let Some(declared @ Token { kind: Kind::Str { closed: true }, .. }) = tokens.get(i + 2) {
                        outline.params.push(Param {
                            name: declared.text(text).to_string(),
                            span: declared.span.clone(),
                            help: help_of(&tokens[i + 3..], text),
                        });
                    }
                }
                "fn" if depth == 0 => {
                    if let Some(function) = function_at(&tokens, i, text) {
                        outline.functions.push(function);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    outline
}

/// The `help: "…"` of a `param(` call's option map, from the tokens after its name.
fn help_of(tokens: &[Token], text: &str) -> Option<String> {
    let mut depth = 1usize;
    for (i, token) in tokens.iter().enumerate() {
        match token.kind {
            Kind::Punct('(' | '[' | '{') | Kind::MapOpen => depth += 1,
            Kind::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return None;
                }
            }
            Kind::Name if depth == 2 && token.text(text) == "help" => {
                if let (Some(colon), Some(value)) = (tokens.get(i + 1), tokens.get(i + 2)) {
                    if colon.is_punct(':') && matches!(value.kind, Kind::Str { .. }) {
                        return Some(value.text(text).to_string());
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// The `fn` whose keyword is `tokens[at]`, with the doc comments right before it.
fn function_at(tokens: &[Token], at: usize, text: &str) -> Option<Function> {
    let name = tokens.get(at + 1).filter(|t| t.kind == Kind::Name)?;
    if !tokens.get(at + 2)?.is_punct('(') {
        return None;
    }
    let params: Vec<String> = tokens[at + 3..]
        .iter()
        .take_while(|t| !t.is_punct(')'))
        .filter(|t| t.kind == Kind::Name)
        .map(|t| t.text(text).to_string())
        .collect();
    let private = at > 0 && tokens[at - 1].text(text) == "private";
    let mut docs = Vec::new();
    for token in tokens[..at - usize::from(private)].iter().rev() {
        match &token.kind {
            Kind::Doc(doc) => docs.push(doc.as_str()),
            _ => break,
        }
    }
    docs.reverse();
    Some(Function {
        name: name.text(text).to_string(),
        span: name.span.clone(),
        params,
        doc: docs.join("\n").trim().to_string(),
        private,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place_at_bar(source: &str) -> Place {
        let at = source.find('|').expect("a | marks the place");
        place(&source.replace('|', ""), at)
    }

    #[test]
    fn a_place_knows_its_call_argument_and_option_map() {
        let place = place_at_bar("let r = terraform::apply(roots.infra, #{ vars: #{}, retries: #{ attempts: 2, | ");
        assert_eq!(place.call().map(|(n, a, _)| (n, a)), Some(("terraform::apply", 1)));
        let key = place.option_key().expect("an option key goes here");
        assert_eq!((key.function, key.argument, key.path.clone()), ("terraform::apply", 1, vec!["retries"]));
        assert_eq!(key.written, ["attempts"]);
        // After a key's colon a value goes, not a key.
        assert_eq!(place_at_bar("step(\"s\", #{ timeout: |").option_key(), None);
        // A map that is a plain value is no option map.
        assert_eq!(place_at_bar("let m = #{ |").option_key(), None);
    }

    #[test]
    fn strings_comments_and_non_calls_do_not_confuse_it() {
        let place = place_at_bar("// f(\nif (x) { customer(\"de(v\", \"ac|");
        assert_eq!(place.call().map(|(n, a, l)| (n, a, l.to_vec())), Some(("customer", 1, vec![Some("de(v".into())])));
        assert_eq!(place.string.as_deref(), Some("ac"));
        assert!(!place.import);
        assert!(place_at_bar("import \"lib/pl|").import);
        assert_eq!(place_at_bar("x.map(|").call(), None);
        // Inside `${ … }` of a backtick string is code; outside it, text.
        assert_eq!(place_at_bar("info(`at ${params.en|").string, None);
        assert_eq!(place_at_bar("info(`at ${x} and |").string.as_deref(), Some("at ${x} and "));
    }

    #[test]
    fn names_and_typed_paths_are_found_around_the_cursor() {
        let text = "let x = terraform::apply(a);";
        assert_eq!(name_at(text, 12), Some(("terraform::apply".into(), 8..24)));
        assert_eq!(name_at("#{ vars:1 }", 4), Some(("vars".into(), 3..7)));
        assert_eq!(name_at("#{ vars: 1 }", 7), Some(("vars".into(), 3..7)));
        assert_eq!(typed_path("x = terraform::ap", 17), (Some("terraform"), "ap"));
        assert_eq!(typed_path("x = st", 6), (None, "st"));
        assert_eq!(typed_param("info(params.en", 14), Some("en"));
        assert_eq!(typed_param("info(params.", 12), Some(""));
        assert_eq!(typed_param("info(x.params.", 14), None);
    }

    #[test]
    fn the_outline_has_imports_params_and_documented_functions() {
        let outline = outline(
            "import \"lib/platform\" as platform;\nparam(\"env\", #{ help: \"target environment\", choices: environments() });\n/// The roots.\n/// Of one customer.\nfn roots(env, id) { 1 }\nprivate fn hidden() {}\n// param(\"not\")\n",
        );
        assert_eq!(outline.imports[0].path, "lib/platform");
        assert_eq!(outline.imports[0].alias.as_deref(), Some("platform"));
        assert_eq!(outline.params.len(), 1);
        assert_eq!(outline.params[0].help.as_deref(), Some("target environment"));
        assert_eq!(outline.functions[0].signature(), "fn roots(env, id)");
        assert_eq!(outline.functions[0].doc, "The roots.\nOf one customer.");
        assert!(outline.functions[1].private);
    }
}
