"""`python -m embsum_retrain` end to end on an archive of the MIND sample (tiny preset, 4 steps):
a first release (verified bundle + checkpoint + ModelRelease in the store, publish hook run), a
warm-started retrain the gate refuses (nothing stored), one it accepts; and the errors that stop a
retrain before any work."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import pytest

from archive_fixtures import sample_archive
from embsum.digest import sha256_file
from embsum.text.paths import REPO_ROOT
from embsum.wire.plain_json import from_plain_json
from embsum.wire.single_object import decode, encode
from embsum_export.bundle_reader import manifest_sha256
from embsum_export.verify import verify_bundle
from embsum_retrain.cli import EXIT_BAD, EXIT_GATE, EXIT_RELEASED, main
from embsum_retrain.pipeline import default_model_version
from embsum_retrain.release import PublishError, check_template, model_release, publish
from embsum_retrain.store import StoreError, serving_model
from model_fixtures import one_torch_thread  # noqa: F401  (autouse fixture)
from train_fixtures import records

STAGES = ["data", "train", "gate", "export", "verify", "store", "publish"]


def run(archive, root, version, serving, *extra, work=None):
    return main(
        [
            "--archive",
            str(archive),
            "--bundle-store",
            str(root / "store"),
            "--work-dir",
            str(root / (work or version)),
            "--model-version",
            version,
            "--serving-bundle",
            serving,
            "--preset",
            "tiny",
            "--threads",
            "1",
            "--export-threads",
            "1",
            "--teacher-cache",
            str(root / "teacher"),
            "--cache-dir",
            str(root / "tok"),
            "--no-progress",
            *extra,
        ]
    )


def report(root, version):
    return json.loads((root / version / "retrain.json").read_text())


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return sample_archive(tmp_path_factory.mktemp("archive") / "a")


@pytest.fixture(scope="module")
def first(archive, tmp_path_factory):
    """The first release: nothing served yet, trained from scratch, published by a hook that
    writes its arguments to a file."""
    root = tmp_path_factory.mktemp("retrain")
    hook = root / "published.txt"
    code = "import sys; open(sys.argv[1], 'w').write(' '.join(sys.argv[2:]))"
    rc = run(
        archive,
        root,
        "v1",
        "none",
        "--publish-command",
        f'{sys.executable} -c "{code}" {hook} {{bundle}} {{model_version}} {{bundle_sha256}}',
    )
    return rc, root


@pytest.mark.slow
def test_first_release_is_verified_stored_and_announced(first):
    rc, root = first
    assert rc == EXIT_RELEASED
    store = root / "store"
    assert sorted(p.name for p in store.iterdir()) == ["v1", "v1.checkpoint.pt", "v1.release.json"]
    checked = verify_bundle(store / "v1", threads=1)
    assert checked.model_version == "v1" and not checked.untrained
    manifest = json.loads((store / "v1" / "manifest.json").read_text())
    ckpt = manifest["training"]["checkpoint"]
    assert ckpt == {
        "file": "v1.checkpoint.pt",
        "sha256": sha256_file(store / "v1.checkpoint.pt"),
        "step": 4,
    }
    doc = report(root, "v1")
    assert doc["status"] == "released" and doc["gate"]["passed"] and doc["serving"] is None
    assert "no serving model" in doc["gate"]["reason"]
    assert manifest["training"]["metrics"]["auc"] == doc["gate"]["candidate"]["auc"]
    assert manifest["training"]["data"]["dev_days"] == ["2019-11-14"]
    assert [s["name"] for s in doc["stages"]] == STAGES and all(
        s["seconds"] > 0 for s in doc["stages"]
    )
    assert doc["total_seconds"] == pytest.approx(sum(s["seconds"] for s in doc["stages"]), abs=0.01)
    # the ModelRelease: a valid record naming the stored bundle and its manifest's sha256
    release = json.loads((store / "v1.release.json").read_text())
    assert release == json.loads((root / "v1" / "release.json").read_text()) == doc["release"]
    assert release["bundle_uri"] == (store / "v1").resolve().as_uri()
    assert release["bundle_sha256"] == manifest_sha256(store / "v1") == checked.manifest_sha256
    assert decode("ModelRelease", encode("ModelRelease", from_plain_json("ModelRelease", release)))
    assert abs(release["released_at"] / 1000 - datetime.now(timezone.utc).timestamp()) < 600
    assert (
        root / "published.txt"
    ).read_text() == f"{(store / 'v1').resolve()} v1 {release['bundle_sha256']}"
    md = (root / "v1" / "retrain.md").read_text()
    assert "**RELEASED**" in md and "| export |" in md and "dev day 2019-11-14" in md


@pytest.mark.slow
def test_gate_failure_stores_nothing_and_says_why(first, archive):
    """Warm start from the serving model (the default), then a margin no model can meet."""
    _, root = first
    assert run(archive, root, "v2", str(root / "store" / "v1"), "--margin", "-1") == EXIT_GATE
    assert not any(p.name.startswith("v2") for p in (root / "store").iterdir())
    assert not (root / "v2" / "bundle").exists() and not (root / "v2" / "v2.checkpoint.pt").exists()
    doc = report(root, "v2")
    assert doc["status"] == "gate_failed" and not doc["gate"]["passed"]
    assert "< serving AUC" in doc["gate"]["reason"] and "margin -1" in doc["gate"]["reason"]
    assert doc["gate"]["candidate"]["impressions"] == doc["gate"]["serving"]["impressions"] > 0
    assert doc["serving"]["model_version"] == "v1"
    assert [s["name"] for s in doc["stages"]] == ["data", "train", "gate"]
    assert "**NOT RELEASED**" in (root / "v2" / "retrain.md").read_text()
    run_record = records(root / "v2" / "train", "run")[0]
    assert run_record["init_from"]["sha256"] == sha256_file(root / "store" / "v1.checkpoint.pt")


@pytest.mark.slow
def test_warm_started_release_passes_the_gate(first, archive):
    _, root = first
    assert run(archive, root, "v3", str(root / "store" / "v1"), "--margin", "1") == EXIT_RELEASED
    doc = report(root, "v3")
    assert doc["gate"]["passed"] and doc["gate"]["serving_auc"] == pytest.approx(
        report(root, "v1")["gate"]["candidate_auc"]
    )
    manifest = json.loads((root / "store" / "v3" / "manifest.json").read_text())
    assert manifest["training"]["data"]["warm_start"]["from"] == "serving"
    assert manifest["training"]["data"]["serving_model_version"] == "v1"
    assert [s["name"] for s in doc["stages"]] == STAGES[:-1]  # no --publish-command


@pytest.mark.slow
def test_a_taken_model_version_is_refused_before_any_work(first, archive, capsys):
    _, root = first
    assert run(archive, root, "v1", "none", work="again") == EXIT_BAD
    assert "model_version 'v1' is taken" in capsys.readouterr().err
    assert not (root / "again").exists()
    assert run(archive, root, "v9", "none", work="v1") == EXIT_BAD  # a used work directory
    assert "already holds a retrain run" in capsys.readouterr().err
    assert report(root, "v1")["status"] == "released"  # its report untouched


def test_serving_bundle_without_its_checkpoint(tmp_path):
    demo = REPO_ROOT / "models" / "demo"
    with pytest.raises(
        StoreError, match="was exported from best.pt .* not beside it.*--serving-checkpoint"
    ):
        serving_model(demo)
    other = tmp_path / "other.pt"
    other.write_bytes(b"not the demo's weights")
    with pytest.raises(
        StoreError, match="is not the checkpoint serving bundle .* was exported from"
    ):
        serving_model(demo, other)
    with pytest.raises(StoreError, match="no such bundle|not a model bundle"):
        serving_model(tmp_path / "missing")


def test_arguments_checked_before_any_work(tmp_path, capsys):
    base = ["--archive", str(tmp_path), "--bundle-store", str(tmp_path / "s")]
    with pytest.raises(SystemExit) as e:
        main(base + ["--serving-bundle", "none", "--init-from", "serving"])
    assert (
        e.value.code == 2 and "--init-from serving needs a serving model" in capsys.readouterr().err
    )
    with pytest.raises(SystemExit):
        main(base + ["--serving-bundle", "none", "--publish-command", "x {bundel}"])
    assert "unknown or malformed placeholder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(base + ["--serving-bundle", "none", "--model-version", "bad/version"])
    assert "model version 'bad/version'" in capsys.readouterr().err


def test_publish_hook(tmp_path):
    assert check_template("cmd {bundle} '{model_version} x'") == [
        "cmd",
        "{bundle}",
        "{model_version} x",
    ]
    done = publish(
        f"{sys.executable} -c \"import sys; print(sys.argv[1:])\" {{bundle}} '{{model_version}}'",
        {
            "bundle": "/a b/c",
            "model_version": "v 1",
            "bundle_sha256": "",
            "bundle_uri": "",
            "release_json": "",
        },
    )
    assert done.stdout.strip() == "['/a b/c', 'v 1']"  # placeholders filled after splitting
    with pytest.raises(PublishError, match="exited with 3:\n.*boom"):
        publish(
            f"{sys.executable} -c \"import sys; print('boom'); sys.exit(3)\"",
            {
                k: ""
                for k in ("bundle", "model_version", "bundle_sha256", "bundle_uri", "release_json")
            },
        )


def test_model_release_and_version_names(tmp_path):
    at = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
    r = model_release("m-1", tmp_path / "m-1", "ab" * 32, at)
    assert r == {
        "model_version": "m-1",
        "bundle_uri": (tmp_path / "m-1").resolve().as_uri(),
        "bundle_sha256": "ab" * 32,
        "released_at": 1772366400000,
    }
    assert default_model_version("embsum", at) == "embsum-20260301T120000Z"
