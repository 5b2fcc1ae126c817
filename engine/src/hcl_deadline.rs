//! Parsing terraform files with a deadline.
//!
//! Fuzzing found `.tf` inputs of a few hundred bytes on which the HCL parser backtracks
//! for minutes (fuzz/RESULTS.md). A file like that in a pull request must not stall
//! `auto affected`, `auto lint-terraform` or a run's static reads of a root: parsing runs
//! on a worker thread and gives up after [`PARSE_DEADLINE`]. A worker that overruns is left
//! to finish on its own (a parser cannot be interrupted); the caller reports the file as
//! unparsable and moves on.
//!
//! Workers are reused: `auto affected` parses thousands of roots, and a thread started and
//! torn down per file cost more than the parsing (stack mappings, TLB shootdowns). Many
//! files at once go through [`map_within_deadline`], whose workers parse one file after
//! another while the caller watches the clock; handing each file to a worker would cost
//! two context switches per file, more than parsing it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Real terraform files parse in milliseconds; this is generous on a loaded CI machine.
pub const PARSE_DEADLINE: Duration = Duration::from_secs(10);

type Job = Box<dyn FnOnce() + Send>;

/// A parse thread waiting for its next job.
struct Worker {
    jobs: mpsc::Sender<Job>,
}

/// Idle workers. A worker that overran its deadline is never put back: once its job is
/// done it finds its queue closed and ends. Process-wide: a pool of threads, shared by
/// whatever parses HCL, that holds no result of anyone's.
static IDLE: Mutex<Vec<Worker>> = Mutex::new(Vec::new());

/// Runs `parse` with the deadline; `None` when it did not finish in time (or panicked).
pub fn within_deadline<T: Send + 'static>(parse: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (sender, receiver) = mpsc::channel();
    let job: Job = Box::new(move || {
        let _ = sender.send(parse());
    });
    let worker = hand_over(job)?;
    let parsed = receiver.recv_timeout(PARSE_DEADLINE).ok()?;
    lock(&IDLE).push(worker);
    Some(parsed)
}

/// Gives `job` to an idle worker, or to a new one; `None` if no thread can be started.
fn hand_over(job: Job) -> Option<Worker> {
    let idle = lock(&IDLE).pop();
    match idle {
        // Defensive: a worker whose thread has ended returns the job, which gets a new one.
        Some(worker) => match worker.jobs.send(job) {
            Ok(()) => Some(worker),
            Err(mpsc::SendError(job)) => start_worker(job),
        },
        None => start_worker(job),
    }
}

fn start_worker(first: Job) -> Option<Worker> {
    let (jobs, queue) = mpsc::channel::<Job>();
    jobs.send(first).ok()?;
    std::thread::Builder::new()
        .name("auto-hcl-parse".into())
        .spawn(move || {
            for job in queue {
                job();
            }
        })
        .ok()?;
    Some(Worker { jobs })
}

/// `parse` applied to every input on all cores, each call with [`PARSE_DEADLINE`]: `None`
/// for an input whose parse overran it (or panicked). Results keep the inputs' order.
pub fn map_within_deadline<T: Send + 'static>(inputs: Vec<String>, parse: fn(&str) -> T) -> Vec<Option<T>> {
    map_with_deadline(inputs, parse, PARSE_DEADLINE)
}

/// What the caller and the workers of one [`map_within_deadline`] share.
struct Batch<T> {
    inputs: Vec<String>,
    next: AtomicUsize,
    /// Per worker: the input it is parsing and since when.
    busy: Mutex<Vec<Option<(usize, Instant)>>>,
    /// Per worker: abandoned after an overrun. It still reports the parse it is in (taken
    /// if the input is still open), then takes no other.
    retired: Mutex<Vec<Arc<AtomicBool>>>,
    parse: fn(&str) -> T,
    progress: Mutex<Progress<T>>,
    /// Signalled when the last input is settled: the caller sleeps until then (or until it
    /// is time to look for overruns), not woken once per file.
    finished: Condvar,
}

struct Progress<T> {
    results: Vec<Option<T>>,
    settled: Vec<bool>,
    remaining: usize,
}

impl<T> Progress<T> {
    /// Records the outcome of input `at` unless it was settled already.
    fn settle(&mut self, at: usize, outcome: Option<T>) {
        if !self.settled[at] {
            self.settled[at] = true;
            self.results[at] = outcome;
            self.remaining -= 1;
        }
    }
}

