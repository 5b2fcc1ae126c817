//! The `source` of every top-level `module` block of a `.tf` file, read by a scanner that
//! understands HCL's lexical structure (strings, templates, comments, brackets) and the
//! shape of blocks and attributes, without building the syntax tree.
//!
//! Parsing a 300-byte root with the HCL parser takes about 12 µs, and on a worker thread
//! (it needs a deadline: fuzz/RESULTS.md); a change of 50 roots then spends more time
//! parsing than reading git. The scanner is linear, so it needs no deadline, and it reads
//! the same files in well under a microsecond each.
//!
//! It answers only when sure: anything it does not follow (a heredoc, an escape in a
//! string, a one-line block, a bracket left open, a construct it does not expect) gives
//! `None`, and the caller parses the file with the HCL parser instead. Where it answers,
//! the answer is the parser's (`tests::agrees_with_the_parser`). Unlike the parser it does
//! not check the rest of the file: a syntax error outside the `module` blocks does not
//! hide which modules the file calls.

/// What a `module` block's `source` is, as [`super::modules::module_sources`] reads it:
/// `Some` for a plain quoted string, `None` for anything else (or no `source`).
pub type Source<'a> = Option<&'a str>;

/// The sources of the top-level `module` blocks of `text`, in order, or `None` when the
/// scanner cannot be sure of them.
pub fn module_sources(text: &str) -> Option<Vec<Source<'_>>> {
    let tokens = tokens(text)?;
    let mut sources = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        match &tokens[at] {
            Token::Newline => at += 1,
            Token::Ident(name) => {
                let is_module = *name == "module";
                at += 1;
                match tokens.get(at)? {
                    Token::Equals => at = skip_value(&tokens, at + 1)?,
                    _ => {
                        // A block: labels, then `{` and a newline (a one-line block: unsure).
                        while matches!(tokens.get(at)?, Token::Ident(_) | Token::Str(_)) {
                            at += 1;
                        }
                        if tokens.get(at)? != &Token::Open(b'{') || tokens.get(at + 1)? != &Token::Newline {
                            return None;
                        }
                        let (source, end) = block_body(&tokens, at + 2)?;
                        if is_module {
                            sources.push(source);
                        }
                        at = end;
                    }
                }
            }
            _ => return None,
        }
    }
    Some(sources)
}

/// The body of a block from after its `{` and newline to after its `}` and newline: the
/// first `source = "…"` attribute at its top, and where it ends.
fn block_body<'a>(tokens: &[Token<'a>], mut at: usize) -> Option<(Source<'a>, usize)> {
    let mut source: Option<Source<'a>> = None;
    loop {
        match tokens.get(at)? {
            Token::Newline => at += 1,
            Token::Close(b'}') => {
                // The block's `}` ends its line.
                return match tokens.get(at + 1) {
                    None => Some((source.flatten(), at + 1)),
                    Some(Token::Newline) => Some((source.flatten(), at + 2)),
                    Some(_) => None,
                };
            }
            Token::Ident(name) => {
                let key = *name;
                at += 1;
                match tokens.get(at)? {
                    Token::Equals => {
                        let end = skip_value(tokens, at + 1)?;
                        if key == "source" && source.is_none() {
                            // Exactly one plain string, then the end of the line.
                            source = Some(match &tokens[at + 1..end] {
                                [Token::Str(Text::Plain(value)), Token::Newline] => Some(*value),
                                // The parser would decode the escapes.
                                [Token::Str(Text::Escaped), Token::Newline] => return None,
                                _ => None,
                            });
                        }
                        at = end;
                    }
                    _ => {
                        // A nested block.
                        while matches!(tokens.get(at)?, Token::Ident(_) | Token::Str(_)) {
                            at += 1;
                        }
                        if tokens.get(at)? != &Token::Open(b'{') || tokens.get(at + 1)? != &Token::Newline {
                            return None;
                        }
                        at = block_body(tokens, at + 2)?.1;
                    }
                }
            }
            _ => return None,
        }
    }
}

