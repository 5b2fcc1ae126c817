#!/usr/bin/env bash
# Plan one terraform root (one matrix entry of .github/workflows/terraform.yml)
# with `auto run terraform_root --plan`, and keep what it produced for upload.
#
# Env:  MATRIX_PARAMS  JSON object from the matrix ({"env":…,"root":…})
#       ROOT_NAME      matrix.name, e.g. dev/demo/hive
# Out:  $RUNNER_TEMP/plan/{plan.json,summary.md}; step outputs `artifact`, `changes`
# Exit: 0 when the plan ran, with or without pending changes (auto's 3);
#       auto's own code (1 failed, 2 bad input) otherwise.
set -euo pipefail

out_dir="${RUNNER_TEMP:?}/plan"
mkdir -p "${out_dir}"

# Artifact names may not contain '/' (matrix names are env/customer/app).
artifact="plan-$(printf '%s' "${ROOT_NAME:?}" | tr -c 'A-Za-z0-9._-' '_')"
echo "artifact=${artifact}" >>"${GITHUB_OUTPUT:?}"

params="$(jq -c '. + {action: "plan"}' <<<"${MATRIX_PARAMS:?}")"
echo "params: ${params}"

# auto appends its markdown recap to $GITHUB_STEP_SUMMARY: point it at a file
# of our own so the same recap is both shown in the run and uploaded.
summary="${out_dir}/summary.md"
: >"${summary}"
set +e
GITHUB_STEP_SUMMARY="${summary}" \
  auto run terraform_root --params-json "${params}" --plan --output json |
  tee "${out_dir}/plan.json"
rc=${PIPESTATUS[0]}
set -e
cat "${summary}" >>"${GITHUB_STEP_SUMMARY:?}"

case "${rc}" in
  0)
    echo "changes=false" >>"${GITHUB_OUTPUT}"
    echo "No changes for ${ROOT_NAME}."
    ;;
  3)
    echo "changes=true" >>"${GITHUB_OUTPUT}"
    echo "::notice title=terraform ${ROOT_NAME}::plan has pending changes"
    ;;
  *)
    echo "changes=unknown" >>"${GITHUB_OUTPUT}"
    exit "${rc}"
    ;;
esac
