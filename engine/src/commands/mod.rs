//! One module per subcommand; `lib.rs` dispatches.

pub mod affected;
pub mod complete;
pub mod docs;
pub mod doctor;
pub mod inspect;
pub mod lint_terraform;
pub mod lsp;
pub mod new;
pub mod run;
pub mod runs;
