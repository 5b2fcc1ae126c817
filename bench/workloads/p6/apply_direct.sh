#!/usr/bin/env bash
# P6 peer: the terraform commands `auto run apply_roots` runs (see `auto run ... -v`),
# straight from bash. Usage: apply_direct.sh PARALLEL ROOT...  (PARALLEL 1: a plain loop;
# more: xargs -P). Output is discarded: auto parses it, this script does not even read it.
set -euo pipefail
export TF_IN_AUTOMATION=1

apply_root() {
    local root="$1" name scratch code=0
    name="$(basename "$root")"
    scratch="$(mktemp -d /tmp/bench-tfplan-XXXXXX)"
    printf '{"name":"%s"}\n' "$name" > "$scratch/auto.tfvars.json"
    terraform "-chdir=$root" init -input=false -no-color > /dev/null
    terraform "-chdir=$root" plan -input=false -no-color -json -lock-timeout=0s -detailed-exitcode \
        "-out=$scratch/plan.tfplan" "-var-file=$scratch/auto.tfvars.json" > /dev/null || code=$?
    case "$code" in
        2) terraform "-chdir=$root" apply -input=false -no-color -json -lock-timeout=0s "$scratch/plan.tfplan" > /dev/null ;;
        0) terraform "-chdir=$root" output -no-color -json > /dev/null ;;
        *) echo "plan of $root failed ($code)" >&2; rm -rf "$scratch"; return 1 ;;
    esac
    rm -rf "$scratch"
}

parallel="$1"
shift
terraform version -json > /dev/null
if [ "$parallel" = 1 ]; then
    for root in "$@"; do
        apply_root "$root"
    done
else
    export -f apply_root
    # shellcheck disable=SC2016 # $1 is expanded by the inner bash
    printf '%s\n' "$@" | xargs -P "$parallel" -I{} bash -c 'apply_root "$1"' _ {}
fi
