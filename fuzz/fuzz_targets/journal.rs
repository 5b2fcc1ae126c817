//! Journal verification (`auto run --resume`, `auto runs`): any bytes are refused with a line
//! or accepted as a run, never a panic; sealed lines verify; a changed byte is never accepted.
#![no_main]
use auto::runtime::journal::{self, JournalKey, Problem, Record};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let key = JournalKey::from_bytes([7; 32]);

    // Whatever a journal file holds: what is accepted starts a run, what is refused names
    // a line that exists.
    match journal::parse(input, "run", &key) {
        Ok(records) => assert!(matches!(records.first(), Some(Record::RunStarted { .. }))),
        Err(damage) => {
            assert!(damage.line >= 1);
            let _ = damage.problem.to_string();
        }
    }

    // The same text as the lines of a journal auto wrote: the chain verifies, and one byte
    // changed anywhere is refused, or (a last newline changed) only cuts the last line off.
    let [low, high, mask, rest @ ..] = input else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let mut sealed = String::new();
    let mut previous = None;
    for body in text.split('\n') {
        let (line, tag) = journal::seal(&key, "run", previous.as_ref(), body);
        sealed.push_str(&line);
        sealed.push('\n');
        previous = Some(tag);
    }
    let original = journal::parse(sealed.as_bytes(), "run", &key);
    if let Err(damage) = &original {
        assert!(!matches!(damage.problem, Problem::BadMac | Problem::NoMac), "a sealed line must verify: {damage:?}");
    }
    let mut tampered = sealed.into_bytes();
    let at = usize::from(u16::from_le_bytes([*low, *high])) % tampered.len();
    tampered[at] ^= if *mask == 0 { 1 } else { *mask };
    match (original, journal::parse(&tampered, "run", &key)) {
        (Ok(before), Ok(after)) => assert!(before.starts_with(&after), "a changed byte was accepted at {at}"),
        (Err(_), Ok(after)) => panic!("a refused journal became acceptable by changing byte {at}: {after:?}"),
        (_, Err(_)) => {}
    }
});
