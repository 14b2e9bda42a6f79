#!/usr/bin/env bash
# Copies the ONNX Runtime jar the job was built against into deploy/flink/lib/ (gitignored),
# from where docker-compose.yml mounts it into /opt/flink/lib (the parent classloader; see
# docs/operations.md "ONNX Runtime classloading"). The version comes from the root pom so the
# cluster's copy cannot drift from the one inference-runtime is compiled and tested with.
#   ONNXRUNTIME_ARTIFACT=onnxruntime_gpu bash deploy/flink/fetch-libs.sh   # CUDA build
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(sed -n 's:.*<onnxruntime.version>\(.*\)</onnxruntime.version>.*:\1:p' pom.xml | head -n1)
artifact="${ONNXRUNTIME_ARTIFACT:-onnxruntime}"
[ -n "$version" ] || { echo "fetch-libs: no <onnxruntime.version> in pom.xml" >&2; exit 1; }
mvn -B -q dependency:copy \
  -Dartifact="com.microsoft.onnxruntime:${artifact}:${version}" \
  -DoutputDirectory=deploy/flink/lib -Dmdep.stripVersion=false
# docker-compose.yml mounts onnxruntime-<version>.jar; the GPU jar is renamed to that name so
# the same compose file works for both builds (only one ONNX Runtime jar may be on the classpath).
if [ "$artifact" != onnxruntime ]; then
  mv -f "deploy/flink/lib/${artifact}-${version}.jar" "deploy/flink/lib/onnxruntime-${version}.jar"
fi
echo "fetch-libs: deploy/flink/lib/onnxruntime-${version}.jar (${artifact})"
