"""The retraining loop's deployment manifests: k8s/retrain-cronjob.yaml and the bundle store
(k8s/bundle-store-pvc.yaml, mounted by the streaming job), and the archive sync of the CronJob's
initContainer against a stub `aws`. The scripts it runs: test_ops_retrain_cycle.py; its image:
test_ops_retrain_image.py."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from ops_fixtures import RETRAIN, k8s_docs, one, read_job_conf, stub_command
from retrain_fixtures import APP, CYCLE, PUBLISH, STORE_MOUNT

# Flags retrain-cycle.sh sets itself (from its environment), so the CronJob must not pass them.
RESERVED = {
    "--archive",
    "--bundle-store",
    "--serving-bundle",
    "--publish-command",
    "--model-version",
    "--version-prefix",
    "--work-dir",
}


# --- manifests -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def docs():
    return k8s_docs()


@pytest.fixture(scope="module")
def cronjob(docs):
    return one(docs["retrain-cronjob.yaml"], "CronJob")


@pytest.fixture(scope="module")
def pod(cronjob):
    return cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]


@pytest.fixture(scope="module")
def retrain(pod):
    (c,) = pod["containers"]
    return c


def env_of(container: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", [])}


def mounts_of(container: dict) -> dict[str, dict]:
    return {m["name"]: m for m in container.get("volumeMounts", [])}


def test_bundle_store_claim_is_shared(docs):
    pvc = one(docs["bundle-store-pvc.yaml"], "PersistentVolumeClaim")
    assert pvc["apiVersion"] == "v1" and pvc["metadata"]["name"] == "embsum-bundles"
    # Every TaskManager and the retrain pod mount it at once, on different nodes.
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    assert pvc["spec"]["storageClassName"]
    assert re.fullmatch(r"\d+[GT]i", pvc["spec"]["resources"]["requests"]["storage"])


def test_streaming_job_reads_the_store_where_release_uris_point(docs, retrain):
    """Shared pod template (JobManager and every TaskManager): the claim, read-only, at the path
    whose file:/// URI publish.sh announces."""
    deployment = one(docs["flinkdeployment.yaml"], "FlinkDeployment")
    pod = deployment["spec"]["podTemplate"]["spec"]
    (main,) = [c for c in pod["containers"] if c["name"] == "flink-main-container"]
    mount = mounts_of(main)["bundles"]
    assert mount["mountPath"] == STORE_MOUNT and mount["readOnly"] is True
    volume = {v["name"]: v for v in pod["volumes"]}["bundles"]["persistentVolumeClaim"]
    assert volume == {
        "claimName": one(docs["bundle-store-pvc.yaml"], "PersistentVolumeClaim")["metadata"][
            "name"
        ],
        "readOnly": True,
    }
    assert env_of(retrain)["EMBSUM_BUNDLE_URI_BASE"] == "file://" + mount["mountPath"]
    # The GPU patch's TaskManager template must not replace the shared volumes.
    patch = one(docs["gpu-taskmanager-patch.yaml"], "FlinkDeployment")["spec"]["taskManager"][
        "podTemplate"
    ]["spec"]
    assert "volumes" not in patch and all("volumeMounts" not in c for c in patch["containers"])
    # The starting model stays the one baked into the image; releases come from the store.
    conf = read_job_conf(one(docs["job-config.yaml"], "ConfigMap")["data"]["job.conf"])
    assert not conf["bundle.path"].startswith(STORE_MOUNT)


def test_cronjob_schedule_and_run_policy(cronjob, pod):
    assert cronjob["apiVersion"] == "batch/v1" and cronjob["metadata"]["name"] == "embsum-retrain"
    spec = cronjob["spec"]
    minute, hour, dom, month, dow = spec["schedule"].split()
    assert minute.isdigit() and hour.isdigit() and (dom, month, dow) == ("*", "*", "*"), (
        "once a day"
    )
    assert spec["timeZone"] == "Etc/UTC", "the archive's days are UTC days"
    assert spec["concurrencyPolicy"] == "Forbid", "two cycles would both move CURRENT"
    assert 0 < spec["startingDeadlineSeconds"] <= 6 * 3600
    job = spec["jobTemplate"]["spec"]
    assert 0 <= job["backoffLimit"] <= 2
    assert 3600 <= job["activeDeadlineSeconds"] < 24 * 3600, "a run must end before the next is due"
    # Exit 2 (bad input) fails the Job at once: a retry would fail the same way.
    (rule,) = job["podFailurePolicy"]["rules"]
    assert rule["action"] == "FailJob"
    assert rule["onExitCodes"] == {"containerName": "retrain", "operator": "In", "values": [2]}
    assert pod["restartPolicy"] == "Never", "podFailurePolicy requires it"
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_cronjob_runs_the_cycle_from_the_image(retrain):
    assert retrain["name"] == "retrain"
    tag = retrain["image"].rpartition(":")[2]
    assert tag and tag != "latest" and "/" not in tag
    assert retrain["command"] == [f"{APP}/deploy/retrain/retrain-cycle.sh"]
    assert os.access(CYCLE, os.X_OK) and os.access(PUBLISH, os.X_OK), (
        "run directly: they must be executable"
    )
    dockerfile = (RETRAIN / "Dockerfile").read_text()
    assert re.search(rf"^WORKDIR {APP}$", dockerfile, re.M)
    assert re.search(
        r"^COPY deploy/retrain/retrain-cycle.sh deploy/retrain/publish.sh deploy/retrain/$",
        dockerfile,
        re.M,
    )
    assert not RESERVED & {a.split("=")[0] for a in retrain["args"]}, (
        "retrain-cycle.sh sets these itself"
    )
    res = retrain["resources"]
    assert res["requests"]["cpu"] and res["requests"]["memory"] and res["limits"]["memory"]