/// From the start of an attribute's value to after the newline that ends it (newlines
/// inside brackets do not): brackets must match.
fn skip_value(tokens: &[Token<'_>], mut at: usize) -> Option<usize> {
    // `name =` and nothing: a syntax error the parser reports; the file goes to it.
    if matches!(tokens.get(at), None | Some(Token::Newline)) {
        return None;
    }
    let mut open: Vec<u8> = Vec::new();
    loop {
        match tokens.get(at) {
            None => return open.is_empty().then_some(at),
            Some(Token::Newline) if open.is_empty() => return Some(at + 1),
            Some(Token::Open(bracket)) => open.push(*bracket),
            Some(Token::Close(bracket)) => {
                if open.pop()? != matching(*bracket) {
                    return None;
                }
            }
            Some(_) => {}
        }
        at += 1;
    }
}

fn matching(close: u8) -> u8 {
    match close {
        b'}' => b'{',
        b']' => b'[',
        _ => b'(',
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    Ident(&'a str),
    Str(Text<'a>),
    Equals,
    Open(u8),
    Close(u8),
    Newline,
    /// Numbers, operators, `.`, `,`, `:`…: only their place matters.
    Other,
}

/// A quoted string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Text<'a> {
    /// No escape and no template: the text between the quotes is the value.
    Plain(&'a str),
    /// With `${…}` or `%{…}`: a template, not a string, to the parser.
    Template,
    /// With `\…`, `$${` or `%%{`: a string whose value is decoded.
    Escaped,
}

/// The tokens of `text`, or `None` where the scanner is unsure (see the module docs).
fn tokens(text: &str) -> Option<Vec<Token<'_>>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        match byte {
            b' ' | b'\t' | b'\r' => at += 1,
            b'\n' => {
                tokens.push(Token::Newline);
                at += 1;
            }
            b'#' => at = line_end(bytes, at),
            b'/' if bytes.get(at + 1) == Some(&b'/') => at = line_end(bytes, at),
            b'/' if bytes.get(at + 1) == Some(&b'*') => {
                let length = text[at + 2..].find("*/")?;
                // A comment over several lines: where its lines end matters; unsure.
                if text[at + 2..at + 2 + length].contains('\n') {
                    return None;
                }
                at += 2 + length + 2;
            }
            b'"' => {
                let (end, kind) = string(bytes, at + 1)?;
                tokens.push(Token::Str(match kind {
                    Kind::Plain => Text::Plain(&text[at + 1..end - 1]),
                    Kind::Template => Text::Template,
                    Kind::Escaped => Text::Escaped,
                }));
                at = end;
            }
            // A heredoc (`<<EOF`): unsure where it ends without following its rules.
            b'<' if bytes.get(at + 1) == Some(&b'<') => return None,
            b'{' | b'[' | b'(' => {
                tokens.push(Token::Open(byte));
                at += 1;
            }
            b'}' | b']' | b')' => {
                tokens.push(Token::Close(byte));
                at += 1;
            }
            b'=' if !matches!(bytes.get(at + 1), Some(b'=' | b'>')) => {
                tokens.push(Token::Equals);
                at += 1;
            }
            _ if byte.is_ascii_alphabetic() || byte == b'_' => {
                let start = at;
                while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || matches!(bytes[at], b'_' | b'-')) {
                    at += 1;
                }
                tokens.push(Token::Ident(&text[start..at]));
            }
            // Identifiers may hold other letters; the parser decides what they are.
            _ if !byte.is_ascii() => return None,
            _ => {
                // `==`, `=>`, `!=`, `<=`, `>=` and the rest: one token per character.
                at += if matches!(byte, b'=' | b'!' | b'<' | b'>') && bytes.get(at + 1) == Some(&b'=') { 2 } else { 1 };
                tokens.push(Token::Other);
            }
        }
    }
    Some(tokens)
}

/// After a line comment's start: the position of its newline (kept as a token).
fn line_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..].iter().position(|b| *b == b'\n').map_or(bytes.len(), |length| at + length)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Plain,
    Template,
    Escaped,
}

