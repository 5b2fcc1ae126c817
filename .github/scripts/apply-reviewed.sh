#!/usr/bin/env bash
# On main, for one root (.github/workflows/terraform.yml, job apply, inside the root's
# protected environment): apply the plan bundle that the merged pull request's plan job
# made and its reviewers read, when what was merged is exactly what was planned; else
# say that the job must plan again (its next step does, as before bundles existed).
#
# Bundle path, all of:
#   - this is the run's first attempt (a re-run always plans again: see below);
#   - a merged pull request has this push's commit as its merge commit
#     (gh api repos/$REPO/commits/$SHA/pulls), and the merge commit's tree is the tree of
#     that pull request's head (the branch was up to date: nothing on main that the
#     pull request's plan did not see);
#   - a successful terraform.yml run of that head commit (a pull-request run) has this
#     root's artifact with a plan.bundle in it (terraform-plan.sh writes one only
#     encrypted, and only when the branch was up to date);
#   then `auto apply` of it, on the head commit.
# Anything else is the re-plan path: a ::notice:: (::warning:: when GitHub or git
# failed) says why, and the script exits 0 with mode=replan.
#
# Env:  ROOT_NAME          matrix.name, e.g. dev/demo/hive (the artifact's name comes
#                          from it as in terraform-plan.sh)
#       AUTO_PLAN_KEY      the passphrase the bundle was encrypted with
#       GH_TOKEN           for `gh` (contents, pull-requests and actions: read)
#       GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_OUTPUT, RUNNER_TEMP, GITHUB_RUN_ATTEMPT
#                          set by the runner
# Out:  step outputs `mode` (bundle|replan); with mode=bundle also `pull_request`, `run`
# Exit: 0 with mode=replan; with mode=bundle auto apply's own code: 0 applied, 1 failed,
#       5 the bundle no longer applies (nothing of it was applied; an ::error:: says
#       to re-plan), 2 bad input.
set -euo pipefail

repo="${GITHUB_REPOSITORY:?}"
sha="${GITHUB_SHA:?}"
root="${ROOT_NAME:?}"
out="${GITHUB_OUTPUT:?}"
# Same name as terraform-plan.sh gives the artifact.
artifact="plan-$(printf '%s' "${root}" | tr -c 'A-Za-z0-9._-' '_')"
dir="${RUNNER_TEMP:?}/reviewed/${artifact}"

replan() {
  echo "::${2:-notice} title=terraform ${root}::$1: planning again"
  echo "mode=replan" >>"${out}"
  exit 0
}

# A bundle is tried once. After it failed or was refused, applying it again cannot
# succeed (a partial apply moved the state; a refused one stays refused): re-running
# the run is how a root is planned again and, after the environment's approval, applied.
if [[ "${GITHUB_RUN_ATTEMPT:-1}" != 1 ]]; then
  replan "attempt ${GITHUB_RUN_ATTEMPT} of this run: a re-run does not use the reviewed bundle"
fi

if ! pulls="$(gh api "repos/${repo}/commits/${sha}/pulls")"; then
  replan "cannot list the pull requests of ${sha}" warning
fi
# The pull request this commit merged: not one that merely contains the commit.
if ! merged="$(jq -r --arg sha "${sha}" \
  'map(select(.merged_at != null and .merge_commit_sha == $sha)) | first
   | if . == null then "" else "\(.number) \(.head.sha)" end' <<<"${pulls}")"; then
  replan "GitHub's list of the pull requests of ${sha} is not what was expected" warning
fi
read -r pr head <<<"${merged}" || true
if [[ -z "${pr:-}" || -z "${head:-}" ]]; then
  replan "${sha} is not the merge commit of a pull request"
fi

# The head commit is not in main's history after a squash or rebase merge: fetch it. The
# checkout keeps no credentials (persist-credentials: false); gh lends GH_TOKEN to this
# one fetch only.
if ! git cat-file -e "${head}^{commit}" 2>/dev/null &&
  ! git -c credential.helper= -c 'credential.helper=!gh auth git-credential' \
    fetch --quiet --no-tags --depth=1 origin "${head}"; then
  replan "cannot fetch the head ${head} of pull request #${pr}" warning
fi
if [[ "$(git rev-parse "${sha}^{tree}")" != "$(git rev-parse "${head}^{tree}")" ]]; then
  replan "the merge commit's tree is not the tree of pull request #${pr}'s head ${head:0:12} (main changed after its plan)"
fi

if ! runs="$(gh run list --workflow terraform.yml --commit "${head}" --event pull_request \
  --status success --limit 1 --json databaseId)"; then
  replan "cannot list the terraform runs of ${head}" warning
fi
run="$(jq -r '.[0].databaseId // empty' <<<"${runs}")"
if [[ -z "${run}" ]]; then
  replan "no successful terraform run of pull request #${pr}'s head ${head:0:12}"
fi
rm -rf "${dir}"
mkdir -p "${dir}"
if ! gh run download "${run}" -n "${artifact}" -D "${dir}"; then
  replan "run ${run} of pull request #${pr} has no artifact ${artifact}"
fi
if [[ ! -f "${dir}/plan.bundle" ]]; then
  replan "the plan of pull request #${pr} (run ${run}) made no bundle for ${root}"
fi

{
  echo "mode=bundle"
  echo "pull_request=${pr}"
  echo "run=${run}"
} >>"${out}"
echo "Applying the plan of pull request #${pr} reviewed in run ${run} (head ${head})."

# auto apply refuses a bundle planned on another commit, and the bundle records the pull
# request's head, not this merge commit. The trees are equal (checked above), so checking
# out the head changes no file: it is the very code that was planned and reviewed.
git checkout --quiet --detach "${head}"

set +e
auto apply "${dir}/plan.bundle"
rc=$?
set -e
if [[ "${rc}" == 5 ]]; then
  echo "::error title=terraform ${root}::the plan reviewed on pull request #${pr} no longer applies (auto apply exit 5, the reason is above; nothing of it was applied): re-plan it by re-running this workflow run (\"Re-run all jobs\": a re-run plans again and waits for the environment's approval)"
fi
exit "${rc}"
