"""A training run's moving parts (`Run`: model, AdamW, schedule, state, metrics log) and what
every stage of the loop may do with them: save a checkpoint, evaluate on dev. Also the two
checkpoint reads: `resume_or_seed` (last.pt, --resume) and `evaluate_best` (best.pt, scored on
the test split at the end)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from embsum.model import EmbSum
from embsum.train import distributed as du
from embsum.train.config import ConfigError, TrainConfig
from embsum.train.data import RunData
from embsum.train.evaluate import evaluate
from embsum.train.metrics_log import MetricsLog
from embsum.train.optim import build_optimizer, build_scheduler
from embsum.train.plan import Plan, Steps
from embsum.train.seeding import rng_state, seed_everything, set_rng_state
from embsum.train.state import TrainState, read_train_checkpoint, save_train_checkpoint


class Run:
    def __init__(
        self,
        cfg: TrainConfig,
        env: du.DistEnv,
        plan: Plan,
        steps: Steps,
        data: RunData,
        model: EmbSum,
    ) -> None:
        self.cfg, self.env, self.plan, self.steps, self.data = cfg, env, plan, steps, data
        self.raw_model = model  # the EmbSum (what is saved and evaluated)
        self.model: torch.nn.Module = model  # what trains: the EmbSum, or DDP around it
        self.optimizer = build_optimizer(
            model, cfg.lr, cfg.weight_decay, (cfg.beta1, cfg.beta2), cfg.eps
        )
        self.scheduler = build_scheduler(
            self.optimizer, steps.total, steps.warmup, cfg.schedule, cfg.min_lr_ratio
        )
        self.state = TrainState()
        self.log = MetricsLog(plan.out_dir / "metrics.jsonl", enabled=env.is_main)
        self.last_eval: dict[str, Any] | None = None
        self.bar: tqdm | None = None

    def save(self, path: Path, eval_metrics: dict | None = None) -> None:
        rngs = du.gather_objects(rng_state(), self.env)  # collective: every rank calls it
        if self.env.is_main:
            save_train_checkpoint(
                path,
                self.raw_model,
                self.optimizer,
                self.scheduler,
                self.state,
                self.cfg.to_dict(),
                rngs,
                eval_metrics,
            )

    def evaluate_model(self, model: EmbSum, batches: Any) -> dict[str, Any]:
        """`model`'s metrics on `batches` with this run's evaluation settings."""
        return evaluate(
            model,
            batches,
            device=self.plan.device,
            global_mode=self.cfg.eval_global,
            rouge_users=self.cfg.rouge_users,
            env=self.env,
            autocast=self.plan.amp,
        )

    def evaluate_dev(self, epoch_1based: int) -> dict[str, Any] | None:
        """Dev metrics -> an `eval` record; best.pt on a new best AUC. None without a dev set."""
        state = self.state
        if self.data.dev is None:
            return None
        m = self.evaluate_model(self.raw_model, self.data.dev)
        state.eval_seconds += m["seconds"]
        state.last_eval_step = state.step
        auc = m["auc"]
        is_best = auc is not None and not math.isnan(auc) and auc > state.best_auc
        if is_best:
            state.best_auc, state.best_step, state.best_epoch = auc, state.step, epoch_1based
        self.log.write(
            "eval",
            split="dev",
            step=state.step,
            epoch=epoch_1based,
            is_best=is_best,
            **{k: v for k, v in m.items()},
        )
        if is_best:
            self.save(self.plan.best_path, m)
        self.last_eval = m
        return m


def resume_or_seed(run: Run) -> None:
    """With --resume: weights, optimizer, scheduler, position and RNG from the checkpoint;
    otherwise seed the dropout streams (they differ per rank)."""
    cfg, env = run.cfg, run.env
    if run.plan.resume_path is None:
        seed_everything(cfg.seed + 1 + env.rank)
        return
    payload = read_train_checkpoint(run.plan.resume_path)
    extra = payload["extra"]
    diffs = cfg.resume_mismatches(extra["train_config"])
    if diffs:
        raise ConfigError(
            "cannot resume: these settings differ from the checkpoint's (they change what "
            "its numbers mean):\n  "
            + "\n  ".join(diffs)
            + "\nResume with the original flags (the 'run' record of metrics.jsonl lists "
            "them), or start a new run in another --output-dir"
        )
    run.raw_model.load_state_dict(payload["state_dict"])
    run.optimizer.load_state_dict(payload["optimizer"])
    run.scheduler.load_state_dict(extra["scheduler"])
    run.state = TrainState.from_dict(extra["state"])
    rngs = extra["rng"]
    if len(rngs) == env.world_size:
        set_rng_state(rngs[env.rank])
    else:
        seed_everything(cfg.seed + 1 + env.rank + 7919 * run.state.step)
    run.log.truncate_after(run.state.step)


def evaluate_best(run: Run) -> dict[str, Any]:
    """Test metrics of best.pt -> an `eval` record of split test."""
    # best.pt is read back by every rank (multi-node runs need --output-dir on a shared filesystem)
    du.barrier(run.env)
    best = read_train_checkpoint(run.plan.best_path)
    best_model = EmbSum.load_checkpoint(run.plan.best_path).to(run.plan.device)
    test = run.evaluate_model(best_model, run.data.test)
    run.log.write(
        "eval", split="test", step=best["step"], epoch=run.state.best_epoch, is_best=False, **test
    )
    return test
