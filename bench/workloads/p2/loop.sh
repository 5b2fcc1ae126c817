#!/usr/bin/env bash
# P2 peer: 500 external `true` commands. The full path makes bash fork and exec one
# (plain `true` is a bash builtin and would start no process).
set -euo pipefail
for ((i = 0; i < ${1:-500}; i++)); do
    /usr/bin/true
done
