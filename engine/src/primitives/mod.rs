//! Plain-Rust primitives: they build invocations, hand them to the runner and parse what
//! comes back. No Rhai types here, and no spawning.

pub mod ci;
pub mod docker;
pub mod exec;
pub mod http;
pub mod kubectl;
pub mod template;
pub mod terraform;
