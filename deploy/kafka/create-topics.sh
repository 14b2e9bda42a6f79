#!/usr/bin/env bash
# One-shot topic initialisation for the compose stack (service `topic-init`).
# Idempotent: creates missing topics and (re)applies the configs of existing ones, so a changed
# retention in topics.conf is applied by re-running `docker compose up topic-init`.
# Partition counts of existing topics are never changed (see topics.conf); a mismatch is an error.
set -euo pipefail

BOOTSTRAP="${KAFKA_BOOTSTRAP:-kafka:19092}"
TOPICS_FILE="${TOPICS_FILE:-/etc/embsum/topics.conf}"
BIN="${KAFKA_BIN:-/opt/kafka/bin}"   # overridable for deploy/tests (stub binaries)

# The broker's healthcheck already gates this service; wait anyway so the script also works
# when run by hand against a broker that is still starting.
for i in $(seq 1 60); do
  if "$BIN/kafka-broker-api-versions.sh" --bootstrap-server "$BOOTSTRAP" >/dev/null 2>&1; then break; fi
  [ "$i" = 60 ] && { echo "topic-init: broker $BOOTSTRAP not reachable after 120 s" >&2; exit 1; }
  sleep 2
done

grep -Ev '^[[:space:]]*(#|$)' "$TOPICS_FILE" | while read -r name partitions configs; do
  if "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --describe --topic "$name" >/dev/null 2>&1; then
    have=$("$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --describe --topic "$name" \
           | sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' | head -n1)
    if [ "$have" != "$partitions" ]; then
      echo "topic-init: $name has $have partitions, topics.conf says $partitions; not changing it" \
           "(adding partitions remaps keys). Fix topics.conf or recreate the topic." >&2
      exit 1
    fi
    "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics \
        --entity-name "$name" --add-config "$configs" >/dev/null
    echo "topic-init: $name exists ($partitions partitions), configs applied: $configs"
  else
    # Replication factor 1: the compose stack has a single broker.
    "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
        --topic "$name" --partitions "$partitions" --replication-factor 1 \
        $(echo "$configs" | tr ',' '\n' | sed 's/^/--config /')
    echo "topic-init: created $name ($partitions partitions): $configs"
  fi
done
echo "topic-init: done"
