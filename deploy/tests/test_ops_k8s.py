"""k8s/: the FlinkDeployment, the GPU TaskManager patch, the ConfigMap and the kustomization,
checked on the files and (when kubectl is installed) on `kubectl kustomize`'s rendered output."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from ops_fixtures import (
    DESIGN_TOPICS,
    K8S,
    REPO,
    assert_job_jvm_settings,
    k8s_docs,
    one,
    read_job_conf,
)


@pytest.fixture(scope="module")
def docs():
    return k8s_docs()


@pytest.fixture(scope="module")
def deployment(docs):
    return one(docs["flinkdeployment.yaml"], "FlinkDeployment")


def test_every_yaml_parses_and_has_kind(docs):
    assert set(docs) == {
        "flinkdeployment.yaml",
        "archive-flinkdeployment.yaml",
        "gpu-taskmanager-patch.yaml",
        "job-config.yaml",
        "kafka-topics.yaml",
        "bundle-store-pvc.yaml",
        "monitoring.yaml",
        "network-policy.yaml",
        "json-logs-patch.yaml",
        "retrain-cronjob.yaml",
        "kustomization.yaml",
    }
    for name, ds in docs.items():
        assert ds, f"{name} is empty"
        for d in ds:
            assert d.get("apiVersion") and d.get("kind"), name


def test_flink_deployment_job(deployment):
    assert deployment["apiVersion"] == "flink.apache.org/v1beta1"
    spec = deployment["spec"]
    assert spec["flinkVersion"] == "v2_2"
    job = spec["job"]
    assert job["jarURI"] == "local:///opt/flink/usrlib/embsum-flink-jobs.jar"
    assert job["entryClass"] == "dev.embsum.flink.EmbSumJob"
    assert job["args"] == ["--config", "/opt/embsum/conf/job.conf"]
    assert job["upgradeMode"] == "savepoint"
    assert job["state"] == "running"
    assert job["parallelism"] >= 1
    # The job cannot use more source subtasks than the keyed topics have partitions.
    topics = {
        d["spec"]["topicName"]: d["spec"]["partitions"] for d in k8s_docs()["kafka-topics.yaml"]
    }
    assert job["parallelism"] <= topics["clicks"]


def test_flink_deployment_state_and_ha(deployment):
    conf = deployment["spec"]["flinkConfiguration"]
    assert all(isinstance(v, str) for v in conf.values()), (
        "flinkConfiguration values must be strings"
    )
    assert conf["state.backend.type"] == "rocksdb"
    assert conf["execution.checkpointing.incremental"] == "true"
    for key in (
        "execution.checkpointing.dir",
        "execution.checkpointing.savepoint-dir",
        "high-availability.storageDir",
    ):
        assert conf[key].startswith("s3://"), key
    assert conf["high-availability.type"] == "kubernetes"
    assert_job_jvm_settings(conf)
    assert conf["metrics.reporter.prom.port"] == "9249"


def test_flink_deployment_image_and_resources(deployment):
    spec = deployment["spec"]
    tag = spec["image"].rpartition(":")[2]
    assert tag and tag != "latest" and "/" not in tag
    for role in ("jobManager", "taskManager"):
        res = spec[role]["resource"]
        assert res["cpu"] and res["memory"], role


def test_pod_template_mounts_job_config_read_only(deployment, docs):
    pod = deployment["spec"]["podTemplate"]["spec"]
    (main,) = [c for c in pod["containers"] if c["name"] == "flink-main-container"]
    mounts = {m["name"]: m for m in main["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    cm = one(docs["job-config.yaml"], "ConfigMap")
    assert volumes["job-config"]["configMap"]["name"] == cm["metadata"]["name"]
    assert mounts["job-config"]["readOnly"] is True
    assert mounts["job-config"]["mountPath"] + "/job.conf" == deployment["spec"]["job"]["args"][1]
    assert "job.conf" in cm["data"]


def test_gpu_taskmanager_template(docs):
    patch = one(docs["gpu-taskmanager-patch.yaml"], "FlinkDeployment")
    pod = patch["spec"]["taskManager"]["podTemplate"]["spec"]
    (main,) = [c for c in pod["containers"] if c["name"] == "flink-main-container"]
    assert main["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert pod["nodeSelector"]
    assert any(
        t["key"] == "nvidia.com/gpu" and t["effect"] == "NoSchedule" for t in pod["tolerations"]
    )
    assert "jobManager" not in patch["spec"], "the JobManager needs no GPU"
    text = (K8S / "gpu-taskmanager-patch.yaml").read_text()
    assert "onnxruntime_gpu" in text


def test_archive_deployment(docs, deployment):
    """The archive job: same image and jar as the streaming job, its own entry class, archive
    path on a durable file system, checkpoints (it publishes files on them), no GPU patch."""
    archive = one(docs["archive-flinkdeployment.yaml"], "FlinkDeployment")
    spec = archive["spec"]
    assert archive["metadata"]["name"] == "embsum-archive"
    assert spec["image"] == deployment["spec"]["image"]
    assert spec["flinkVersion"] == "v2_2"
    job = spec["job"]
    assert job["jarURI"] == deployment["spec"]["job"]["jarURI"]
    assert job["entryClass"] == "dev.embsum.flink.ArchiveJob"
    args = dict(zip(job["args"][::2], job["args"][1::2]))
    assert args["--config"] == "/opt/embsum/conf/job.conf"
    assert args["--archive.path"].startswith("s3://")
    assert args["--checkpoint.interval"] != "0"
    assert job["upgradeMode"] == "savepoint"
    conf = spec["flinkConfiguration"]
    assert all(isinstance(v, str) for v in conf.values())
    assert conf["state.backend.type"] == "rocksdb"
    assert conf["execution.checkpointing.dir"].startswith("s3://")
    assert (
        conf["execution.checkpointing.dir"]
        != deployment["spec"]["flinkConfiguration"]["execution.checkpointing.dir"]
    )
    patch_targets = {p["target"]["name"] for p in docs["kustomization.yaml"][0]["patches"]}
    assert "embsum-archive" not in patch_targets, "the archive runs no model: no GPU"


def test_kustomization_lists_every_manifest(docs):
    kust = docs["kustomization.yaml"][0]
    listed = set(kust["resources"]) | {p["path"] for p in kust.get("patches", [])}
    # json-logs-patch.yaml is optional: named, commented out, in kustomization.yaml
    assert listed == set(docs) - {"kustomization.yaml", "json-logs-patch.yaml"}


@pytest.mark.skipif(
    shutil.which("kubectl") is None,
    reason="kubectl not installed (kustomize rendering not checked)",
)
def test_kustomize_renders_gpu_deployment():
    """`kubectl kustomize` is local (no cluster): the patch must merge into the deployment."""
    r = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    rendered = [d for d in yaml.safe_load_all(r.stdout) if d]
    kinds = sorted(d["kind"] for d in rendered)
    assert kinds == sorted(
        ["ConfigMap", "PersistentVolumeClaim", "ServiceAccount", "CronJob"]
        + ["PodMonitor", "PrometheusRule", "NetworkPolicy"]
        + ["FlinkDeployment"] * 2
        + ["KafkaTopic"] * len(DESIGN_TOPICS)
    )
    assert {d["metadata"]["namespace"] for d in rendered} == {"embsum"}
    dep = next(
        d
        for d in rendered
        if d["kind"] == "FlinkDeployment" and d["metadata"]["name"] == "embsum-stream"
    )
    # Patch merged, base kept.
    tm_pod = dep["spec"]["taskManager"]["podTemplate"]["spec"]
    assert tm_pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert dep["spec"]["taskManager"]["resource"]["memory"]
    assert dep["spec"]["job"]["upgradeMode"] == "savepoint"
    assert dep["spec"]["image"].endswith("-gpu")
    # The patch adds a TaskManager template; the common one keeps the bundle store's read-only mount.
    (main,) = dep["spec"]["podTemplate"]["spec"]["containers"]
    assert {"name": "bundles", "mountPath": "/opt/embsum/bundles", "readOnly": True} in main[
        "volumeMounts"
    ]
    assert "volumes" not in tm_pod and "volumeMounts" not in tm_pod["containers"][0]


def test_configmap_topics_and_bundle(docs):
    conf = read_job_conf(one(docs["job-config.yaml"], "ConfigMap")["data"]["job.conf"])
    for key, value in conf.items():
        if key.startswith("topic."):
            assert value in DESIGN_TOPICS, f"{key}: {value} has no KafkaTopic"
    assert conf["kafka.bootstrap.servers"].startswith("embsum-kafka-kafka-bootstrap:")
    dockerfile = (REPO / "deploy/flink/Dockerfile").read_text()
    assert conf["bundle.path"] in dockerfile, "bundle.path must be baked into the job image"
