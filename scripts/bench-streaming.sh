#!/usr/bin/env bash
# End-to-end streaming benchmark (docs/benchmarks/streaming.md): the whole job on a local Flink
# with RocksDB and the shipped bundle, MIND replayed at a fixed click rate, three setups in one
# JVM run (micro-batched, batch 1, encoder cache off). Flags: --users N --rate CLICKS_PER_S
# --order round-robin|file
# --data DIR --bundle DIR. Takes a few minutes; the Markdown table goes to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
classpath=flink-jobs/target/test-classpath.txt
# -am: sibling modules come from their target/ folders (this checkout), never from ~/.m2
mvn -q -o -pl flink-jobs -am -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt >&2
# -Xss16m: see scripts/demo.sh (ONNX Runtime's set-up overflows a 1 MiB thread stack).
exec java -Xss16m -Xmx3g -Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.embsum.avro \
  -cp "flink-jobs/target/test-classes:flink-jobs/target/classes:$(cat "$classpath")" \
  dev.embsum.flink.bench.StreamingBench "$@"
