//! Who says yes before a run goes on (issue 20): `confirm(message)` in a script, and a
//! terraform apply that would destroy or replace. The run picks one [`Consent`] for its
//! mode (`run/mod.rs`): a real run asks the person at the terminal, or takes the yes it was
//! given on the command line (`--yes`, `--allow-destroy`), or refuses; a plan or dry-run
//! asks no one and records the question, so the whole plan is always visible.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

use crate::report::{Context, Event, LogLevel};

/// What needs a yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// One line: `apply the changes to demo?`, `destroy or replace in test/demo/infra?`.
    pub message: String,
    /// What would change if the answer is yes (redacted text, may be empty).
    pub details: String,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `confirm(message)`: `--yes` answers it.
    Confirm,
    /// A destroy or replace the call did not allow itself: `--allow-destroy` answers it.
    /// `protected` are the addresses of resources that hold data: nothing answers for
    /// them but naming them on the call, so a real run refuses.
    Destroy { protected: Vec<String> },
}

/// How a question was settled when the run may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Someone (or the command line) said yes.
    Yes,
    /// A plan or dry-run recorded the question; nothing will be changed anyway.
    Recorded,
}

/// Why the run must stop here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The person at the terminal said no (or just pressed Enter).
    Declined,
    /// Nobody to ask (no terminal) and the command line did not answer.
    NoTerminal,
    /// Resources that hold data, not named on the call.
    Protected(Vec<String>),
    /// Ctrl-C at the prompt.
    Interrupted,
}

pub trait Consent: Send + Sync {
    fn ask(&self, question: &Question, at: &Context) -> Result<Answer, Refusal>;
}

/// A plan or dry-run: the question is part of the plan, and the plan goes on.
pub struct Recorded;

impl Consent for Recorded {
    fn ask(&self, question: &Question, at: &Context) -> Result<Answer, Refusal> {
        if let Kind::Destroy { protected } = &question.kind {
            if !protected.is_empty() {
                at.emit(Event::Log {
                    level: LogLevel::Warn,
                    message: format!(
                        "a real run stops here: {} hold(s) data and is not named in `allow_destroy`",
                        protected.join(", ")
                    ),
                });
            }
        }
        at.emit(Event::ConfirmAnswered {
            message: question.message.clone(),
            answer: "not asked: a real run asks here".into(),
        });
        Ok(Answer::Recorded)
    }
}

/// What the command line answered before anything was asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Answers {
    /// `--yes`: every `confirm`.
    pub yes: bool,
    /// `--allow-destroy`: every destroy or replace of resources that do not hold data.
    pub allow_destroy: bool,
}

/// A real run: the yes given on the command line, else the person at the terminal.
pub struct Asking {
    answers: Answers,
    /// One question at a time, when parallel tasks ask at once.
    prompt: Mutex<()>,
}

impl Asking {
    pub const fn new(answers: Answers) -> Asking {
        Asking { answers, prompt: Mutex::new(()) }
    }
}

impl Consent for Asking {
    fn ask(&self, question: &Question, at: &Context) -> Result<Answer, Refusal> {
        let (given, flag) = match &question.kind {
            Kind::Destroy { protected } if !protected.is_empty() => return Err(Refusal::Protected(protected.clone())),
            Kind::Destroy { .. } => (self.answers.allow_destroy, "--allow-destroy"),
            Kind::Confirm => (self.answers.yes, "--yes"),
        };
        if given {
            at.emit(Event::ConfirmAnswered { message: question.message.clone(), answer: format!("yes ({flag})") });
            return Ok(Answer::Yes);
        }
        let _one = self.prompt.lock().unwrap_or_else(|e| e.into_inner());
        // A terminal on stdin, as `read` in a shell would want: CI and pipes have none.
        if !std::io::stdin().is_terminal() {
            return Err(Refusal::NoTerminal);
        }
        let Ok(tty) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty") else {
            return Err(Refusal::NoTerminal);
        };
        at.emit(Event::ConfirmAsked { message: question.message.clone(), details: question.details.clone() });
        let answer = prompt(tty, &question.message);
        let said = match &answer {
            Ok(()) => "yes",
            Err(Refusal::Interrupted) => "interrupted",
            Err(_) => "no",
        };
        at.emit(Event::ConfirmAnswered { message: question.message.clone(), answer: said.into() });
        answer.map(|()| Answer::Yes)
    }
}

/// Asks `message [y/N]` on the terminal and waits for a line; only `y` or `yes` is a yes.
/// The line is read on its own thread so Ctrl-C (which auto's handler turns into an
/// interrupt, not an exit) ends the wait.
fn prompt(mut tty: std::fs::File, message: &str) -> Result<(), Refusal> {
    let _ = write!(tty, "{message} [y/N] ");
    let _ = tty.flush();
    let (send, receive) = mpsc::channel();
    let reader = tty.try_clone();
    std::thread::spawn(move || {
        let line = reader.ok().and_then(|file| {
            let mut line = String::new();
            std::io::BufReader::new(file).read_line(&mut line).ok().map(|_| line)
        });
        let _ = send.send(line);
    });
    loop {
        if crate::runtime::interrupt::is_interrupted() {
            let _ = writeln!(tty);
            return Err(Refusal::Interrupted);
        }
        match receive.recv_timeout(Duration::from_millis(50)) {
            Ok(Some(line)) if matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes") => return Ok(()),
            Ok(_) => return Err(Refusal::Declined),
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(Refusal::Declined),
        }
    }
}