/// From after an opening `"`: the position after the closing one, and what the string
/// holds (an escape outweighs a template). Templates are followed through their
/// expressions, strings included; a string never spans lines.
fn string(bytes: &[u8], mut at: usize) -> Option<(usize, Kind)> {
    let mut kind = Kind::Plain;
    loop {
        match *bytes.get(at)? {
            b'"' => return Some((at + 1, kind)),
            b'\n' => return None,
            // A backslash before a line's end is no escape the parser knows: unsure.
            b'\\' if matches!(bytes.get(at + 1), Some(b'\n' | b'\r')) => return None,
            b'\\' => {
                kind = Kind::Escaped;
                at += 2;
            }
            // `$${` and `%%{` stand for `${` and `%{`.
            byte @ (b'$' | b'%') if bytes.get(at + 1) == Some(&byte) => {
                kind = Kind::Escaped;
                at += 2;
            }
            b'$' | b'%' if bytes.get(at + 1) == Some(&b'{') => {
                kind = kind.max(Kind::Template);
                at = template_expression(bytes, at + 2)?;
            }
            _ => at += 1,
        }
    }
}

/// From after a template's `${` or `%{`: the position after its closing `}`.
fn template_expression(bytes: &[u8], mut at: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        match *bytes.get(at)? {
            b'"' => at = string(bytes, at + 1)?.0,
            b'{' => {
                depth += 1;
                at += 1;
            }
            b'}' if depth == 0 => return Some(at + 1),
            b'}' => {
                depth -= 1;
                at += 1;
            }
            // Heredocs and comments inside templates: unsure.
            b'<' if bytes.get(at + 1) == Some(&b'<') => return None,
            b'#' => return None,
            b'/' if matches!(bytes.get(at + 1), Some(b'/' | b'*')) => return None,
            _ => at += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the HCL parser says: `None` when it does not parse.
    fn parsed(text: &str) -> Option<Vec<Option<String>>> {
        let body = hcl::edit::parser::parse_body(text).ok()?;
        Some(super::super::modules::module_sources(&body).map(|(_, source)| source.map(str::to_string)).collect())
    }

    fn scanned(text: &str) -> Option<Vec<Option<String>>> {
        module_sources(text).map(|sources| sources.into_iter().map(|s| s.map(str::to_string)).collect())
    }

    #[test]
    fn reads_sources_the_way_the_parser_does() {
        let text = r#"
# a root
locals {
  prefix = "dev-${var.x}" // templates in strings
  map    = { a = [1, 2], "b" = { c = "}" } }
}

module "hive" {
  source = "../../../../apps/hive/kubernetes" # the app
  name   = "${local.prefix}-hive"
  tags   = { customer = var.customer, env = var.environment }
  nested {
    source = "not this one"
  }
  depends_on = [
    module.other,
  ]
}

module other {
  source = var.where
}

module "templated" {
  source = "../${var.x}"
}

module "empty" {
}

resource "x" "y" {
  count = var.n >= 2 ? 1 : 0
  value = 3 == 4
}
"#;
        assert_eq!(scanned(text), parsed(text));
        expect_test::expect![[r#"
            Some(
                [
                    Some(
                        "../../../../apps/hive/kubernetes",
                    ),
                    None,
                    None,
                    None,
                ],
            )
        "#]]
        .assert_debug_eq(&scanned(text));
    }

    #[test]
    fn is_unsure_rather_than_wrong() {
        for text in [
            "module \"x\" { source = \"../a\" }\n",
            "module \"x\" {\n  source = \"..\\\\a\"\n}\n",
            "module \"x\" {\n  source = \"..$${a}\"\n}\n",
            "module \"x\" {\n  source = \"../a\"\n  name =\n}\n",
            "locals {\n  a = \"x\\\n\"\n}\nmodule \"x\" {\n  source = \"../a\"\n}\n",
            "module \"x\" {\n  source = <<EOF\n../a\nEOF\n}\n",
            "module \"x\" {\n  source = \"../a\"\n",
            "module \"x\" {\n  source = \"../a\n}\n",
            "module \"x\" {\n  /* a\n  */ source = \"../a\"\n}\n",
            "module \"x\" {\n  source = \"../a\"\n} module \"y\" {\n}\n",
            "modüle \"x\" {\n}\n",
            "module \"x\" {\n  a = (1]\n}\n",
            "\"module\" {\n}\n",
        ] {
            assert_eq!(scanned(text), None, "{text}");
        }
    }

    #[test]
    fn a_syntax_error_outside_module_blocks_does_not_hide_them() {
        let text = "module \"x\" {\n  source = \"../a\"\n}\nresource \"r\" \"s\" {\n  value = 1 +\n}\n";
        assert_eq!(parsed(text), None);
        assert_eq!(scanned(text), Some(vec![Some("../a".to_string())]));
    }

    /// Every `.tf` file of this repository (or of the folder `AUTO_SCAN_CHECK_DIR` names,
    /// to hold the scanner to another code base): where the scanner answers, it answers as
    /// the parser does.
    #[test]
    fn agrees_with_the_parser() {
        let root = std::env::var_os("AUTO_SCAN_CHECK_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
        let mut checked = 0;
        for entry in ignore::WalkBuilder::new(&root).hidden(false).build().flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|ext| ext != "tf") || path.components().any(|c| c.as_os_str() == "target") {
                continue;
            }
            let text = std::fs::read_to_string(path).expect("reads");
            if let (Some(scanned), Some(parsed)) = (scanned(&text), parsed(&text)) {
                assert_eq!(scanned, parsed, "{}", path.display());
                checked += 1;
            }
        }
        eprintln!("{checked} files compared with the parser");
        assert!(checked > 50, "only {checked} files compared");
    }

    /// Generated files mixing what trips scanners (templates with strings and braces in
    /// them, heredocs, escapes, comment markers in strings, nested blocks, values over
    /// several lines, one-line blocks, CRLF, a stray character): where the scanner
    /// answers, it answers as the parser does, and it answers often.
    #[test]
    fn agrees_with_the_parser_on_generated_files() {
        const STRINGS: &[&str] = &[
            r##""../a""##,
            r##""./m/x""##,
            r##""${var.x}""##,
            r##""a${"}"}b""##,
            r##""%{ if x }y%{ endif }""##,
            r##""q\"q""##,
            r##""$${x}""##,
            r##""}{""##,
            r##""#not a comment""##,
            r##""../b" # note"##,
            r##""../c" // note"##,
            r##""ü/ß""##,
        ];
        const VALUES: &[&str] = &[
            "1",
            "var.x",
            "local.y[0]",
            r##"{ a = 1, "b" = "}" }"##,
            "[\n    1,\n    2,\n  ]",
            "(1 + 2) * 3",
            r##"x == y ? "a" : "b""##,
            r##"f("a", [1, {b = 2}])"##,
            "<<EOF\nhello ${x}\nEOF",
            "{\n    k = \"v\"\n  }",
            "a >= b",
            r##"[for s in var.l : upper(s) if s != ""]"##,
            "{ for k, v in m : k => v }",
            "-1.5e3",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        let (mut compared, mut files) = (0, 0);
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..1 + next(4) {
                let kind = ["module", "resource", "locals", "module"][next(4)];
                let labels = ["", " \"x\"", " y", " \"x\" \"z-1\""][next(4)];
                if next(20) == 0 {
                    text.push_str(&format!("{kind}{labels} {{ source = \"../one\" }}\n"));
                    continue;
                }
                text.push_str(&format!("{kind}{labels} {{\n"));
                for _ in 0..next(5) {
                    match next(10) {
                        0 => text.push_str("  lifecycle {\n    source = \"../not\"\n  }\n"),
                        1 => text.push_str(["  # c\n", "  // c\n", "  /* c */\n"][next(3)]),
                        2..=4 => text.push_str(&format!("  source = {}\n", STRINGS[next(STRINGS.len())])),
                        _ => {
                            let key = ["name", "tags", "count", "for_each"][next(4)];
                            let value = match next(2) {
                                0 => VALUES[next(VALUES.len())],
                                _ => STRINGS[next(STRINGS.len())],
                            };
                            text.push_str(&format!("  {key} = {value}\n"));
                        }
                    }
                }
                text.push_str("}\n");
            }
            if next(10) == 0 {
                text = text.replace('\n', "\r\n");
            }
            if next(20) == 0 {
                let at = next(text.len() + 1);
                if text.is_char_boundary(at) {
                    text.insert(at, ['"', '{', '}', '=', '\n', '$'][next(6)]);
                }
            }
            files += 1;
            if let (Some(scanned), Some(parsed)) = (scanned(&text), parsed(&text)) {
                assert_eq!(scanned, parsed, "{text}");
                compared += 1;
            }
        }
        assert!(compared > files / 4, "only {compared} of {files} generated files compared");
    }
}
