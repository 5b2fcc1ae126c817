//! The operations scripts call, for one pinned cluster: each builds its invocation, hands
//! it to the runner and reads the exit code. `apply` diffs first and applies only what
//! differs; waits after recorded writes are recorded too.

use super::classify::{classify, kubectl_itself_failed};
use super::invocation::{
    apply_invocation, delete_invocation, diff_invocation, exec_invocation, get_invocation, logs_invocation,
    rollout_restart_invocation, rollout_status_invocation, wait_invocation,
};
use super::{
    ApplyRequest, ApplyResult, Cluster, DeleteOptions, DiffResult, ExecOptions, GetOptions, KubectlError, LogsOptions,
    Manifests, NamespaceOptions, Outcome, RolloutOptions, Session, WaitOptions,
};
use crate::process::{Completion, Effect, Invocation, LineObserver, Output, RunError, Runner};
use crate::runtime::data::Data;
use crate::secret::redact;

/// Runs kubectl invocations for one cluster and maps failures to [`KubectlError`].
pub struct Kubectl<'a> {
    pub runner: &'a dyn Runner,
    pub session: &'a Session,
    pub cluster: Cluster,
    pub observer: &'a dyn LineObserver,
}

impl Kubectl<'_> {
    fn run(&self, invocation: &Invocation) -> Result<Completion, KubectlError> {
        let completion = self.runner.run(invocation, self.observer).map_err(|e| match e {
            RunError::NotFound { .. } => KubectlError::NotInstalled,
            other => KubectlError::Failed(other.to_string()),
        })?;
        if matches!(completion, Completion::Recorded) && invocation.effect == Effect::Write {
            self.session.note_recorded_write(&self.cluster);
        }
        Ok(completion)
    }

    /// Runs and requires exit 0; `Ok(None)` when recorded.
    fn run_checked(&self, invocation: &Invocation, namespace: Option<&str>) -> Result<Option<Output>, KubectlError> {
        match self.run(invocation)? {
            Completion::Recorded => Ok(None),
            Completion::Ran(output) if output.success() => Ok(Some(output)),
            Completion::Ran(output) => Err(classify(&self.cluster, invocation, &output, namespace)),
        }
    }

    /// `kubectl diff --server-side`: exit 0 = no differences, 1 = differences, more = error.
    pub fn diff(&self, manifests: &Manifests, namespace: Option<&str>) -> Result<Outcome<DiffResult>, KubectlError> {
        // Placeholders would only make kubectl fail to parse: known after apply.
        if matches!(manifests, Manifests::Unknown(_)) {
            return Ok(Outcome::Recorded);
        }
        let invocation = diff_invocation(&self.cluster, manifests, namespace);
        match self.run(&invocation)? {
            Completion::Recorded => Ok(Outcome::Recorded),
            Completion::Ran(output) => match output.code {
                Some(0) => Ok(Outcome::Done(DiffResult { changed: false, diff: String::new() })),
                Some(1) => Ok(Outcome::Done(DiffResult { changed: true, diff: redact(&output.stdout_text()) })),
                _ => Err(classify(&self.cluster, &invocation, &output, namespace)),
            },
        }
    }

    /// Diffs, then applies when there is something to apply and `gate` lets it (the gate
    /// sees the diff: a plan bundle keeps it, `auto apply` compares it with the reviewed one).
    pub fn apply(
        &self,
        request: &ApplyRequest,
        gate: &dyn Fn(Option<&DiffResult>) -> Result<(), KubectlError>,
    ) -> Result<ApplyResult, KubectlError> {
        let namespace = request.namespace.as_deref();
        // Pruning deletes what the diff does not show: always apply. Without something to
        // diff, apply too: for real the apply reports the problem, in a plan it is recorded.
        let diff = if request.prune.is_some() || !request.manifests.diffable() {
            None
        } else {
            match self.diff(&request.manifests, namespace) {
                Ok(Outcome::Done(diff)) => Some(diff),
                Ok(Outcome::Recorded) => None,
                // The namespace (or a CRD) the manifests need may be created by this very
                // apply, or by an earlier one the plan only recorded: the diff cannot tell.
                Err(KubectlError::NotFound { .. }) => Some(DiffResult {
                    changed: true,
                    diff: format!("(no diff: {} needs objects that do not exist yet)", request.manifests.describe()),
                }),
                Err(other) => return Err(other),
            }
        };
        if diff.as_ref().is_some_and(|d| !d.changed) {
            return Ok(ApplyResult { diff, output: None, applied: Outcome::Done(()) });
        }
        gate(diff.as_ref())?;
        let invocation = apply_invocation(&self.cluster, request);
        let output = self.run_checked(&invocation, namespace)?;
        let applied = if output.is_some() { Outcome::Done(()) } else { Outcome::Recorded };
        let output = output.map(|o| redact(&o.stdout_text()));
        let diff = diff.map(|d| {
            if request.manifests.is_secret() {
                DiffResult { diff: "(secret: diff not shown)".into(), ..d }
            } else {
                d
            }
        });
        Ok(ApplyResult { diff, output, applied })
    }

    /// `kubectl get -o json`; `Ok(Done(None))` when absent and `optional`.
    pub fn get(&self, target: &str, options: &GetOptions) -> Result<Outcome<Option<Data>>, KubectlError> {
        let invocation = get_invocation(&self.cluster, target, options.namespace.as_deref());
        match self.run(&invocation)? {
            Completion::Recorded => Ok(Outcome::Recorded),
            Completion::Ran(output) if output.success() => {
                let json: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| {
                    KubectlError::Failed(format!("`{invocation}` printed something that is not JSON: {e}"))
                })?;
                Ok(Outcome::Done(Some(Data::from_json(json))))
            }
            Completion::Ran(output) => {
                match classify(&self.cluster, &invocation, &output, options.namespace.as_deref()) {
                    KubectlError::NotFound { .. } if options.optional => Ok(Outcome::Done(None)),
                    other => Err(other),
                }
            }
        }
    }

    pub fn wait(&self, target: &str, options: &WaitOptions) -> Result<Outcome<String>, KubectlError> {
        let effect = self.session.observation_effect(&self.cluster);
        let invocation = wait_invocation(&self.cluster, effect, target, options)?;
        self.text(&invocation, options.namespace.as_deref())
    }

    pub fn rollout_status(&self, target: &str, options: &RolloutOptions) -> Result<Outcome<String>, KubectlError> {
        let effect = self.session.observation_effect(&self.cluster);
        let invocation = rollout_status_invocation(&self.cluster, effect, target, options)?;
        self.text(&invocation, options.namespace.as_deref())
    }

    pub fn rollout_restart(&self, target: &str, options: &NamespaceOptions) -> Result<Outcome<String>, KubectlError> {
        let invocation = rollout_restart_invocation(&self.cluster, target, options.namespace.as_deref());
        self.text(&invocation, options.namespace.as_deref())
    }

    pub fn delete(&self, target: &str, options: &DeleteOptions) -> Result<Outcome<String>, KubectlError> {
        let invocation = delete_invocation(&self.cluster, target, options)?;
        self.text(&invocation, options.namespace.as_deref())
    }

    pub fn logs(&self, target: &str, options: &LogsOptions) -> Result<Outcome<String>, KubectlError> {
        let invocation = logs_invocation(&self.cluster, target, options)?;
        self.text(&invocation, options.namespace.as_deref())
    }

    /// The command's exit code is returned, not judged; kubectl's own failures (cannot
    /// reach the cluster, pod not found, forbidden) are errors.
    pub fn exec(&self, target: &str, command: &[Data], options: &ExecOptions) -> Result<Outcome<Output>, KubectlError> {
        let invocation = exec_invocation(&self.cluster, target, command, options)?;
        match self.run(&invocation)? {
            Completion::Recorded => Ok(Outcome::Recorded),
            Completion::Ran(output) => {
                if !output.success() && kubectl_itself_failed(&output) {
                    return Err(classify(&self.cluster, &invocation, &output, options.namespace.as_deref()));
                }
                Ok(Outcome::Done(output))
            }
        }
    }

    fn text(&self, invocation: &Invocation, namespace: Option<&str>) -> Result<Outcome<String>, KubectlError> {
        Ok(match self.run_checked(invocation, namespace)? {
            Some(output) => Outcome::Done(output.stdout_text()),
            None => Outcome::Recorded,
        })
    }
}
