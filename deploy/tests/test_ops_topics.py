"""Every place that creates Kafka topics creates exactly the topics of docs/design.md 2, with their
cleanup policies: the compose topic-init (topics.conf + create-topics.sh, run against stub
Kafka tools) and the Strimzi KafkaTopics."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ops_fixtures import (
    DESIGN_TOPICS,
    REPO,
    TOPICS_CONF,
    k8s_docs,
    load_compose,
    read_topics_conf,
    run_bash,
    stub_command,
)


def test_design_table_matches_schemas_readme():
    """DESIGN_TOPICS is the repo's own copy of docs/design.md 2 (schemas/README.md's table)."""
    text = (REPO / "schemas" / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z-]+)` \|[^|]*\|[^|]*\| (delete|compact) \|$", text, re.M)
    assert dict(rows) == DESIGN_TOPICS


def test_design_table_matches_java_topic_enum():
    """... and of dev.embsum.serde.Topic (default name, compacted flag)."""
    src = (REPO / "schemas/src/main/java/dev/embsum/serde/Topic.java").read_text(encoding="utf-8")
    rows = re.findall(
        r'^\s*[A-Z_]+\("([a-z-]+)",\s*\w+\.class,\s*".*?",\s*(true|false)\)', src, re.M
    )
    assert {name: "compact" if c == "true" else "delete" for name, c in rows} == DESIGN_TOPICS


def test_topics_conf_is_design_table():
    topics = read_topics_conf()
    assert {name: cfg["cleanup.policy"] for name, (_, cfg) in topics.items()} == DESIGN_TOPICS
    for name, (partitions, cfg) in topics.items():
        assert partitions >= 1
        if cfg["cleanup.policy"] == "delete":
            assert "retention.ms" in cfg, f"{name}: a delete topic needs an explicit retention"
    # One key ("current"): more partitions would only lose ordering between releases.
    assert topics["model-releases"][0] == 1


def test_compose_topic_init_runs_the_script_on_topics_conf():
    svc = load_compose()["services"]["topic-init"]
    mounts = {m.split(":")[1]: m for m in svc["volumes"]}
    script_target = svc["entrypoint"][-1]
    assert mounts[script_target].startswith("./deploy/kafka/create-topics.sh:")
    assert mounts[svc["environment"]["TOPICS_FILE"]].startswith("./deploy/kafka/topics.conf:")
    assert svc["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert svc["restart"] == "no"


STUB_TOPICS = r"""#!/usr/bin/env bash
# stub kafka-topics.sh: existing topics are files in $STATE; every call is logged
echo "kafka-topics.sh $*" >> "$STATE/calls"
topic=""; create=0; describe=0; partitions=""
while [ $# -gt 0 ]; do
  case "$1" in
    --topic) topic="$2"; shift;;
    --partitions) partitions="$2"; shift;;
    --create) create=1;;
    --describe) describe=1;;
  esac; shift
done
if [ $describe = 1 ]; then
  [ -f "$STATE/$topic" ] || exit 1
  echo "Topic: $topic	TopicId: x	PartitionCount: $(cat "$STATE/$topic")	ReplicationFactor: 1"
elif [ $create = 1 ]; then
  echo "$partitions" > "$STATE/$topic"
fi
"""


@pytest.fixture
def stub_kafka(tmp_path: Path):
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    scripts = {
        "kafka-topics.sh": STUB_TOPICS,
        "kafka-configs.sh": '#!/usr/bin/env bash\necho "kafka-configs.sh $*" >> "$STATE/calls"\n',
        "kafka-broker-api-versions.sh": "#!/usr/bin/env bash\nexit 0\n",
    }
    for name, body in scripts.items():
        stub_command(bin_dir, name, body)
    env = dict(
        os.environ,
        KAFKA_BIN=str(bin_dir),
        STATE=str(state),
        TOPICS_FILE=str(TOPICS_CONF),
        KAFKA_BOOTSTRAP="stub:9092",
    )
    return state, env


def _run_topic_init(env):
    return run_bash(REPO / "deploy/kafka/create-topics.sh", env=env)


def _create_calls(state: Path) -> dict[str, list[str]]:
    calls = {}
    for line in (state / "calls").read_text().splitlines():
        if line.startswith("kafka-topics.sh") and " --create " in line:
            args = line.split()
            calls[args[args.index("--topic") + 1]] = args
    return calls


def test_create_topics_script_creates_exactly_design_topics(stub_kafka):
    state, env = stub_kafka
    r = _run_topic_init(env)
    assert r.returncode == 0, r.stderr
    created = _create_calls(state)
    assert set(created) == set(DESIGN_TOPICS)
    conf = read_topics_conf()
    for name, args in created.items():
        configs = {args[i + 1] for i, a in enumerate(args) if a == "--config"}
        partitions, expected = conf[name]
        assert f"cleanup.policy={DESIGN_TOPICS[name]}" in configs
        assert configs == {f"{k}={v}" for k, v in expected.items()}
        assert args[args.index("--partitions") + 1] == str(partitions)
        assert args[args.index("--replication-factor") + 1] == "1"


def test_create_topics_script_is_idempotent_and_refuses_partition_changes(stub_kafka):
    state, env = stub_kafka
    assert _run_topic_init(env).returncode == 0
    (state / "calls").unlink()
    again = _run_topic_init(env)
    assert again.returncode == 0, again.stderr
    assert _create_calls(state) == {}  # nothing re-created; configs re-applied instead
    altered = [
        l for l in (state / "calls").read_text().splitlines() if l.startswith("kafka-configs.sh")
    ]
    assert len(altered) == len(DESIGN_TOPICS)

    (state / "clicks").write_text("99\n")  # someone changed the partition count by hand
    bad = _run_topic_init(env)
    assert bad.returncode != 0
    assert "clicks has 99 partitions" in bad.stderr


def test_strimzi_kafka_topics_are_design_table():
    docs = k8s_docs()["kafka-topics.yaml"]
    assert all(
        d["apiVersion"] == "kafka.strimzi.io/v1beta2" and d["kind"] == "KafkaTopic" for d in docs
    )
    topics = {d["spec"].get("topicName", d["metadata"]["name"]): d for d in docs}
    assert len(topics) == len(docs), "a topic is defined twice"
    assert {n: d["spec"]["config"]["cleanup.policy"] for n, d in topics.items()} == DESIGN_TOPICS
    for name, d in topics.items():
        assert d["metadata"]["labels"]["strimzi.io/cluster"], name
        spec = d["spec"]
        assert spec["replicas"] >= 3 and spec["config"]["min.insync.replicas"] >= 2, name
        assert spec["config"]["min.insync.replicas"] < spec["replicas"], (
            f"{name}: no broker may be lost"
        )
        if spec["config"]["cleanup.policy"] == "delete":
            assert spec["config"]["retention.ms"] > 0, name
    assert topics["model-releases"]["spec"]["partitions"] == 1
    assert len({d["metadata"]["labels"]["strimzi.io/cluster"] for d in docs}) == 1
