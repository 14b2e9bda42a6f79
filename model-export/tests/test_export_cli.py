"""Command-line errors say what is wrong and how to fix it (exit code 2)."""

from __future__ import annotations

import json

import pytest

from embsum_export.cli import main as cli_main


def fails(argv, capsys, *needles):
    with pytest.raises(SystemExit) as e:
        cli_main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    for n in needles:
        assert n in err, err
    return err


def test_needs_exactly_one_model_source(tmp_path, checkpoint, capsys):
    base = ["export", "--out", str(tmp_path), "--model-version", "v1"]
    fails(base, capsys, "exactly one model source", "--checkpoint CKPT", "--random-init PRESET")
    fails(
        base + ["--random-init", "tiny", "--checkpoint", str(checkpoint)],
        capsys,
        "exactly one model source",
    )


def test_bad_values(tmp_path, checkpoint, capsys):
    base = ["export", "--out", str(tmp_path)]
    fails(
        base + ["--random-init", "tiny", "--model-version", "../v1"],
        capsys,
        "--model-version",
        "e.g.",
    )
    fails(
        base + ["--random-init", "huge", "--model-version", "v1"],
        capsys,
        "not a preset",
        "small-demo",
    )
    fails(
        base + ["--checkpoint", str(tmp_path / "no.pt"), "--model-version", "v1"],
        capsys,
        "no such file",
    )
    fails(
        base + ["--random-init", "tiny", "--model-version", "v1", "--teacher-kind", "llm"],
        capsys,
        "untrained",
    )
    fails(
        base + ["--checkpoint", str(checkpoint), "--model-version", "v1"], capsys, "--teacher-kind"
    )
    llm_checkpoint = base + [
        "--checkpoint",
        str(checkpoint),
        "--model-version",
        "v1",
        "--teacher-kind",
        "llm",
    ]
    fails(llm_checkpoint + ["--m", "3"], capsys, "--random-init only")
    bad = tmp_path / "metrics.json"
    bad.write_text("[1, 2]")
    fails(llm_checkpoint + ["--metrics", str(bad)], capsys, "JSON object")
    bad.write_text("{oops")
    fails(llm_checkpoint + ["--metrics", str(bad)], capsys, "not valid JSON")
    fails(
        base + ["--random-init", "tiny", "--model-version", "v1", "--threads", "0"],
        capsys,
        "--threads",
    )
    fails(["verify"], capsys, "BUNDLE")
    fails(["verify", "x", "--manifest-sha256", "abc"], capsys, "64 hex digits")
    fails(["frobnicate"], capsys, "invalid choice")


def test_existing_bundle_is_not_overwritten(bundle, capsys):
    rc = cli_main(
        [
            "export",
            "--random-init",
            "tiny",
            "--out",
            str(bundle.parent),
            "--model-version",
            bundle.name,
        ]
    )
    assert rc == 2
    assert "already exists" in capsys.readouterr().err and json.loads(
        (bundle / "manifest.json").read_text()
    )


def test_verify_json_report(bundle, capsys):
    assert cli_main(["verify", str(bundle), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model_version"] == bundle.name and report["files_checked"] == 13


def test_trainer_checkpoint_metadata_is_taken_not_invented():
    from embsum_export.cli import checkpoint_metadata

    extra = {
        "kind": "embsum-train-state/1",
        "train_config": {"dataset": "mind", "teacher": "llm", "epochs": 2},
        "state": {"step": 120, "epoch": 2, "best_auc": float("-inf"), "epoch_sums": {"loss": 1.0}},
        "eval": {"auc": 0.61, "mrr": 0.27},
    }
    meta = checkpoint_metadata(extra)
    assert meta["teacher_kind"] == "llm"
    assert meta["metrics"] == {"auc": 0.61, "mrr": 0.27}
    assert meta["training_data"] == {
        "train_config": extra["train_config"],
        "checkpoint_kind": "embsum-train-state/1",
        "state": {"step": 120, "epoch": 2, "best_auc": None},
    }
    explicit = checkpoint_metadata(
        {"teacher_kind": "template", "training_data": {"rows": 5}, "metrics": {}}
    )
    assert explicit == {"teacher_kind": "template", "training_data": {"rows": 5}, "metrics": {}}
    assert checkpoint_metadata({}) == {"teacher_kind": None, "training_data": {}, "metrics": {}}
