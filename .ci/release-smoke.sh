#!/usr/bin/env bash
# The release build profile (what release.yml ships and the README's first command
# builds), built and tried here: thin LTO and one codegen unit must still link, the binary
# must be stripped, and it must do the README's main job — the full plan of onboarding a
# customer without cloud credentials (exit 3: it would change something).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[release-smoke] %s\n' "$*"; }

started=$SECONDS
cargo build --release -p auto --quiet
bin=target/release/auto
log "built in $((SECONDS - started))s: $(du -h "$bin" | cut -f1) $bin"

if readelf -S "$bin" | grep -q '\.debug_info'; then
  log "FAIL: $bin carries debug info (profile.release strip = true)"
  exit 1
fi

version=$("$bin" --version)
[ "$version" = "auto $(sed -n 's/^version = "\(.*\)"/\1/p' engine/Cargo.toml | head -1)" ] || {
  log "FAIL: --version says '$version'"
  exit 1
}
"$bin" list >/dev/null
"$bin" check >/dev/null

set +e
plan=$("$bin" run onboard_customer --set env=dev --set customer=demo --dry-run 2>&1)
code=$?
set -e
if [ "$code" -ne 3 ]; then
  printf '%s\n' "$plan"
  log "FAIL: the onboarding dry-run exited $code, not 3"
  exit 1
fi
grep -Eq 'would run .*terraform .*apply' <<<"$plan" || {
  printf '%s\n' "$plan"
  log "FAIL: the onboarding dry-run shows no terraform plan"
  exit 1
}
log "ok: $version, stripped, onboarding planned (exit 3) in $((SECONDS - started))s in all"
