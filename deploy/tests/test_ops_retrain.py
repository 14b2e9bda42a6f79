"""The retraining loop's deployment: k8s/retrain-cronjob.yaml and the bundle store
(k8s/bundle-store-pvc.yaml, mounted by the streaming job), deploy/retrain/retrain-cycle.sh and
publish.sh run against a stub `python` and a stub `embsum` on PATH (and once against the real
`python -m embsum_retrain`), the archive sync of the CronJob's initContainer against a stub `aws`,
stage-cli.sh against a fake build, and the image's Dockerfile against its build context."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ops_fixtures import REPO, RETRAIN, k8s_docs, one, read_job_conf

CYCLE = RETRAIN / "retrain-cycle.sh"
PUBLISH = RETRAIN / "publish.sh"
STORE_MOUNT = "/opt/embsum/bundles"
APP = "/opt/embsum/app"  # the image's copy of the repository (deploy/retrain/Dockerfile)
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
    (bin_dir / "aws").write_text(STUB_AWS)
    (bin_dir / "aws").chmod(0o755)
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


# --- retrain-cycle.sh and publish.sh against stubs --------------------------------------------------
# A stub `python -m embsum_retrain` with the real one's contract (docs/retrain.md): it records its
# arguments, writes the report, and with exit 0 stores the bundle and runs --publish-command
# (failing with 1 if that fails); with 3 (gate refused) it stores nothing.
STUB_PYTHON = """#!{exe}
import json, os, shlex, subprocess, sys
from pathlib import Path
state = Path(os.environ["STUB_STATE"])
with open(state / "python-calls.jsonl", "a") as f:
    f.write(json.dumps({{"argv": sys.argv[1:], "cwd": os.getcwd(), "cache": os.environ.get("EMBSUM_CACHE_DIR")}}) + "\\n")
if sys.argv[1:3] != ["-m", "embsum_retrain"]:
    sys.exit(f"stub python: unexpected {{sys.argv[1:]}}")
args = sys.argv[3:]
def opt(name):
    return args[args.index(name) + 1]
store, version, work = Path(opt("--bundle-store")), opt("--model-version"), Path(opt("--work-dir"))
rc = int(os.environ.get("STUB_RETRAIN_EXIT", "0"))
work.mkdir(parents=True)
status = {{0: "released", 3: "gate_failed"}}.get(rc, "failed")
(work / "retrain.json").write_text(json.dumps({{"model_version": version, "status": status}}))
(work / "retrain.md").write_text(f"# retrain {{version}}: {{status}}\\n")
if rc == 0:
    (store / version).mkdir()
    (store / version / "manifest.json").write_text(json.dumps({{"model_version": version}}))
    (store / (version + ".checkpoint.pt")).write_bytes(b"weights")
    values = dict(bundle=str(store / version), model_version=version, bundle_sha256="0" * 64,
                  bundle_uri=(store / version).as_uri(), release_json=str(store / (version + ".release.json")))
    done = subprocess.run([a.format(**values) for a in shlex.split(opt("--publish-command"))])
    if done.returncode != 0:
        print(f"python -m embsum_retrain: error: PublishError: exited with {{done.returncode}}", file=sys.stderr)
        sys.exit(1)
