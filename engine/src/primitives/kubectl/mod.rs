//! kubectl: invocations with the environment's context pinned on every call, server-side
//! apply preceded by a server-side diff, secrets only on stdin, and kubectl's stderr turned
//! into messages that say what to do. No Rhai here and no spawning: the runner runs
//! everything.
//!
//! Every invocation starts `kubectl --context <pinned>`. The context comes from the
//! environment's `env.toml` (`[kubernetes] context`), or `AUTO_KUBE_CONTEXT` when set, and
//! must be one of `allowed_contexts`; it is resolved once per environment per run, so
//! switching `kubectl config current-context` mid-run changes nothing.
//!
//! `apply` runs `kubectl diff --server-side` (a read) first and applies only when the diff
//! found differences: `changed` is then accurate (server-side apply prints
//! `serverside-applied` whether or not anything changed), `--plan` runs the diff for real
//! and records only the applies that would change something, and a run that changes
//! nothing sends no writes.
//!
//! - [`context`]: the context guard and the per-run [`Session`]
//! - [`options`]: the option maps scripts pass, as typed structs
//! - [`manifests`], [`invocation`], [`secret_manifest`]: what is sent, the command lines (pure)
//! - [`operations`]: [`Kubectl`], which runs them; [`results`]: what it returns
//! - [`errors`], [`classify`]: the errors, and stderr → error

mod classify;
mod context;
mod errors;
mod invocation;
mod manifests;
mod operations;
mod options;
mod results;
mod secret_manifest;

pub use classify::classify;
pub use context::{pin_context, Cluster, Session};
pub use errors::KubectlError;
pub use invocation::{
    apply_invocation, delete_invocation, diff_invocation, exec_invocation, get_invocation, logs_invocation,
    parse_duration, rollout_restart_invocation, rollout_status_invocation, wait_invocation, ApplyRequest,
};
pub use manifests::Manifests;
pub use operations::Kubectl;
pub use options::{
    ApplyOptions, DeleteOptions, DiffOptions, ExecOptions, GetOptions, LogsOptions, NamespaceOptions, RolloutOptions,
    SecretOptions, WaitOptions,
};
pub use results::{shown_diff, ApplyResult, DiffResult, Outcome};
pub use secret_manifest::secret_manifest;

pub const PROGRAM: &str = "kubectl";
/// Server-side apply's field manager: objects `auto` owns show `auto` in `managedFields`.
pub const FIELD_MANAGER: &str = "auto";
