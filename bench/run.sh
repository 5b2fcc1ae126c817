#!/usr/bin/env bash
# The benchmark of `auto` against its peers: installs the peers (into bench/.peers,
# git-ignored), builds auto (release), runs the workloads P1–P8 and writes BENCHMARKS.md.
# Not part of CI: it takes ~20 minutes and wants a quiet machine.
#
#   bench/run.sh                  # everything, writes BENCHMARKS.md
#   bench/run.sh P3 P5            # some workloads (BENCHMARKS.md holds only those)
#   bench/run.sh --quick P1       # fewer repetitions, smaller sizes: to try the harness
#   BENCH_OUT=/tmp/b.md bench/run.sh ...   # write elsewhere
#   bench/run.sh --into P8        # run P8 and merge it into BENCHMARKS.md, others untouched
#
# Peers: ansible-core, go-task-bin and jinja2 from PyPI (a venv), just built with
# `cargo install just --locked`; terraform (the one the roots' required_version wants, from
# PATH) and the null provider from .ci/install-tools.sh. Workload inputs: bench/workloads/; harness: bench/lib/.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
peers="$bench/.peers"
mkdir -p "$peers"

if [ ! -x "$peers/venv/bin/ansible-playbook" ] || [ ! -x "$peers/venv/bin/task" ] \
    || ! "$peers/venv/bin/python" -c 'import jinja2' 2>/dev/null; then
    echo "bench: installing ansible-core, go-task-bin, jinja2 into $peers/venv" >&2
    python3 -m venv "$peers/venv"
    "$peers/venv/bin/pip" install --quiet --disable-pip-version-check ansible-core go-task-bin jinja2
fi
if [ ! -x "$peers/cargo/bin/just" ]; then
    echo "bench: building just (cargo install just --locked) into $peers/cargo" >&2
    cargo install just --locked --quiet --root "$peers/cargo"
fi

echo "bench: terraform + null provider mirror (.ci/install-tools.sh)" >&2
bash "$repo/.ci/install-tools.sh" >&2
# shellcheck source=/dev/null
source "$repo/.ci/env.sh"

echo "bench: building auto (cargo build --release)" >&2
cargo build --release -p auto --manifest-path "$repo/Cargo.toml" --quiet

exec python3 "$bench/lib/bench.py" --auto "$repo/target/release/auto" --peers "$peers" \
    --out "${BENCH_OUT:-$repo/BENCHMARKS.md}" "$@"
