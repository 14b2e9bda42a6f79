"""DDP: `torchrun --nproc_per_node=2 -m embsum.train` on CPU (gloo), tiny model, a few steps.

Both ranks must end with identical parameters (the `end` record holds one checksum per rank),
and the run must equal single-process training on the same global batch (micro 4 x 2 ranks vs
micro 4 x accum 2): the sharded order gives each optimizer step the same 8 examples.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from embsum.model import EmbSum
from embsum.train import read_train_checkpoint, train
from embsum.train.seeding import seed_everything
from model_fixtures import one_torch_thread  # noqa: F401  (autouse fixture)
from train_fixtures import records, tiny_cfg

ARGS = [
    "--dataset",
    "synthetic",
    "--model",
    "tiny",
    "--upe-codes",
    "4",
    "--cpe-codes",
    "3",
    "--max-summary-tokens",
    "8",
    "--synthetic-examples",
    "32",
    "--batch-size",
    "8",
    "--micro-batch-size",
    "4",
    "--epochs",
    "2",
    "--lr",
    "5e-3",
    "--warmup-steps",
    "1",
    "--num-workers",
    "0",
    "--rouge-users",
    "0",
    "--no-test-at-end",
    "--eval-batch-size",
    "16",
    "--device",
    "cpu",
    "--no-progress",
]


def _torchrun() -> list[str]:
    exe = Path(sys.executable).with_name("torchrun")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "torch.distributed.run"]


@pytest.mark.slow
def test_two_process_gloo_equals_single_process(tmp_path):
    if not torch.distributed.is_gloo_available():
        pytest.skip("this torch build has no gloo backend")
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(k, None)
    proc = subprocess.run(
        _torchrun()
        + [
            "--standalone",
            "--nproc_per_node=2",
            "-m",
            "embsum.train",
            *ARGS,
            "--output-dir",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    run = records(out, "run")[0]
    assert (run["world_size"], run["micro_batch_size"], run["grad_accum"], run["batch_size"]) == (
        2,
        4,
        1,
        8,
    )
    assert run["steps_per_epoch"] == 4
    end = records(out, "end")[0]
    a, b = end["param_checksums"]
    assert a == b  # ranks hold identical parameters
    assert len(records(out, "train")) == 8  # only rank 0 wrote

    single = train(tiny_cfg(tmp_path / "single", epochs=2))  # micro 4 x accum 2 x 1 process
    assert single.state.step == 8
    # Same updates up to float summation order (DDP averages 2 rank gradients; one process adds 2
    # weighted micro-batch gradients). Adam divides by sqrt(v), which magnifies that noise on
    # coordinates whose gradients are ~0, so compare the *updates* relative to their size.
    ddp_last = read_train_checkpoint(out / "last.pt")["state_dict"]
    seed_everything(0)
    init = EmbSum(tiny_cfg(tmp_path).model_config()).state_dict()
    num = den = 0.0
    for name, p in single.model.state_dict().items():
        d_one, d_ddp = p - init[name], ddp_last[name] - init[name]
        assert d_one.norm() > 0, name  # every tensor was trained
        rel = ((d_ddp - d_one).norm() / d_one.norm()).item()
        assert rel < 1e-2, (name, rel)
        num, den = num + (d_ddp - d_one).norm().item() ** 2, den + d_one.norm().item() ** 2
    assert (num / den) ** 0.5 < 1e-3
    ddp_loss = [r["loss"] for r in records(out, "train")]
    one_loss = [r["loss"] for r in records(tmp_path / "single", "train")]
    assert ddp_loss == pytest.approx(one_loss, rel=1e-4)
    # sharded dev evaluation (4 + 4 impressions, all-reduced) = single-process evaluation
    d_ddp, d_one = records(out, "eval", "dev"), records(tmp_path / "single", "eval", "dev")
    assert [d["impressions"] for d in d_ddp] == [8, 8]
    for x, y in zip(d_ddp, d_one):
        assert x["auc"] == pytest.approx(y["auc"], abs=1e-6) and x["mrr"] == pytest.approx(
            y["mrr"], abs=1e-6
        )
