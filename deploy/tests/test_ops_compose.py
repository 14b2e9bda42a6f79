"""docker-compose.yml: services, pinned images, read-only inputs, Flink settings as the image's
entrypoint will really apply them, Prometheus, and `docker compose config` when available."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ops_fixtures import (
    BUILD_OUTPUTS,
    COMPOSE_FILE,
    REPO,
    assert_job_jvm_settings,
    interpolate_defaults,
    load_compose,
    run_bash,
    stub_command,
)

FLINK_SERVICES = ("jobmanager", "taskmanager", "job-submit")
EXPECTED_SERVICES = {
    "kafka",
    "topic-init",
    "flink-data-init",
    "jobmanager",
    "taskmanager",
    "job-submit",
    "prometheus",
}
DATA_VOLUMES = {"kafka-data", "flink-data", "prometheus-data"}


@pytest.fixture(scope="module")
def compose():
    return load_compose()


def flink_properties(svc: dict) -> dict[str, str]:
    """FLINK_PROPERTIES split like the image's docker-entrypoint.sh (process_flink_properties)."""
    props = {}
    for line in svc["environment"]["FLINK_PROPERTIES"].splitlines():
        if not line.strip():
            continue
        key, _, value = line.partition(":")
        props[key.strip()] = value.strip()
    return props


def test_services(compose):
    assert set(compose["services"]) == EXPECTED_SERVICES
    assert compose["services"]["prometheus"]["profiles"] == ["metrics"]
    for name, svc in compose["services"].items():
        if name != "prometheus":
            assert "profiles" not in svc, f"{name} must start with a plain `docker compose up`"


def test_images_pinned(compose):
    for name, svc in compose["services"].items():
        image = svc["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and tag and "/" not in tag, f"{name}: image {image} has no tag"
        assert tag != "latest" and not tag.startswith("latest"), f"{name}: {image} is not pinned"
        assert re.search(r"\d+\.\d+\.\d+", tag), f"{name}: {image} should pin a full x.y.z version"
    images = {n: s["image"] for n, s in compose["services"].items()}
    assert images["kafka"] == images["topic-init"] == "apache/kafka:4.2.0"
    assert {images[s] for s in (*FLINK_SERVICES, "flink-data-init")} == {"flink:2.2.1-java17"}


def test_flink_image_matches_the_flink_version_the_job_is_built_with(compose):
    pom = (REPO / "pom.xml").read_text(encoding="utf-8")
    flink = re.search(r"<flink.version>([^<]+)</flink.version>", pom).group(1)
    kafka = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom).group(1)
    assert compose["services"]["jobmanager"]["image"].startswith(f"flink:{flink}-")
    assert compose["services"]["kafka"]["image"] == f"apache/kafka:{kafka}"


def _volumes(svc):
    for v in svc.get("volumes", []):
        parts = interpolate_defaults(v).split(":")
        yield parts[0], parts[1], parts[2:] == ["ro"]


def _is_build_output(rel: str) -> bool:
    """A build output file, or a build output directory ("dir/") or something in one."""
    return any((rel + "/").startswith(b) if b.endswith("/") else rel == b for b in BUILD_OUTPUTS)


def test_bind_mounts_read_only_and_present(compose):
    """Everything from the repo is an input: read-only. Only named data volumes are writable."""
    declared = set(compose["volumes"])
    assert declared == DATA_VOLUMES
    for name, svc in compose["services"].items():
        for source, target, ro in _volumes(svc):
            if source.startswith(("./", "/")):
                assert ro, f"{name}: bind mount {source} -> {target} must be :ro"
                rel = source[2:]
                assert (REPO / rel).exists() or _is_build_output(rel), (
                    f"{name}: {source} does not exist and is not a build output"
                )
            else:
                assert source in declared, f"{name}: volume {source} not declared"


def test_build_outputs_are_gitignored():
    for path in BUILD_OUTPUTS:
        r = subprocess.run(
            ["git", "check-ignore", "-q", path.rstrip("/") + "/x" if path.endswith("/") else path],
            cwd=REPO,
        )
        assert r.returncode == 0, f"{path} is produced by the build and must be gitignored"


