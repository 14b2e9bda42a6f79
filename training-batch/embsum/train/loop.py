"""The EmbSum training run, top to bottom (docs/training.md).

    train(TrainConfig(...))                       # what `python -m embsum.train` calls
    train(cfg, data=RunData(...))                  # the same loop over batches you provide

`_train` reads top to bottom as the stages below, one function each:

1. `make_plan` (plan.py): process group (torchrun) + device + precision; batch arithmetic
   (micro x accum x world); refuse an output directory that already holds a run
2. `_build_model`: seed, model (same init on every rank; or the weights of --init-from, a warm
   start); data (rank-sharded, deterministic per epoch); `count_steps` (plan.py)
3. `Run` (run.py): AdamW + warmup/decay schedule, state, metrics log; `resume_or_seed`: resume
   from last.pt (weights, optimizer, scheduler, position, RNG) if asked; `_distribute` (DDP);
   `_log_run_record`
4. `_train_epochs` -> `_train_epoch` -> `_optimizer_step`: `grad_accum` micro-batches (DDP syncs
   on the last one only; `accumulate_gradients`, gradients.py), each weighted by its share of
   the step's impressions; clip; step; `_record_step` logs a `train` record
5. `Run.evaluate_dev` every `eval_every` steps and at each epoch end (`_end_epoch`) -> `eval`
   record, best.pt on a new best dev AUC; last.pt at each epoch end (and every `save_every`
   steps, and on stop)
6. `_finish`: test metrics of best.pt (`evaluate_best`, run.py), an `end` record (with per-rank
   parameter checksums)
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import torch
from torch.nn.parallel import DistributedDataParallel as DDP
from tqdm import tqdm

from embsum.model import EmbSum, TrainBatch
from embsum.train import distributed as du
from embsum.train.config import TrainConfig
from embsum.train.data import RunData, build_run_data
from embsum.train.gradients import accumulate_gradients
from embsum.train.plan import Plan, count_steps, make_plan
from embsum.train.run import Run, evaluate_best, resume_or_seed
from embsum.train.seeding import seed_everything
from embsum.train.state import TrainState
from embsum.train.warm_start import load_init_weights


@dataclass
class TrainResult:
    state: TrainState
    model: EmbSum
    output_dir: Path
    finished: bool  # False: stopped by --stop-after
    last_eval: dict[str, Any] | None
    test: dict[str, Any] | None


def _param_checksum(model: torch.nn.Module) -> float:
    with torch.no_grad():
        return float(sum(p.double().sum().item() for p in model.parameters()))


def train(cfg: TrainConfig, data: RunData | None = None) -> TrainResult:
    env = du.setup(cfg.device)
    try:
        return _train(cfg, env, data)
    finally:
        du.teardown(env)


def _train(cfg: TrainConfig, env: du.DistEnv, data: RunData | None) -> TrainResult:
    """The run, stage by stage (module docstring); each stage is one function."""
    wall0 = time.perf_counter()
    plan = make_plan(cfg, env)  # device, batch arithmetic, precision, paths
    model, init = _build_model(cfg, plan)  # same init on every rank, or the warm start
    if data is None:
        data = build_run_data(cfg, env, plan.micro)  # this rank's shard
    steps = count_steps(cfg, data, plan.accum)
    run = Run(cfg, env, plan, steps, data, model)  # + AdamW, schedule, state, metrics log
    resume_or_seed(run)
    _distribute(run)
    _log_run_record(run, init)
    finished = _train_epochs(run)
    test = _finish(run, finished, wall0)
    return TrainResult(run.state, run.raw_model, plan.out_dir, finished, run.last_eval, test)


# --- 2. the model: identical init on every rank --------------------------------------------------
def _build_model(cfg: TrainConfig, plan: Plan) -> tuple[EmbSum, dict[str, Any] | None]:
    """(model on the device, what --init-from loaded or None). Seeded before the init, so every
    rank builds the same weights."""
    seed_everything(cfg.seed)
    model = EmbSum(cfg.model_config())
    init = None
    if (
        cfg.init_from is not None and plan.resume_path is None
    ):  # warm start (a resume brings its own weights)
        init = load_init_weights(model, cfg.init_from)
    return model.to(plan.device), init


# --- 3. the run: resume (run.py), DDP, the run record ---------------------------------------------
def _distribute(run: Run) -> None:
    if run.env.distributed:
        device = run.plan.device
        run.model = DDP(run.raw_model, device_ids=[device] if device.type == "cuda" else None)


def _log_run_record(run: Run, init: dict[str, Any] | None) -> None:
    """The `run` record: the config and everything derived from it."""
    cfg, env, plan, steps, data = run.cfg, run.env, run.plan, run.steps, run.data
    params = sum(p.numel() for p in run.raw_model.parameters())
    run.log.write(
        "run",
        config=cfg.to_dict(),
        model_config=run.raw_model.config.to_dict(),
        world_size=env.world_size,
        micro_batch_size=plan.micro,
        grad_accum=plan.accum,
        batch_size=plan.batch_size,
        micro_batches_per_epoch=steps.n_micro,
        steps_per_epoch=steps.per_epoch,
        total_steps=steps.total,
        warmup_steps=steps.warmup,
        device=str(plan.device),
        precision=plan.precision,
        params=params,
        dataset=data.stats,
        teacher=data.teacher,
        notes=data.notes,
        resumed_from=run.state.step if plan.resume_path else None,
        init_from=None if init is None else {k: init[k] for k in ("path", "sha256", "step")},
        torch=torch.__version__,
    )


# --- 4. and 5. the loop: epochs of optimizer steps, with their evaluations and saves --------------
def _train_epochs(run: Run) -> bool:
    """Train until the step budget is spent. False: --stop-after stopped the run first."""
    cfg, state, steps = run.cfg, run.state, run.steps
    show = cfg.progress and run.env.is_main and sys.stderr.isatty()
    run.bar = tqdm(
        total=steps.total,
        initial=state.step,
        disable=not show,
        desc="train",
        unit="step",
        dynamic_ncols=True,
    )
    finished = True
    run.model.train()
    while state.step < steps.total:
        if not _train_epoch(run):  # --stop-after inside the epoch
            finished = False
            break
        if state.batch_in_epoch >= steps.n_micro:  # epoch end
            _end_epoch(run)
            if _stop_requested(run):
                finished = False
                break
    run.bar.close()
    return finished


def _train_epoch(run: Run) -> bool:
    """The optimizer steps left in this epoch (all of it, or the rest after a resume), with the
    evaluations and saves due on the way. False: --stop-after stopped inside the epoch."""
    cfg, state, steps = run.cfg, run.state, run.steps
    batches = run.data.train.batches(state.epoch, start=state.batch_in_epoch)
    while state.batch_in_epoch < steps.n_micro and state.step < steps.total:
        t0 = time.perf_counter()
        # one optimizer step: up to `accum` micro-batches (fewer at the end of the epoch)
        group = [
            next(batches) for _ in range(min(run.plan.accum, steps.n_micro - state.batch_in_epoch))
        ]
        step = _optimizer_step(run, group)
        _record_step(run, step, time.perf_counter() - t0)
        epoch_done = state.batch_in_epoch >= steps.n_micro
        if (
            cfg.eval_every
            and state.step % cfg.eval_every == 0
            and not (epoch_done and cfg.eval_each_epoch)
        ):
            run.evaluate_dev(state.epoch + 1)
            run.model.train()
        if cfg.save_every and state.step % cfg.save_every == 0 and not epoch_done:
            run.save(run.plan.last_path)
        if _stop_requested(run) and not epoch_done:
            return False
    return True


@dataclass(frozen=True)
class _StepStats:
    loss: float  # means over the step's impressions on all ranks
    nce: float
    sum: float
    rows: float  # impressions (with a click) in the step, all ranks
    lr: float  # the learning rate the step used
    grad_norm: float  # before clipping


def _optimizer_step(run: Run, group: Sequence[TrainBatch]) -> _StepStats:
    """Forward + backward over the group, clip, step, schedule; the step's loss on all ranks."""
    cfg, state = run.cfg, run.state
    lr = run.optimizer.param_groups[0]["lr"]
    step_loss = accumulate_gradients(
        run.model, group, device=run.plan.device, autocast=run.plan.amp
    )
    norm = torch.nn.utils.clip_grad_norm_(
        run.raw_model.parameters(), cfg.max_grad_norm if cfg.max_grad_norm > 0 else math.inf
    )
    run.optimizer.step()
    run.scheduler.step()
    run.optimizer.zero_grad(set_to_none=True)
    state.step += 1
    state.batch_in_epoch += len(group)
    # global numbers for the log (one small all-reduce)
    w = step_loss.rows
    tot = du.all_reduce_sum([step_loss.loss * w, step_loss.nce * w, step_loss.sum * w, w], run.env)
    rows = tot[3]
    loss, nce, lsum = (tot[0] / rows, tot[1] / rows, tot[2] / rows) if rows else (0.0, 0.0, 0.0)
    if not math.isfinite(loss):
        raise FloatingPointError(
            f"loss is {loss} at step {state.step} (lr {lr:.3g}): lower --lr, keep --max-grad-norm on, "
            "or lengthen --warmup-steps"
        )
    return _StepStats(loss, nce, lsum, rows, lr, float(norm))


