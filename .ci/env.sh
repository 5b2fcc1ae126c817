# Source after install-tools.sh: puts the project's pinned tools first on PATH.
_auto_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$_auto_repo/.tools/bin:$PATH"
export TF_CLI_CONFIG_FILE="$_auto_repo/.tools/terraformrc"
export CHECKPOINT_DISABLE=1
unset _auto_repo
