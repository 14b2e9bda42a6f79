"""The job config files (deploy/flink/job.conf, the k8s ConfigMap) use only keys the jobs
accept: the loader (JobSettings) refuses unknown keys at start-up, so a typo here would be a failed
deploy. Both jobs read these files; Java's OptionDocsTest also loads them (values included)."""

from __future__ import annotations

import re

import pytest

from ops_fixtures import (
    DESIGN_TOPICS,
    JOB_CONF,
    PASS_THROUGH_PREFIXES,
    REPO,
    job_config_keys,
    k8s_docs,
    one,
    read_job_conf,
)


@pytest.fixture(scope="module")
def known_keys():
    keys = job_config_keys()
    # Plausibility: the parser must still understand the option declarations (else this test would pass
    # vacuously or fail confusingly). These keys are part of the documented contract.
    assert len(keys) >= 10, (
        f"parsed only {sorted(keys)} from the *Options.java files: update ops_fixtures.job_config_keys"
    )
    assert {
        "bundle.path",
        "checkpoint.interval",
        "topic.clicks",
        "delivery.guarantee",
        "archive.path",
    } <= keys
    return keys


def test_parser_agrees_with_readme_table(known_keys):
    """Every key the flink-jobs README documents is found by the parser (catches parser rot)."""
    readme = (REPO / "flink-jobs" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z][a-z0-9.-]*)` \|", section, re.M))
    assert documented and documented <= known_keys


def _check(conf: dict[str, str], known: set[str], where: str):
    unknown = [k for k in conf if k not in known and not k.startswith(PASS_THROUGH_PREFIXES)]
    assert not unknown, f"{where}: keys the jobs would refuse: {unknown}"
    for key, value in conf.items():
        if key.startswith("topic."):
            assert value == key.removeprefix("topic.") and value in DESIGN_TOPICS, (
                f"{where}: {key}={value} differs from the topics that are created"
            )


def test_compose_job_conf_keys(known_keys):
    conf = read_job_conf(JOB_CONF.read_text(encoding="utf-8"))
    _check(conf, known_keys, str(JOB_CONF))
    assert conf["bundle.path"] == "/opt/embsum/models/demo"  # the compose read-only mount


def test_configmap_job_conf_keys(known_keys):
    cm = one(k8s_docs()["job-config.yaml"], "ConfigMap")
    _check(read_job_conf(cm["data"]["job.conf"]), known_keys, "k8s/job-config.yaml")


def test_kafka_pass_through_is_all_that_is_unknown(known_keys):
    """kafka.* is the only escape hatch; bootstrap servers must be set where the job runs."""
    for text in (
        JOB_CONF.read_text(),
        one(k8s_docs()["job-config.yaml"], "ConfigMap")["data"]["job.conf"],
    ):
        conf = read_job_conf(text)
        assert "kafka.bootstrap.servers" in conf
