//! Places in a document's text in the three ways they are named: byte offsets (what the
//! scanner works in), LSP positions (line and UTF-16 column, the protocol's default
//! encoding) and Rhai positions (1-based line and 1-based column counted in characters,
//! what the compiler and the static checks report).

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};

/// A document's text with where each line starts.
pub struct Text<'a> {
    text: &'a str,
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
}

impl<'a> Text<'a> {
    pub fn new(text: &'a str) -> Text<'a> {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(at, _)| at + 1)).collect();
        Text { text, starts }
    }

    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The line `index` (0-based) without its line break; empty past the end.
    fn line(&self, index: usize) -> &'a str {
        let Some(&start) = self.starts.get(index) else { return "" };
        let end = self.starts.get(index + 1).map_or(self.text.len(), |next| next - 1);
        self.text[start..end].strip_suffix('\r').unwrap_or(&self.text[start..end])
    }

    /// The byte offset of an LSP position (clamped to the line's end and the text's).
    pub fn offset(&self, position: Position) -> usize {
        let index = position.line as usize;
        let Some(&start) = self.starts.get(index) else { return self.text.len() };
        let mut units = 0;
        for (at, c) in self.line(index).char_indices() {
            if units >= position.character as usize {
                return start + at;
            }
            units += c.len_utf16();
        }
        start + self.line(index).len()
    }

    /// The LSP position of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let index = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[index];
        let before = self.text.get(start..offset).unwrap_or_default();
        Position::new(index as u32, before.encode_utf16().count() as u32)
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }

    /// The byte offset of a Rhai position: 1-based line, 1-based column in characters.
    pub fn rhai_offset(&self, line: usize, column: usize) -> usize {
        let index = line.saturating_sub(1);
        let Some(&start) = self.starts.get(index) else { return self.text.len() };
        let text = self.line(index);
        text.char_indices().nth(column.saturating_sub(1)).map_or(start + text.len(), |(at, _)| start + at)
    }

    /// The range of what starts at `offset`, as a finding there names it: a name with its
    /// module path (`terraform::aply`, `params`), a string literal with its quotes, or the
    /// one character.
    pub fn token_range(&self, offset: usize) -> Range {
        let rest = &self.text[offset.min(self.text.len())..];
        let length = match rest.chars().next() {
            Some(c) if is_name(c) => path_length(rest),
            Some(quote @ ('"' | '`')) => string_length(rest, quote),
            Some('\n') | None => 0,
            Some(c) => c.len_utf8(),
        };
        self.range(offset, offset + length)
    }
}

pub fn is_name(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The length of `a::b::c` at the start of `text`.
fn path_length(text: &str) -> usize {
    let mut end = 0;
    loop {
        end += text[end..].find(|c: char| !is_name(c)).unwrap_or(text.len() - end);
        match text[end..].strip_prefix("::") {
            Some(after) if after.starts_with(is_name) => end += 2,
            _ => return end,
        }
    }
}

/// The length of the string literal at the start of `text`, up to its closing quote (or
/// the line's end when it has none).
fn string_length(text: &str, quote: char) -> usize {
    let mut escaped = false;
    for (at, c) in text.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '\n' if quote == '"' => return at,
            c if c == quote && !escaped => return at + 1,
            _ => escaped = false,
        }
    }
    text.len()
}

/// The path a `file://` URI names; `None` for any other scheme.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

/// The `file://` URI of a path.
pub fn uri_of(path: &Path) -> Option<Uri> {
    url::Url::from_file_path(path).ok()?.as_str().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_rhai_columns_characters() {
        let text = Text::new("let é = \"😀\";\nfial(1);\r\nx");
        // `fial` starts on the second line.
        assert_eq!(text.rhai_offset(2, 1), 17);
        assert_eq!(text.position(17), Position::new(1, 0));
        // The emoji is two UTF-16 units and four bytes; `é` two bytes, one unit.
        let semicolon = text.as_str().find(';').unwrap();
        assert_eq!(text.position(semicolon), Position::new(0, 12));
        assert_eq!(text.offset(Position::new(0, 12)), semicolon);
        assert_eq!(text.rhai_offset(1, 12), semicolon);
        // Clamped: past a line's end is its end, past the last line the text's end.
        assert_eq!(text.offset(Position::new(1, 99)), 25);
        assert_eq!(text.offset(Position::new(9, 0)), text.as_str().len());
    }

    #[test]
    fn a_finding_s_range_is_its_name_or_literal() {
        let text = Text::new("terraform::aply(\"root\", #{ varz: 1 });\n");
        assert_eq!(text.token_range(0), Range::new(Position::new(0, 0), Position::new(0, 15)));
        assert_eq!(text.token_range(16), Range::new(Position::new(0, 16), Position::new(0, 22)));
        assert_eq!(text.token_range(27), Range::new(Position::new(0, 27), Position::new(0, 31)));
        assert_eq!(text.token_range(24), Range::new(Position::new(0, 24), Position::new(0, 25)));
    }

    #[test]
    fn file_uris_and_paths_convert_both_ways() {
        let uri = uri_of(Path::new("/work/my repo/scripts/x.rhai")).unwrap();
        assert_eq!(uri.as_str(), "file:///work/my%20repo/scripts/x.rhai");
        assert_eq!(path_of(&uri).unwrap(), PathBuf::from("/work/my repo/scripts/x.rhai"));
        assert_eq!(path_of(&"untitled:Untitled-1".parse().unwrap()), None);
    }
}
