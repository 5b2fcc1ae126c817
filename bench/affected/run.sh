#!/usr/bin/env bash
# Benchmark of `auto affected` alone (workload P5 of bench/run.sh, without installing the
# other peers): a generated repository of 6,000+ roots and 30,000+ files, `auto affected`
# with and without the module-graph index next to `git diff --name-only` over the same
# range, interleaved, median and spread. Prints the report (or writes BENCH_OUT).
# Usage: bench/affected/run.sh [--quick]
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cargo build --release -p auto --manifest-path "$repo_root/Cargo.toml" --quiet
out="${BENCH_OUT:-$(mktemp)}"
python3 "$repo_root/bench/lib/bench.py" --auto "$repo_root/target/release/auto" \
    --peers "$repo_root/bench/.peers" --out "$out" "$@" P5
[ -n "${BENCH_OUT:-}" ] || { cat "$out"; rm -f "$out"; }
