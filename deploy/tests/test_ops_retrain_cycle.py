"""deploy/retrain/retrain-cycle.sh and publish.sh against a stub `python` and a stub `embsum` on
PATH (retrain_fixtures.Loop), and once against the real `python -m embsum_retrain`."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from ops_fixtures import REPO, k8s_docs, one
from retrain_fixtures import PUBLISH, Loop


@pytest.fixture
def loop(tmp_path):
    return Loop(tmp_path)


@pytest.fixture(scope="module")
def retrain():
    """The CronJob's retrain container (test_ops_retrain.py checks the manifest itself)."""
    cronjob = one(k8s_docs()["retrain-cronjob.yaml"], "CronJob")
    (container,) = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    return container


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
