#!/usr/bin/env bash
# One pull-request comment with the plans of every root (.github/workflows/terraform.yml,
# job plan-comment), created once and then edited on every push, so the pull request
# shows the current plan and not one comment per push.
#
# Env:  PLANS_DIR          the downloaded artifacts: PLANS_DIR/plan-<name>/plan.{md,jsonl}
#                          (.github/scripts/terraform-plan.sh writes them)
#       MATRIX             the plan job's matrix ({"include":[{"name":…},…]}): a root
#                          without a plan.md is named in the comment, not left out
#       PR_NUMBER          the pull request
#       HEAD_SHA           the commit that was planned
#       GITHUB_REPOSITORY, GITHUB_SERVER_URL, GITHUB_RUN_ID  set by the runner
#       COMMENT_AUTHOR     whose comment is edited (default github-actions[bot]): anyone
#                          can write the marker, only our own comment is ours to edit
#       GH_TOKEN           for `gh` (pull-requests: write)
# The comment starts with the marker line below; the first comment of COMMENT_AUTHOR
# that starts with it is PATCHed, else one is POSTed. With no root affected any more, an
# existing comment says so and none is created.
set -euo pipefail

readonly marker="<!-- auto-terraform-plan -->"
# GitHub refuses a longer comment body. Bytes are counted: never fewer than characters.
readonly limit=65536
export LC_ALL=C # byte lengths below, and the same sort order everywhere

repo="${GITHUB_REPOSITORY:?}"
pr="${PR_NUMBER:?}"
plans="${PLANS_DIR:?}"
author="${COMMENT_AUTHOR:-github-actions[bot]}"
run_url="${GITHUB_SERVER_URL:-https://github.com}/${repo}/actions/runs/${GITHUB_RUN_ID:?}"
sha="${HEAD_SHA:-unknown}"
# Checked here: jq's failure inside the process substitution below would go unnoticed.
jq -e '.include | type == "array"' <<<"${MATRIX:?}" >/dev/null ||
  { echo "plan-comment.sh: MATRIX is not a matrix ({\"include\":[…]}): ${MATRIX}" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

size() { wc -c <"$1" | tr -d ' '; }

# Same name as terraform-plan.sh gives the artifact.
artifact_of() { printf 'plan-%s' "$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_')"; }

# Roots in the order a reviewer needs them: failed plans, then destroys or replaces,
# then other changes, then no changes (auto orders the roots of one run the same way);
# within a rank, the matrix's order. The first get the room first when plans are cut.
index=0
while IFS= read -r name; do
  dir="${plans}/$(artifact_of "${name}")"
  rank=0
  if [[ -f "${dir}/plan.md" && -f "${dir}/plan.jsonl" ]]; then
    rank="$(jq -rs 'map(select(.type == "plan_summary")) | last | .terraform // {}
      | if (.destroy // 0) + (.replace // 0) > 0 then 1
        elif (.add // 0) + (.change // 0) > 0 then 2 else 3 end' "${dir}/plan.jsonl")"
  elif [[ -f "${dir}/plan.md" ]]; then
    rank=2
  fi
  printf '%s\t%s\t%s\n' "${rank}" "${index}" "${name}"
  index=$((index + 1))
done < <(jq -r '.include[].name' <<<"${MATRIX}") | sort -t $'\t' -k1,1n -k2,2n >"${work}/roots"

{
  echo "${marker}"
  echo "## Terraform plan"
  echo
  echo "Head \`${sha:0:12}\` · [workflow run](${run_url}) · this comment is updated on every push."
  echo
} >"${work}/body"

count=0
while IFS=$'\t' read -r _ n name; do
  count=$((count + 1))
  dir="${plans}/$(artifact_of "${name}")"
  if [[ -f "${dir}/plan.md" ]]; then
    cp "${dir}/plan.md" "${work}/full.${n}"
    printf "### \`%s\`: not shown here\n\nThe plan would take this comment past GitHub's size limit: it is in the [run](%s)'s summary and its artifact \`%s\`.\n\n" \
      "${name}" "${run_url}" "$(artifact_of "${name}")" >"${work}/stub.${n}"
  else
    code="$(jq -rs 'map(select(.type == "run_finished")) | last | .exit_code // empty' "${dir}/plan.jsonl" 2>/dev/null || true)"
    printf "### \`%s\`: no plan\n\nIts plan job failed%s or stopped before it wrote a plan: see the [run](%s).\n\n" \
      "${name}" "${code:+ (exit ${code})}" "${run_url}" >"${work}/full.${n}"
    cp "${work}/full.${n}" "${work}/stub.${n}"
  fi
done <"${work}/roots"

if ((count == 0)); then
  echo "No terraform root is affected by this pull request any more." >>"${work}/body"
else
  # Every root gets at least its stub; a root's full plan replaces its stub while the
  # whole (with the closing note) stays under the limit.
  note_room=512
  total=$(($(size "${work}/body") + note_room))
  while IFS=$'\t' read -r _ n _; do total=$((total + $(size "${work}/stub.${n}"))); done <"${work}/roots"
  cut=0 ended=""
  while IFS=$'\t' read -r _ n _; do
    full=$(size "${work}/full.${n}") stub=$(size "${work}/stub.${n}")
    if cmp -s "${work}/full.${n}" "${work}/stub.${n}"; then
      cat "${work}/stub.${n}" >>"${work}/body" # no plan: the line is all there is
    elif ((total - stub + full <= limit)); then
      total=$((total - stub + full))
      cat "${work}/full.${n}" >>"${work}/body"
    else
      cut=$((cut + 1))
      cat "${work}/stub.${n}" >>"${work}/body"
    fi
  done <"${work}/roots"
  # So many roots that even their lines do not fit: cut at a line.
  if (($(size "${work}/body") > limit - note_room)); then
    awk -v max=$((limit - note_room)) '{ n += length($0) + 1; if (n > max) exit; print }' \
      "${work}/body" >"${work}/short"
    mv "${work}/short" "${work}/body"
    ended=", and the list of roots ends early"
  fi
  if ((cut > 0)) || [[ -n "${ended}" ]]; then
    printf "\n---\n_Cut to stay under GitHub's %d-character limit for a comment: %d plan(s) not shown in full%s. The [workflow run](%s) has every plan._\n" \
      "${limit}" "${cut}" "${ended}" "${run_url}" >>"${work}/body"
  fi
fi

jq -Rs '{body: .}' <"${work}/body" >"${work}/payload.json"

# --paginate prints one JSON array per page: slurp them into one list.
existing="$(gh api --paginate "repos/${repo}/issues/${pr}/comments" |
  jq -rs --arg marker "${marker}" --arg author "${author}" \
    'add // [] | map(select(.user.login == $author and (.body // "" | startswith($marker)))) | first | .id // empty')"

if [[ -n "${existing}" ]]; then
  echo "Updating comment ${existing} ($(size "${work}/body") bytes):"
  gh api --method PATCH "repos/${repo}/issues/comments/${existing}" --input "${work}/payload.json" --jq .html_url
elif ((count == 0)); then
  echo "No root affected and no plan comment to update: nothing to post."
else
  echo "Creating the plan comment ($(size "${work}/body") bytes):"
  gh api --method POST "repos/${repo}/issues/${pr}/comments" --input "${work}/payload.json" --jq .html_url
fi
