#!/usr/bin/env bash
# Over 400 lines because it is one procedure an SRE reads top to bottom, step by step as the steps
# run (start, feed, check, kill, recover, savepoint, resubmit); split into files it would not read so.
# Cluster smoke test (issue 20): the shaded job jar on a real Flink 2.2.1 standalone cluster,
# every component its own OS process on 127.0.0.1 (free ports), no Docker:
#
#   Kafka 4.2 KRaft broker (kafka.Kafka, storage formatted with kafka.tools.StorageTool)
#   Flink JobManager  (StandaloneSessionClusterEntrypoint)  + 2 TaskManagers (TaskManagerRunner),
#   memory from Flink's BashJavaUtils, Flink's Java 17 JVM options, the project's Flink settings
#   from docker-compose.yml (x-flink-properties) with only addresses, sizes and dirs replaced.
#
# 1. topics of deploy/kafka/topics.conf; `scripts/embsum produce` publishes N MIND users (round 1);
#    the jar goes in through the REST API (POST /jars/upload, POST /jars/{id}/run, a job.conf made
#    from deploy/flink/job.conf: local broker, models/demo, checkpoints every 3 s); every user's
#    newest record on user-embeddings must reach its latest history_version.
# 2. kill -9 of a TaskManager running tasks; the job must be RUNNING again with a restart counted,
#    restored from a checkpoint; round 2 (new clicks, same users) must make every user current.
# 3. stop-with-savepoint (POST /jobs/{id}/stop); round 3 published while no job runs; the jar
#    resubmitted with savepointPath; every user current at rounds 1+2+3 (state restored, and the
#    clicks published meanwhile read from the savepoint's offsets).
# It prints timings and the issue-13 evidence (where flink-connector-datagen comes from).
#
# Needs: the build (`mvn -DskipTests install`: the shaded jar and the CLI's classpath), java 17,
# curl, python3, unzip. Fetches when missing: deploy/flink/lib (deploy/flink/fetch-libs.sh) and
# deploy/cluster-smoke/lib (the stand-in for flink-dist and the broker's classpath, from
# deploy/cluster-smoke/pom.xml); both gitignored. Maven calls honour MAVEN_OPTS (e.g.
# -Dmaven.repo.local=...). See docs/operations.md section 6.
#
# Environment: CLUSTER_SMOKE_USERS (default 20), CLUSTER_SMOKE_KEEP=1 (keep the work dir and print
# its path), CLUSTER_SMOKE_WITHOUT_DATAGEN=1 (control run: the same cluster without the datagen jar;
# passes only if the job then fails to start for want of its classes).
# Exit status: 0 passed, 1 a check failed (the message says which; log tails follow), 2 set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

USERS=${CLUSTER_SMOKE_USERS:-20}
KEEP=${CLUSTER_SMOKE_KEEP:-0}
WITHOUT_DATAGEN=${CLUSTER_SMOKE_WITHOUT_DATAGEN:-0}
JAR=$root/flink-jobs/target/embsum-flink-jobs.jar
ORT_LIB=$root/deploy/flink/lib
SMOKE=$root/deploy/cluster-smoke
LIB=$SMOKE/lib
# Flink's default JVM options for Java 17 (flink-dist's conf/config.yaml, env.java.opts.all).
JAVA17_OPTS=(--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED)

# Short-lived helper JVMs and the broker start faster with C1 only; the Flink processes keep the
# JVM's defaults.
QUICK_JVM=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto)
now_ms() { date +%s%3N; }
T0=$(now_ms)
say() { printf '[cluster-smoke %6.1fs] %s\n' "$(( $(now_ms) - T0 ))e-3" "$*"; }
secs() { printf '%.1f' "$(( $2 - $1 ))e-3"; }   # secs FROM_MS TO_MS
setup_fail() { echo "cluster-smoke: $*" >&2; exit 2; }

for tool in java javac curl python3 unzip; do
  command -v "$tool" >/dev/null 2>&1 || setup_fail "'$tool' not found (needs JDK 17, curl, python3, unzip)"
done
[ -r "$JAR" ] || setup_fail "$JAR missing: build with 'mvn -B -DskipTests install' first"
[ -f cli/target/runtime-classpath.txt ] || setup_fail "cli/target/runtime-classpath.txt missing: build with 'mvn -B -DskipTests install' first"

# --- classpaths -------------------------------------------------------------------------------
if ! ls "$ORT_LIB"/com.microsoft.onnxruntime.*.jar "$ORT_LIB"/log4j-layout-template-json-*.jar >/dev/null 2>&1; then
  say "deploy/flink/lib missing: running deploy/flink/fetch-libs.sh"
  bash deploy/flink/fetch-libs.sh >/dev/null || setup_fail "deploy/flink/fetch-libs.sh failed"
