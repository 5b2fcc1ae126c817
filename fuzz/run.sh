#!/usr/bin/env bash
# Runs every fuzz target for a while and records the outcome in fuzz/RESULTS.md.
# Not part of CI (minutes per target). Needs cargo-fuzz (`cargo install cargo-fuzz`);
# RUSTC_BOOTSTRAP lets it use the nightly-only sanitizer flags on the stable toolchain.
#
#   fuzz/run.sh [seconds per target, default 600] [parallel jobs, default 2]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
jobs="${2:-2}"
export RUSTC_BOOTSTRAP=1
targets=(params env_config names template affected_paths hcl_lint repo_paths journal)
cargo fuzz build -O "${targets[@]}" >/dev/null 2>&1 || cargo fuzz build -O
mkdir -p logs
run_one() {
  local target="$1"
  mkdir -p "corpus/$target"
  if cargo fuzz run -O "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 >"logs/$target.log" 2>&1; then
    echo "$target ok"
  else
    echo "$target FAILED"
  fi
}
export -f run_one
export seconds
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
{
  echo "# Fuzzing results"
  echo
  echo "Run by \`fuzz/run.sh $seconds $jobs\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -m)), cargo-fuzz/libFuzzer."
  echo
  echo "| target | what it feeds | seconds | executions | corpus | crashes |"
  echo "|---|---|---|---|---|---|"
  for target in "${targets[@]}"; do
    log="logs/$target.log"
    execs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#' || echo 0)
    corpus=$(find "corpus/$target" -type f | wc -l)
    crashes=$(find "artifacts/$target" -type f 2>/dev/null | wc -l)
    case "$target" in
      params) what="param declarations (JSON) and --set values" ;;
      env_config) what="environments/<env>/env.toml text" ;;
      names) what="environment/customer names" ;;
      template) what="template text and variables" ;;
      affected_paths) what="changed-file paths for auto affected" ;;
      hcl_lint) what=".tf text for auto lint-terraform" ;;
      journal) what="run journal bytes for auto run --resume / auto runs (sealed, then one byte changed)" ;;
    esac
    echo "| $target | $what | $seconds | $execs | $corpus | $crashes |"
  done
} > RESULTS.md
cat RESULTS.md
