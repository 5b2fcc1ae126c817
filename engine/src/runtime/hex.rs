//! Lower-case hex of bytes: how digests and MACs are written in journals, markers and tags.

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
