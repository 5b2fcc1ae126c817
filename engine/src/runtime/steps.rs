//! Steps: named, timed, journaled units of a run, and the resume index that lets a
//! re-run skip the steps that already completed with the same inputs.
//!
//! This module knows nothing of Rhai: the `step` binding computes the input hash, asks
//! [`StepLedger::begin`] whether to run, calls the closure, and reports the result back.
//! The ledger also keeps what is left pending ([`Changes`], fed from primitives' results).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::data::Data;
use super::hex::hex;
use super::journal::{Journal, JournalKey, Record};
use crate::clock::now_rfc3339;
use crate::report::summary::Counted;
use crate::report::{Context, Event, StepStatus};

/// Completed steps of an earlier run: key → (input hash, replayable output), and the key
/// its journal was verified with, which its input hashes are keyed with too.
#[derive(Debug, Clone)]
pub struct ResumeIndex {
    pub run_id: String,
    pub key: Arc<JournalKey>,
    completed: HashMap<String, (String, Option<serde_json::Value>)>,
}

impl ResumeIndex {
    pub fn from_records(run_id: &str, key: Arc<JournalKey>, records: &[Record]) -> ResumeIndex {
        let mut completed = HashMap::new();
        for record in records {
            if let Record::StepFinished { key, input_hash, status, output, replayable: true, .. } = record {
                if matches!(status, StepStatus::Ok | StepStatus::Changed | StepStatus::Pending | StepStatus::Skipped) {
                    completed.insert(key.clone(), (input_hash.clone(), output.clone()));
                }
            }
        }
        ResumeIndex { run_id: run_id.to_string(), key, completed }
    }
}

/// The input hash of a step: an HMAC keyed with the repository's journal key, so that the
/// journal does not confirm a guess of what a step captured (a secret included), as a
/// plain SHA-256 of the inputs would.
pub fn input_hash(key: &JournalKey, step_key: &str, inputs: &[u8]) -> String {
    hex(&key.tag("auto step inputs v1", &[step_key.as_bytes(), inputs]))
}

/// A step being run; its flags are shared with nested work (also on other threads).
pub struct RunningStep {
    pub key: String,
    pub name: String,
    pub input_hash: String,
    started: Instant,
    pub flags: Arc<StepFlags>,
}

/// What the work inside a step did: changed something, or found something to change.
#[derive(Debug, Default)]
pub struct StepFlags {
    pub changed: AtomicBool,
    pub pending: AtomicBool,
}

impl StepFlags {
    /// `changed` over `pending` over `ok`. `recorded` says whether a plan or dry-run
    /// recorded a write inside the step (which only the backend knows).
    fn status(&self, recorded: bool) -> StepStatus {
        if self.changed.load(Ordering::SeqCst) {
            StepStatus::Changed
        } else if recorded || self.pending.load(Ordering::SeqCst) {
            StepStatus::Pending
        } else {
            StepStatus::Ok
        }
    }
}

pub enum Decision {
    Run(RunningStep),
    /// Completed with identical inputs in the resumed run: here is its result.
    Skip(Data),
}

/// What a plan or diff can leave waiting for an apply.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// A terraform root, by its repository path.
    TerraformRoot(String),
    /// The cluster of an environment.
    Cluster(String),
}

/// What a primitive's result says about the run. Results say it themselves
/// ([`Outcome`]), so "did this change something?" is decided where the work was done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// What it adds to the run's numbers (the `plan_summary`).
    pub counted: Counted,
    /// Something was changed for real: the enclosing steps finish `changed`.
    pub changed: bool,
    /// A plan or diff found changes that nothing applied yet: the run exits 3 unless an
    /// apply of the same target follows. An apply's own plan does not count.
    pub left_pending: bool,
    /// An apply ran: what was pending on its target is done.
    pub applied: bool,
}

impl Changes {
    pub fn none() -> Changes {
        Changes::default()
    }

    /// `changed` when `changed` is true.
    pub fn changed_if(changed: bool) -> Changes {
        Changes { changed, ..Changes::default() }
    }
}

/// A primitive's result that knows what it did to the run.
pub trait Outcome {
    fn changes(&self) -> Changes;
}

pub struct StepLedger {
    /// Targets with changes planned and not applied.
    pending: Mutex<BTreeSet<Target>>,
    /// Shared with the run's [`TimingsToJournal`], which writes into the same journal.
    journal: Arc<std::sync::OnceLock<Arc<Journal>>>,
    resume: Mutex<Option<ResumeIndex>>,
    occurrences: Mutex<BTreeMap<String, usize>>,
    /// The first journal write failure: the run must stop, since resume would be unsafe.
    pub journal_error: Mutex<Option<String>>,
}

/// Keeps in the journal what the run's timeline draws besides steps: every tool a step
/// ran (`command_finished`) and every wait (`waited`). A reporter beside the run's own, so
/// the places that run tools and wait only tell, as they tell everything else.
pub struct TimingsToJournal {
    journal: Arc<std::sync::OnceLock<Arc<Journal>>>,
}

impl crate::report::Reporter for TimingsToJournal {
    fn event(&self, scope: Option<&str>, event: &Event) {
        let Some(journal) = self.journal.get() else { return };
        let scope = scope.map(crate::secret::redact);
        let record = match event {
            Event::CommandFinished { command, exit_code, elapsed_ms } => Record::ToolRan {
                ts: now_rfc3339(),
                scope,
                command: crate::secret::redact(command),
                exit_code: *exit_code,
                elapsed_ms: *elapsed_ms,
            },
            Event::Waited { reason, elapsed_ms } => {
                Record::Waited { ts: now_rfc3339(), scope, reason: reason.clone(), elapsed_ms: *elapsed_ms }
            }
            _ => return,
        };
        // A timing the journal cannot keep costs the timeline a bar, not the run: the step
        // records that resuming depends on report their own write failures.
        let _ = journal.append(&record);
    }
}

