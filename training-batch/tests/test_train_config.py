"""TrainConfig validation, effective-batch arithmetic and the CLI's error messages."""

import json
import os
import subprocess
import sys

import pytest

from embsum.train import ConfigError, TrainConfig
from embsum.train.cli import main, parse_config
from embsum.train.config import schedule_warmup


def test_defaults_follow_the_paper():
    cfg = TrainConfig()
    assert (cfg.lr, cfg.batch_size, cfg.epochs, cfg.m, cfg.n, cfg.lambda_sum) == (
        5e-4,
        128,
        10,
        32,
        4,
        0.05,
    )
    assert cfg.resolve_batch(1) == (16, 8, 128)  # micro 16 x accum 8 x 1 process
    assert cfg.resolve_batch(4) == (16, 2, 128)  # torchrun with 4 processes: accum 2
    assert cfg.resolve_batch(8) == (16, 1, 128)
    assert (
        cfg.model_config().neg_ratio == 4
        and TrainConfig(dataset="goodreads").model_config().neg_ratio == 2
    )


@pytest.mark.parametrize(
    "kw, world, expected",
    [
        (dict(batch_size=128, micro_batch_size=None, grad_accum=4), 1, (32, 4, 128)),
        (dict(batch_size=128, micro_batch_size=None, grad_accum=None), 2, (64, 1, 128)),
        (dict(batch_size=None, micro_batch_size=8, grad_accum=3), 2, (8, 3, 48)),
        (dict(batch_size=64, micro_batch_size=8, grad_accum=4), 2, (8, 4, 64)),
    ],
)
def test_batch_arithmetic(kw, world, expected):
    mb, acc, b = TrainConfig(**kw).resolve_batch(world)
    assert (mb, acc, b) == expected and mb * acc * world == b


@pytest.mark.parametrize(
    "kw, world, needle",
    [
        (
            dict(batch_size=128, micro_batch_size=16, grad_accum=4),
            1,
            "= 64, but --batch-size is 128",
        ),
        (dict(batch_size=100, micro_batch_size=16), 1, "not divisible by --micro-batch-size 16"),
        (dict(batch_size=128, micro_batch_size=16), 3, "use --batch-size 96 or 144"),
        (dict(batch_size=128, micro_batch_size=None, grad_accum=3), 1, "--grad-accum 3"),
    ],
)
def test_inconsistent_batches_are_explained(kw, world, needle):
    with pytest.raises(ConfigError) as e:
        TrainConfig(**kw).resolve_batch(world)
    assert needle in str(e.value)
    assert "effective batch" in str(e.value) or "--grad-accum among" in str(e.value)


@pytest.mark.parametrize(
    "kw, needle",
    [
        (dict(lr=0), "--lr must be > 0"),
        (dict(teacher="none"), "pass --lambda-sum 0"),
        (dict(epochs=0), "--epochs must be >= 1"),
        (dict(schedule="step"), "--schedule must be one of cosine, linear, constant"),
        (dict(batch_size=None, micro_batch_size=None), "set --batch-size or --micro-batch-size"),
    ],
)
def test_invalid_settings(kw, needle):
    with pytest.raises(ConfigError, match=needle.replace("(", r"\(")):
        TrainConfig(**kw)


def test_warmup_length():
    assert schedule_warmup(TrainConfig(), 1000) == 50  # 5 % by default
    assert schedule_warmup(TrainConfig(warmup_steps=7), 1000) == 7
    assert schedule_warmup(TrainConfig(warmup_steps=70), 10) == 10


def test_cli_derives_the_missing_batch_flag():
    cfg, _ = parse_config(["--grad-accum", "4"])
    assert cfg.resolve_batch(1) == (32, 4, 128)
    cfg, _ = parse_config(["--micro-batch-size", "8", "--grad-accum", "2"])
    assert cfg.batch_size is None and cfg.resolve_batch(2) == (8, 2, 32)
    cfg, _ = parse_config(["--model", "tiny", "--no-use-cpe", "--max-steps", "none", "--resume"])
    assert (cfg.model, cfg.use_cpe, cfg.max_steps, cfg.resume) == ("tiny", False, None, "last")


@pytest.mark.parametrize(
    "argv, needle",
    [
        (
            ["--batch-size", "100", "--micro-batch-size", "16", "--grad-accum", "4"],
            "--micro-batch-size 16 x --grad-accum 4 x world size 1 = 64, but --batch-size is 100",
        ),
        (["--lr", "-1"], "--lr must be > 0, got -1.0"),
        (["--max-steps", "abc"], "argument --max-steps: 'abc' is not an integer"),
        (["--dataset", "imdb"], "argument --dataset: invalid choice: 'imdb'"),
        (["--teacher", "none"], "pass --lambda-sum 0"),
        (["--epoch", "3"], "unrecognized arguments: --epoch 3"),
    ],
)
def test_cli_errors_say_what_and_how(argv, needle, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert needle in err, err
    assert err.count("\n") <= 3  # a short usage line, not the whole --help


def test_cli_world_size_from_torchrun_env(capsys, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "3")
    with pytest.raises(SystemExit):
        main([])
    assert "cannot be split over world size 3" in capsys.readouterr().err
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert main(["--dry-run"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["micro_batch_size"], out["grad_accum"], out["world_size"]) == (16, 4, 2)


def test_cli_refuses_to_overwrite_a_run(tmp_path, capsys):
    (tmp_path / "metrics.jsonl").write_text("")
    rc = main(
        [
            "--dataset",
            "synthetic",
            "--model",
            "tiny",
            "--output-dir",
            str(tmp_path),
            "--num-workers",
            "0",
        ]
    )
    assert rc == 2
    assert "already holds a run" in capsys.readouterr().err


def test_module_help_runs():
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    out = subprocess.run(
        [sys.executable, "-m", "embsum.train", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0
    for flag in (
        "--micro-batch-size",
        "--grad-accum",
        "--resume",
        "--eval-every",
        "--precision",
        "torchrun",
    ):
        assert flag in out.stdout
