#!/usr/bin/env bash
# Puts the libraries that must be loaded by Flink's parent classloader into deploy/flink/lib/
# (gitignored): ONNX Runtime and DJL's Hugging Face tokenizers (plus DJL's gson and jna), and
# log4j's JSON layout for the optional JSON logs. The first two
# load a native library, which the JVM binds to one classloader, so they must load once per
# TaskManager JVM, from /opt/flink/lib, never from the job jar (docs/operations.md section 3;
# the shaded job jar leaves them out). docker-compose.yml mounts this directory at
# /opt/flink/lib/embsum (Flink puts every jar under lib/, subdirectories included, on its
# classpath); deploy/flink/Dockerfile copies it there.
#
# The jars are exactly the ones inference-runtime resolves (versions from the root pom), so the
# cluster runs what the tests ran.
#   bash deploy/flink/fetch-libs.sh          # CPU: com.microsoft.onnxruntime:onnxruntime
#   bash deploy/flink/fetch-libs.sh --gpu    # CUDA: onnxruntime_gpu, same version (mvn -Pgpu)
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=()
case "${1:-}" in
  "") ;;
  --gpu) profile=(-Pgpu) ;;
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "fetch-libs: unknown argument '$1' (none for the CPU build, --gpu for the CUDA build)" >&2; exit 2 ;;
esac
lib="$PWD/deploy/flink/lib"
# Start empty: onnxruntime and onnxruntime_gpu hold the same classes and must never both be there.
rm -rf "$lib"
mkdir -p "$lib"
mvn -B -q "${profile[@]}" -pl inference-runtime dependency:copy-dependencies \
  -DincludeScope=runtime \
  -DincludeGroupIds=com.microsoft.onnxruntime,ai.djl,ai.djl.huggingface,com.google.code.gson,net.java.dev.jna \
  -Dmdep.prependGroupId=true -DoutputDirectory="$lib"
# The JSON log layout (deploy/flink/log4j-console-json.properties, optional): a log4j plugin, so
# of exactly the version of the log4j that Flink's lib/ holds (the root pom's flink.log4j.version).
log4j=$(sed -n 's:.*<flink.log4j.version>\(.*\)</flink.log4j.version>.*:\1:p' pom.xml)
[ -n "$log4j" ] || { echo "fetch-libs: no <flink.log4j.version> in pom.xml" >&2; exit 1; }
mvn -B -q -N dependency:copy -Dartifact="org.apache.logging.log4j:log4j-layout-template-json:$log4j" \
  -DoutputDirectory="$lib"
count=$(find "$lib" -name '*.jar' | wc -l)
ort=$(find "$lib" -name 'com.microsoft.onnxruntime.*.jar' | wc -l)
layout=$(find "$lib" -name "log4j-layout-template-json-$log4j.jar" | wc -l)
if [ "$ort" -ne 1 ] || [ "$count" -lt 6 ] || [ "$layout" -ne 1 ]; then
  echo "fetch-libs: expected one ONNX Runtime jar and the DJL jars in $lib, found:" >&2
  ls -l "$lib" >&2
  exit 1
fi
echo "fetch-libs: $lib"
ls -1 "$lib"
