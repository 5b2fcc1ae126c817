//! Runaway scripts and templates stop with a message naming the limit, in seconds — not
//! after minutes, and not never. The bounds below are generous: they prove "does not
//! hang", they do not measure speed.
#![allow(clippy::disallowed_methods)]

mod support;

use std::time::{Duration, Instant};

use support::TestRepo;

#[test]
fn a_runaway_push_stops_at_the_memory_limit() {
    // Megabyte items reach the limit in a thousand pushes; a debug build pushing
    // integers would take minutes to fill a gigabyte (a release build: seconds).
    let repo = TestRepo::new();
    repo.script(
        "grow",
        "let chunk = \"x\";\nfor i in 0..20 { chunk += chunk; }\nlet a = [];\nloop { a.push(chunk + \"y\"); }\n",
    );
    let started = Instant::now();
    let outcome = repo.run(&["run", "grow"]);
    assert!(started.elapsed() < Duration::from_secs(120), "took {:?}", started.elapsed());
    assert_eq!(outcome.code, 1, "{}", outcome.transcript());
    assert!(outcome.stderr.contains("more than the 1024 MiB it may"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("scripts/grow.rhai:4"), "{}", outcome.stderr);
}

#[test]
fn a_string_doubling_in_a_loop_stops_at_the_memory_limit() {
    let repo = TestRepo::new();
    repo.script("double", "let s = \"x\";\nloop { s += s; }\n");
    let outcome = repo.run(&["run", "double"]);
    assert_eq!(outcome.code, 1, "{}", outcome.transcript());
    assert!(outcome.stderr.contains("more than the 1024 MiB it may"), "{}", outcome.stderr);
}

#[test]
fn max_operations_zero_is_refused_not_unlimited() {
    let repo = TestRepo::new();
    repo.script("hello", "print(1);\n");
    let outcome = repo.run(&["run", "hello", "--max-operations", "0"]);
    assert_eq!(outcome.code, 2, "{}", outcome.transcript());
    assert!(outcome.stderr.contains("--max-operations"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("1.."), "the range is named: {}", outcome.stderr);
}

#[test]
fn a_runaway_template_loop_stops_in_seconds() {
    let repo = TestRepo::new();
    repo.script(
        "loops",
        "print(template::render(\"{% for i in range(100000) %}{% for j in range(100000) %}.{% endfor %}{% endfor %}\", #{}).len());\n",
    );
    let started = Instant::now();
    let outcome = repo.run(&["run", "loops"]);
    assert!(started.elapsed() < Duration::from_secs(120), "took {:?}", started.elapsed());
    assert_eq!(outcome.code, 2, "{}", outcome.transcript());
    assert!(outcome.stderr.contains("more than 20000000 steps"), "{}", outcome.stderr);
}
