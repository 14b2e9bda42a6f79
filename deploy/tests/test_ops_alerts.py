"""deploy/prometheus/alerts.yml: parses, is loaded by Prometheus in the compose stack and (as
the generated k8s/monitoring.yaml) by prometheus-operator, every alert names a metric the job
really exports (flink-jobs/README.md's metrics tables) and a runbook section that exists, and
Prometheus' own promtool parses the rules and runs their unit tests (alerts.test.yml): each alert
fires where it should and stays quiet where it should not. promtool comes from the distribution's
`prometheus` package, which scripts/setup.sh unpacks into .tools/ (or one on PATH)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from ops_fixtures import REPO

ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
ALERT_TESTS = REPO / "deploy" / "prometheus" / "alerts.test.yml"
K8S_MONITORING = REPO / "k8s" / "monitoring.yaml"
RUNBOOK = "https://github.com/CHANGE-ME/embsum-stream/blob/main/docs/operations.md#"
OPERATOR_PREFIX = "flink_taskmanager_job_task_operator_"
# Flink's own metrics (not the job's): standard source and job metrics.
FLINK_METRICS = {"pendingRecords", "numberOfFailedCheckpoints", "numRestarts"}


@pytest.fixture(scope="module")
def rules():
    doc = yaml.safe_load(ALERTS.read_text())
    return [r for g in doc["groups"] for r in g["rules"]]


def _github_anchor(heading: str) -> str:
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def test_every_rule_is_complete(rules):
    assert len(rules) >= 6
    names = [r["alert"] for r in rules]
    assert len(names) == len(set(names)), "alert names are unique"
    for r in rules:
        assert r["expr"].strip(), r["alert"]
        assert r["labels"]["severity"] in {"warning", "critical"}, r["alert"]
        assert r["annotations"]["summary"], r["alert"]
        assert r["annotations"]["runbook_url"].startswith(RUNBOOK), r["alert"]


def test_alerts_use_metrics_the_job_exports(rules):
    readme = (REPO / "flink-jobs" / "README.md").read_text()
    documented = set(re.findall(r"`([A-Za-z_.<>]+)`", readme))
    for r in rules:
        for name in re.findall(
            r"flink_(?:taskmanager_job_task_operator|jobmanager_job)_(\w+)", r["expr"]
        ):
            if name in FLINK_METRICS:
                continue
            # Flink joins metric groups with "_": deadLetters.MALFORMED -> deadLetters_MALFORMED
            dotted = name.replace("_", ".", 1)
            assert name in documented or dotted in documented, (
                f"{r['alert']}: {name} is not a documented metric"
            )


def test_runbook_links_point_at_existing_sections(rules):
    ops = (REPO / "docs" / "operations.md").read_text()
    anchors = {_github_anchor(h) for h in re.findall(r"^#+ (.+)$", ops, flags=re.M)}
    for r in rules:
        anchor = r["annotations"]["runbook_url"].split("#", 1)[1]
        assert anchor in anchors, f"{r['alert']}: no section #{anchor} in docs/operations.md"


def test_prometheus_loads_the_rules_in_compose():
    conf = yaml.safe_load((REPO / "deploy" / "prometheus" / "prometheus.yml").read_text())
    assert conf["rule_files"] == ["/etc/prometheus/alerts.yml"]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    mounts = compose["services"]["prometheus"]["volumes"]
    assert "./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro" in mounts


def test_the_runbook_base_url_is_documented():
    """One base for every link, named where the runbook says what to change when forking."""
    ops = (REPO / "docs" / "operations.md").read_text()
    assert RUNBOOK.removesuffix("#") in ops


def _promtool() -> str:
    local = REPO / ".tools" / "prometheus" / "usr" / "bin" / "promtool"  # scripts/setup.sh
    path = shutil.which("promtool") or (str(local) if local.is_file() else None)
    assert path, (
        "promtool not found: run `bash scripts/setup.sh` (it unpacks the distribution's "
        "`prometheus` package into .tools/), or install promtool on PATH"
    )
    return path


def _promtool_run(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_promtool_parses_the_rules():
    run = _promtool_run("check", "rules", str(ALERTS))
    assert run.returncode == 0, run.stdout + run.stderr


def test_promtool_unit_tests_pass():
    run = _promtool_run("test", "rules", str(ALERT_TESTS))
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_alert_has_a_firing_and_a_quiet_case(rules):
    doc = yaml.safe_load(ALERT_TESTS.read_text())
    assert doc["rule_files"] == ["alerts.yml"]
    cases = [c for t in doc["tests"] for c in t["alert_rule_test"]]
    for r in rules:
        own = [c for c in cases if c["alertname"] == r["alert"]]
        assert any(c["exp_alerts"] for c in own), f"{r['alert']}: no case where it fires"
        assert any(not c["exp_alerts"] for c in own), f"{r['alert']}: no case where it is quiet"


@pytest.mark.parametrize(
    "alert", [r["alert"] for g in yaml.safe_load(ALERTS.read_text())["groups"] for r in g["rules"]]
)
def test_the_unit_tests_notice_an_alert_that_never_fires(alert, tmp_path):
    """Planted fault: the alert's expression replaced by one that is never true."""
    doc = yaml.safe_load(ALERTS.read_text())
    for group in doc["groups"]:
        for r in group["rules"]:
            if r["alert"] == alert:
                r["expr"] = "vector(1) > 2"
    (tmp_path / "alerts.yml").write_text(yaml.safe_dump(doc, sort_keys=False))
    shutil.copy(ALERT_TESTS, tmp_path / "alerts.test.yml")
    run = _promtool_run("test", "rules", "alerts.test.yml", cwd=tmp_path)
    assert run.returncode != 0
    assert f"alertname: {alert}," in run.stdout + run.stderr


