//! One module per subcommand; `lib.rs` dispatches.

pub mod doctor;
pub mod inspect;
pub mod new;
pub mod run;
pub mod runs;
