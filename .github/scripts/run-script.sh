#!/usr/bin/env bash
# Run one named script by hand (.github/workflows/run-script.yml, workflow_dispatch):
# `auto run <script> --set env=… [--set customer=…]`, with --plan in plan mode.
#
# Env:  SCRIPT       the script, scripts/<SCRIPT>.rhai (the workflow offers the ones that
#                    take env and customer: onboard_customer, offboard_customer,
#                    plan_environment)
#       ENV_NAME     the environment, environments/<ENV_NAME>
#       CUSTOMER     the customer id, or empty: then no customer parameter is passed
#                    (plan_environment takes none; the others say that they need one)
#       MODE         plan: read-only effects for real, writes recorded (exit 3 = changes
#                    pending, a successful plan); apply: the run for real. offboard_customer
#                    is the one script meant to destroy: its apply gets --allow-destroy,
#                    inside the environment whose reviewers approved the job.
#       RUNNER_TEMP, GITHUB_OUTPUT  set by the runner
# Out:  $RUNNER_TEMP/run/events.jsonl  every event (auto.event/v1), for the artifact
#       $RUNNER_TEMP/run/plan.md       plan mode: the plan as Markdown
#       step output `changes` (true|false|unknown)
#       auto itself appends the step table (and in plan mode the plan) to
#       $GITHUB_STEP_SUMMARY.
# Exit: 0 when the run (or the plan, with or without changes) succeeded; auto's own code
#       otherwise (1 failed, 2 bad input, 4 locked); 2 when MODE is not plan or apply.
set -euo pipefail

script="${SCRIPT:?}"
env_name="${ENV_NAME:?}"
customer="${CUSTOMER:-}"
mode="${MODE:?}"
out_dir="${RUNNER_TEMP:?}/run"
mkdir -p "${out_dir}"

args=(run "${script}" --set "env=${env_name}")
if [[ -n "${customer}" ]]; then
  args+=(--set "customer=${customer}")
fi
case "${mode}" in
  plan) args+=(--plan --plan-md "${out_dir}/plan.md") ;;
  apply)
    if [[ "${script}" == offboard_customer ]]; then
      args+=(--allow-destroy)
    fi
    ;;
  *)
    echo "::error title=run-script::MODE is \`${mode}\`: plan or apply"
    exit 2
    ;;
esac
args+=(--events "${out_dir}/events.jsonl")

echo "auto ${args[*]}"
set +e
auto "${args[@]}"
rc=$?
set -e

case "${rc}" in
  0)
    echo "changes=false" >>"${GITHUB_OUTPUT:?}"
    ;;
  3)
    echo "changes=true" >>"${GITHUB_OUTPUT:?}"
    echo "::notice title=${script} ${env_name}${customer:+/${customer}}::plan has pending changes: dispatch it again with mode apply to make them"
    ;;
  *)
    echo "changes=unknown" >>"${GITHUB_OUTPUT:?}"
    exit "${rc}"
    ;;
esac
