#!/usr/bin/env bash
# Plan one terraform root (one matrix entry of .github/workflows/terraform.yml)
# with `auto run terraform_root --plan`, and keep what it produced for upload.
#
# Env:  MATRIX_PARAMS  JSON object from the matrix ({"env":…,"root":…})
#       ROOT_NAME      matrix.name, e.g. dev/demo/hive
#       PLAN_BUNDLE    "true" on pull requests: plan the root's apply and keep it as a plan
#                      bundle for `auto apply` on main (.github/scripts/apply-reviewed.sh)
#       PR_HEAD_SHA    with PLAN_BUNDLE: the pull request's head commit
#       AUTO_PLAN_KEY  with PLAN_BUNDLE: the passphrase the bundle is encrypted with
# Out:  $RUNNER_TEMP/plan/plan.jsonl  every event (auto.event/v1), for tools
#       $RUNNER_TEMP/plan/plan.md     the plan as Markdown (no file when the plan
#                                     failed), for the pull-request comment; with a
#                                     bundle, rendered from it (`auto show`)
#       $RUNNER_TEMP/plan/plan.bundle with PLAN_BUNDLE, when it can be used on main:
#                                     the plan bundle, always encrypted (see below)
#       step outputs `artifact`, `bundle` (true|false), `changes`
#       The log shows auto's human output; auto itself appends the step table and
#       the plan to $GITHUB_STEP_SUMMARY.
# Exit: 0 when the plan ran, with or without pending changes (auto's 3);
#       auto's own code (1 failed, 2 bad input) otherwise; 1 when plan.jsonl is
#       not valid JSON lines, or when plan.bundle is not encrypted (it is removed).
set -euo pipefail

out_dir="${RUNNER_TEMP:?}/plan"
mkdir -p "${out_dir}"
events="${out_dir}/plan.jsonl"

# Artifact names may not contain '/' (matrix names are env/customer/app).
# .github/scripts/plan-comment.sh derives the same name from the matrix.
artifact="plan-$(printf '%s' "${ROOT_NAME:?}" | tr -c 'A-Za-z0-9._-' '_')"
echo "artifact=${artifact}" >>"${GITHUB_OUTPUT:?}"

action=plan
bundle_file="${out_dir}/plan.bundle"
rm -f "${bundle_file}" # only this plan's bundle is ever uploaded
bundle=()
if [[ "${PLAN_BUNDLE:-false}" == true ]]; then
  # The bundle is what `auto apply` applies on main, so it must be the plan of the
  # apply: with action=plan terraform_root calls terraform::plan, which keeps nothing to
  # apply; with action=apply under --plan, terraform::apply plans, records the apply and
  # keeps the saved plan. Both show the same plan; the comment is the same with or
  # without a bundle.
  action=apply
  pr_head="${PR_HEAD_SHA:?PLAN_BUNDLE needs PR_HEAD_SHA}"
  # The checkout is GitHub's test merge of the head into the base (refs/pull/N/merge), a
  # commit main never has. auto apply refuses a bundle planned on another commit, and
  # main looks the bundle up by the pull request's head: so the bundle is planned on the
  # head commit, and only when its tree is the test merge's (the branch is up to date
  # with the base). Then checking out the head changes no file: the plan is the one
  # the test merge gives.
  if [[ -z "${AUTO_PLAN_KEY:-}" ]]; then
    # Without a key auto would write the bundle unencrypted (0600), and a bundle holds
    # every planned value in clear text, sensitive ones too: never in an artifact.
    echo "::warning title=terraform ${ROOT_NAME}::AUTO_PLAN_KEY is not set: no plan bundle (it would not be encrypted); main will plan again before it applies"
  elif ! git cat-file -e "${pr_head}^{commit}" 2>/dev/null; then
    echo "::warning title=terraform ${ROOT_NAME}::the head commit ${pr_head} is not in the checkout: no plan bundle; main will plan again before it applies"
  elif [[ "$(git rev-parse "HEAD^{tree}")" != "$(git rev-parse "${pr_head}^{tree}")" ]]; then
    echo "::warning title=terraform ${ROOT_NAME}::the branch is behind its base (the test merge is not the head's tree): no plan bundle, main will plan again before it applies; update the branch to have the reviewed plan applied"
  else
    git checkout --quiet --detach "${pr_head}"
    bundle=(--out "${bundle_file}")
  fi
fi

params="$(jq -c --arg action "${action}" '. + {action: $action}' <<<"${MATRIX_PARAMS:?}")"
echo "params: ${params}"

set +e
auto run terraform_root --params-json "${params}" --plan \
  --events "${events}" --plan-md "${out_dir}/plan.md" "${bundle[@]}"
rc=$?
set -e

# The bundle goes into the artifact: only an encrypted one (auto writes it so with
# AUTO_PLAN_KEY set; checked, not trusted), and only from a plan that ran.
if [[ -e "${bundle_file}" ]]; then
  if [[ "${rc}" != 0 && "${rc}" != 3 ]]; then
    rm -f "${bundle_file}"
  elif [[ "$(head -n 1 "${bundle_file}")" != "auto-plan-bundle/v1 age" ]]; then
    rm -f "${bundle_file}"
    echo "::error title=terraform ${ROOT_NAME}::${bundle_file##*/} is not encrypted: removed, not uploaded"
    exit 1
  fi
fi
if [[ -e "${bundle_file}" ]]; then
  # What the pull request shows is what main applies: the comment is rendered from the
  # bundle itself (`auto show`), not from the planning run's log.
  auto show "${bundle_file}" >"${out_dir}/plan.md"
  echo "bundle=true" >>"${GITHUB_OUTPUT}"
else
  echo "bundle=false" >>"${GITHUB_OUTPUT}"
fi

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