sys.exit(rc)
"""

STUB_EMBSUM = r"""#!/usr/bin/env bash
printf '%s\n' "$*" >> "$STUB_STATE/embsum-calls"
exit "${STUB_EMBSUM_EXIT:-0}"
"""


class Loop:
    """A bundle store, an archive, a work area and stubs on PATH in tmp_path."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.store = tmp / "store"
        self.archive = tmp / "archive"
        self.work = tmp / "work"
        for d in (self.store, self.archive / "clicks"):
            d.mkdir(parents=True)
        self.bin = tmp / "bin"
        self.bin.mkdir()
        (self.bin / "python").write_text(STUB_PYTHON.format(exe=sys.executable))
        (self.bin / "embsum").write_text(STUB_EMBSUM)
        for f in self.bin.iterdir():
            f.chmod(0o755)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("EMBSUM_", "STUB_"))}
        self.env = dict(
            base,
            PATH=f"{self.bin}:{os.environ['PATH']}",
            STUB_STATE=str(tmp),
            EMBSUM_BOOTSTRAP_SERVERS="embsum-kafka-kafka-bootstrap:9092",
            EMBSUM_BUNDLE_STORE=str(self.store),
            EMBSUM_ARCHIVE=str(self.archive),
            EMBSUM_WORK_DIR=str(self.work),
        )

    def cycle(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(CYCLE), *args],
            env={**self.env, **env},
            cwd=self.tmp,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def publish(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(PUBLISH), *args],
            env={**self.env, **env},
            cwd=self.tmp,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def released(self, version: str) -> Path:
        """A bundle released earlier (by a previous cycle)."""
        (self.store / version).mkdir()
        (self.store / version / "manifest.json").write_text(json.dumps({"model_version": version}))
        return self.store / version

    def python_calls(self) -> list[dict]:
        f = self.tmp / "python-calls.jsonl"
        return [json.loads(line) for line in f.read_text().splitlines()] if f.exists() else []

    def retrain_args(self) -> dict[str, str]:
        (call,) = self.python_calls()
        argv = call["argv"][2:]
        return dict(zip(argv[::2], argv[1::2]))

    def embsum_calls(self) -> list[list[str]]:
        f = self.tmp / "embsum-calls"
        return [line.split() for line in f.read_text().splitlines()] if f.exists() else []

    def current(self) -> str | None:
        f = self.store / "CURRENT"
        return f.read_text() if f.exists() else None


@pytest.fixture
def loop(tmp_path):
    return Loop(tmp_path)


def release_call(
    loop: Loop, version: str, uri_base: str = "file:///opt/embsum/bundles"
) -> list[str]:
    return [
        "release",
        str(loop.store / version),
        "--uri",
        f"{uri_base}/{version}",
        "--bootstrap-servers",
        "embsum-kafka-kafka-bootstrap:9092",
    ]


def test_first_release_has_no_serving_bundle(loop):
    r = loop.cycle("--preset", "demo", "--no-progress", EMBSUM_MODEL_VERSION="v1")
    assert r.returncode == 0, r.stderr
    args = loop.retrain_args()
    assert args["--serving-bundle"] == "none"
    assert args["--archive"] == str(loop.archive) and args["--bundle-store"] == str(loop.store)
    assert args["--model-version"] == "v1" and args["--work-dir"] == str(loop.work / "v1")
    assert shlex.split(args["--publish-command"]) == [str(PUBLISH), "{bundle}", "{model_version}"]
    (call,) = loop.python_calls()
    assert call["argv"][-3:] == ["--preset", "demo", "--no-progress"], (
        "training flags are passed on"
    )
    assert call["cwd"] == str(loop.work) and call["cache"] == str(loop.work / "token-cache")
    assert loop.embsum_calls() == [release_call(loop, "v1")]
    assert loop.current() == "v1\n"
    assert "RELEASED v1 (was none)" in r.stderr
    # The report is kept in the store; the work directory is scratch.
    assert json.loads((loop.store / "v1.retrain.json").read_text())["status"] == "released"
    assert (loop.store / "v1.retrain.md").read_text() == "# retrain v1: released\n"
    assert sorted(p.name for p in loop.store.iterdir()) == [
        "CURRENT",
        "v1",
        "v1.checkpoint.pt",
        "v1.retrain.json",
        "v1.retrain.md",
    ], "no temporary files left"


def test_relative_paths_hold_after_the_move_to_the_work_directory(loop):
    """The retrain (and publish.sh under it) runs from the work directory: paths given relative
    to where the cycle was started must still name the same store and archive."""
    r = loop.cycle(
        EMBSUM_MODEL_VERSION="v1",
        EMBSUM_BUNDLE_STORE="store",
        EMBSUM_ARCHIVE="./archive",
        EMBSUM_WORK_DIR="work",
    )
    assert r.returncode == 0, r.stderr
    args = loop.retrain_args()
    assert (args["--bundle-store"], args["--archive"]) == (str(loop.store), str(loop.archive))
    assert loop.embsum_calls() == [release_call(loop, "v1")]
    assert loop.current() == "v1\n"


