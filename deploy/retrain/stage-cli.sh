#!/usr/bin/env bash
# Puts the `embsum` CLI's third-party runtime jars into deploy/retrain/cli-lib/ (gitignored) for
# deploy/retrain/Dockerfile. They are exactly the jars scripts/embsum runs with: the ones named in
# cli/target/runtime-classpath.txt (written by `mvn package`), less the project's own modules,
# which the image takes from <module>/target/classes as scripts/embsum does. The image then
# writes a runtime-classpath.txt naming the copies, so scripts/embsum runs there unchanged.
#   mvn -B -DskipTests package && bash deploy/retrain/stage-cli.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "stage-cli: unknown argument '$1' (it takes none)" >&2; exit 2 ;;
esac
classpath=cli/target/runtime-classpath.txt
[ -f "$classpath" ] || { echo "stage-cli: $classpath is missing: build first with 'mvn -B -DskipTests package'" >&2; exit 2; }
for module in cli replay inference-runtime ranker schemas; do
  [ -d "$module/target/classes" ] || { echo "stage-cli: $module/target/classes is missing: build first with 'mvn -B -DskipTests package'" >&2; exit 2; }
done

lib="$root/deploy/retrain/cli-lib"
rm -rf "$lib"
mkdir -p "$lib"
# (the file has no final newline, so read reports end of file: not an error)
IFS=: read -r -a entries < "$classpath" || true
for jar in "${entries[@]}"; do
  [ -n "$jar" ] || continue
  case "$jar" in
    # The project's modules: from this checkout's target/ (a reactor build) or from ~/.m2.
    "$root"/*/target/*|*/dev/embsum/*) continue ;;
  esac
  [ -f "$jar" ] || { echo "stage-cli: $classpath names $jar, which does not exist: rebuild with 'mvn -B -DskipTests package'" >&2; exit 1; }
  # Two artifacts with one file name (e.g. two `api-1.0.jar`s) would silently shadow each other.
  [ ! -e "$lib/$(basename "$jar")" ] || { echo "stage-cli: two jars named $(basename "$jar") on the classpath" >&2; exit 1; }
  cp "$jar" "$lib/"
done
count=$(find "$lib" -name '*.jar' | wc -l)
if [ "$count" -lt 10 ] || [ -z "$(find "$lib" -name 'picocli-*.jar')" ] || [ -z "$(find "$lib" -name 'onnxruntime*.jar')" ]; then
  echo "stage-cli: expected picocli, ONNX Runtime and the rest of the CLI's dependencies in $lib, found:" >&2
  ls -l "$lib" >&2
  exit 1
fi
echo "stage-cli: $count jars in $lib"