fn map_with_deadline<T: Send + 'static>(
    inputs: Vec<String>,
    parse: fn(&str) -> T,
    deadline: Duration,
) -> Vec<Option<T>> {
    let count = inputs.len();
    if count == 0 {
        return Vec::new();
    }
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let batch = Arc::new(Batch {
        inputs,
        next: AtomicUsize::new(0),
        busy: Mutex::new(Vec::new()),
        retired: Mutex::new(Vec::new()),
        parse,
        progress: Mutex::new(Progress {
            results: std::iter::repeat_with(|| None).take(count).collect(),
            settled: vec![false; count],
            remaining: count,
        }),
        finished: Condvar::new(),
    });
    // Workers taken for this batch, each with its flag: retired ones are not given back.
    let mut taken: Vec<(Worker, Arc<AtomicBool>)> = Vec::new();
    let mut start = |batch: &Arc<Batch<T>>| -> bool {
        let batch = Arc::clone(batch);
        let retired = Arc::new(AtomicBool::new(false));
        let worker = {
            let mut busy = lock(&batch.busy);
            busy.push(None);
            lock(&batch.retired).push(Arc::clone(&retired));
            busy.len() - 1
        };
        let flag = Arc::clone(&retired);
        let job: Job = Box::new(move || {
            // Checked before taking an input, never after: an input this worker took is
            // always reported, so none is lost between an overrun and its retirement.
            while !retired.load(Ordering::Relaxed) {
                let at = batch.next.fetch_add(1, Ordering::Relaxed);
                let Some(input) = batch.inputs.get(at) else { break };
                lock(&batch.busy)[worker] = Some((at, Instant::now()));
                let parsed = catch_unwind(AssertUnwindSafe(|| (batch.parse)(input))).ok();
                lock(&batch.busy)[worker] = None;
                let mut progress = lock(&batch.progress);
                progress.settle(at, parsed);
                if progress.remaining == 0 {
                    batch.finished.notify_all();
                }
            }
        });
        match hand_over(job) {
            Some(worker) => {
                taken.push((worker, flag));
                true
            }
            None => false,
        }
    };
    let started = (0..cores.min(count)).filter(|_| start(&batch)).count();
    if started == 0 {
        // No thread to be had: parse here, without a deadline, rather than not at all.
        return batch.inputs.iter().map(|input| catch_unwind(AssertUnwindSafe(|| parse(input))).ok()).collect();
    }
    let mut progress = lock(&batch.progress);
    while progress.remaining > 0 {
        let (guard, waited) =
            batch.finished.wait_timeout(progress, deadline / 4).unwrap_or_else(|poisoned| poisoned.into_inner());
        progress = guard;
        if progress.remaining == 0 || !waited.timed_out() {
            continue;
        }
        // Workers take `busy` before `progress`: let go of it while looking.
        drop(progress);
        let overrun: Vec<(usize, usize)> = {
            let (busy, retired) = (lock(&batch.busy), lock(&batch.retired));
            busy.iter()
                .zip(retired.iter())
                .enumerate()
                .filter(|(_, (_, retired))| !retired.load(Ordering::Relaxed))
                .filter_map(|(worker, (slot, _))| {
                    slot.filter(|(_, since)| since.elapsed() >= deadline).map(|(at, _)| (worker, at))
                })
                .collect()
        };
        for (worker, at) in overrun {
            lock(&batch.progress).settle(at, None);
            lock(&batch.retired)[worker].store(true, Ordering::Relaxed);
            // The others go on; a fresh worker takes the abandoned one's place.
            start(&batch);
        }
        progress = lock(&batch.progress);
    }
    let results = std::mem::take(&mut progress.results);
    drop(progress);
    let mut idle = lock(&IDLE);
    idle.extend(taken.into_iter().filter(|(_, retired)| !retired.load(Ordering::Relaxed)).map(|(worker, _)| worker));
    results
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The message for a file that did not parse in time.
pub fn too_slow_message() -> String {
    format!(
        "the file did not parse within {}s: it is malformed in a way that makes the HCL parser backtrack (unterminated strings or template directives?)",
        PARSE_DEADLINE.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pathological_input_is_abandoned_not_waited_for() {
        let input = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fuzz/regressions/hcl_lint/slow-unit-e77b07791be5e9790a68ef2900f103bfed09a1c1"
        ))
        .unwrap_or_default();
        let started = std::time::Instant::now();
        let parsed = within_deadline(move || hcl::edit::parser::parse_body(&input).is_ok());
        // Either it parsed (a faster parser version) or it was abandoned at the deadline.
        assert!(parsed.is_some() || started.elapsed() >= PARSE_DEADLINE);
        assert!(started.elapsed() < PARSE_DEADLINE + Duration::from_secs(5));
        // The overrunning worker is not reused: the next parse gets a free one at once.
        assert_eq!(within_deadline(|| hcl::edit::parser::parse_body("a = 1\n").is_ok()), Some(true));
    }

    #[test]
    fn a_batch_abandons_only_the_input_that_overruns() {
        fn parse(input: &str) -> usize {
            match input {
                "slow" => std::thread::sleep(Duration::from_secs(3)),
                "panics" => panic!("a parser bug"),
                _ => {}
            }
            input.len()
        }
        let mut inputs: Vec<String> = (0..200).map(|i| "x".repeat(i % 7)).collect();
        inputs[10] = "slow".into();
        inputs[20] = "panics".into();
        let started = Instant::now();
        let results = map_with_deadline(inputs.clone(), parse, Duration::from_millis(400));
        assert!(started.elapsed() < Duration::from_secs(2), "did not wait for the slow parse");
        assert_eq!(results[10], None);
        assert_eq!(results[20], None);
        for (at, input) in inputs.iter().enumerate().filter(|(at, _)| *at != 10 && *at != 20) {
            assert_eq!(results[at], Some(input.len()), "input {at}");
        }
        assert!(map_within_deadline(Vec::new(), parse).is_empty());
    }

    #[test]
    fn workers_are_reused_and_survive_a_panicking_parse() {
        assert_eq!(within_deadline(|| 1 + 1), Some(2));
        assert_eq!(within_deadline(|| -> u8 { panic!("a parser bug") }), None);
        let threads: Vec<(std::thread::ThreadId, Option<String>)> = (0..20)
            .filter_map(|_| {
                within_deadline(|| (std::thread::current().id(), std::thread::current().name().map(str::to_string)))
            })
            .collect();
        assert_eq!(threads.len(), 20);
        assert!(threads.iter().all(|(_, name)| name.as_deref() == Some("auto-hcl-parse")));
        let distinct: std::collections::HashSet<_> = threads.iter().map(|(id, _)| *id).collect();
        // Other tests borrow workers concurrently, but 20 calls in a row need far fewer.
        assert!(distinct.len() < 10, "{} threads for 20 parses", distinct.len());
    }
}
