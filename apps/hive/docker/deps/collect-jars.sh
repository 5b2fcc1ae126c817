#!/usr/bin/env bash
# Runs inside the `deps` stage of apps/hive/docker/Dockerfile (never in the
# final image). Picks, from the jars Maven resolved, the ones the base image
# does not already ship, checks the Hadoop version, and verifies the result
# against deps/jars.sha256 when that file pins anything.
#
# Usage: collect-jars.sh RESOLVED_DIR OUT_DIR LOCK_FILE REFERENCE_DIR...
#   RESOLVED_DIR   jars from `mvn dependency:copy-dependencies`
#   OUT_DIR        where the selected jars go (copied into /opt/hive/lib)
#   LOCK_FILE      deps/jars.sha256 ("<sha256>  <file>" lines, # comments)
#   REFERENCE_DIR  directories of the base image whose jars are already on
#                  the metastore classpath (searched recursively)
# Env: HADOOP_VERSION (required).
set -euo pipefail

if (($# < 4)); then
  echo "usage: $0 RESOLVED_DIR OUT_DIR LOCK_FILE REFERENCE_DIR..." >&2
  exit 2
fi
resolved=$1
out=$2
lock=$3
shift 3
: "${HADOOP_VERSION:?HADOOP_VERSION must be set}"

# Artifacts we add on purpose: copied even if a jar of the same name exists.
always_keep='^(postgresql|hadoop-azure|hadoop-azure-datalake|hadoop-aws)$'

# "azure-data-lake-store-sdk-2.3.9.jar" -> "azure-data-lake-store-sdk"
artifact_name() {
  local base=${1##*/}
  base=${base%.jar}
  sed -E 's/-[0-9].*$//' <<<"$base"
}

# 1. The base image must carry exactly the Hadoop we build against.
if ! find "$@" -name "hadoop-common-${HADOOP_VERSION}.jar" -print -quit | grep -q .; then
  echo "error: the base image has no hadoop-common-${HADOOP_VERSION}.jar;" \
    "set the HADOOP_VERSION build arg to the image's Hadoop version" >&2
  find "$@" -name 'hadoop-common-*.jar' >&2 || true
  exit 1
fi

# 2. Names of the jars already on the classpath.
declare -A present=()
while IFS= read -r jar; do
  present["$(artifact_name "$jar")"]=1
done < <(find "$@" -name '*.jar')

# 3. Select.
mkdir -p "$out"
shopt -s nullglob
resolved_jars=("$resolved"/*.jar)
if ((${#resolved_jars[@]} == 0)); then
  echo "error: Maven resolved no jars into $resolved" >&2
  exit 1
fi
for jar in "${resolved_jars[@]}"; do
  name=$(artifact_name "$jar")
  if [[ -n "${present[$name]:-}" && ! "$name" =~ $always_keep ]]; then
    echo "skip   ${jar##*/} (base image already ships $name)"
    continue
  fi
  echo "add    ${jar##*/}"
  cp -- "$jar" "$out/"
done

for required in "hadoop-azure-${HADOOP_VERSION}.jar" "hadoop-azure-datalake-${HADOOP_VERSION}.jar"; do
  if [[ ! -f "$out/$required" ]]; then
    echo "error: $required was not resolved" >&2
    exit 1
  fi
done

# 4. Manifest of what goes into the image, and the optional pin check.
manifest="$out/../jars.sha256"
(cd "$out" && sha256sum -- *.jar) | LC_ALL=C sort >"$manifest"
echo "--- sha256 of the jars added to the image:"
cat "$manifest"

pinned=$(grep -Ev '^[[:space:]]*(#|$)' "$lock" | LC_ALL=C sort || true)
if [[ -z "$pinned" ]]; then
  echo "note: $lock pins no digests; jars were verified only against the" \
    "checksums Maven Central publishes (see the Dockerfile for how to pin)."
  exit 0
fi
unpinned=$(LC_ALL=C comm -23 "$manifest" <(printf '%s\n' "$pinned"))
if [[ -n "$unpinned" ]]; then
  echo "error: these jars do not match deps/jars.sha256 (new, changed or tampered):" >&2
  printf '%s\n' "$unpinned" >&2
  exit 1
fi
echo "ok: every jar matches deps/jars.sha256"
