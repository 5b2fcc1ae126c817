//! What turns a script into a trustworthy run: steps, journal and resume, locks, secrets,
//! interrupts. No Rhai here.

pub mod clock;
pub mod data;
pub mod hex;
pub mod interrupt;
pub mod journal;
pub mod locks;
pub mod secret;
pub mod steps;
