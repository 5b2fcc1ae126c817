//! The parts a trustworthy run is built from: the [`data::Data`] values scripts hand to
//! primitives, secrets and the redactor, steps and the journal that resumes them, scope
//! locks, Ctrl-C, the clock. No Rhai here: `script/` converts between Rhai values and
//! these, and the per-run value that ties them together is `run::Run`.

pub mod clock;
pub mod data;
pub mod hex;
pub mod interrupt;
pub mod journal;
pub mod locks;
pub mod secret;
pub mod steps;
