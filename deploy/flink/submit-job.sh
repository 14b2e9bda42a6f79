#!/usr/bin/env bash
# One-shot job submission for the compose stack (service `job-submit`): submits EmbSumJob to the
# session cluster unless a job of the same name is already running, so `docker compose up` is
# safe to repeat. Set EMBSUM_RESTORE_FROM=<savepoint or retained checkpoint path> to start
# from saved state (e.g. after `flink stop --savepointPath ...`; see docs/operations.md).
set -euo pipefail

JM="${JOBMANAGER:-jobmanager:8081}"
JAR="${EMBSUM_JAR:-/opt/flink/usrlib/embsum-flink-jobs.jar}"
CONF="${EMBSUM_JOB_CONF:-/opt/embsum/conf/job.conf}"
JOB_NAME="${EMBSUM_JOB_NAME:-embsum-stream}"
FLINK="${FLINK_CLI:-/opt/flink/bin/flink}"   # overridable for deploy/tests (stub CLI)

[ -r "$JAR" ] || { echo "job-submit: $JAR missing: build it with 'mvn -B -DskipTests package' first" >&2; exit 1; }

for i in $(seq 1 60); do
  if running=$("$FLINK" list -r -m "$JM" 2>/dev/null); then break; fi
  [ "$i" = 60 ] && { echo "job-submit: JobManager $JM not reachable after 120 s" >&2; exit 1; }
  sleep 2
done

if echo "$running" | grep -q " : ${JOB_NAME} (RUNNING)"; then
  echo "job-submit: '${JOB_NAME}' is already running; nothing to do"
  exit 0
fi

restore=()
if [ -n "${EMBSUM_RESTORE_FROM:-}" ]; then
  restore=(--fromSavepoint "$EMBSUM_RESTORE_FROM")
  echo "job-submit: restoring from $EMBSUM_RESTORE_FROM"
fi

# --detached: this container exits once the JobManager has accepted the job.
exec "$FLINK" run --detached -m "$JM" "${restore[@]}" \
  --class dev.embsum.flink.EmbSumJob "$JAR" \
  --config "$CONF"
