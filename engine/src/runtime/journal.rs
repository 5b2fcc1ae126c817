//! The run journal: `.auto/runs/<run-id>/journal.jsonl`, append-only, one JSON record per
//! line, flushed to disk (fsync) before `auto` moves on, so a run killed with `kill -9`
//! still says which steps completed and can be resumed.
//!
//! `--resume` acts on what a journal says (which script, which results to hand back), so a
//! journal is authenticated: every line ends with a `"mac"`, the HMAC-SHA256 (keyed by the
//! repository's [`JournalKey`]) of the run id, the previous line's mac and the line itself.
//! A chain: an append costs one HMAC of one line, and a line that was edited, removed,
//! moved, or copied from another run or repository breaks the chain at that line. What a
//! chain cannot show is whole lines cut off the end; that only makes steps run again, or a
//! finished run look resumable. A torn last line (no newline: the run was killed in the
//! middle of a write) is passed over, as it always was.
//!
//! Journals are private (folders 0700, files 0600): they hold step results and parameters.

mod key;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

pub use self::key::{JournalKey, KeyError, Tag, KEY_FILE};
use crate::report::StepStatus;
use crate::secret::redact;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    RunStarted {
        ts: String,
        run_id: String,
        script: String,
        params: serde_json::Value,
        mode: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        git_commit: Option<String>,
        script_hash: String,
        pid: u32,
        host: String,
        user: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resumed_from: Option<String>,
        /// `auto apply`: the id of the plan bundle this run applies (used once).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        applies_bundle: Option<String>,
        /// And where the bundle is: a resume of the apply goes on with its other effects.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bundle_file: Option<String>,
    },
    /// `auto apply`: one reviewed effect was done (a terraform root applied, a file
    /// written, …): a resume of the apply goes on with the bundle's other effects.
    EffectDone {
        ts: String,
        target: String,
    },
    /// A `retry` that took more than one attempt, or gave up: how many, and the last error.
    Attempts {
        ts: String,
        scope: String,
        attempts: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    StepStarted {
        ts: String,
        key: String,
        input_hash: String,
    },
    /// A tool the run started (terraform, kubectl, a container), for the run's timeline:
    /// where (`scope`: the step's key, or below it), the command line (secrets masked),
    /// how it ended and how long it ran; `ts` is when it ended.
    ToolRan {
        ts: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
        command: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        elapsed_ms: u64,
    },
    /// The run waited in `scope` (a lock, a slot of a `parallel` limit) until `ts`.
    Waited {
        ts: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
        reason: String,
        elapsed_ms: u64,
    },
    StepFinished {
        ts: String,
        key: String,
        input_hash: String,
        status: StepStatus,
        elapsed_ms: u64,
        /// The step's result, secrets redacted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<serde_json::Value>,
        /// False when the output held secrets or unknowns: such a step is re-run on resume.
        replayable: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    RunFinished {
        ts: String,
        status: StepStatus,
        exit_code: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(default)]
        interrupted: bool,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot write the run journal `{}`: {message} (is `.auto/` writable and the disk not full?)", .path.display())]
    Write { path: PathBuf, message: String },
    #[error("{0}")]
    Key(#[from] KeyError),
}

/// Why a journal is not trusted, at one line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("the journal is damaged: it has no complete line (the run was stopped as it started)")]
    Empty,
    #[error("the journal is damaged: the line is not UTF-8 text")]
    NotText,
    #[error("the journal is damaged or not authenticated: the line has no `mac` (it was edited, or written by an `auto` older than journal authentication)")]
    NoMac,
    #[error("the journal is damaged: the line's `mac` does not match (the line was edited, removed or moved, or the journal comes from another run or repository)")]
    BadMac,
    #[error("the journal is damaged: its first line is not the start of a run ({0})")]
    NoStart(String),
    #[error("{0}")]
    NoKey(KeyError),
    #[error("it names the script `{script}`, which is not one of the repository's scripts under `scripts/`: resume runs only those, by their repository-relative name")]
    ScriptOutsideScripts { script: String },
}

/// Where a journal stops being trustworthy (lines count from 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Damage {
    pub line: usize,
    pub problem: Problem,
}

/// A journal `auto` will not act on: neither resume nor show it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot trust the run journal `{}:{line}`: {problem}", .path.display())]
pub struct Refused {
    pub path: PathBuf,
    pub line: usize,
    pub problem: Problem,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("no journal at `{}`", .0.display())]
    NotFound(PathBuf),
    #[error("cannot read the run journal `{}`: {message}", .path.display())]
    Io { path: PathBuf, message: String },
    #[error("{0}")]
    Key(KeyError),
    #[error("{0}")]
    Refused(Box<Refused>),
}