def _record_step(run: Run, step: _StepStats, dt: float) -> None:
    """Timings and the epoch's sums; a `train` record every --log-every steps; the progress bar."""
    state = run.state
    state.train_seconds += dt
    es = state.epoch_sums
    rows = step.rows
    for k, v in (
        ("loss", step.loss * rows),
        ("nce", step.nce * rows),
        ("sum", step.sum * rows),
        ("rows", rows),
        ("examples", rows),
        ("seconds", dt),
    ):
        es[k] += v
    if state.step % run.cfg.log_every == 0 or state.step == run.steps.total:
        run.log.write(
            "train",
            step=state.step,
            epoch=state.epoch + 1,
            loss=step.loss,
            nce=step.nce,
            sum=step.sum,
            lr=step.lr,
            grad_norm=step.grad_norm,
            examples=int(rows),
            examples_per_s=rows / dt if dt else None,
            seconds=round(dt, 4),
        )
    run.bar.update(1)
    run.bar.set_postfix(
        loss=f"{step.loss:.4f}",
        lr=f"{step.lr:.2e}",
        auc=f"{state.best_auc:.4f}" if state.best_step is not None else "-",
    )


def _end_epoch(run: Run) -> None:
    """The `epoch` record, the epoch's evaluation (--eval-each-epoch), last.pt at the boundary."""
    state = run.state
    es = state.epoch_sums
    run.log.write(
        "epoch",
        step=state.step,
        epoch=state.epoch + 1,
        loss=es["loss"] / es["rows"] if es["rows"] else None,
        nce=es["nce"] / es["rows"] if es["rows"] else None,
        sum=es["sum"] / es["rows"] if es["rows"] else None,
        examples=int(es["examples"]),
        seconds=round(es["seconds"], 3),
        examples_per_s=es["examples"] / es["seconds"] if es["seconds"] else None,
    )
    if run.cfg.eval_each_epoch:
        run.evaluate_dev(state.epoch + 1)
        run.model.train()
    state.epoch += 1
    state.batch_in_epoch = 0
    state.epoch_sums = {k: 0.0 for k in es}
    run.save(run.plan.last_path)