def test_cronjob_env_volumes_and_mounts_agree(docs, pod, retrain):
    env = env_of(retrain)
    mounts = mounts_of(retrain)
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert env["EMBSUM_BUNDLE_STORE"] == mounts["bundles"]["mountPath"] == STORE_MOUNT
    assert not mounts["bundles"].get("readOnly"), "the retrain writes bundles and CURRENT"
    assert volumes["bundles"]["persistentVolumeClaim"]["claimName"] == "embsum-bundles"
    assert env["EMBSUM_ARCHIVE"] == mounts["archive"]["mountPath"]
    assert env["EMBSUM_WORK_DIR"] == mounts["work"]["mountPath"] == env["HOME"]
    assert "emptyDir" in volumes["archive"] and "emptyDir" in volumes["work"]
    conf = read_job_conf(one(docs["job-config.yaml"], "ConfigMap")["data"]["job.conf"])
    assert env["EMBSUM_BOOTSTRAP_SERVERS"] == conf["kafka.bootstrap.servers"]
    assert set(mounts) <= set(volumes)


def test_archive_sync_init_container(docs, pod, retrain):
    (init,) = pod["initContainers"]
    assert (
        init["image"].startswith("amazon/aws-cli:")
        and init["image"].rpartition(":")[2][0].isdigit()
    )
    env = env_of(init)
    assert (
        env["ARCHIVE_DIR"]
        == mounts_of(init)["archive"]["mountPath"]
        == env_of(retrain)["EMBSUM_ARCHIVE"]
    )
    assert not mounts_of(init)["archive"].get("readOnly")
    archive_job = one(docs["archive-flinkdeployment.yaml"], "FlinkDeployment")["spec"]["job"][
        "args"
    ]
    assert env["ARCHIVE_S3"] == dict(zip(archive_job[::2], archive_job[1::2]))["--archive.path"]
    assert int(env["ARCHIVE_DAYS"]) >= 2, (
        "the newest day is the dev set: training needs at least one more"
    )


STUB_AWS = r"""#!/usr/bin/env bash
printf '%s\n' "$*" >> "$STUB_STATE/aws-calls"
"""


@pytest.mark.skipif(
    subprocess.run(["date", "-u", "-d", "-1 day", "+%F"], capture_output=True).returncode != 0,
    reason="needs GNU date (as in the amazon/aws-cli image)",
)
def test_archive_sync_script_syncs_the_window_and_all_content(pod, tmp_path):
    """The initContainer's script, run against a stub `aws`: clicks and impressions of the last
    ARCHIVE_DAYS complete days (not today), content of every day, hidden and marker files left out."""
    (init,) = pod["initContainers"]
    assert init["command"][:2] == ["/bin/bash", "-ec"]
    (script,) = init["args"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub_command(bin_dir, "aws", STUB_AWS)
    env = {
        **os.environ,
        **env_of(init),
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "STUB_STATE": str(tmp_path),
        "ARCHIVE_DIR": str(tmp_path / "archive"),
        "ARCHIVE_DAYS": "3",
    }
    r = subprocess.run(["bash", "-ec", script], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    calls = [shlex.split(c) for c in (tmp_path / "aws-calls").read_text().splitlines()]
    s3 = env_of(init)["ARCHIVE_S3"]
    today = datetime.now(timezone.utc).date()
    days = [(today - timedelta(days=i)).isoformat() for i in (1, 2, 3)]
    synced = [(c[-2], c[-1]) for c in calls]
    assert synced == [
        (f"{s3}/{t}/dt={d}/", f"{tmp_path}/archive/{t}/dt={d}/")
        for t in ("clicks", "impressions")
        for d in days
    ] + [(f"{s3}/content/", f"{tmp_path}/archive/content/")]
    for c in calls:
        assert c[:2] == ["s3", "sync"]
        excluded = {c[i + 1] for i, a in enumerate(c) if a == "--exclude"}
        assert {".*", "*/.*", "_*", "*/_*"} <= excluded
