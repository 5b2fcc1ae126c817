#!/usr/bin/env bash
# Benchmark of `auto affected` (release build) on a generated repository of 6,000+ roots and
# 30,000+ files, next to `git diff --name-only` over the same range: median of 5 runs each.
# Usage: bench/affected/run.sh [CUSTOMERS]   (default 2000; the repo is generated in a temp dir)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
customers="${1:-2000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release -p auto --manifest-path "$repo_root/Cargo.toml" --quiet
auto="$repo_root/target/release/auto"
python3 "$here/gen_affected_repo.py" "$work/repo" --customers "$customers"
python3 "$here/measure.py" "$auto" "$work/repo"