def _stop_requested(run: Run) -> bool:
    """--stop-after reached, with steps still to go (a run that is done anyway just finishes)."""
    stop, step = run.cfg.stop_after, run.state.step
    return stop is not None and step >= stop and step < run.steps.total


# --- 6. the end -----------------------------------------------------------------------------------
def _finish(run: Run, finished: bool, wall0: float) -> dict[str, Any] | None:
    """The last dev evaluation and save, the test metrics of best.pt, the `end` record. Returns
    the test metrics (None when not computed)."""
    cfg, env, state = run.cfg, run.env, run.state
    if finished:
        if state.last_eval_step != state.step:  # max_steps ended mid-epoch
            run.evaluate_dev(state.epoch + (1 if state.batch_in_epoch else 0))
        if state.batch_in_epoch:  # stopped inside an epoch: keep the position
            run.save(run.plan.last_path)
    elif state.batch_in_epoch:  # --stop-after inside an epoch
        run.save(run.plan.last_path)
    checksums = du.gather_objects(_param_checksum(run.raw_model), env)
    test = None
    if (
        finished
        and cfg.test_at_end
        and run.data.test is not None
        and du.broadcast_object(run.plan.best_path.exists(), env)
    ):  # rank 0 decides for all
        test = evaluate_best(run)
    run.log.write(
        "end",
        step=state.step,
        epoch=state.epoch + (1 if state.batch_in_epoch else 0),
        finished=finished,
        best_step=state.best_step,
        best_epoch=state.best_epoch,
        best_auc=state.best_auc if state.best_step is not None else None,
        train_seconds=round(state.train_seconds, 3),
        eval_seconds=round(state.eval_seconds, 3),
        wall_seconds=round(time.perf_counter() - wall0, 3),
        param_checksums=checksums,
    )
    return test