def test_a_later_run_gates_against_current(loop):
    loop.released("v1")
    (loop.store / "CURRENT").write_text("v1\n")
    r = loop.cycle(EMBSUM_MODEL_VERSION="v2", EMBSUM_BUNDLE_URI_BASE="file:///mnt/models/")
    assert r.returncode == 0, r.stderr
    assert loop.retrain_args()["--serving-bundle"] == str(loop.store / "v1")
    assert "serving model: v1" in r.stderr
    assert loop.embsum_calls() == [release_call(loop, "v2", "file:///mnt/models")]
    assert loop.current() == "v2\n"


def test_default_model_version_is_a_utc_timestamp(loop):
    r = loop.cycle(EMBSUM_VERSION_PREFIX="mind")
    assert r.returncode == 0, r.stderr
    version = loop.retrain_args()["--model-version"]
    assert re.fullmatch(r"mind-\d{8}T\d{6}Z", version)
    assert abs(
        datetime.strptime(version[5:], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        - datetime.now(timezone.utc)
    ) < timedelta(minutes=5)
    assert loop.current() == version + "\n"


def test_gate_refused_is_a_successful_run_that_changes_nothing(loop):
    loop.released("v1")
    (loop.store / "CURRENT").write_text("v1\n")
    r = loop.cycle(EMBSUM_MODEL_VERSION="v2", STUB_RETRAIN_EXIT="3")
    assert r.returncode == 0, r.stderr
    assert "GATE REFUSED v2" in r.stderr and "still serving v1" in r.stderr
    assert str(loop.store / "v2.retrain.md") in r.stderr, "the log points at the reason"
    assert loop.current() == "v1\n"
    assert loop.embsum_calls() == []
    assert not (loop.store / "v2").exists()
    assert json.loads((loop.store / "v2.retrain.json").read_text())["status"] == "gate_failed"


def test_publish_failure_fails_the_run_and_keeps_current(loop):
    loop.released("v1")
    (loop.store / "CURRENT").write_text("v1\n")
    r = loop.cycle(EMBSUM_MODEL_VERSION="v2", STUB_EMBSUM_EXIT="1")
    assert r.returncode == 1
    assert loop.embsum_calls() == [release_call(loop, "v2")]
    assert loop.current() == "v1\n"
    assert (
        "'embsum release' failed (exit 1): v2 was NOT released; CURRENT unchanged (v1)" in r.stderr
    )
    # Stored but not announced: the log says how to announce it once the cause is fixed.
    assert f"{PUBLISH} {loop.store / 'v2'}" in r.stderr
    assert not list(loop.store.glob(".CURRENT*"))


@pytest.mark.parametrize("code", ["1", "2", "137"])
def test_a_failed_retrain_passes_its_status_on(loop, code):
    r = loop.cycle(EMBSUM_MODEL_VERSION="v1", STUB_RETRAIN_EXIT=code)
    assert r.returncode == int(code)
    assert "FAILED" in r.stderr
    assert loop.current() is None and loop.embsum_calls() == []
    assert (loop.store / "v1.retrain.md").exists()


def test_rollback_republishes_the_previous_release(loop):
    loop.released("embsum-20261120T033000Z")
    loop.released("embsum-20261121T033000Z")
    (loop.store / "CURRENT").write_text("embsum-20261121T033000Z\n")
    listing = loop.publish("--list")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.splitlines()[1:] == [
        "* embsum-20261121T033000Z",
        "  embsum-20261120T033000Z",
    ]
    r = loop.publish(str(loop.store / "embsum-20261120T033000Z") + "/")
    assert r.returncode == 0, r.stderr
    assert loop.embsum_calls() == [release_call(loop, "embsum-20261120T033000Z")]
    assert loop.current() == "embsum-20261120T033000Z\n"
    assert "CURRENT: embsum-20261121T033000Z -> embsum-20261120T033000Z" in r.stdout
    # The next cycle gates against (and warm-starts from) the rolled-back model.
    loop.cycle(EMBSUM_MODEL_VERSION="v3", STUB_RETRAIN_EXIT="3")
    assert loop.retrain_args()["--serving-bundle"] == str(loop.store / "embsum-20261120T033000Z")


def test_publish_passes_release_options(loop):
    loop.released("v1")
    r = loop.publish(
        str(loop.store / "v1"),
        "v1",
        EMBSUM_RELEASE_OPTS="--kafka security.protocol=SSL --no-golden",
    )
    assert r.returncode == 0, r.stderr
    assert loop.embsum_calls() == [
        release_call(loop, "v1") + ["--kafka", "security.protocol=SSL", "--no-golden"]
    ]


@pytest.mark.parametrize(
    "env, args, message",
    [
        ({"EMBSUM_BOOTSTRAP_SERVERS": ""}, [], "EMBSUM_BOOTSTRAP_SERVERS is not set"),
        (
            {"EMBSUM_BUNDLE_STORE": "/nonexistent/store"},
            [],
            "bundle store /nonexistent/store: no such directory",
        ),
        (
            {"EMBSUM_ARCHIVE": "/nonexistent/archive"},
            [],
            "archive /nonexistent/archive: no such directory",
        ),
        ({"EMBSUM_PYTHON": "no-such-python"}, [], "python 'no-such-python' not found"),
        (
            {"EMBSUM_PUBLISH": "/nonexistent/publish.sh"},
            [],
            "publish command /nonexistent/publish.sh is not an executable",
        ),
        ({}, ["--archive", "/data"], "--archive: the archive is EMBSUM_ARCHIVE"),
        (
            {},
            ["--serving-bundle=none"],
            "--serving-bundle=none: the serving bundle is <store>/CURRENT's version",
        ),
        ({}, ["--lr", "1e-4", "--model-version", "x"], "--model-version: set EMBSUM_MODEL_VERSION"),
    ],
)
def test_cycle_refuses_bad_environment_and_arguments(loop, env, args, message):
    r = loop.cycle(*args, **env)
    assert r.returncode == 2
    assert message in r.stderr
    assert loop.python_calls() == [], "nothing runs"


@pytest.mark.parametrize(
    "content, message",
    [
        ("v9\n", "CURRENT names v9, but"),
        ("../v1\n", "holds '../v1', not a model_version"),
        ("\n", "holds '', not a model_version"),
    ],
)
def test_cycle_refuses_a_current_that_names_no_bundle(loop, content, message):
    loop.released("v1")
    (loop.store / "CURRENT").write_text(content)
    r = loop.cycle()
    assert r.returncode == 2
    assert message in r.stderr and "delete CURRENT to release from scratch" in r.stderr
    assert loop.python_calls() == []


@pytest.mark.parametrize(
    "args, env, message",
    [
        ([], {}, "name the bundle to release"),
        (["{store}/v9"], {}, "is not a bundle directory (no manifest.json). The store has:"),
        (["{tmp}/elsewhere/v1"], {}, "is not in the bundle store"),
        (["{store}/v1", "v2"], {}, "model_version 'v2' does not match the bundle directory 'v1'"),
        (["{store}/v1", "v1", "extra"], {}, "too many arguments"),
        (["--force", "{store}/v1"], {}, "unknown option '--force'"),
        (["{store}/v1"], {"EMBSUM_BOOTSTRAP_SERVERS": ""}, "EMBSUM_BOOTSTRAP_SERVERS is not set"),
        (
            ["{store}/v1"],
            {"EMBSUM_BUNDLE_URI_BASE": "s3://models"},
            "plain path or a file:/// URI only",
        ),
        (
            ["{store}/v1"],
            {"EMBSUM_CLI": "no-such-embsum"},
            "the embsum launcher 'no-such-embsum' was not found",
        ),
        (
            ["{store}/v1"],
            {"EMBSUM_BUNDLE_STORE": "/nonexistent"},
            "bundle store /nonexistent: no such directory",
        ),
    ],
)
def test_publish_refuses_bad_arguments_and_environment(loop, args, env, message):
    loop.released("v1")
    elsewhere = loop.tmp / "elsewhere" / "v1"
    elsewhere.mkdir(parents=True)
    (elsewhere / "manifest.json").write_text("{}")
    (loop.store / "CURRENT").write_text("v1\n")
    r = loop.publish(*[a.format(store=loop.store, tmp=loop.tmp) for a in args], **env)
    assert r.returncode == 2
    assert message in r.stderr
    assert loop.embsum_calls() == [] and loop.current() == "v1\n"
    if "The store has:" in message:
        assert "* v1" in r.stderr, "it lists what can be released"


def test_cronjob_arguments_reach_the_real_retrain_parser(loop, retrain):
    """The CronJob's args and the script's own flags, as the stub received them, are accepted by
    embsum_retrain's real argument handling (flags, preset, publish template, serving bundle)."""
    pytest.importorskip("torch")
    cli = pytest.importorskip("embsum_retrain.cli")
    r = loop.cycle(*retrain["args"], EMBSUM_MODEL_VERSION="embsum-20261123T033000Z")
    assert r.returncode == 0, r.stderr
    (call,) = loop.python_calls()
    settings = cli.settings_from_args(call["argv"][2:])
    assert settings.model_version == "embsum-20261123T033000Z" and settings.serving is None
    assert settings.publish_command == f"{PUBLISH} {{bundle}} {{model_version}}"
    assert settings.train.model == "small-demo"


# --- the real retrain ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_two_cycles_with_the_real_retrain(loop):
    """retrain-cycle.sh -> python -m embsum_retrain (tiny preset) -> publish.sh -> stub embsum, on an
    archive of the MIND sample: a first release, then a warm-started run the gate refuses."""
    pytest.importorskip("torch")
    pytest.importorskip("embsum_retrain")
    shutil.rmtree(loop.archive)
    sample = subprocess.run(
        [
            sys.executable,
            "-m",
            "embsum.data.archive_sample",
            "--out",
            str(loop.archive),
            "--max-impressions-per-day",
            "20",
            "--max-history",
            "8",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert sample.returncode == 0, sample.stderr
    training = ["--preset", "tiny", "--threads", "1", "--export-threads", "1", "--no-progress"]

    first = loop.cycle(*training, EMBSUM_PYTHON=sys.executable, EMBSUM_MODEL_VERSION="v1")
    assert first.returncode == 0, first.stderr
    assert loop.current() == "v1\n"
    release = json.loads((loop.store / "v1.release.json").read_text())
    (call,) = loop.embsum_calls()
    assert call == release_call(loop, "v1")
    assert call[3] == "file:///opt/embsum/bundles/" + release["model_version"]
    assert json.loads((loop.store / "v1.retrain.json").read_text())["status"] == "released"
    # The job refuses a release whose tokenizer or text contract differs from its bundle.path's
    # (the demo bundle baked into the image): a retrained bundle keeps both.
    manifest, demo = (
        json.loads((d / "manifest.json").read_text())
        for d in (loop.store / "v1", REPO / "models/demo")
    )
    assert (manifest["tokenizer"], manifest["text"]) == (demo["tokenizer"], demo["text"])

    second = loop.cycle(
        *training, "--margin", "-1", EMBSUM_PYTHON=sys.executable, EMBSUM_MODEL_VERSION="v2"
    )
    assert second.returncode == 0, second.stderr
    assert (
        "GATE REFUSED v2" in second.stderr
        and "warm start from the serving model v1" in second.stderr
    )
    assert loop.current() == "v1\n" and len(loop.embsum_calls()) == 1
    doc = json.loads((loop.store / "v2.retrain.json").read_text())
    assert doc["status"] == "gate_failed" and doc["serving"]["model_version"] == "v1"
    assert not (loop.store / "v2").exists()


# --- the image ---------------------------------------------------------------------------------------
STAGE = RETRAIN / "stage-cli.sh"


@pytest.fixture
def fake_build(tmp_path):
    """A repository copy with stage-cli.sh, built module classes and a classpath file naming this
    checkout's module jars, a project jar from ~/.m2 and two third-party jars."""
    root = tmp_path / "repo"
    script = root / "deploy" / "retrain" / "stage-cli.sh"
    script.parent.mkdir(parents=True)
    shutil.copy(STAGE, script)
    for module in ("cli", "flink-jobs", "inference-runtime", "ranker", "schemas"):
        (root / module / "target" / "classes").mkdir(parents=True)
    m2 = tmp_path / "m2" / "repository"
    third = [
        m2 / "info/picocli/picocli/4.7.7/picocli-4.7.7.jar",
        m2 / "com/microsoft/onnxruntime/onnxruntime/1.29.0/onnxruntime-1.29.0.jar",
    ]
    third += [m2 / f"org/example/lib{i}/1.0/lib{i}-1.0.jar" for i in range(10)]
    own = [
        root / "flink-jobs/target/flink-jobs-0.1.0-SNAPSHOT.jar",
        m2 / "dev/embsum/schemas/0.1.0/schemas-0.1.0.jar",
    ]
    for jar in third + own:
        jar.parent.mkdir(parents=True, exist_ok=True)
        jar.write_bytes(b"PK")
    classpath = root / "cli" / "target" / "runtime-classpath.txt"
    classpath.write_text(
        ":".join(map(str, own[:1] + third + own[1:]))
    )  # Maven writes no final newline
    return root, script, third


def test_stage_cli_copies_the_third_party_jars(fake_build):
    root, script, third = fake_build
    r = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (root / "deploy/retrain/cli-lib").iterdir()) == sorted(
        j.name for j in third
    )


def test_stage_cli_refuses_a_missing_build_or_jar(fake_build):
    root, script, third = fake_build
    third[3].unlink()
    r = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and f"names {third[3]}, which does not exist" in r.stderr
    (root / "cli/target/runtime-classpath.txt").unlink()
    r = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "mvn -B -DskipTests package" in r.stderr


def dockerfile_copies() -> list[tuple[list[str], str]]:
    out = []
    for line in (RETRAIN / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            *sources, dest = [w for w in line.split()[1:] if not w.startswith("--")]
            out.append((sources, dest))
    return out


def test_image_layout_is_the_repository_layout():
    """The image copies each path of the repository to the same relative path under /opt/embsum/app
    (the Python code and scripts/embsum find their files relative to themselves), and every source
    exists in a checkout or is a build output."""
    dockerfile = (RETRAIN / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim-bookworm$", dockerfile, re.M)
    assert "openjdk-17-jre-headless" in dockerfile
    assert "-r /opt/embsum/app/requirements.txt" in dockerfile
    assert f"PYTHONPATH={APP}/training-batch:{APP}/model-export:{APP}/retrain" in dockerfile
    copies = dockerfile_copies()
    sources = [s for srcs, _ in copies for s in srcs]
    for needed in (
        "training-batch/embsum",
        "model-export/embsum_export",
        "retrain/embsum_retrain",
        "models/t5-small-tokenizer",
        "schemas/src/main",
        "data/mind",
        "scripts/embsum",
        "cli/target/classes",
        "deploy/retrain/cli-lib/",
    ):
        assert needed in sources, f"the image lacks {needed}"
    built = (
        "cli/target/",
        "flink-jobs/target/",
        "inference-runtime/target/",
        "ranker/target/",
        "schemas/target/",
        "deploy/retrain/cli-lib",
    )
    for srcs, dest in copies:
        for src in srcs:
            assert (REPO / src).exists() or src.startswith(built), (
                f"COPY {src}: no such file in the repository"
            )
            if src == "deploy/retrain/cli-lib/":
                assert dest == "cli/lib/"
            elif len(srcs) == 1 and not dest.startswith("/"):
                assert dest == src, f"COPY {src} {dest}: not the repository's relative path"


def test_image_copies_every_module_scripts_embsum_runs():
    """scripts/embsum runs this project's modules from <module>/target/classes and stage-cli.sh
    leaves their jars out of cli-lib/, so a module the image does not copy (or stage-cli.sh does
    not require) would fail only inside the image, with a NoClassDefFoundError."""
    modules = set(
        re.findall(r"\$root/([\w-]+)/target/classes", (REPO / "scripts" / "embsum").read_text())
    )
    assert {"cli", "flink-jobs", "inference-runtime", "ranker", "schemas"} <= modules
    copied = {
        src.split("/")[0]
        for srcs, _ in dockerfile_copies()
        for src in srcs
        if src.endswith("/target/classes")
    }
    assert copied == modules
    required = re.search(r"^for module in ([\w -]+); do$", STAGE.read_text(), re.M).group(1).split()
    assert set(required) == modules


def test_build_context_holds_what_the_image_copies():
    """Dockerfile.dockerignore excludes everything, then lets in exactly the COPY sources."""
    lines = [
        l.strip()
        for l in (RETRAIN / "Dockerfile.dockerignore").read_text().splitlines()
        if l.strip() and not l.startswith("#")
    ]
    assert lines[0] == "*"
    allowed = {l[1:].rstrip("/") for l in lines if l.startswith("!")}
    sources = {s.rstrip("/") for srcs, _ in dockerfile_copies() for s in srcs}
    assert allowed == sources