pub struct Journal {
    path: PathBuf,
    run_id: String,
    key: Arc<JournalKey>,
    writer: Mutex<Writer>,
}

struct Writer {
    file: File,
    /// The mac of the last line written: the next line's link in the chain.
    previous: Option<Tag>,
    /// Set by a failed write, which may have left a torn line: appending after it would put
    /// a damaged line in the middle of the journal, where it is refused instead of passed over.
    broken: Option<String>,
}

impl Journal {
    /// Creates `<auto_dir>/runs/<run_id>/journal.jsonl` (folders 0700, file 0600), and the
    /// repository's journal key if this is its first run.
    pub fn create(auto_dir: &Path, run_id: &str) -> Result<Journal, JournalError> {
        let runs = auto_dir.join("runs");
        let dir = runs.join(run_id);
        let path = dir.join("journal.jsonl");
        let error = |e: std::io::Error| JournalError::Write { path: path.clone(), message: e.to_string() };
        fs::create_dir_all(auto_dir).map_err(error)?;
        let private = || {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true).mode(0o700);
            builder
        };
        private().create(&runs).map_err(error)?;
        // Folders made by an `auto` before journals were private: closing the folder closes
        // every journal in it. Not ours to change (another user's): left as it is.
        if let Ok(metadata) = fs::metadata(&runs) {
            if metadata.permissions().mode() & 0o077 != 0 {
                let _ = fs::set_permissions(&runs, fs::Permissions::from_mode(0o700));
            }
        }
        // Before the run's folder: a refused key leaves no empty run behind.
        let key = Arc::new(JournalKey::load_or_create(auto_dir)?);
        private().create(&dir).map_err(error)?;
        let file = OpenOptions::new().create_new(true).append(true).mode(0o600).open(&path).map_err(error)?;
        Ok(Journal {
            path,
            run_id: run_id.to_string(),
            key,
            writer: Mutex::new(Writer { file, previous: None, broken: None }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The key this journal is written with, which also keys the step input hashes.
    pub fn key(&self) -> &Arc<JournalKey> {
        &self.key
    }

    /// Appends one record; step records are synced to disk before this returns. The line
    /// is redacted as a whole, then sealed with its mac.
    pub fn append(&self, record: &Record) -> Result<(), JournalError> {
        let body = redacted_body(record);
        let error = |message: String| JournalError::Write { path: self.path.clone(), message };
        let file = {
            let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(message) = &writer.broken {
                return Err(error(message.clone()));
            }
            let (line, tag) = seal(&self.key, &self.run_id, writer.previous.as_ref(), &body);
            // One write call per line: a crash leaves at most one torn last line, which
            // `parse` passes over.
            if let Err(e) = writer.file.write_all(format!("{line}\n").as_bytes()) {
                writer.broken = Some(e.to_string());
                return Err(error(e.to_string()));
            }
            writer.previous = Some(tag);
            writer.file.try_clone().map_err(|e| error(e.to_string()))?
        };
        // The run's start and end are not synced on their own: the first step's sync
        // flushes the start too, and a lost end only makes a finished run look
        // resumable (resuming it skips every step). Steps are synced outside the lock, so
        // concurrent steps share flushes instead of queueing behind each other.
        match record {
            Record::RunStarted { .. } | Record::RunFinished { .. } => Ok(()),
            _ => file.sync_data().map_err(|e| error(e.to_string())),
        }
    }
}

/// The record as JSON, redacted. A result the redactor had to change would come back
/// masked on resume (`user:***@db`), so such a step is marked not replayable here too:
/// the step's own check ran before a secret registered meanwhile (by a parallel step)
/// could change the text.
fn redacted_body(record: &Record) -> String {
    let plain = serde_json::to_string(record).unwrap_or_default();
    let body = redact(&plain);
    match record {
        Record::StepFinished { replayable: true, .. } if body != plain => {
            let mut record = record.clone();
            if let Record::StepFinished { replayable, .. } = &mut record {
                *replayable = false;
            }
            redact(&serde_json::to_string(&record).unwrap_or_default())
        }
        _ => body,
    }
}

const LINE_DOMAIN: &str = "auto journal line v1";
const MAC_FIELD: &str = ",\"mac\":\"";

/// The journal line for `body` (a JSON object) and its mac: `body` with a last field
/// `"mac":"<hex>"`. The mac covers the run id, the previous line's mac and the line up to
/// the mac field, so a reader checks the bytes as written, without re-serialising.
pub fn seal(key: &JournalKey, run_id: &str, previous: Option<&Tag>, body: &str) -> (String, Tag) {
    let head = body.strip_suffix('}').unwrap_or(body);
    let tag = key.tag(LINE_DOMAIN, &[run_id.as_bytes(), previous.map_or(&[][..], |t| &t[..]), head.as_bytes()]);
    (format!("{head}{MAC_FIELD}{}\"}}", crate::runtime::hex::hex(&tag)), tag)
}

/// Splits a sealed line into what the mac covers and the mac.
fn unseal(line: &str) -> Option<(&str, Tag)> {
    let rest = line.strip_suffix("\"}")?;
    let (head, hex) = rest.split_at_checked(rest.len().checked_sub(64)?)?;
    let head = head.strip_suffix(MAC_FIELD)?;
    // Only the lowercase hex `seal` writes: `u8::from_str_radix` would also take `A` for
    // `a` and `+f` for `0f`, so one mac would have several spellings.
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut tag = [0u8; 32];
    for (byte, pair) in tag.iter_mut().zip(hex.as_bytes().chunks(2)) {
        *byte = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some((head, tag))
}

/// Verifies and parses the text of run `run_id`'s journal. Every complete line must carry
/// the mac that continues the chain; the bytes after the last newline are a torn write
/// and passed over. A verified line that is not a record this `auto` knows is passed over
/// too (`auto` wrote it, so nothing is forged), except the first, which must start the run.
pub fn parse(text: &[u8], run_id: &str, key: &JournalKey) -> Result<Vec<Record>, Damage> {
    let mut records = Vec::new();
    let mut previous: Option<Tag> = None;
    let lines = text.split_inclusive(|b| *b == b'\n').filter(|line| line.ends_with(b"\n"));
    let mut number = 0;
    for line in lines {
        number += 1;
        let damage = |problem| Damage { line: number, problem };
        let line = std::str::from_utf8(&line[..line.len() - 1]).map_err(|_| damage(Problem::NotText))?;
        let (head, tag) = unseal(line).ok_or_else(|| damage(Problem::NoMac))?;
        let covered = [run_id.as_bytes(), previous.as_ref().map_or(&[][..], |t| &t[..]), head.as_bytes()];
        if !key.verify(LINE_DOMAIN, &covered, &tag) {
            return Err(damage(Problem::BadMac));
        }
        previous = Some(tag);
        match serde_json::from_str::<Record>(&format!("{head}}}")) {
            Ok(record @ Record::RunStarted { .. }) if number == 1 => records.push(record),
            Ok(other) if number == 1 => {
                return Err(damage(Problem::NoStart(format!("it is a `{}` record", event_name(&other)))))
            }
            Err(e) if number == 1 => return Err(damage(Problem::NoStart(e.to_string()))),
            Ok(record) => records.push(record),
            Err(_) => {}
        }
    }
    if number == 0 {
        return Err(Damage { line: 1, problem: Problem::Empty });
    }
    Ok(records)
}

impl Record {
    /// When the record was written (RFC 3339), whatever its kind.
    pub fn ts(&self) -> &str {
        match self {
            Record::RunStarted { ts, .. }
            | Record::EffectDone { ts, .. }
            | Record::Attempts { ts, .. }
            | Record::StepStarted { ts, .. }
            | Record::StepFinished { ts, .. }
            | Record::ToolRan { ts, .. }
            | Record::Waited { ts, .. }
            | Record::RunFinished { ts, .. } => ts,
        }
    }
}

fn event_name(record: &Record) -> &'static str {
    match record {
        Record::RunStarted { .. } => "run_started",
        Record::StepStarted { .. } => "step_started",
        Record::StepFinished { .. } => "step_finished",
        Record::RunFinished { .. } => "run_finished",
        Record::EffectDone { .. } => "effect_done",
        Record::Attempts { .. } => "attempts",
        Record::ToolRan { .. } => "tool_ran",
        Record::Waited { .. } => "waited",
    }
}

/// Reads and verifies the journal at `path` of run `run_id`.
pub fn read(path: &Path, run_id: &str, key: &JournalKey) -> Result<Vec<Record>, ReadError> {
    let text = fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound(path.to_path_buf()),
        _ => ReadError::Io { path: path.to_path_buf(), message: e.to_string() },
    })?;
    parse(&text, run_id, key).map_err(|damage| {
        ReadError::Refused(Box::new(Refused { path: path.to_path_buf(), line: damage.line, problem: damage.problem }))
    })
}

/// Whether `id` can name a run folder: no separators, no `..`, nothing hidden.
pub fn is_run_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// The verified journal of run `run_id` under `auto_dir`, and the key it was verified with.
pub fn open_run(auto_dir: &Path, run_id: &str) -> Result<(Vec<Record>, Arc<JournalKey>), ReadError> {
    let path = auto_dir.join("runs").join(run_id).join("journal.jsonl");
    if !is_run_id(run_id) {
        return Err(ReadError::NotFound(path));
    }
    if !path.is_file() {
        return Err(ReadError::NotFound(path));
    }
    let key = match JournalKey::load(auto_dir) {
        Ok(key) => Arc::new(key),
        Err(missing @ KeyError::Missing { .. }) => {
            return Err(ReadError::Refused(Box::new(Refused { path, line: 1, problem: Problem::NoKey(missing) })))
        }
        Err(other) => return Err(ReadError::Key(other)),
    };
    let records = read(&path, run_id, &key)?;
    Ok((records, key))
}

/// Runs under `<auto_dir>/runs`, newest first, each with its verified records or why they
/// cannot be trusted.
/// The ids of the recorded runs, newest first, without reading their journals.
pub fn run_ids(auto_dir: &Path) -> Vec<String> {
    let runs = auto_dir.join("runs");
    let mut ids: Vec<String> = fs::read_dir(&runs)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|id| is_run_id(id) && runs.join(id).join("journal.jsonl").is_file())
        .collect();
    ids.sort_by(|a, b| b.cmp(a));
    ids
}