fi
stamp=$(sha256sum "$SMOKE/pom.xml" | cut -d' ' -f1)
FLINK_VERSION=$(sed -n 's:.*<flink.version>\(.*\)</flink.version>.*:\1:p' "$SMOKE/pom.xml")
if [ "$(cat "$LIB/.pom.sha256" 2>/dev/null)" != "$stamp" ]; then
  say "resolving the stand-in for flink-dist and the broker's classpath into deploy/cluster-smoke/lib (deploy/cluster-smoke/pom.xml)"
  rm -rf "$LIB"
  mkdir -p "$LIB"
  # flink: the jars, the issue-13 evidence (how flink-connector-datagen gets there) and
  # flink-runtime's own pom (the jar holds none); kafka: the broker's jars.
  mvn -B -q -Dstyle.color=never -f "$SMOKE/pom.xml" -Pflink dependency:copy-dependencies dependency:tree dependency:copy \
    -DoutputDirectory="$LIB/flink" -Dincludes=org.apache.flink:flink-connector-datagen \
    -DoutputFile="$LIB/datagen-dependency-tree.txt" -Dartifact="org.apache.flink:flink-runtime:$FLINK_VERSION:pom" >/dev/null \
    || setup_fail "mvn -f deploy/cluster-smoke/pom.xml -Pflink dependency:copy-dependencies failed"
  mvn -B -q -Dstyle.color=never -f "$SMOKE/pom.xml" -Pkafka dependency:copy-dependencies -DoutputDirectory="$LIB/kafka" >/dev/null \
    || setup_fail "mvn -f deploy/cluster-smoke/pom.xml -Pkafka dependency:copy-dependencies failed"
  echo "$stamp" > "$LIB/.pom.sha256"
fi
flink_jars=$(find "$LIB/flink" -name '*.jar' | sort)
if [ "$WITHOUT_DATAGEN" = 1 ]; then
  flink_jars=$(echo "$flink_jars" | grep -v '/flink-connector-datagen-')
fi
# The cluster's classpath: the stand-in for /opt/flink/lib plus deploy/flink/lib (ONNX Runtime, DJL),
# which compose mounts at /opt/flink/lib/embsum.
FLINK_CP=$(echo "$flink_jars" "$(find "$ORT_LIB" -name '*.jar' | sort)" | tr -s ' \n' ':' | sed 's/:$//')
KAFKA_CP=$(find "$LIB/kafka" -name '*.jar' | sort | tr '\n' ':' | sed 's/:$//')
own=cli/target/classes:replay/target/classes:inference-runtime/target/classes:schemas/target/classes
CLI_CP="$own:$(cat cli/target/runtime-classpath.txt)"

# --- issue 13: flink-connector-datagen on the cluster's classpath, and why ---------------------
datagen_class=org/apache/flink/connector/datagen/source/GeneratorFunction.class
datagen_jar=""
for j in $(echo "$FLINK_CP" | tr ':' ' '); do
  if unzip -l "$j" "$datagen_class" >/dev/null 2>&1; then datagen_jar=$j; break; fi
