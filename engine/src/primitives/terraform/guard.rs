//! No destroy or replace without a yes (issue 20). Between the plan and the apply of a
//! saved plan, the resources the apply would destroy (destroys, and replacements that
//! destroy the old object) are checked:
//!
//! - a resource of a type that holds data (`[terraform] protected_types` of the
//!   environment's env.toml: databases, storage accounts, key vaults, clusters,
//!   namespaces, volumes) goes only when the call names it: `allow_destroy: ["address"]`;
//!   nothing else answers for it, not `--allow-destroy`, not a yes at the terminal;
//! - any other goes when the call allows it (`allow_destroy: true`, or names it), or the
//!   run does (`--allow-destroy`), or the person at the terminal says yes.
//!
//! The asking is the run's [`Consent`]: a plan or dry-run records the question and goes
//! on, so the plan shows what a real run would stop at.
//!
//! One replacement needs no yes: a retry's, of an object that the call's own failed
//! attempt created and terraform then marked tainted. It did not exist before the call,
//! so replacing it destroys nothing anyone had; asking would only stop every retried
//! creation (what a transient Azure error during a create leaves behind).

use super::changes::PlanChanges;
use super::options::AllowDestroy;
use super::results::TerraformError;
use super::root::Root;
use crate::error::FailureKind;
use crate::report::{Context, Event, LogLevel};
use crate::runtime::consent::{Consent, Kind, Question, Refusal};

/// What a destroying apply is checked with.
pub struct Guard<'a> {
    /// The call's `allow_destroy`.
    pub allowed: Option<&'a AllowDestroy>,
    pub consent: &'a dyn Consent,
}

impl Guard<'_> {
    /// Ok when the apply of `plan` may go ahead; the error says what would go and how
    /// to allow it.
    /// `created_by_this_call`: the addresses an earlier attempt of the same call planned to
    /// create (empty on the first attempt).
    pub fn check(
        &self,
        root: &Root,
        operation: &str,
        plan: &PlanChanges,
        created_by_this_call: &[String],
        at: &Context,
    ) -> Result<(), TerraformError> {
        let mut going = plan.removals();
        let (own, others): (Vec<_>, Vec<_>) = going.resources.into_iter().partition(|r| {
            r.reason.as_deref() == Some("replace_because_tainted") && created_by_this_call.contains(&r.address)
        });
        going.resources = others;
        if !own.is_empty() {
            let addresses: Vec<&str> = own.iter().map(|r| r.address.as_str()).collect();
            at.emit(Event::Log {
                level: LogLevel::Info,
                message: format!(
                    "{}: replaces what the failed attempt created and left tainted: {}",
                    root.label,
                    addresses.join(", ")
                ),
            });
        }
        if going.resources.is_empty() {
            return Ok(());
        }
        let named =
            |address: &str| matches!(self.allowed, Some(AllowDestroy::Only(list)) if list.iter().any(|a| a == address));
        let all = matches!(self.allowed, Some(AllowDestroy::All(true)));
        let protected: Vec<String> = going
            .resources
            .iter()
            .filter(|r| root.protected_types.contains(&r.resource_type) && !named(&r.address))
            .map(|r| r.address.clone())
            .collect();
        let details = going.render();
        if protected.is_empty() && going.resources.iter().all(|r| all || named(&r.address)) {
            at.emit(Event::Log {
                level: LogLevel::Info,
                message: format!("{}: allowed by `allow_destroy`:\n{}", root.label, details.trim_end()),
            });
            return Ok(());
        }
        let count = going.resources.len();
        let question = Question {
            message: format!("{operation} destroys or replaces {count} resource(s) in {}: go ahead?", root.label),
            details: details.clone(),
            kind: Kind::Destroy { protected },
        };
        self.consent.ask(&question, at).map(|_| ()).map_err(|refusal| refused(root, operation, &details, refusal))
    }
}

fn refused(root: &Root, operation: &str, details: &str, refusal: Refusal) -> TerraformError {
    let what = format!(
        "{operation} of `{}` would destroy or replace, and stopped before changing anything:\n{}",
        root.path,
        indent(details)
    );
    let message = match refusal {
        Refusal::Protected(addresses) => format!(
            "{what}\n{} hold(s) data (a type listed in `[terraform] protected_types` of environments/{}/env.toml): \
             name each on the call to let it go, e.g. `allow_destroy: [{}]`; --allow-destroy and a yes at the terminal do not",
            addresses.join(", "),
            root.env,
            addresses.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ")
        ),
        Refusal::NoTerminal => format!(
            "{what}\nthere is no terminal to ask: re-run with --allow-destroy, or allow it on the call with `allow_destroy: true` (or the addresses)"
        ),
        Refusal::Declined => format!("{what}\nnot confirmed at the terminal"),
        Refusal::Interrupted => {
            return TerraformError::interrupted(format!("interrupted at the question before the {operation} of `{}`", root.path))
        }
    };
    TerraformError { kind: FailureKind::Failed, message }
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("  {line}")).collect::<Vec<_>>().join("\n")
}