pub fn list_runs(auto_dir: &Path) -> Vec<(String, Result<Vec<Record>, ReadError>)> {
    let key = JournalKey::load(auto_dir);
    run_ids(auto_dir)
        .into_iter()
        .map(|id| {
            let path = auto_dir.join("runs").join(&id).join("journal.jsonl");
            let records = match &key {
                Ok(key) => read(&path, &id, key),
                Err(missing @ KeyError::Missing { .. }) => Err(ReadError::Refused(Box::new(Refused {
                    path,
                    line: 1,
                    problem: Problem::NoKey(missing.clone()),
                }))),
                Err(other) => Err(ReadError::Key(other.clone())),
            };
            (id, records)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(run_id: &str, script: &str) -> Record {
        Record::RunStarted {
            ts: "2026-01-01T00:00:00Z".into(),
            run_id: run_id.into(),
            script: script.into(),
            params: serde_json::json!({}),
            mode: "run".into(),
            git_commit: None,
            script_hash: "00".into(),
            pid: 1,
            host: "h".into(),
            user: "u".into(),
            resumed_from: None,
            applies_bundle: None,
            bundle_file: None,
        }
    }

    fn step(key: &str) -> Record {
        Record::StepStarted { ts: "2026-01-01T00:00:01Z".into(), key: key.into(), input_hash: "11".into() }
    }

    fn sealed(key: &JournalKey, run_id: &str, records: &[Record]) -> String {
        let mut previous = None;
        let mut text = String::new();
        for record in records {
            let (line, tag) = seal(key, run_id, previous.as_ref(), &serde_json::to_string(record).unwrap());
            text.push_str(&line);
            text.push('\n');
            previous = Some(tag);
        }
        text
    }

    fn damage(text: &str, run_id: &str, key: &JournalKey) -> Option<(usize, Problem)> {
        parse(text.as_bytes(), run_id, key).err().map(|d| (d.line, d.problem))
    }

    #[test]
    fn sealed_lines_verify_and_stay_json() {
        let key = JournalKey::from_bytes([3; 32]);
        let records = vec![started("r1", "scripts/a.rhai"), step("a"), step("b")];
        let text = sealed(&key, "r1", &records);
        assert_eq!(parse(text.as_bytes(), "r1", &key).unwrap(), records);
        for line in text.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(value["mac"].as_str().map(str::len), Some(64), "{line}");
        }
    }

    #[test]
    fn a_torn_last_line_is_passed_over() {
        let key = JournalKey::from_bytes([3; 32]);
        let text = sealed(&key, "r1", &[started("r1", "scripts/a.rhai"), step("a")]);
        let torn = format!("{text}{{\"event\":\"step_fini");
        assert_eq!(parse(torn.as_bytes(), "r1", &key).unwrap().len(), 2);
        // Without its newline the last complete-looking line was never finished either.
        let unterminated = text.trim_end_matches('\n');
        assert_eq!(parse(unterminated.as_bytes(), "r1", &key).unwrap().len(), 1);
    }

    #[test]
    fn edits_moves_removals_and_foreign_journals_are_found_at_their_line() {
        let key = JournalKey::from_bytes([3; 32]);
        let text = sealed(&key, "r1", &[started("r1", "scripts/a.rhai"), step("a"), step("b")]);
        let lines: Vec<&str> = text.lines().collect();
        let join = |lines: &[&str]| lines.iter().map(|l| format!("{l}\n")).collect::<String>();

        let edited = text.replace("scripts/a.rhai", "/abs/outside.rhai");
        assert_eq!(damage(&edited, "r1", &key), Some((1, Problem::BadMac)));
        let edited = text.replace("\"key\":\"b\"", "\"key\":\"c\"");
        assert_eq!(damage(&edited, "r1", &key), Some((3, Problem::BadMac)));
        assert_eq!(damage(&join(&[lines[0], lines[2]]), "r1", &key), Some((2, Problem::BadMac)));
        assert_eq!(damage(&join(&[lines[0], lines[2], lines[1]]), "r1", &key), Some((2, Problem::BadMac)));
        assert_eq!(damage(&text, "r2", &key), Some((1, Problem::BadMac)), "copied to another run's folder");
        assert_eq!(damage(&text, "r1", &JournalKey::from_bytes([4; 32])), Some((1, Problem::BadMac)));
        let mac_start = lines[0].len() - 66;
        let mut respelled = lines[0].to_string();
        respelled.replace_range(mac_start..mac_start + 2, &lines[0][mac_start..mac_start + 2].to_uppercase());
        if respelled != lines[0] {
            assert_eq!(
                damage(&format!("{respelled}\n"), "r1", &key),
                Some((1, Problem::NoMac)),
                "one spelling per mac"
            );
        }
        let unsealed = format!("{}\n", serde_json::to_string(&started("r1", "scripts/a.rhai")).unwrap());
        assert_eq!(damage(&unsealed, "r1", &key), Some((1, Problem::NoMac)));
        assert_eq!(damage("", "r1", &key), Some((1, Problem::Empty)));
        assert_eq!(damage("\u{0}\n", "r1", &key), Some((1, Problem::NoMac)));
        let mut not_text = text.clone().into_bytes();
        not_text.splice(0..0, [0xff, b'\n']);
        assert_eq!(parse(&not_text, "r1", &key).unwrap_err(), Damage { line: 1, problem: Problem::NotText });
        let first_not_a_start = sealed(&key, "r1", &[step("a")]);
        assert!(matches!(damage(&first_not_a_start, "r1", &key), Some((1, Problem::NoStart(_)))));
    }

    #[test]
    fn a_result_the_redactor_changed_is_journaled_as_not_replayable() {
        let secret = crate::secret::Secret::new("hunter2-journal-test");
        let record = Record::StepFinished {
            ts: "t".into(),
            key: "url".into(),
            input_hash: "11".into(),
            status: StepStatus::Ok,
            elapsed_ms: 0,
            output: Some(serde_json::json!(format!("user:{}@db", secret.expose()))),
            replayable: true,
            error: None,
        };
        let body = redacted_body(&record);
        assert!(body.contains(r#""output":"user:***@db""#) && body.contains(r#""replayable":false"#), "{body}");
        let mut plain = record;
        if let Record::StepFinished { output, .. } = &mut plain {
            *output = Some(serde_json::json!("user@db"));
        }
        assert!(redacted_body(&plain).contains(r#""replayable":true"#));
    }

    #[test]
    fn journals_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::create(dir.path(), "r1").unwrap();
        journal.append(&started("r1", "scripts/a.rhai")).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(journal.path()), 0o600);
        assert_eq!(mode(&dir.path().join("runs")), 0o700);
        assert_eq!(mode(&dir.path().join("runs/r1")), 0o700);
        let (records, _) = open_run(dir.path(), "r1").unwrap();
        assert_eq!(records.len(), 1);
        assert!(matches!(open_run(dir.path(), "../runs/r1"), Err(ReadError::NotFound(_))));
    }
}