def test_flink_containers_get_job_inputs(compose):
    for name in FLINK_SERVICES:
        mounts = {
            target: (source, ro) for source, target, ro in _volumes(compose["services"][name])
        }
        assert mounts["/opt/flink/usrlib/embsum-flink-jobs.jar"] == (
            "./flink-jobs/target/embsum-flink-jobs.jar",
            True,
        )
        # ONNX Runtime and DJL under lib/ = the parent classloader (fetch-libs.sh fills the
        # directory with the versions inference-runtime resolves; test_fetch_libs_* below).
        assert mounts["/opt/flink/lib/embsum"] == ("./deploy/flink/lib", True)
        assert not [
            t for t in mounts if t.startswith("/opt/flink/lib/") and t != "/opt/flink/lib/embsum"
        ], (
            "one directory mount for the parent-classpath jars, so CPU and GPU builds need no compose change"
        )
        assert mounts["/opt/embsum/conf/job.conf"] == ("./deploy/flink/job.conf", True)
        assert mounts["/opt/embsum/models/demo"] == ("./models/demo", True)
    for name in ("jobmanager", "taskmanager"):
        mounts = {
            target: (source, ro) for source, target, ro in _volumes(compose["services"][name])
        }
        assert mounts["/flink-data"] == ("flink-data", False)


def test_flink_properties_survive_the_image_entrypoint(compose):
    """The entrypoint makes every line of FLINK_PROPERTIES a property (comments included) and
    re-nests dotted keys (a key that is a prefix of another gets dropped or breaks config.yaml);
    quoted values stay quoted. None of that may be present."""
    blocks = {compose["services"][n]["environment"]["FLINK_PROPERTIES"] for n in FLINK_SERVICES}
    assert len(blocks) == 1, "all Flink containers must share one FLINK_PROPERTIES block"
    (block,) = blocks
    for line in filter(str.strip, block.splitlines()):
        assert not line.lstrip().startswith("#"), f"comment line in FLINK_PROPERTIES: {line}"
        key, sep, value = line.partition(":")
        assert sep and key.strip() and value.strip(), f"not 'key: value': {line}"
        assert not re.search(r"\s", key.strip()) and not re.search(r"\s", value.strip()), (
            f"whitespace is deleted by the entrypoint: {line}"
        )
        assert value.strip()[0] not in "\"'", f"quoted value stays quoted in config.yaml: {line}"
    keys = [l.partition(":")[0].strip() for l in block.splitlines() if l.strip()]
    assert len(keys) == len(set(keys))
    for a in keys:
        for b in keys:
            assert not b.startswith(a + "."), f"{a} is a dotted prefix of {b}"


def test_flink_state_backend_classloading_and_metrics(compose):
    props = flink_properties(compose["services"]["jobmanager"])
    assert props["state.backend.type"] == "rocksdb"
    assert props["execution.checkpointing.incremental"] == "true"
    assert props["execution.checkpointing.dir"].startswith("file:///flink-data/")
    assert props["execution.checkpointing.savepoint-dir"].startswith("file:///flink-data/")
    assert_job_jvm_settings(props)
    assert props["metrics.reporter.prom.factory.class"].endswith("PrometheusReporterFactory")
    assert props["metrics.reporter.prom.port"] == "9249"
    assert props["jobmanager.rpc.address"] == "jobmanager"


def test_resources_limited(compose):
    for name, svc in compose["services"].items():
        if name == "flink-data-init":
            continue
        limits = svc["deploy"]["resources"]["limits"]
        assert limits["memory"] and limits["cpus"], name
    # The TaskManager container must hold Flink's whole process size.
    tm = compose["services"]["taskmanager"]
    process = flink_properties(tm)["taskmanager.memory.process.size"]
    to_mb = lambda v: (
        int(re.fullmatch(r"(\d+)([mg])", v).group(1)) * (1024 if v.endswith("g") else 1)
    )
    assert to_mb(tm["deploy"]["resources"]["limits"]["memory"]) > to_mb(process)


def test_host_ports_only_on_localhost(compose):
    for name, svc in compose["services"].items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (
                f"{name}: {port} is exposed on every interface"
            )