def test_k8s_monitoring_is_generated_from_the_rules():
    run = subprocess.run(
        [sys.executable, str(REPO / "deploy" / "prometheus" / "k8s_monitoring.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert K8S_MONITORING.read_text() == run.stdout, (
        "k8s/monitoring.yaml is stale: python deploy/prometheus/k8s_monitoring.py > "
        "k8s/monitoring.yaml"
    )
    pod_monitor, prometheus_rule = list(yaml.safe_load_all(K8S_MONITORING.read_text()))
    assert prometheus_rule["kind"] == "PrometheusRule"
    assert prometheus_rule["spec"]["groups"] == yaml.safe_load(ALERTS.read_text())["groups"]
    assert pod_monitor["kind"] == "PodMonitor"
    assert pod_monitor["spec"]["podMetricsEndpoints"][0]["port"] == "metrics"


def test_the_pod_monitor_finds_the_flink_pods_metrics_port():
    """The PodMonitor scrapes port `metrics` of pods app=<FlinkDeployment name>: both
    deployments must exist under those names and declare that port on their main container."""
    pod_monitor = next(yaml.safe_load_all(K8S_MONITORING.read_text()))
    selected = {
        e["key"]: set(e["values"]) for e in pod_monitor["spec"]["selector"]["matchExpressions"]
    }
    names = set()
    for manifest in ("flinkdeployment.yaml", "archive-flinkdeployment.yaml"):
        deployment = yaml.safe_load((REPO / "k8s" / manifest).read_text())
        names.add(deployment["metadata"]["name"])
        conf = deployment["spec"]["flinkConfiguration"]
        port = int(conf["metrics.reporter.prom.port"])
        container = next(
            c
            for c in deployment["spec"]["podTemplate"]["spec"]["containers"]
            if c["name"] == "flink-main-container"
        )
        assert {"name": "metrics", "containerPort": port} in container.get("ports", []), manifest
    assert selected["app"] == names
    assert selected["component"] == {"jobmanager", "taskmanager"}
