"""EmbSum trainer (docs/training.md): config, CLI, training loop, evaluation, DDP.

    from embsum.train import TrainConfig, train
    result = train(TrainConfig(dataset="mind", model="small-demo", output_dir="runs/demo"))

Modules, one concept each: config (TrainConfig), batch_arithmetic (micro x accum x world),
errors (ConfigError), cli (`python -m embsum.train`), loop (the run, top to bottom), plan
(device, precision, paths, step count), run (the run's optimizer, state and log; save, evaluate,
resume), gradients (one optimizer step's forward/backward), batches (rank-sharded deterministic
order), data (embsum.data + embsum.teacher wiring), evaluate (AUC/MRR/nDCG + ROUGE), optim
(AdamW, schedule), state (checkpoints), seeding (RNG), distributed (torchrun), metrics_log
(metrics.jsonl), synthetic (a made-up dataset for tests and benchmarks).
"""

from embsum.train.batches import (
    EvalSource,
    LoaderSource,
    ShardedEpochSampler,
    TrainSource,
    epoch_order,
)
from embsum.train.config import ConfigError, TrainConfig
from embsum.train.data import RunData, build_run_data
from embsum.train.evaluate import evaluate, select_users
from embsum.train.gradients import StepLoss, accumulate_gradients, impression_rows
from embsum.train.loop import TrainResult, train
from embsum.train.metrics_log import MetricsLog, check_record, read_metrics
from embsum.train.optim import build_optimizer, build_scheduler, lr_factor
from embsum.train.state import TrainState, read_train_checkpoint

__all__ = [
    "ConfigError",
    "EvalSource",
    "LoaderSource",
    "MetricsLog",
    "RunData",
    "ShardedEpochSampler",
    "StepLoss",
    "TrainConfig",
    "TrainResult",
    "TrainSource",
    "TrainState",
    "accumulate_gradients",
    "build_optimizer",
    "build_run_data",
    "build_scheduler",
    "check_record",
    "epoch_order",
    "evaluate",
    "impression_rows",
    "lr_factor",
    "read_metrics",
    "read_train_checkpoint",
    "select_users",
    "train",
]
