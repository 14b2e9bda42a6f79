#!/usr/bin/env bash
# Announce a bundle of the bundle store on `model-releases`, then point <store>/CURRENT at it.
#
#   publish.sh BUNDLE [MODEL_VERSION]     release BUNDLE (= <store>/<model_version>)
#   publish.sh --list                     the store's versions (by name, newest first); * = CURRENT
#
# Called by python -m embsum_retrain as its --publish-command ('publish.sh {bundle}
# {model_version}', see retrain-cycle.sh) and by hand for a rollback: publishing an older
# version of the store again is the rollback (docs/operations.md, "Retraining and model rollout").
#
# 1. `embsum release BUNDLE --uri <EMBSUM_BUNDLE_URI_BASE>/<model_version> --bootstrap-servers ...`
#    verifies the bundle as the job will (checksums, golden cases on ONNX Runtime) and only then
#    writes the ModelRelease (cli/README.md). The URI is the bundle's path as the TaskManagers
#    see it: they mount the same volume read-only at /opt/embsum/bundles.
# 2. Only if that succeeded: CURRENT := model_version, written to a temporary file and renamed
#    over CURRENT, so a reader sees the old or the new name, never a half-written one.
#    CURRENT is the serving model the next retrain gates against and warm-starts from.
#
# Environment:
#   EMBSUM_BOOTSTRAP_SERVERS  Kafka bootstrap servers (required; k8s: embsum-kafka-kafka-bootstrap:9092)
#   EMBSUM_BUNDLE_STORE       the bundle store on this machine (default /opt/embsum/bundles)
#   EMBSUM_BUNDLE_URI_BASE    the store as the TaskManagers read it (default file:///opt/embsum/bundles)
#   EMBSUM_RELEASE_OPTS       more `embsum release` options, split on spaces (e.g. --kafka security.protocol=SSL)
#   EMBSUM_CLI                the embsum launcher (default: `embsum` on PATH, i.e. scripts/embsum)
# Exit status: 0 released and CURRENT updated; 2 bad arguments or environment (the message says
# what to fix); otherwise `embsum release`'s status (1: refused or Kafka unreachable), CURRENT unchanged.
set -euo pipefail

me="publish"
store="${EMBSUM_BUNDLE_STORE:-/opt/embsum/bundles}"
uri_base="${EMBSUM_BUNDLE_URI_BASE:-file:///opt/embsum/bundles}"
cli="${EMBSUM_CLI:-embsum}"

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; }
bad() { echo "$me: $*" >&2; exit 2; }

current() {   # the CURRENT model_version, or empty when nothing was released from the store yet
  if [ -f "$store/CURRENT" ]; then head -n 1 "$store/CURRENT" | tr -d '[:space:]'; fi
}

versions() {  # bundle directories of the store by name, descending: newest first for the default
              # <prefix>-<UTC timestamp> versions
  local d
  for d in "$store"/*/; do
    if [ -f "$d/manifest.json" ]; then basename "$d"; fi
  done | sort -r
}

list() {
  local cur v
  cur="$(current)"
  echo "bundle store $store (CURRENT: ${cur:-none})"
  while read -r v; do
    [ -n "$v" ] || continue
    if [ "$v" = "$cur" ]; then echo "* $v"; else echo "  $v"; fi
  done < <(versions)
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --list) [ -d "$store" ] || bad "bundle store $store: no such directory (set EMBSUM_BUNDLE_STORE)"; list; exit 0 ;;
  "") usage >&2; bad "name the bundle to release, e.g. $me $store/<model_version> ($me --list shows them)" ;;
  -*) bad "unknown option '$1' (BUNDLE [MODEL_VERSION], --list or --help)" ;;
esac
[ $# -le 2 ] || bad "too many arguments: $* (BUNDLE [MODEL_VERSION])"

[ -d "$store" ] || bad "bundle store $store: no such directory; mount the embsum-bundles volume there or set EMBSUM_BUNDLE_STORE"
[ -n "${EMBSUM_BOOTSTRAP_SERVERS:-}" ] || \
  bad "EMBSUM_BOOTSTRAP_SERVERS is not set: export EMBSUM_BOOTSTRAP_SERVERS=HOST:PORT (Kubernetes: embsum-kafka-kafka-bootstrap:9092)"
case "$uri_base" in
  file:///*|/*) ;;
  *) bad "EMBSUM_BUNDLE_URI_BASE=$uri_base: the job loads bundles from a plain path or a file:/// URI only (flink-jobs/README.md, Model hot swap)" ;;
esac
command -v "$cli" >/dev/null 2>&1 || bad "the embsum launcher '$cli' was not found: put scripts/embsum on PATH or set EMBSUM_CLI"

bundle="${1%/}"
if [ ! -f "$bundle/manifest.json" ]; then
  echo "$me: $bundle is not a bundle directory (no manifest.json). The store has:" >&2
  list >&2
  exit 2
fi
version="$(basename "$bundle")"
# The TaskManagers find the bundle as <uri base>/<directory name>: it must be a directory of the store.
[ "$(cd "$(dirname "$bundle")" && pwd -P)" = "$(cd "$store" && pwd -P)" ] || \
  bad "$bundle is not in the bundle store $store, which is the only place the TaskManagers read bundles from; copy it to $store/$version first"
if [ $# -eq 2 ] && [ "$2" != "$version" ]; then
  bad "model_version '$2' does not match the bundle directory '$version' (the store keeps each version under its own name)"
fi

uri="${uri_base%/}/$version"
before="$(current)"
# EMBSUM_RELEASE_OPTS is split on spaces on purpose: it holds whole options.
# shellcheck disable=SC2086
if "$cli" release "$store/$version" --uri "$uri" --bootstrap-servers "$EMBSUM_BOOTSTRAP_SERVERS" ${EMBSUM_RELEASE_OPTS:-}; then
  :
else
  rc=$?
  echo "$me: 'embsum release' failed (exit $rc): $version was NOT released; CURRENT unchanged (${before:-none})" >&2
  exit "$rc"
fi

tmp="$store/.CURRENT.$$.tmp"
printf '%s\n' "$version" > "$tmp"
mv -f "$tmp" "$store/CURRENT"
echo "$me: released $version ($uri); CURRENT: ${before:-none} -> $version"
