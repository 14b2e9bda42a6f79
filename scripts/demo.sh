#!/usr/bin/env bash
# The README's main command: the whole system on this machine, no network needed after set-up.
# An in-process Kafka broker + the embsum-stream Flink job + the shipped demo model: MIND news and
# clicks in, fresh user embeddings out, and a few users' recommendations printed.
# Flags are passed on, e.g. `bash scripts/demo.sh --users 50 --clicks-per-second 100`;
# `bash scripts/demo.sh --help` lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
# EMBSUM_SKIP_SETUP=1: the build is known to be fresh (the demo module's RuntimeClasspathIT runs this script from
# inside `mvn verify`, where set-up's own `mvn install` would recurse).
if [ "${EMBSUM_SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/setup.sh >&2
fi
classpath=demo/target/runtime-classpath.txt   # written by `mvn install` (setup.sh)
if [ ! -f "$classpath" ] || [ ! -d demo/target/classes ]; then
  echo "demo: $classpath is missing; run 'mvn -q -DskipTests install' in $(pwd)" >&2
  exit 2
fi
# -Xss16m: ONNX Runtime's environment set-up recurses deeply and overflows Java's default
# 1 MiB thread stack on some machines (a native crash with no hs_err file).
# This checkout's own module classes come first: the classpath file may name the project's jars
# in ~/.m2, which a build of another checkout (or an older install) can have replaced.
own=demo/target/classes:flink-jobs/target/classes:replay/target/classes
own=$own:inference-runtime/target/classes:ranker/target/classes:schemas/target/classes
exec java -Xss16m -Xmx2g -Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.embsum.avro \
  -cp "$own:$(cat "$classpath")" \
  dev.embsum.demo.EmbeddedDemo "$@"