done
runtime_pom=$LIB/flink/flink-runtime-$FLINK_VERSION.pom
runtime_decl=$(python3 -c '
import re, sys
pom = sys.stdin.read()
for dep in re.findall(r"<dependency>(.*?)</dependency>", pom, re.S):
    if "<artifactId>flink-connector-datagen</artifactId>" in dep:
        scope = re.search(r"<scope>(.*?)</scope>", dep)
        print("declares flink-connector-datagen, scope " + (scope.group(1) if scope else "compile (default)"))
        break
else:
    print("does not declare flink-connector-datagen")' < "$runtime_pom")
tree=$(grep -E 'flink-(runtime|connector-datagen)' "$LIB/datagen-dependency-tree.txt" | sed 's/^[ |+\\-]*//' | paste -sd'>' | sed 's/>/ -> /g')
if [ -n "$datagen_jar" ]; then
  echo "cluster-smoke: datagen: $datagen_class is on the cluster classpath, in ${datagen_jar#"$root"/}"
else
  echo "cluster-smoke: datagen: $datagen_class is NOT on the cluster classpath"
fi
echo "cluster-smoke: datagen: it comes with flink-runtime: $(basename "$runtime_pom") $runtime_decl; Maven: $tree"
if [ -z "$datagen_jar" ] && [ "$WITHOUT_DATAGEN" != 1 ]; then
  echo "cluster-smoke: FAILED: the datagen classes are missing from the stand-in for flink-dist"; exit 1
fi

# --- work dir, processes, clean-up ------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/cluster-smoke.XXXXXX")
declare -A PID=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for name in "${!PID[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=0
    for name in "${!PID[@]}"; do kill -0 "${PID[$name]}" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for name in "${!PID[@]}"; do kill -KILL "${PID[$name]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "cluster-smoke: work dir kept: $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tail_logs() {
  for f in "$@"; do
    [ -f "$f" ] || continue
    echo "----- last 40 lines of ${f#"$work"/} -----"
    tail -n 40 "$f"
  done
}
JOB=""
fail() {
  echo "cluster-smoke: FAILED: $1"
  if [ -n "$JOB" ] && [ -n "${REST_PORT:-}" ]; then
    echo "----- REST /jobs/$JOB/exceptions (root exception) -----"
    rest GET "/jobs/$JOB/exceptions" 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
    h = d.get("exceptionHistory", {}).get("entries", [])
    print((h[0]["stacktrace"] if h else "(no exception recorded)")[:3000])
except Exception as e:
    print("(unreadable: %s)" % e)' || true
  fi
  shift
  tail_logs "$@"
  exit 1
}

read -r KAFKA_PORT CONTROLLER_PORT JM_RPC_PORT REST_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks: s.close()')
BOOTSTRAP=127.0.0.1:$KAFKA_PORT
mkdir -p "$work"/{logs,conf,kafka-data,flink-data/checkpoints,flink-data/savepoints,flink-tmp,flink-web,classes}
LOGS=$work/logs

cat > "$work/conf/log4j.properties" <<'EOF'
status = error
appender.main.type = File
appender.main.name = main
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1.} - %m%n
rootLogger.level = INFO
rootLogger.appenderRef.main.ref = main
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
logger.pekko.name = org.apache.pekko
logger.pekko.level = WARN
logger.shaded.name = org.apache.flink.shaded
logger.shaded.level = WARN
EOF

# --- Kafka: format the KRaft storage, start the broker ----------------------------------------
cat > "$work/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$work/kafka-data
num.partitions=1
offsets.topic.num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
kafka_java=(java -Xms384m -Xmx384m "${QUICK_JVM[@]}" -XX:ErrorFile="$LOGS/hs_err_pid%p.log" -Dlog.file="$LOGS/kafka.log"
  -Dlog4j2.configurationFile="$work/conf/log4j.properties" -cp "$KAFKA_CP")
