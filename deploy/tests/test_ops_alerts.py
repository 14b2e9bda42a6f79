"""deploy/prometheus/alerts.yml: parses, is loaded by Prometheus in the compose stack, every
alert names a metric the job really exports (flink-jobs/README.md's metrics tables) and a
runbook section that exists. promtool is not installed here, so PromQL itself is not parsed."""

from __future__ import annotations

import re

import pytest
import yaml

from ops_fixtures import REPO

ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
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
        assert r["annotations"]["runbook"].startswith("docs/operations.md#"), r["alert"]


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
        anchor = r["annotations"]["runbook"].split("#", 1)[1]
        assert anchor in anchors, f"{r['alert']}: no section #{anchor} in docs/operations.md"


def test_prometheus_loads_the_rules_in_compose():
    conf = yaml.safe_load((REPO / "deploy" / "prometheus" / "prometheus.yml").read_text())
    assert conf["rule_files"] == ["/etc/prometheus/alerts.yml"]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    mounts = compose["services"]["prometheus"]["volumes"]
    assert "./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro" in mounts
