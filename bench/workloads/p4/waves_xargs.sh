#!/usr/bin/env bash
# P4 reference: the same schedule with xargs -P10 — 50 customers, 3 sleeps each in order.
set -euo pipefail
seq "${1:-50}" | xargs -P "${2:-10}" -I{} sh -c 'sleep 0.2 && sleep 0.2 && sleep 0.2'