impl Default for StepLedger {
    fn default() -> Self {
        StepLedger::new()
    }
}

impl StepLedger {
    pub fn new() -> Self {
        StepLedger {
            pending: Mutex::new(BTreeSet::new()),
            journal: Arc::new(std::sync::OnceLock::new()),
            resume: Mutex::new(None),
            occurrences: Mutex::new(BTreeMap::new()),
            journal_error: Mutex::new(None),
        }
    }

    /// What a result on `target` means for the pending changes.
    pub fn settle(&self, target: &Target, changes: &Changes) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if changes.applied {
            pending.remove(target);
        }
        if changes.left_pending {
            pending.insert(target.clone());
        }
    }

    /// Whether some plan or diff found changes nothing applied afterwards.
    pub fn has_pending_changes(&self) -> bool {
        !self.pending.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    /// Attaches the journal once the run is known to start (parameters valid): a run
    /// refused before that leaves no journal behind.
    /// The reporter that writes the run's tool runs and waits into its journal.
    pub fn timings(&self) -> TimingsToJournal {
        TimingsToJournal { journal: self.journal.clone() }
    }

    pub fn attach_journal(&self, journal: Arc<Journal>) {
        let _ = self.journal.set(journal);
    }

    pub fn set_resume(&self, index: ResumeIndex) {
        *self.resume.lock().unwrap_or_else(|e| e.into_inner()) = Some(index);
    }

    pub fn journal(&self) -> Option<&Arc<Journal>> {
        self.journal.get()
    }

    pub fn record(&self, record: &Record) -> Result<(), String> {
        match self.journal.get() {
            Some(journal) => journal.append(record).map_err(|e| {
                let message = e.to_string();
                self.journal_error.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(message.clone());
                message
            }),
            None => Ok(()),
        }
    }

    /// The key of a step: its scope path plus, for repeated names, an occurrence number.
    fn key_for(&self, name: &str, at: &Context) -> String {
        let path = match at.label() {
            Some(scope) => format!("{scope}/{name}"),
            None => name.to_string(),
        };
        let mut occurrences = self.occurrences.lock().unwrap_or_else(|e| e.into_inner());
        let count = occurrences.entry(path.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            path
        } else {
            format!("{path}#{count}")
        }
    }

    /// The key input hashes are made with: the journal's, or on a resume that writes no
    /// journal (`--dry-run`, `--plan`), the resumed journal's. With neither, no hash is
    /// recorded or compared, so none is made.
    fn input_key(&self) -> Option<Arc<JournalKey>> {
        if let Some(journal) = self.journal.get() {
            return Some(journal.key().clone());
        }
        self.resume.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(|index| index.key.clone())
    }

    pub fn begin(&self, name: &str, inputs: &[u8], at: &Context) -> Result<Decision, String> {
        let key = self.key_for(name, at);
        let input_hash = self.input_key().map(|k| input_hash(&k, &key, inputs)).unwrap_or_default();
        let resumed = self.resume.lock().unwrap_or_else(|e| e.into_inner()).as_ref().and_then(|index| {
            index
                .completed
                .get(&key)
                .filter(|(hash, _)| *hash == input_hash)
                .map(|(_, output)| (index.run_id.clone(), output.clone()))
        });
        if let Some((_, output)) = resumed {
            let data = output.map(Data::from_json).unwrap_or(Data::Null);
            self.record(&Record::StepFinished {
                ts: now_rfc3339(),
                key: key.clone(),
                input_hash,
                status: StepStatus::Skipped,
                elapsed_ms: 0,
                output: Some(data.to_json_redacted()),
                replayable: true,
                error: None,
            })?;
            at.within(name).emit(Event::StepFinished {
                step: name.to_string(),
                status: StepStatus::Skipped,
                elapsed_ms: 0,
                error: None,
            });
            return Ok(Decision::Skip(data));
        }
        self.record(&Record::StepStarted { ts: now_rfc3339(), key: key.clone(), input_hash: input_hash.clone() })?;
        Ok(Decision::Run(RunningStep {
            key,
            name: name.to_string(),
            input_hash,
            started: Instant::now(),
            flags: Arc::new(StepFlags::default()),
        }))
    }

    /// Records the end of a step. `output` is `None` when the result could not be turned
    /// into data (it is then not replayable).
    /// `recorded`: whether a plan or dry-run recorded a write inside the step.
    pub fn finish(
        &self,
        step: RunningStep,
        result: Result<Option<Data>, String>,
        recorded: bool,
        at: &Context,
    ) -> Result<(), String> {
        let elapsed_ms = step.started.elapsed().as_millis() as u64;
        let (status, output, replayable, error) = match result {
            Ok(output) => {
                let status = step.flags.status(recorded);
                let replayable = output.as_ref().is_some_and(Data::is_replayable);
                (status, output.map(|d| d.to_json_redacted()), replayable, None)
            }
            Err(error) => (StepStatus::Failed, None, false, Some(error)),
        };
        at.within(&step.name).emit(Event::StepFinished {
            step: step.name.clone(),
            status,
            elapsed_ms,
            error: error.clone(),
        });
        self.record(&Record::StepFinished {
            ts: now_rfc3339(),
            key: step.key,
            input_hash: step.input_hash,
            status,
            elapsed_ms,
            output,
            replayable,
            error,
        })
    }
}
