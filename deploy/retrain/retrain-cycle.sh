#!/usr/bin/env bash
# One retrain cycle, the entry point of the CronJob k8s/retrain-cronjob.yaml:
#
#   retrain-cycle.sh [python -m embsum_retrain training flags, e.g. --preset demo --no-progress]
#
# 1. The serving model: <store>/CURRENT names its model_version (publish.sh writes it on every
#    release). No CURRENT = nothing released from the store yet: --serving-bundle none (first
#    release: trained from scratch, no comparison).
# 2. python -m embsum_retrain --archive <archive> --bundle-store <store> --serving-bundle
#    <store>/<CURRENT> --publish-command 'publish.sh {bundle} {model_version}': train on the
#    archive, gate against the serving model, export + verify + store, publish (docs/retrain.md).
#    publish.sh announces the release and moves CURRENT.
# 3. The report (retrain.md / retrain.json) is copied into the store as <model_version>.retrain.md
#    / .json, whatever the outcome: the work directory is scratch space.
#
# Exit status: 0 released, or the gate refused the new model (a normal outcome: the CronJob
# succeeds, the log says why, the served model stays); 2 bad arguments, environment or input
# (not worth retrying: the message says what to fix); 1 or any other status: a stage failed.
#
# Environment (the CronJob sets all of them):
#   EMBSUM_BOOTSTRAP_SERVERS  Kafka bootstrap servers for publish.sh (required)
#   EMBSUM_BUNDLE_STORE       the bundle store (default /opt/embsum/bundles; the TaskManagers read it there)
#   EMBSUM_ARCHIVE            the event archive, a local directory (default /opt/embsum/archive; the
#                             CronJob's sync-archive initContainer fills it from S3)
#   EMBSUM_WORK_DIR           scratch space; the run's directory is <work>/<model_version> (default /opt/embsum/work)
#   EMBSUM_VERSION_PREFIX     model_version = <prefix>-<UTC timestamp> (default embsum)
#   EMBSUM_MODEL_VERSION      a fixed model_version instead (manual runs)
#   EMBSUM_PYTHON             the Python with embsum installed (default python)
#   EMBSUM_PUBLISH            the publish command (default publish.sh next to this script)
# and publish.sh's EMBSUM_BUNDLE_URI_BASE, EMBSUM_RELEASE_OPTS, EMBSUM_CLI.
set -uo pipefail

me="retrain-cycle"
here="$(cd "$(dirname "$0")" && pwd)"
store="${EMBSUM_BUNDLE_STORE:-/opt/embsum/bundles}"
archive="${EMBSUM_ARCHIVE:-/opt/embsum/archive}"
work_root="${EMBSUM_WORK_DIR:-/opt/embsum/work}"
python="${EMBSUM_PYTHON:-python}"
publish="${EMBSUM_PUBLISH:-$here/publish.sh}"
version="${EMBSUM_MODEL_VERSION:-${EMBSUM_VERSION_PREFIX:-embsum}-$(date -u +%Y%m%dT%H%M%SZ)}"

log() { echo "$me: $*" >&2; }
bad() { log "$*"; exit 2; }

# Flags this script sets itself, and where to change what they say instead.
for arg in "$@"; do
  case "${arg%%=*}" in
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --archive) bad "$arg: the archive is EMBSUM_ARCHIVE ($archive), not a flag" ;;
    --bundle-store) bad "$arg: the bundle store is EMBSUM_BUNDLE_STORE ($store), not a flag" ;;
    --serving-bundle) bad "$arg: the serving bundle is <store>/CURRENT's version; to serve another, release it with publish.sh" ;;
    --publish-command) bad "$arg: publishing is EMBSUM_PUBLISH ($publish), not a flag" ;;
    --model-version|--version-prefix) bad "$arg: set EMBSUM_MODEL_VERSION or EMBSUM_VERSION_PREFIX instead" ;;
    --work-dir) bad "$arg: the work directory is EMBSUM_WORK_DIR ($work_root)/<model_version>, not a flag" ;;
  esac
done

# Everything checkable is checked now, not after hours of training.
[ -n "${EMBSUM_BOOTSTRAP_SERVERS:-}" ] || \
  bad "EMBSUM_BOOTSTRAP_SERVERS is not set: the release is published to Kafka; export EMBSUM_BOOTSTRAP_SERVERS=HOST:PORT (Kubernetes: embsum-kafka-kafka-bootstrap:9092)"
