"""Warm start (`--init-from`): a new run starts from a checkpoint's weights, fresh optimizer."""

from __future__ import annotations

import pytest
import torch

from embsum.digest import sha256_file
from embsum.model import EmbSum, EmbSumConfig, save_checkpoint
from embsum.train import ConfigError, train
from embsum.train.cli import parse_config
from embsum.train.warm_start import load_init_weights
from model_fixtures import one_torch_thread  # noqa: F401  (autouse fixture)
from train_fixtures import records, tiny_cfg


def tiny(seed: int, **kw) -> EmbSum:
    torch.manual_seed(seed)
    return EmbSum(
        EmbSumConfig(**{"backbone": "tiny", "m": 4, "n": 3, "max_summary_tokens": 8, **kw})
    )


def test_loads_every_tensor(tmp_path):
    src, dst = tiny(1), tiny(2)
    path = tmp_path / "src.pt"
    save_checkpoint(src, path, step=7)
    assert not torch.equal(src.state_dict()["upe.codes"], dst.state_dict()["upe.codes"])
    info = load_init_weights(dst, path)
    a, b = src.state_dict(), dst.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert (
        info["step"] == 7 and info["sha256"] == sha256_file(path) and info["model_config"]["m"] == 4
    )


def test_shape_mismatch_is_a_clear_error(tmp_path):
    path = tmp_path / "m4.pt"
    save_checkpoint(tiny(1), path)
    with pytest.raises(ConfigError) as e:
        load_init_weights(tiny(2, m=2), path)
    msg = str(e.value)
    assert "do not fit this run's model" in msg and "differ in shape" in msg
    assert (
        "`--model tiny --upe-codes 4 --cpe-codes 3`" in msg
        and "`--model tiny --upe-codes 2 --cpe-codes 3`" in msg
    )
    with pytest.raises(ConfigError, match="not in the checkpoint|not in the model"):
        load_init_weights(tiny(2, use_cpe=False), path)


def test_missing_or_foreign_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_init_weights(tiny(0), tmp_path / "nope.pt")
    junk = tmp_path / "junk.pt"
    torch.save({"weights": torch.zeros(2)}, junk)
    with pytest.raises(ConfigError, match="cannot read it as an EmbSum checkpoint"):
        load_init_weights(tiny(0), junk)


def test_the_loop_starts_from_the_checkpoint(tmp_path):
    """One step with a vanishing learning rate: the trained weights are the checkpoint's (and not
    the seed's own init), and the run record names the checkpoint."""
    src = tiny(5)
    path = tmp_path / "init.pt"
    save_checkpoint(src, path)
    cfg = tiny_cfg(
        tmp_path / "run",
        init_from=str(path),
        lr=1e-12,
        warmup_steps=0,
        max_steps=1,
        epochs=1,
        eval_each_epoch=False,
        test_at_end=False,
    )
    result = train(cfg)
    got, want = result.model.state_dict(), src.state_dict()
    assert all(torch.allclose(got[k], want[k], atol=1e-8) for k in want)
    assert not torch.allclose(got["upe.codes"], tiny(cfg.seed).state_dict()["upe.codes"], atol=1e-3)
    run = records(tmp_path / "run", "run")[0]
    assert run["init_from"] == {"path": str(path), "sha256": sha256_file(path), "step": None}


def test_cli_flag_and_archive_dataset_flags():
    cfg, _ = parse_config(["--init-from", "x.pt", "--dataset", "archive", "--data-dir", "arch"])
    assert cfg.init_from == "x.pt" and cfg.dataset == "archive" and cfg.data_dir == "arch"
    with pytest.raises(SystemExit):
        parse_config(["--dataset", "archive"])
