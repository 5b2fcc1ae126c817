//! Plain-Rust primitives: they build invocations, hand them to the runner and parse what
//! comes back. No Rhai types here, and no spawning.

pub mod exec;
pub mod template;
pub mod terraform;
pub mod kubectl;
pub mod docker;
