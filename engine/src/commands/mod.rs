//! One module per subcommand; `lib.rs` dispatches.

pub mod inspect;
pub mod run;
pub mod runs;
