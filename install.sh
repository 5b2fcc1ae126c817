#!/bin/sh
# Install a release of auto (what .github/workflows/release.yml publishes): downloads
# auto-<version>-<target>.tar.gz and SHA256SUMS of the release, refuses the archive
# unless its SHA-256 is the one SHA256SUMS lists, and installs the binary.
#
#   curl -fsSL https://raw.githubusercontent.com/<owner>/<repo>/main/install.sh \
#     | AUTO_REPOSITORY=<owner>/<repo> sh
#
# Env:  AUTO_VERSION      the release, without the v (default: the pinned version below)
#       AUTO_INSTALL_DIR  where `auto` goes (default: $HOME/.local/bin)
#       AUTO_REPOSITORY   owner/name of the GitHub repository (default: $GITHUB_REPOSITORY)
#       AUTO_RELEASE_URL  where the release's files are, instead of
#                         https://github.com/$AUTO_REPOSITORY/releases/download/v$AUTO_VERSION:
#                         an http(s) URL, or file:///a/dir (a mirror, a test, or the
#                         files `gh release download` fetched from a private repository)
#       AUTO_TARGET       the target triple to install (default: this machine's)
# Args: --target  print this machine's target triple and exit
# Exit: 0 installed; 1 the download failed or the checksum did not match (nothing is
#       installed then); 2 bad input (unknown argument or platform, no repository).
set -eu

# The release CI installs (.github/actions/setup-auto reads .github/auto-version; a test
# keeps the two equal). Bump both when a new release should become the default.
pinned_version=0.1.0

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() {
  code=$1
  shift
  say "error: $*"
  exit "$code"
}

# This machine's target triple, as release.yml names the archives.
detect_target() {
  os=$(uname -s)
  arch=$(uname -m)
  case "$os" in
    Linux) os=unknown-linux-musl ;;
    Darwin)
      os=apple-darwin
      # A shell under Rosetta reports x86_64 on Apple silicon: install the native build.
      if [ "$arch" = x86_64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
        arch=arm64
      fi
      ;;
    *) die 2 "no release of auto for $os: build it from source (cargo install --locked --path engine)" ;;
  esac
  case "$arch" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) die 2 "no release of auto for $arch ($os): build it from source (cargo install --locked --path engine)" ;;
  esac
  printf '%s-%s\n' "$arch" "$os"
}

case "${1:-}" in
  "") ;;
  --target)
    detect_target
    exit 0
    ;;
  -h | --help)
    sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *) die 2 "unknown argument \`$1\` (see --help)" ;;
esac

version=${AUTO_VERSION:-$pinned_version}
version=${version#v}
target=${AUTO_TARGET:-$(detect_target)}
install_dir=${AUTO_INSTALL_DIR:-${HOME:?HOME is not set: set AUTO_INSTALL_DIR}/.local/bin}
if [ -n "${AUTO_RELEASE_URL:-}" ]; then
  base=${AUTO_RELEASE_URL%/}
else
  repository=${AUTO_REPOSITORY:-${GITHUB_REPOSITORY:-}}
  [ -n "$repository" ] || die 2 "which repository's release? set AUTO_REPOSITORY=<owner>/<repo> (or AUTO_RELEASE_URL)"
  base="https://github.com/$repository/releases/download/v$version"
fi
archive="auto-$version-$target.tar.gz"

work=$(mktemp -d "${TMPDIR:-/tmp}/auto-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# fetch NAME: the release's file NAME into $work.
fetch() {
  case "$base" in
    file://*)
      cp "${base#file://}/$1" "$work/$1" 2>/dev/null || return 1
      ;;
    http://* | https://*)
      if command -v curl >/dev/null 2>&1; then
        # An https release is never fetched over plain http, not even after a redirect.
        proto='=https'
        case "$base" in http://*) proto='=http,https' ;; esac
        curl --fail --silent --show-error --location --proto "$proto" --retry 3 \
          --output "$work/$1" "$base/$1"
      elif command -v wget >/dev/null 2>&1; then
        wget --quiet --tries=3 --output-document="$work/$1" "$base/$1"
      else
        die 2 "neither curl nor wget is installed: install one of them"
      fi
      ;;
    *) die 2 "AUTO_RELEASE_URL=$base is neither http(s):// nor file://" ;;
  esac
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    die 2 "neither sha256sum nor shasum is installed: cannot verify the download"
  fi
}

say "auto $version for $target from $base"
fetch SHA256SUMS || die 1 "cannot download $base/SHA256SUMS: is there a release v$version?"
fetch "$archive" || die 1 "cannot download $base/$archive: does release v$version have a build for $target?"

# The line "<sha256>  <file>" (or "<sha256> *<file>") that names exactly this archive.
expected=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$work/SHA256SUMS")
[ -n "$expected" ] || die 1 "SHA256SUMS of v$version does not list $archive: not installed"
actual=$(sha256 "$work/$archive")
if [ "$actual" != "$expected" ]; then
  die 1 "checksum mismatch for $archive: SHA256SUMS says $expected, the download is $actual; not installed (a damaged or altered download: try again, or report it)"
fi

mkdir "$work/unpacked"
tar -xzf "$work/$archive" -C "$work/unpacked" || die 1 "cannot unpack $archive: not installed"
binary="$work/unpacked/auto-$version-$target/auto"
[ -f "$binary" ] || die 1 "$archive holds no auto-$version-$target/auto: not installed"

# Into place with a rename, so a running auto (or one being installed twice at once)
# never sees half a file.
mkdir -p "$install_dir"
cp "$binary" "$install_dir/.auto.$$"
chmod 0755 "$install_dir/.auto.$$"
mv -f "$install_dir/.auto.$$" "$install_dir/auto"
say "installed $install_dir/auto ($("$install_dir/auto" --version))"
case ":$PATH:" in
  *":$install_dir:"*) ;;
  *) say "note: $install_dir is not on PATH; add it, e.g. export PATH=\"$install_dir:\$PATH\"" ;;
esac