[ -d "$store" ] || bad "bundle store $store: no such directory; mount the embsum-bundles volume there or set EMBSUM_BUNDLE_STORE"
[ -w "$store" ] || bad "bundle store $store is not writable by uid $(id -u): the retrain mounts it read-write (the Flink pods read-only)"
[ -d "$archive" ] || bad "archive $archive: no such directory; set EMBSUM_ARCHIVE to the synced archive (<archive>/{clicks,impressions,content}/dt=YYYY-MM-DD/)"
[ -x "$publish" ] || bad "publish command $publish is not an executable file (set EMBSUM_PUBLISH)"
command -v "$python" >/dev/null 2>&1 || bad "python '$python' not found: set EMBSUM_PYTHON to the Python that has embsum installed"
mkdir -p "$work_root" || bad "cannot create the work directory $work_root (set EMBSUM_WORK_DIR)"
store="$(cd "$store" && pwd -P)"
archive="$(cd "$archive" && pwd -P)"
work_root="$(cd "$work_root" && pwd -P)"
# publish.sh runs from the work directory: it must see the same store.
export EMBSUM_BUNDLE_STORE="$store"

serving_version=""
if [ -f "$store/CURRENT" ]; then
  serving_version="$(head -n 1 "$store/CURRENT" | tr -d '[:space:]')"
  case "$serving_version" in
    ""|*/*|.|..) bad "$store/CURRENT holds '$serving_version', not a model_version: write the serving version into it (publish.sh does), or delete CURRENT to release from scratch" ;;
  esac
  [ -f "$store/$serving_version/manifest.json" ] || \
    bad "$store/CURRENT names $serving_version, but $store/$serving_version is not a bundle: re-publish an existing version (publish.sh --list) or delete CURRENT to release from scratch"
  serving="$store/$serving_version"
  log "serving model: $serving_version (from $store/CURRENT)"
else
  serving="none"
  log "no $store/CURRENT: first release from the store (trained from scratch, no gate comparison)"
fi

work="$work_root/$version"
log "retraining $version: archive $archive, work directory $work"
# Relative defaults of the trainer (runs/teacher-cache, ...) land in the work area, and the item
# token cache too ($EMBSUM_CACHE_DIR; its default is inside the source tree).
export EMBSUM_CACHE_DIR="${EMBSUM_CACHE_DIR:-$work_root/token-cache}"
cd "$work_root" || bad "cannot enter $work_root"
"$python" -m embsum_retrain --archive "$archive" --bundle-store "$store" --serving-bundle "$serving" \
  --model-version "$version" --work-dir "$work" \
  --publish-command "$(printf '%q' "$publish") {bundle} {model_version}" "$@"
rc=$?

# Keep the report beside the bundle (or in place of it, when nothing was released).
for ext in md json; do
  if [ -f "$work/retrain.$ext" ]; then
    cp "$work/retrain.$ext" "$store/.$version.retrain.$ext.tmp" && \
      mv -f "$store/.$version.retrain.$ext.tmp" "$store/$version.retrain.$ext" || \
      log "warning: could not copy $work/retrain.$ext into the store"
  fi
done
report="$store/$version.retrain.md"
[ -f "$report" ] || report="(none written)"

case "$rc" in
  0)
    now="$(head -n 1 "$store/CURRENT" 2>/dev/null | tr -d '[:space:]')"
    if [ "$now" != "$version" ]; then
      log "FAILED: $version was stored and published, but $store/CURRENT says '${now:-nothing}' (is EMBSUM_PUBLISH publish.sh?)"
      exit 1
    fi
    log "RELEASED $version (was ${serving_version:-none}); report $report"
    exit 0 ;;
  3)
    log "GATE REFUSED $version: nothing released, still serving ${serving_version:-nothing from the store}."
    log "This is a normal outcome, so the CronJob succeeds (exit 0). Why: $report"
    exit 0 ;;
  2)
    log "FAILED: bad input or arguments (exit 2; retrying will not help); report $report"
    exit 2 ;;
  *)
    log "FAILED (exit $rc): nothing new is served (CURRENT: ${serving_version:-none}); report $report"
    if [ -f "$store/$version/manifest.json" ]; then
      log "$version is in the store but was not announced (the publish step failed); once the cause is fixed: $publish $store/$version"
    fi
    exit "$rc" ;;
esac
