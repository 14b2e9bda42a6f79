"""The optional JSON log layout (docs/operations.md, "Logs"): one properties file,
deploy/flink/log4j-console-json.properties, wired into Kubernetes (k8s/json-logs-patch.yaml, the
FlinkDeployments' logConfiguration) and compose (docker-compose.json-logs.yml), with the layout's
jar fetched by deploy/flink/fetch-libs.sh. That the file really makes Flink log JSON is checked on
a running JobManager by scripts/cluster-smoke.sh (test_cluster_smoke.py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from ops_fixtures import K8S, REPO

PROPERTIES = REPO / "deploy" / "flink" / "log4j-console-json.properties"
FLINK_CONSOLE = "/opt/flink/conf/log4j-console.properties"


def test_the_console_appender_writes_ecs_json_and_the_file_keeps_flinks_pattern():
    props = dict(
        line.split("=", 1)
        for line in (s.strip() for s in PROPERTIES.read_text().splitlines())
        if line and not line.startswith("#")
    )
    props = {k.strip(): v.strip() for k, v in props.items()}
    assert props["appender.console.layout.type"] == "JsonTemplateLayout"
    assert props["appender.console.layout.eventTemplateUri"] == "classpath:EcsLayout.json"
    assert props["appender.rolling.fileName"] == "${sys:log.file}"  # what the Flink UI shows
    assert props["appender.rolling.layout.type"] == "PatternLayout"
    refs = {v for k, v in props.items() if k.startswith("rootLogger.appenderRef.")}
    assert refs == {props["appender.console.name"], props["appender.rolling.name"]}


def test_the_k8s_patch_carries_the_file_verbatim():
    patch = yaml.safe_load((K8S / "json-logs-patch.yaml").read_text())
    assert patch["kind"] == "FlinkDeployment"
    assert patch["spec"]["logConfiguration"] == {
        "log4j-console.properties": PROPERTIES.read_text()
    }, "k8s/json-logs-patch.yaml differs from deploy/flink/log4j-console-json.properties"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_the_k8s_patch_applies_to_both_deployments_when_enabled(tmp_path):
    """As the kustomization's comment says to enable it."""
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    kustomization = (copy / "kustomization.yaml").read_text()
    enabled = kustomization.replace(
        "  # - path: json-logs-patch.yaml", "  - path: json-logs-patch.yaml"
    )
    enabled = enabled.replace("  #   target: {group: flink", "    target: {group: flink")
    assert enabled != kustomization
    (copy / "kustomization.yaml").write_text(enabled)
    run = subprocess.run(
        ["kubectl", "kustomize", str(copy)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    deployments = [
        d for d in yaml.safe_load_all(run.stdout) if d and d["kind"] == "FlinkDeployment"
    ]
    assert {d["metadata"]["name"] for d in deployments} == {"embsum-stream", "embsum-archive"}
    for d in deployments:
        assert d["spec"]["logConfiguration"]["log4j-console.properties"] == PROPERTIES.read_text()
        assert d["spec"]["podTemplate"], "the patch merges, it does not replace the spec"


def test_the_compose_override_mounts_it_over_flinks_console_config():
    override = yaml.safe_load((REPO / "docker-compose.json-logs.yml").read_text())
    base = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    mount = f"./deploy/flink/log4j-console-json.properties:{FLINK_CONSOLE}:ro"
    for service in ("jobmanager", "taskmanager"):
        assert service in base["services"]
        assert override["services"][service]["volumes"] == [mount]
        # the layout's jar reaches the container with deploy/flink/lib
        assert "./deploy/flink/lib:/opt/flink/lib/embsum:ro" in base["services"][service]["volumes"]
