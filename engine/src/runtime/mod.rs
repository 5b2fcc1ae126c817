//! The parts a trustworthy run is built from: the [`data::Data`] values scripts hand to
//! primitives, steps and the journal that resumes them, scope locks, Ctrl-C. (Secrets and
//! the redactor, `crate::secret`, and the clock sit below everything.) No Rhai here: `script/` converts between Rhai values and
//! these, and the per-run value that ties them together is `run::Run`.

pub mod consent;
pub mod data;
pub mod formats;
pub mod hex;
pub mod interrupt;
pub mod journal;
pub mod locks;
pub mod review;
pub mod steps;
pub mod timeline;
pub mod waiting;
