//! Bounded keeping of a child's output: what `auto` holds in memory stays bounded however
//! much a tool prints (issue 18, item 17: 1.5 GB on stdout used to abort `auto`).
//!
//! - [`Head`] keeps the first `limit` bytes of stdout (a tool's result) and counts the
//!   rest, so the runner can fail naming the limit instead of returning a cut result.
//! - [`Tail`] keeps the last bytes of stderr: failure messages show the end of it.
//! - [`Lines`] splits a stream into the lines observers see, cutting any one line at
//!   [`MAX_LINE`] so that a tool printing without newlines cannot grow a line buffer.

/// The longest line handed to an observer; the rest of a longer line is dropped (its
/// bytes still count in [`Head`] and [`Tail`]). Terraform's `-json` UI lines are a few KiB.
pub const MAX_LINE: usize = 1024 * 1024;

/// Appended to a line cut at [`MAX_LINE`].
const CUT: &str = " …(line cut)";

/// The first `limit` bytes of a stream, and how many there were in all.
#[derive(Debug)]
pub struct Head {
    kept: Vec<u8>,
    limit: usize,
    total: u64,
}

impl Head {
    pub fn new(limit: usize) -> Head {
        Head { kept: Vec::new(), limit, total: 0 }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        let take = bytes.len().min(self.limit - self.kept.len());
        if take == 0 {
            return;
        }
        // Grow by doubling, but never past the limit: a non-power-of-two limit must not
        // let the capacity reach twice what is kept.
        let needed = self.kept.len() + take;
        if needed > self.kept.capacity() {
            let target = needed.max(self.kept.capacity() * 2).min(self.limit);
            self.kept.reserve_exact(target - self.kept.len());
        }
        self.kept.extend_from_slice(&bytes[..take]);
    }

    /// Whether more arrived than was kept.
    pub fn overflowed(&self) -> bool {
        self.total > self.kept.len() as u64
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.kept
    }
}

/// The last `limit` bytes of a stream (starting at a line when earlier bytes were
/// dropped), preceded by a note saying how much was dropped.
#[derive(Debug)]
pub struct Tail {
    buffer: Vec<u8>,
    limit: usize,
    total: u64,
}

impl Tail {
    pub fn new(limit: usize) -> Tail {
        Tail { buffer: Vec::new(), limit, total: 0 }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        let bytes = &bytes[bytes.len().saturating_sub(self.limit)..];
        self.buffer.extend_from_slice(bytes);
        // Trim only once the buffer holds twice the limit: amortised O(1) per byte, and
        // memory never above twice the limit.
        if self.buffer.len() > 2 * self.limit {
            let excess = self.buffer.len() - self.limit;
            self.buffer.drain(..excess);
        }
    }

    pub fn into_bytes(mut self) -> Vec<u8> {
        let excess = self.buffer.len().saturating_sub(self.limit);
        self.buffer.drain(..excess);
        let dropped_before = self.total - self.buffer.len() as u64;
        if dropped_before == 0 {
            return self.buffer;
        }
        // Start at a whole line, unless the tail is a single line.
        let start = match self.buffer.iter().position(|&b| b == b'\n') {
            Some(newline) if newline + 1 < self.buffer.len() => newline + 1,
            _ => 0,
        };
        let dropped = dropped_before + start as u64;
        let mut text = format!("[… {dropped} earlier bytes of output not kept]\n").into_bytes();
        text.extend_from_slice(&self.buffer[start..]);
        text
    }
}

/// Splits a stream into lines for an observer, holding at most [`MAX_LINE`] bytes of the
/// current line.
#[derive(Debug, Default)]
pub struct Lines {
    pending: Vec<u8>,
    /// The current line passed [`MAX_LINE`]: its remaining bytes are skipped.
    cut: bool,
}

impl Lines {
    pub fn push(&mut self, mut bytes: &[u8], line: &mut impl FnMut(&str)) {
        while !bytes.is_empty() {
            let (segment, ends_line) = match bytes.iter().position(|&b| b == b'\n') {
                Some(newline) => (&bytes[..newline], true),
                None => (bytes, false),
            };
            if !self.cut {
                let room = MAX_LINE - self.pending.len();
                if segment.len() > room {
                    self.pending.extend_from_slice(&segment[..room]);
                    self.cut = true;
                } else {
                    self.pending.extend_from_slice(segment);
                }
            }
            if ends_line {
                self.emit(line);
                bytes = &bytes[segment.len() + 1..];
            } else {
                bytes = &[];
            }
        }
    }

    /// The last line, when the stream did not end with a newline.
    pub fn finish(&mut self, line: &mut impl FnMut(&str)) {
        if !self.pending.is_empty() || self.cut {
            self.emit(line);
        }
    }

    fn emit(&mut self, line: &mut impl FnMut(&str)) {
        let text = String::from_utf8_lossy(&self.pending);
        let text = text.trim_end_matches('\r');
        if self.cut {
            line(&format!("{text}{CUT}"));
        } else {
            line(text);
        }
        self.pending.clear();
        self.cut = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_keeps_the_first_bytes_and_counts_all() {
        let mut head = Head::new(10);
        head.push(b"0123456");
        assert!(!head.overflowed());
        head.push(b"789abcdef");
        assert!(head.overflowed());
        assert_eq!(head.total(), 16);
        assert_eq!(head.into_bytes(), b"0123456789");
    }

    #[test]
    fn head_capacity_stays_within_the_limit() {
        let limit = 3 * 1024 * 1024 + 17;
        let mut head = Head::new(limit);
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..100 {
            head.push(&chunk);
        }
        assert!(head.overflowed());
        assert!(head.kept.capacity() <= limit, "{} > {limit}", head.kept.capacity());
        assert_eq!(head.into_bytes().len(), limit);
    }

    #[test]
    fn tail_keeps_whole_last_lines_and_says_what_it_dropped() {
        let mut tail = Tail::new(12);
        for i in 0..100 {
            tail.push(format!("line {i}\n").as_bytes());
        }
        let text = String::from_utf8(tail.into_bytes()).unwrap();
        assert_eq!(text, "[… 782 earlier bytes of output not kept]\nline 99\n");
        assert!(tail_memory_is_bounded());
    }

    fn tail_memory_is_bounded() -> bool {
        let mut tail = Tail::new(1000);
        let chunk = vec![b'y'; 777];
        for _ in 0..10_000 {
            tail.push(&chunk);
            if tail.buffer.len() > 2000 {
                return false;
            }
        }
        tail.into_bytes().len() < 1100
    }

    #[test]
    fn short_tail_is_returned_as_is() {
        let mut tail = Tail::new(100);
        tail.push(b"oops\n");
        assert_eq!(tail.into_bytes(), b"oops\n");
    }

    #[test]
    fn lines_split_across_pushes_and_cut_long_lines() {
        let mut seen = Vec::new();
        let mut lines = Lines::default();
        let mut record = |l: &str| seen.push(l.to_string());
        lines.push(b"one\r\ntw", &mut record);
        lines.push(b"o\nthree", &mut record);
        lines.finish(&mut record);
        assert_eq!(seen, ["one", "two", "three"]);

        let mut seen = Vec::new();
        let mut record = |l: &str| seen.push(l.len());
        let mut lines = Lines::default();
        let long = vec![b'z'; MAX_LINE + 5000];
        lines.push(&long, &mut record);
        lines.push(&long, &mut record);
        assert!(lines.pending.len() <= MAX_LINE);
        lines.push(b"\nnext\n", &mut record);
        assert_eq!(seen, [MAX_LINE + CUT.len(), 4]);
    }
}
