"""The shaded job jar flink-jobs/target/embsum-flink-jobs.jar (built by `mvn package`, which
`mvn -B verify` runs before pytest in scripts/test.sh and CI): what a Flink 2.2 cluster needs from
it is in it, and what the cluster provides (Flink, and the native libraries that must sit on the
parent classloader: ONNX Runtime, DJL) is not. Outside CI a missing jar skips with the command
that builds it; under CI=true it fails."""

from __future__ import annotations

import os
import zipfile

import pytest

from embsum.wire.schemas import RECORD_TYPES
from ops_fixtures import REPO

JAR = REPO / "flink-jobs" / "target" / "embsum-flink-jobs.jar"

# Flink code the jar may carry: the connectors and the Avro format, which are not part of
# flink-dist. Any other org/apache/flink class would be a copy of the cluster's own.
FLINK_ALLOWED = (
    "org/apache/flink/connector/kafka/",
    "org/apache/flink/streaming/connectors/kafka/",
    "org/apache/flink/streaming/util/serialization/",  # flink-connector-kafka's
    "org/apache/flink/connector/base/",
    "org/apache/flink/formats/avro/",
)

# Provided by the cluster (/opt/flink/lib) or never meant for it.
FORBIDDEN = {
    "ai/onnxruntime/": "ONNX Runtime must load from /opt/flink/lib (parent classloader)",
    "ai/djl/": "DJL tokenizers must load from /opt/flink/lib (parent classloader)",
    "com/sun/jna/": "jna belongs with DJL in /opt/flink/lib",
    "com/google/gson/": "gson belongs with DJL in /opt/flink/lib",
    "org/rocksdb/": "RocksDB is part of flink-dist",
    "com/esotericsoftware/": "Kryo is part of flink-dist",
    "org/slf4j/": "Flink provides the logging",
    "org/apache/logging/": "Flink provides the logging",
    "scala/": "the in-process broker (demo) drags Scala in",
    "kafka/server/": "Kafka broker classes (demo only)",
    "org/apache/kafka/raft/": "Kafka broker classes (demo only)",
    "org/apache/kafka/common/test/": "KafkaClusterTestKit (demo only)",
    "org/junit/": "test code",
    "dev/embsum/flink/demo/": "the embedded demo (now the demo module) never runs on a cluster",
    "dev/embsum/demo/": "the embedded demo never runs on a cluster",
    "dev/embsum/replay/": "the MIND replay and in-process broker: demo and tests only",
    "dev/embsum/ranker/": "the rankers' scorer: only the demo module scores (flink-jobs does not depend on ranker)",
}


@pytest.fixture(scope="module")
def jar() -> zipfile.ZipFile:
    if not JAR.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"{JAR} is missing: `mvn -B verify` must build it (maven-shade-plugin, package phase)"
            )
        pytest.skip(f"{JAR.relative_to(REPO)} not built; run `mvn -B -DskipTests package` first")
    with zipfile.ZipFile(JAR) as z:
        yield z


@pytest.fixture(scope="module")
def names(jar) -> set[str]:
    return set(jar.namelist())


def test_main_class(jar):
    manifest = jar.read("META-INF/MANIFEST.MF").decode()
    assert "Main-Class: dev.embsum.flink.EmbSumJob" in manifest.splitlines()


def test_job_and_its_modules(names):
    for cls in (
        "dev/embsum/flink/EmbSumJob.class",
        "dev/embsum/flink/internal/kafka/RawRecordDeserializer.class",
        "dev/embsum/runtime/inference/EmbSumRuntime.class",
        "dev/embsum/runtime/bundle/ModelBundle.class",
        "dev/embsum/serde/SingleObjectCodec.class",
        "dev/embsum/avro/ClickEvent.class",
        "dev/embsum/avro/state/RawRecord.class",
    ):
        assert cls in names, cls


def test_avro_schemas_for_fingerprint_resolution(names):
    """ReleasedSchemas reads the frozen copies from the classpath: a reader that lacks them
    cannot decode records written with an older schema version."""
    assert "avro/released/versions.txt" in names
    for record in RECORD_TYPES:  # every record of the wire contract
        assert f"avro/released/v1/{record}.avsc" in names, record


def test_kafka_connector_clients_and_avro(names):
    for cls in (
        "org/apache/flink/connector/kafka/source/KafkaSource.class",
        "org/apache/flink/connector/kafka/sink/KafkaSink.class",
        "org/apache/flink/connector/base/source/reader/SourceReaderBase.class",
        "org/apache/kafka/clients/consumer/KafkaConsumer.class",
        "org/apache/kafka/clients/producer/KafkaProducer.class",
        "org/apache/avro/Schema.class",
        "org/apache/flink/formats/avro/typeutils/AvroSerializer.class",
        "com/github/luben/zstd/Zstd.class",
        "com/fasterxml/jackson/databind/ObjectMapper.class",
        "org/apache/commons/compress/archivers/tar/TarArchiveInputStream.class",
    ):
        assert cls in names, cls


def test_service_files_are_merged(jar, names):
    """Two artifacts declare table factories; without merging, one file would overwrite the other."""
    factories = jar.read("META-INF/services/org.apache.flink.table.factories.Factory").decode()
    assert "org.apache.flink.formats.avro.AvroFormatFactory" in factories
    assert "org.apache.flink.streaming.connectors.kafka.table.KafkaDynamicTableFactory" in factories
    assert "META-INF/services/org.apache.kafka.common.config.provider.ConfigProvider" in names


def test_no_cluster_provided_or_demo_code(names):
    for prefix, why in FORBIDDEN.items():
        hits = sorted(n for n in names if n.startswith(prefix))
        assert not hits, f"{prefix} in the job jar ({why}): {hits[:3]}"


def test_flink_code_only_from_connectors_and_avro_format(names):
    flink = [n for n in names if n.startswith("org/apache/flink/") and n.endswith(".class")]
    assert flink, "the Kafka connector is missing"
    stray = sorted(n for n in flink if not n.startswith(FLINK_ALLOWED))
    assert not stray, (
        f"Flink runtime classes in the job jar (flink-dist provides them): {stray[:5]}"
    )


def test_no_signature_files(names):
    """Signature files of one shaded artifact would make the JVM reject the merged jar."""
    assert not [
        n for n in names if n.startswith("META-INF/") and n.endswith((".SF", ".DSA", ".RSA"))
    ]
