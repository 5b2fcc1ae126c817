//! The backend of a run that keeps or checks its file writes for a plan bundle (issue 21):
//! a `--plan --out` run keeps each write that would change a file, as the SHA-256 of its
//! content; `auto apply` lets a write through only if it is the reviewed one. Around
//! whichever backend the mode chose; a run with no bundle passes straight through.

use std::sync::Arc;

use crate::process::{files, Backend, Completion, FileChange, FileWrite, Invocation, LineObserver, RunError};
use crate::process::{RecordedEffect, WriteOutcome};
use crate::report::Context;
use crate::runtime::review::{self, Review};

pub struct Reviewing {
    inner: Arc<dyn Backend>,
    review: Arc<dyn Review>,
}

impl Reviewing {
    pub fn new(inner: Arc<dyn Backend>, review: Arc<dyn Review>) -> Reviewing {
        Reviewing { inner, review }
    }

    /// Keeps or checks `write` when it would change the file (an unchanged file is no
    /// effect: a plan does not keep it, and an apply may find it so).
    fn review(&self, write: &FileWrite) -> Result<(), RunError> {
        let change = files::compare(write)
            .map_err(|e| RunError::Write { path: write.display.clone(), message: e.to_string() })?;
        if change == FileChange::Unchanged {
            return Ok(());
        }
        let content = write.contents.expose();
        if self.review.keeps() {
            self.review.keep(review::file_write(&write.display, content));
            return Ok(());
        }
        self.review
            .check_write(&write.display, content)
            .map_err(|difference| RunError::NotReviewed { message: difference.to_string() })
    }
}

impl Backend for Reviewing {
    fn run(&self, invocation: &Invocation, observer: &dyn LineObserver, at: &Context) -> Result<Completion, RunError> {
        self.inner.run(invocation, observer, at)
    }

    fn http(
        &self,
        request: &crate::process::http::HttpRequest,
        at: &Context,
    ) -> Result<crate::process::http::HttpCompletion, RunError> {
        self.inner.http(request, at)
    }

    fn write_file(&self, write: &FileWrite, at: &Context) -> Result<WriteOutcome, RunError> {
        self.review(write)?;
        self.inner.write_file(write, at)
    }

    /// All are checked before any is written: a set of files is written whole or not.
    fn write_files(&self, writes: &[FileWrite], at: &Context) -> Result<Vec<WriteOutcome>, RunError> {
        for write in writes {
            self.review(write)?;
        }
        self.inner.write_files(writes, at)
    }

    fn recorded(&self) -> Vec<RecordedEffect> {
        self.inner.recorded()
    }

    fn recorded_write_within(&self, label: Option<&str>) -> bool {
        self.inner.recorded_write_within(label)
    }
}
