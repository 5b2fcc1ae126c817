#!/usr/bin/env bash
# Plan one terraform root (one matrix entry of .github/workflows/terraform.yml)
# with `auto run terraform_root --plan`, and keep what it produced for upload.
#
# Env:  MATRIX_PARAMS  JSON object from the matrix ({"env":…,"root":…})
#       ROOT_NAME      matrix.name, e.g. dev/demo/hive
# Out:  $RUNNER_TEMP/plan/plan.jsonl  every event (auto.event/v1), for tools
#       $RUNNER_TEMP/plan/plan.md     the plan as Markdown (no file when the plan
#                                     failed), for the pull-request comment
#       step outputs `artifact`, `changes`
#       The log shows auto's human output; auto itself appends the step table and
#       the plan to $GITHUB_STEP_SUMMARY.
# Exit: 0 when the plan ran, with or without pending changes (auto's 3);
#       auto's own code (1 failed, 2 bad input) otherwise; 1 when plan.jsonl is
#       not valid JSON lines.
set -euo pipefail

out_dir="${RUNNER_TEMP:?}/plan"
mkdir -p "${out_dir}"
events="${out_dir}/plan.jsonl"

# Artifact names may not contain '/' (matrix names are env/customer/app).
# .github/scripts/plan-comment.sh derives the same name from the matrix.
artifact="plan-$(printf '%s' "${ROOT_NAME:?}" | tr -c 'A-Za-z0-9._-' '_')"
echo "artifact=${artifact}" >>"${GITHUB_OUTPUT:?}"

params="$(jq -c '. + {action: "plan"}' <<<"${MATRIX_PARAMS:?}")"
echo "params: ${params}"

set +e
auto run terraform_root --params-json "${params}" --plan \
  --events "${events}" --plan-md "${out_dir}/plan.md"
rc=$?
set -e

# The events are the artifact other tools parse: a broken file fails here, loudly,
# not in whoever reads it later. auto writes none when it stops before the run
# (bad input, exit 2), which is an error of its own.
if [[ -e "${events}" ]]; then
  if ! jq -c . "${events}" >/dev/null; then
    echo "::error title=terraform ${ROOT_NAME}::${events##*/} is not valid JSON lines"
    exit 1
  fi
elif [[ "${rc}" == 0 || "${rc}" == 3 ]]; then
  echo "::error title=terraform ${ROOT_NAME}::auto wrote no ${events##*/}"
  exit 1
fi

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