# Never one that starts with '-' (1 in 64 of them): the storage tool would take it for an option
# ("argument --cluster-id/-t: expected one argument"); Kafka's own Uuid.randomUuid() skips those too.
cluster_id=$(python3 -c 'import base64, uuid
while (cid := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")).startswith("-"): pass
print(cid)')
say "Kafka 4.2 KRaft broker on $BOOTSTRAP (controller 127.0.0.1:$CONTROLLER_PORT); formatting storage"
( "${kafka_java[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$work/server.properties" \
    > "$LOGS/kafka-format.out" 2>&1 \
  && exec "${kafka_java[@]}" kafka.Kafka "$work/server.properties" ) > "$LOGS/kafka.out" 2>&1 &
PID[kafka]=$!

# --- Flink configuration: compose's settings, local addresses/sizes/dirs ----------------------
compose_props=$(awk '/^x-flink-properties: &flink-properties \|/ {on=1; next} on && /^  / {sub(/^  /, ""); print; next} on {exit}' docker-compose.yml)
[ -n "$compose_props" ] || setup_fail "no x-flink-properties block in docker-compose.yml"
prop() { echo "$compose_props" | sed -n "s/^$1: //p"; }
JAVA_OPTS_ALL=$(prop env.java.opts.all)
JAVA_OPTS_TM=$(prop env.java.opts.taskmanager)
{
  echo "# compose's x-flink-properties, minus what is local to this run (replaced below)"
  echo "$compose_props" | grep -Ev '^(jobmanager\.rpc\.address|jobmanager\.memory\.process\.size|taskmanager\.memory\.process\.size|taskmanager\.memory\.task\.off-heap\.size|execution\.checkpointing\.dir|execution\.checkpointing\.savepoint-dir|metrics\.reporter\.)'
  cat <<EOF
# this run: 127.0.0.1 only, free ports, small processes, work-dir storage
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $JM_RPC_PORT
jobmanager.bind-host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $REST_PORT
jobmanager.memory.process.size: 1024m
taskmanager.memory.process.size: 1536m
taskmanager.memory.task.off-heap.size: 256m
taskmanager.memory.managed.size: 128m
execution.checkpointing.dir: file://$work/flink-data/checkpoints
execution.checkpointing.savepoint-dir: file://$work/flink-data/savepoints
io.tmp.dirs: $work/flink-tmp
web.tmpdir: $work/flink-web
# spread the job's slots over both TaskManagers, so the one killed runs tasks
taskmanager.load-balance.mode: SLOTS
heartbeat.interval: 2 s
heartbeat.timeout: 20 s
EOF
} > "$work/conf/config.yaml"
# POST /jars/{id}/run without "parallelism" ran the job at parallelism 1 here, although the
# cluster's parallelism.default is 2 (observed; `flink run` reads it from the client's config), so
# the request names it.
PARALLELISM=$(prop parallelism.default)
for key in parallelism.default taskmanager.numberOfTaskSlots classloader.parent-first-patterns.additional state.backend.type; do
  grep -q "^$key: " "$work/conf/config.yaml" || setup_fail "docker-compose.yml's x-flink-properties lost $key"
done

# Memory as flink-dist's jobmanager.sh / taskmanager.sh compute it (BashJavaUtils).
bash_java_utils() {
  java "${QUICK_JVM[@]}" -cp "$FLINK_CP" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$work/conf" 2>&1 \
    | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}
bash_java_utils GET_JM_RESOURCE_PARAMS > "$work/jm-params" &
bash_java_utils GET_TM_RESOURCE_PARAMS > "$work/tm-params"
wait $!
jm_params=$(cat "$work/jm-params")
tm_params=$(cat "$work/tm-params")
[ "$(echo "$jm_params" | wc -l)" = 2 ] && [ "$(echo "$tm_params" | wc -l)" = 2 ] \
  || setup_fail "BashJavaUtils gave no memory settings: JM '$jm_params', TM '$tm_params'"
read -ra JM_JVM <<< "$(echo "$jm_params" | head -n1)"
read -ra JM_DYN <<< "$(echo "$jm_params" | tail -n1)"
read -ra TM_JVM <<< "$(echo "$tm_params" | head -n1)"
read -ra TM_DYN <<< "$(echo "$tm_params" | tail -n1)"
read -ra OPTS_ALL <<< "$JAVA_OPTS_ALL"
read -ra OPTS_TM <<< "$JAVA_OPTS_TM"

say "Flink JobManager (REST 127.0.0.1:$REST_PORT, RPC $JM_RPC_PORT): ${JM_JVM[*]}"
# The JobManager logs as the optional JSON layout has it (deploy/flink/log4j-console-json.properties:
# JSON on the console, checked at the end; Flink's pattern in jobmanager.log).
java "${JM_JVM[@]}" "${JAVA17_OPTS[@]}" "${OPTS_ALL[@]}" -XX:ErrorFile="$LOGS/hs_err_pid%p.log" -Dlog.file="$LOGS/jobmanager.log" \
  -Dlog4j.configurationFile="$PWD/deploy/flink/log4j-console-json.properties" -cp "$FLINK_CP" \
  org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
  --configDir "$work/conf" --executionMode cluster "${JM_DYN[@]}" > "$LOGS/jobmanager.out" 2>&1 &
PID[jobmanager]=$!
for i in 1 2; do
  java "${TM_JVM[@]}" "${JAVA17_OPTS[@]}" "${OPTS_ALL[@]}" "${OPTS_TM[@]}" -XX:ErrorFile="$LOGS/hs_err_pid%p.log" -Dlog.file="$LOGS/taskmanager-$i.log" \
    -Dlog4j.configurationFile="$work/conf/log4j.properties" -cp "$FLINK_CP" \
    org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
    --configDir "$work/conf" "${TM_DYN[@]}" -D taskmanager.resource-id=tm-$i > "$LOGS/taskmanager-$i.out" 2>&1 &
  PID[tm-$i]=$!
done
say "2 TaskManagers (pids ${PID[tm-1]} ${PID[tm-2]}): ${TM_JVM[*]} ${OPTS_ALL[*]} ${OPTS_TM[*]}"

# --- helpers ----------------------------------------------------------------------------------
rest() {  # rest METHOD PATH [JSON]
  if [ $# -ge 3 ]; then
    curl -sS --max-time 60 -X "$1" -H 'Content-Type: application/json' -d "$3" "http://127.0.0.1:$REST_PORT$2"
  else
    curl -sS --max-time 20 -X "$1" "http://127.0.0.1:$REST_PORT$2"
  fi
}
json() {  # json PY_EXPR < JSON: prints the expression over d (the parsed document); fails on bad JSON
  python3 -c 'import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1], {}, {"d": d})
print("" if v is None else (json.dumps(v) if isinstance(v, (dict, list)) else v))' "$1"
}
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...: COMMAND until it succeeds, else fail
  local limit=$1 what=$2; shift 2
  local deadline=$(( $(now_ms) + limit * 1000 ))
  until "$@" >/dev/null 2>&1; do
    [ "$(now_ms)" -lt "$deadline" ] || fail "$what: not within $limit s" "$LOGS"/jobmanager.log "$LOGS"/taskmanager-*.log "$LOGS"/kafka.log "$LOGS"/*.out
    sleep 1
  done
}
alive() { kill -0 "${PID[$1]}" 2>/dev/null; }
smoke_check() {
  java -Xmx256m "${QUICK_JVM[@]}" -Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.embsum.avro -Dlog4j2.configurationFile=embsum-cli-log4j2.properties -cp "$work/classes:$CLI_CP" SmokeCheck "$@"
}
embsum_produce() {  # embsum_produce LOG ARGS...
  local log=$1; shift
  EMBSUM_JAVA_OPTS="${QUICK_JVM[*]}" scripts/embsum produce --bootstrap-servers "$BOOTSTRAP" --rate 0 --quiet "$@" > "$log" 2>&1 \
    || fail "scripts/embsum produce $* failed" "$log" "$LOGS"/kafka.log
  say "  $(tail -n1 "$log")"
}
# Starts a checker in the background for the given MIND dirs; returns once it reads the topic.
start_checker() {  # start_checker NAME TIMEOUT_S DIRS
  local out=$LOGS/check-$1.out
  smoke_check wait "$BOOTSTRAP" "$USERS" "$2" "$3" > "$out" 2>&1 &
  PID[check-$1]=$!
  local deadline=$(( $(now_ms) + 60000 ))
  until grep -q '^smoke-check: expecting' "$out"; do
    alive "check-$1" || fail "checker $1 exited early" "$out"
    [ "$(now_ms)" -lt "$deadline" ] || fail "checker $1 did not start within 60 s" "$out"
    sleep 0.3
  done
  say "  checker $1: $(sed -n 's/^smoke-check: //p' "$out" | head -n1)"
}
finish_checker() {  # finish_checker NAME: waits for it; sets FIRST_NEW_MS and CURRENT_MS
  local out=$LOGS/check-$1.out status=0
  wait "${PID[check-$1]}" || status=$?
  unset "PID[check-$1]"
  if [ "$status" != 0 ]; then
    fail "checker $1: $(sed -n 's/^smoke-check: FAILED: //p' "$out" | head -n1)" "$out" "$LOGS"/taskmanager-*.log "$LOGS"/jobmanager.log
  fi
  FIRST_NEW_MS=$(sed -n 's/^smoke-check: first-new-ms=\([0-9]*\).*/\1/p' "$out")
  CURRENT_MS=$(sed -n 's/^smoke-check: current-ms=\([0-9]*\).*/\1/p' "$out")
  CURRENT_LINE=$(sed -n 's/^smoke-check: current-ms=[0-9]*: //p' "$out")
}
job_state() { rest GET "/jobs/$1" | json 'd["state"]'; }
# RUNNING with every task of every vertex RUNNING (the job's state is RUNNING while tasks deploy).
all_running() {
  local doc; doc=$(rest GET "/jobs/$1") || return 1
  echo "$doc" | json 'd["state"] == "RUNNING" and all(v["status"] == "RUNNING" for v in d["vertices"]) or None' | grep -qx True
}
num_restarts() { rest GET "/jobs/$1/metrics?get=numRestarts" | json 'int(d[0]["value"]) if d else 0'; }
restarted_and_running() { [ "$(num_restarts "$1")" -gt "$2" ] && all_running "$1"; }
checkpoint_after() {  # a checkpoint completed after MS
  rest GET "/jobs/$1/checkpoints" | json '(d["latest"]["completed"] or {}).get("latest_ack_timestamp", 0) > '"$2"' or None' | grep -qx True
}
submit() {  # submit [SAVEPOINT]: sets JOB, SUBMIT_MS
  local body
  body=$(python3 -c 'import json, sys
b = {"entryClass": "dev.embsum.flink.EmbSumJob", "programArgsList": ["--config", sys.argv[1]],
     "parallelism": int(sys.argv[3])}
if sys.argv[2]:
    b["savepointPath"] = sys.argv[2]
    b["allowNonRestoredState"] = False
print(json.dumps(b))' "$work/job.conf" "${1:-}" "$PARALLELISM")
  SUBMIT_MS=$(now_ms)
  local answer; answer=$(rest POST "/jars/$JAR_ID/run" "$body") || fail "POST /jars/$JAR_ID/run: no answer" "$LOGS/jobmanager.log"
  JOB=$(echo "$answer" | json 'd.get("jobid")')
  if [ -z "$JOB" ]; then
    SUBMIT_ERROR=$answer
    return 1
  fi
}

# --- topics, round 1 of clicks, the cluster --------------------------------------------------
javac -J-XX:TieredStopAtLevel=1 -proc:none -nowarn -d "$work/classes" -cp "$CLI_CP" "$SMOKE/SmokeCheck.java" > "$LOGS/javac.out" 2>&1 \
  || fail "deploy/cluster-smoke/SmokeCheck.java does not compile" "$LOGS/javac.out"
smoke_check topics "$BOOTSTRAP" deploy/kafka/topics.conf 90 > "$LOGS/topics.out" 2>&1 \
  || fail "topics: $(tail -n1 "$LOGS/topics.out")" "$LOGS/topics.out" "$LOGS/kafka.log" "$LOGS/kafka.out" "$LOGS/kafka-format.out"
say "$(sed -n 's/^smoke-check: //p' "$LOGS/topics.out")"
say "round 1: scripts/embsum produce --mind data/mind --users $USERS"
embsum_produce "$LOGS/produce-1.out" --mind data/mind --users "$USERS"

tms_registered() { rest GET /overview | json 'd["taskmanagers"] == 2 and d["slots-total"] == 4 or None' | grep -qx True; }
wait_for 120 "2 TaskManagers (4 slots) registered at the JobManager" tms_registered
say "cluster up: $(rest GET /overview)"
for p in jobmanager tm-1 tm-2; do
  log=$LOGS/${p/tm-/taskmanager-}.log
  grep -m1 -o 'Classpath: .*' "$log" | tr ':' '\n' | grep -q '/flink-connector-datagen-' && in_cp=yes || in_cp=no
  echo "cluster-smoke: datagen: flink-connector-datagen jar on the logged JVM classpath of $p (pid ${PID[$p]}): $in_cp"
done

sed -e "s|^bundle.path: .*|bundle.path: $root/models/demo|" \
    -e "s|^checkpoint.interval: .*|checkpoint.interval: 3s|" \
    -e "s|^kafka.bootstrap.servers: .*|kafka.bootstrap.servers: $BOOTSTRAP|" \
    -e "s|^kafka.group.id: .*|kafka.group.id: embsum-cluster-smoke|" deploy/flink/job.conf > "$work/job.conf"
for want in "bundle.path: $root/models/demo" "checkpoint.interval: 3s" "kafka.bootstrap.servers: $BOOTSTRAP"; do
  grep -qxF "$want" "$work/job.conf" || setup_fail "deploy/flink/job.conf has no line to replace with '$want'"
done

upload=$(curl -sS --max-time 120 -X POST -H 'Expect:' -F "jarfile=@$JAR" "http://127.0.0.1:$REST_PORT/jars/upload") \
  || fail "POST /jars/upload: no answer" "$LOGS/jobmanager.log"
JAR_ID=$(echo "$upload" | json 'd["filename"].rsplit("/", 1)[-1] if d.get("status") == "success" else None')
[ -n "$JAR_ID" ] || fail "POST /jars/upload refused the jar: $upload" "$LOGS/jobmanager.log"
say "jar uploaded: $JAR_ID"

start_checker 1 150 data/mind
say "submitting: POST /jars/{id}/run entryClass dev.embsum.flink.EmbSumJob, --config job.conf (local broker, models/demo, checkpoints every 3 s)"
if ! submit; then
  if [ "$WITHOUT_DATAGEN" = 1 ]; then
    echo "cluster-smoke: CONTROL: without flink-connector-datagen the job cannot start: $(echo "$SUBMIT_ERROR" | grep -o 'NoClassDefFoundError[^\\"]*\|ClassNotFoundException[^\\"]*' | head -n1)"
    echo "$SUBMIT_ERROR" | grep -q 'connector/datagen\|connector.datagen' || fail "the control run failed for another reason: $SUBMIT_ERROR"
    echo "$SUBMIT_ERROR" | python3 -c '
import json, sys
text = "\n".join(json.load(sys.stdin).get("errors", []))
lines = text.splitlines()
hit = [i for i, l in enumerate(lines) if "NoClassDefFoundError" in l and "GeneratorFunction" in l][-1]
print("cluster-smoke: CONTROL: where: " + " | ".join(l.strip() for l in lines[hit:hit + 6]))'
    exit 0
  fi
  fail "POST /jars/{id}/run refused the job: $(echo "$SUBMIT_ERROR" | head -c 3000)" "$LOGS/jobmanager.log"
fi
if [ "$WITHOUT_DATAGEN" = 1 ]; then
  fail "control run: the job $JOB was accepted without flink-connector-datagen on the classpath"
fi
say "job $JOB submitted; waiting for every user's embedding"
wait_for 120 "job $JOB running (all tasks)" all_running "$JOB"
RUNNING_MS=$(now_ms)
say "job RUNNING, all tasks deployed, $(secs "$SUBMIT_MS" "$RUNNING_MS") s after submit"
finish_checker 1
R1_FIRST=$(( FIRST_NEW_MS - SUBMIT_MS )); R1_ALL=$(( CURRENT_MS - SUBMIT_MS ))
echo "cluster-smoke: OK round 1: $CURRENT_LINE"
say "  first embedding $(secs 0 $R1_FIRST) s, all users current $(secs 0 $R1_ALL) s after submit"

# --- kill -9 a TaskManager --------------------------------------------------------------------
wait_for 60 "a checkpoint completed after round 1" checkpoint_after "$JOB" "$CURRENT_MS"
ckpt=$(rest GET "/jobs/$JOB/checkpoints" | json 'd["latest"]["completed"]["id"]')
busy=$(rest GET /taskmanagers | json '[t["id"] for t in d["taskmanagers"] if t["freeSlots"] < t["slotsNumber"]]')
victim=tm-1
echo "$busy" | grep -q '"tm-1"' || victim=tm-2
echo "$busy" | grep -q "\"$victim\"" || fail "no TaskManager runs tasks? /taskmanagers: $(rest GET /taskmanagers)"
restarts_before=$(num_restarts "$JOB")
say "checkpoint $ckpt completed; TaskManagers with tasks: $busy; kill -9 $victim (pid ${PID[$victim]})"
KILL_MS=$(now_ms)
kill -9 "${PID[$victim]}"
wait "${PID[$victim]}" 2>/dev/null || true
unset "PID[$victim]"
wait_for 150 "job $JOB RUNNING again with a restart counted after killing $victim" restarted_and_running "$JOB" "$restarts_before"
RECOVERED_MS=$(now_ms)
restarts=$(num_restarts "$JOB")
restored=$(rest GET "/jobs/$JOB/checkpoints" | json 'd["latest"]["restored"]')
[ -n "$restored" ] || fail "job $JOB restarted without restoring a checkpoint" "$LOGS/jobmanager.log"
restored_id=$(echo "$restored" | json 'd["id"]')
echo "cluster-smoke: OK taskmanager kill: job RUNNING again $(secs "$KILL_MS" "$RECOVERED_MS") s after kill -9 $victim, numRestarts $restarts_before -> $restarts, restored from checkpoint $restored_id ($(echo "$restored" | json 'd["external_path"]'))"

smoke_check derive data/mind "$USERS" 2 "$work/round-2" > "$LOGS/derive-2.out" 2>&1 || fail "derive round 2" "$LOGS/derive-2.out"
say "round 2: $(sed -n 's/^smoke-check: round 2: //p' "$LOGS/derive-2.out")"
start_checker 2 120 "data/mind,$work/round-2"
R2_PRODUCE_MS=$(now_ms)
embsum_produce "$LOGS/produce-2.out" --mind "$work/round-2" --users "$USERS" --only clicks
finish_checker 2
echo "cluster-smoke: OK round 2 (after the TaskManager kill): $CURRENT_LINE"
say "  all users current $(secs "$R2_PRODUCE_MS" "$CURRENT_MS") s after round 2 started publishing"
alive jobmanager && alive "$( [ "$victim" = tm-1 ] && echo tm-2 || echo tm-1 )" || fail "a cluster process died" "$LOGS"/*.log

# --- stop with a savepoint, publish round 3 meanwhile, resubmit from the savepoint -------------
STOP_MS=$(now_ms)
trigger=$(rest POST "/jobs/$JOB/stop" "{\"drain\": false, \"targetDirectory\": \"file://$work/flink-data/savepoints\"}" | json 'd.get("request-id")')
[ -n "$trigger" ] || fail "POST /jobs/$JOB/stop gave no request-id" "$LOGS/jobmanager.log"
savepoint_done() { rest GET "/jobs/$JOB/savepoints/$trigger" | json 'd["status"]["id"] == "COMPLETED" or None' | grep -qx True; }
wait_for 120 "stop-with-savepoint of $JOB" savepoint_done
sp=$(rest GET "/jobs/$JOB/savepoints/$trigger" | json 'd["operation"].get("location") or "FAILED: " + str(d["operation"].get("failure-cause", {}).get("stack-trace", ""))[:2000]')
case "$sp" in FAILED:*|"") fail "stop-with-savepoint: $sp" "$LOGS/jobmanager.log" "$LOGS"/taskmanager-*.log ;; esac
job_finished() { [ "$(job_state "$JOB")" = FINISHED ]; }
wait_for 60 "job $JOB FINISHED after stop-with-savepoint" job_finished
SAVEPOINT_MS=$(now_ms)
echo "cluster-smoke: OK savepoint: job $JOB stopped with savepoint $sp in $(secs "$STOP_MS" "$SAVEPOINT_MS") s"
OLD_JOB=$JOB

smoke_check derive data/mind "$USERS" 3 "$work/round-3" > "$LOGS/derive-3.out" 2>&1 || fail "derive round 3" "$LOGS/derive-3.out"
say "round 3 (published while no job runs): $(sed -n 's/^smoke-check: round 3: //p' "$LOGS/derive-3.out")"
embsum_produce "$LOGS/produce-3.out" --mind "$work/round-3" --users "$USERS" --only clicks
start_checker 3 150 "data/mind,$work/round-2,$work/round-3"
submit "$sp" || fail "POST /jars/{id}/run with savepointPath refused the job: $(echo "$SUBMIT_ERROR" | head -c 3000)" "$LOGS/jobmanager.log"
say "job $JOB submitted from $sp"
wait_for 120 "job $JOB (from the savepoint) running" all_running "$JOB"
RESUMED_RUNNING_MS=$(now_ms)
restored=$(rest GET "/jobs/$JOB/checkpoints" | json 'd["latest"]["restored"]')
[ -n "$restored" ] && [ "$(echo "$restored" | json 'd["is_savepoint"]')" = True ] \
  || fail "job $JOB did not restore the savepoint: latest.restored = '$restored'" "$LOGS/jobmanager.log"
finish_checker 3
RESUME_SUBMIT_MS=$SUBMIT_MS
echo "cluster-smoke: OK round 3 (resumed from the savepoint, restored $(echo "$restored" | json 'd["external_path"]')): $CURRENT_LINE"
END_MS=$(now_ms)

# --- the JobManager's console: one JSON event per line (the optional JSON log layout) ----------
json_logs=$(python3 - "$LOGS/jobmanager.out" <<'PY'
import json, sys
events, other = 0, []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line.startswith("{"):
        if line:
            other.append(line)
        continue
    e = json.loads(line)  # a line that starts like JSON must be JSON
    assert {"@timestamp", "log.level", "message", "log.logger"} <= e.keys(), sorted(e)
    events += 1
assert events >= 20, f"only {events} JSON events on the JobManager's console"
print(f"{events} JSON events, {len(other)} other lines (the JVM's own)")
PY
) || fail "the JobManager's console is not JSON (deploy/flink/log4j-console-json.properties)" "$LOGS/jobmanager.out"
echo "cluster-smoke: OK JSON logs: JobManager console: $json_logs"

# --- report -----------------------------------------------------------------------------------
echo "cluster-smoke: timings: submit -> first embedding $(secs 0 $R1_FIRST) s (all $USERS users current $(secs 0 $R1_ALL) s);" \
  "TaskManager kill -9 -> job RUNNING again $(secs "$KILL_MS" "$RECOVERED_MS") s;" \
  "savepoint: stop -> savepoint done $(secs "$STOP_MS" "$SAVEPOINT_MS") s, resubmit -> RUNNING $(secs "$RESUME_SUBMIT_MS" "$RESUMED_RUNNING_MS") s," \
  "resubmit -> first new embedding $(secs "$RESUME_SUBMIT_MS" "$FIRST_NEW_MS") s, stop -> first new embedding $(secs "$STOP_MS" "$FIRST_NEW_MS") s" \
  "(round 3 published in between); total $(secs "$T0" "$END_MS") s"
echo "cluster-smoke: PASSED ($USERS users, 1 JobManager + 2 TaskManagers + 1 broker, jobs $OLD_JOB then $JOB)"
