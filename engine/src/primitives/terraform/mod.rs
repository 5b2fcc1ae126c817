//! Terraform primitive: builds invocations, parses terraform's JSON UI, outputs and
//! errors; no Rhai, and no spawning (everything goes through the runner).
//!
//! - [`root`]: where a root lives decides its environment, backend, state key and lock scope
//! - [`invocation`]: the command lines (pure, snapshot-tested)
//! - [`ui`], [`diagnostic`]: the `-json` UI stream → progress events, counts, errors
//! - [`changes`]: a saved plan (`show -json`) → what changes, attribute by attribute
//! - [`outputs`], [`vars`]: typed outputs (sensitive → secret), the 0600 variables file
//! - [`retry`], [`lock`]: transient errors and held state locks
//! - [`predict`]: what a root that cannot be planned yet would do (provisional roots)
//! - [`session`]: the functions scripts call, per run
//!
//! The script API is documented in docs/terraform.md.

pub mod changes;
mod config;
pub mod diagnostic;
mod guard;
mod init_marker;
pub mod invocation;
pub mod lock;
mod marks;
pub mod options;
pub mod outputs;
pub mod plugin_cache;
mod predict;
pub mod results;
pub mod retry;
pub mod root;
mod scratch;
mod session;
pub mod ui;
pub mod vars;
pub mod version;

pub use changes::{PlanChanges, PlanCounts};
pub use config::required_versions;
pub use options::{ApplyOptions, DestroyOptions, InitOptions, OutputOptions, PlanOptions, RetryOptions};
pub use results::{ApplyOutcome, DestroyOutcome, PlanResult, RootSummary, TerraformError, Validation};
pub use session::{ApplyChecks, Terraform};
pub use vars::UnknownInputs;
pub use version::{satisfies, MIN_TERRAFORM_VERSION};