def test_kafka_kraft_listeners(compose):
    env = compose["services"]["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    adv = dict(l.split("://") for l in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    assert adv["INTERNAL"] == "kafka:19092" and adv["EXTERNAL"] == "localhost:9092"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    job_conf = (REPO / "deploy/flink/job.conf").read_text()
    assert "kafka.bootstrap.servers: kafka:19092" in job_conf


def test_job_submit_waits_for_topics_and_cluster(compose):
    deps = compose["services"]["job-submit"]["depends_on"]
    assert deps["topic-init"]["condition"] == "service_completed_successfully"
    assert deps["jobmanager"]["condition"] == "service_healthy"
    assert compose["services"]["job-submit"]["restart"] == "no"


def test_prometheus_scrapes_flink_reporter_port(compose):
    svc = compose["services"]["prometheus"]
    (conf_mount,) = [
        (s, t, ro) for s, t, ro in _volumes(svc) if t == "/etc/prometheus/prometheus.yml"
    ]
    assert conf_mount[0] == "./deploy/prometheus/prometheus.yml" and conf_mount[2]
    conf = yaml.safe_load((REPO / "deploy/prometheus/prometheus.yml").read_text())
    jobs = {j["job_name"]: j for j in conf["scrape_configs"]}
    assert jobs["flink-jobmanager"]["static_configs"][0]["targets"] == ["jobmanager:9249"]
    dns = jobs["flink-taskmanager"]["dns_sd_configs"][0]
    assert dns["names"] == ["taskmanager"] and dns["port"] == 9249


STUB_FLINK = r"""#!/usr/bin/env bash
echo "flink $*" >> "$STATE/calls"
if [ "$1" = list ]; then cat "$STATE/running" 2>/dev/null || echo "No running jobs."; fi
"""


@pytest.fixture
def stub_flink(tmp_path: Path):
    cli = stub_command(tmp_path, "flink", STUB_FLINK)
    jar = tmp_path / "job.jar"
    jar.write_bytes(b"PK")
    env = dict(
        os.environ,
        FLINK_CLI=str(cli),
        STATE=str(tmp_path),
        EMBSUM_JAR=str(jar),
        EMBSUM_JOB_CONF="/opt/embsum/conf/job.conf",
    )
    env.pop("EMBSUM_RESTORE_FROM", None)
    return tmp_path, env


def _submit(env):
    return run_bash(REPO / "deploy/flink/submit-job.sh", env=env)


def test_submit_script_submits_with_config_and_savepoint(stub_flink):
    state, env = stub_flink
    r = _submit(dict(env, EMBSUM_RESTORE_FROM="file:///flink-data/savepoints/sp-1"))
    assert r.returncode == 0, r.stderr
    run = [l for l in (state / "calls").read_text().splitlines() if l.startswith("flink run")]
    assert run == [
        f"flink run --detached -m jobmanager:8081 --fromSavepoint file:///flink-data/savepoints/sp-1 "
        f"--class dev.embsum.flink.EmbSumJob {env['EMBSUM_JAR']} --config /opt/embsum/conf/job.conf"
    ]


def test_submit_script_skips_a_running_job(stub_flink):
    state, env = stub_flink
    (state / "running").write_text(
        "------------------ Running/Restarting Jobs -------------------\n"
        "23.11.2026 14:00:00 : 0f1e2d3c4b5a69788796a5b4c3d2e1f0 : embsum-stream (RUNNING)\n"
    )
    r = _submit(env)
    assert r.returncode == 0, r.stderr
    assert "already running" in r.stdout
    assert not [l for l in (state / "calls").read_text().splitlines() if l.startswith("flink run")]


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    if standalone:
        out = subprocess.run(
            [standalone, "version", "--short"], capture_output=True, text=True
        ).stdout
        if out.strip().startswith("2."):  # v1 (python) predates parts of the compose spec used here
            return [standalone]
    return None


@pytest.mark.skipif(
    _compose_cli() is None,
    reason="no Docker Compose v2: `docker compose version` fails (docker CLI without the "
    "compose plugin) and no docker-compose v2 binary; the file is still parsed above",
)
def test_docker_compose_config_validates():
    # `config` validates against the compose spec and resolves anchors/interpolation; it needs
    # no Docker engine.
    r = subprocess.run(
        [*_compose_cli(), "-f", str(COMPOSE_FILE), "config", "--quiet"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
