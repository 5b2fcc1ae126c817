//! Links the `auto` binary as a position-dependent executable on Linux.
//!
//! A position-independent executable is relocated by the dynamic loader at every start:
//! for this binary 41,000 relocations, which write to 170 pages of `.data.rel.ro` and so
//! copy each of them. That took 0.7 ms of a 1.8 ms `auto --version`, on every run of every
//! command: CI loops and `auto affected` (which must answer in about the time of a
//! `git diff`) pay it each time. Linked at a fixed address the pages stay shared with the
//! file and nothing is relocated.
//!
//! The price is address-space randomisation of the executable itself (the stack, heap and
//! libraries are still randomised): the trade the Go tools beside it (terraform, kubectl,
//! docker) make by default. Only the binary is linked so; the library, tests and
//! procedural macros are built as usual.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
