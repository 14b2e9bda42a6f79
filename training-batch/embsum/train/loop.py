"""The EmbSum training run, top to bottom (docs/training.md).

    train(TrainConfig(...))                       # what `python -m embsum.train` calls
    train(cfg, data=RunData(...))                  # the same loop over batches you provide

`_train` reads top to bottom as the stages below, one function each:

1. `_plan`: process group (torchrun) + device + precision; batch arithmetic (micro x accum x
   world); refuse an output directory that already holds a run
2. `_build_model`: seed, model (same init on every rank; or the weights of --init-from, a warm
   start); data (rank-sharded, deterministic per epoch); `_count_steps`
3. `_Run`: AdamW + warmup/decay schedule, state, metrics log; `_resume_or_seed`: resume from
   last.pt (weights, optimizer, scheduler, position, RNG) if asked; `_distribute` (DDP);
   `_log_run_record`
4. `_train_epochs` -> `_train_epoch` -> `_optimizer_step`: `grad_accum` micro-batches (DDP syncs
   on the last one only), each weighted by its share of the step's impressions; clip; step;
   `_record_step` logs a `train` record
5. `_Run.evaluate_dev` every `eval_every` steps and at each epoch end (`_end_epoch`) -> `eval`
   record, best.pt on a new best dev AUC; last.pt at each epoch end (and every `save_every`
   steps, and on stop)
6. `_finish`: test metrics of best.pt (`_test_best`), an `end` record (with per-rank parameter
   checksums)
"""

from __future__ import annotations

import contextlib
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
from embsum.train.config import ConfigError, TrainConfig, schedule_warmup
from embsum.train.data import RunData, build_run_data
from embsum.train.evaluate import evaluate
from embsum.train.metrics_log import MetricsLog
from embsum.train.optim import build_optimizer, build_scheduler
from embsum.train.seeding import rng_state, seed_everything, set_rng_state
from embsum.train.state import TrainState, read_train_checkpoint, save_train_checkpoint
from embsum.train.warm_start import load_init_weights


@dataclass
class StepLoss:
    loss: float  # weighted mean over the step's impressions (this rank)
    nce: float
    sum: float
    rows: int  # impressions (with a click) in the step on this rank


@dataclass
class TrainResult:
    state: TrainState
    model: EmbSum
    output_dir: Path
    finished: bool  # False: stopped by --stop-after
    last_eval: dict[str, Any] | None
    test: dict[str, Any] | None


def impression_rows(batch: TrainBatch) -> int:
    """Impressions that count in L_NCE (candidate 0 present)."""
    return int(batch.cand_mask[:, 0].any(-1).sum())


def accumulate_gradients(
    model: torch.nn.Module,
    micro_batches: Sequence[TrainBatch],
    *,
    device: torch.device | str = "cpu",
    autocast: contextlib.AbstractContextManager | None = None,
) -> StepLoss:
    """Forward + backward over the micro-batches of one optimizer step; gradients add up in
    `.grad`. Micro-batch i is weighted by rows_i / sum(rows), so the accumulated gradient is the
    gradient of the mean loss over all the step's impressions (exact for L_NCE; L_sum is a
    token mean per micro-batch, so it is exact when micro-batches hold equal summary token
    counts). Under DDP only the last backward all-reduces (no_sync on the others)."""
    rows = [impression_rows(b) for b in micro_batches]
    total = sum(rows)
    weights = [r / total for r in rows] if total else [1.0 / len(rows)] * len(rows)
    sums = torch.zeros(3, dtype=torch.float64)
    for i, (mb, w) in enumerate(zip(micro_batches, weights)):
        sync = not isinstance(model, DDP) or i == len(micro_batches) - 1
        ctx = contextlib.nullcontext() if sync else model.no_sync()
        with ctx:
            with autocast if autocast is not None else contextlib.nullcontext():
                out = model(mb.to(device))
            (out.loss.total * w).backward()
        sums += (
            torch.stack([out.loss.total.detach(), out.loss.nce.detach(), out.loss.sum.detach()])
            .double()
            .cpu()
            * w
        )
    return StepLoss(*sums.tolist(), rows=total)


def precision_context(
    cfg: TrainConfig, device: torch.device
) -> tuple[str, contextlib.AbstractContextManager | None]:
    if cfg.precision == "bf16" and device.type != "cuda":
        raise ConfigError(
            "--precision bf16 is for CUDA only (bf16 autocast on CPU is slow and not what the "
            "paper trained with): use --precision fp32 or auto on CPU"
        )
    use_bf16 = (
        device.type == "cuda"
        and cfg.precision in ("bf16", "auto")
        and torch.cuda.is_bf16_supported()
    )
    if use_bf16:
        return "bf16", torch.autocast("cuda", dtype=torch.bfloat16)
    return "fp32", None


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
    """The run, stage by stage (module docstring); each stage is one function below."""
    wall0 = time.perf_counter()
    plan = _plan(cfg, env)  # device, batch arithmetic, precision, paths
    model, init = _build_model(cfg, plan)  # same init on every rank, or the warm start
    if data is None:
        data = build_run_data(cfg, env, plan.micro)  # this rank's shard
    steps = _count_steps(cfg, data, plan.accum)
    run = _Run(cfg, env, plan, steps, data, model)  # + AdamW, schedule, state, metrics log
    _resume_or_seed(run)
    _distribute(run)
    _log_run_record(run, init)
    finished = _train_epochs(run)
    test = _finish(run, finished, wall0)
    return TrainResult(run.state, run.raw_model, plan.out_dir, finished, run.last_eval, test)


# --- 1. the plan: everything fixed before the model exists -------------------------------------
@dataclass(frozen=True)
class _Plan:
    device: torch.device
    micro: int  # examples per micro-batch (per rank)
    accum: int  # micro-batches per optimizer step
    batch_size: int  # micro x accum x world size
    precision: str  # "bf16" | "fp32"
    amp: contextlib.AbstractContextManager | None
    out_dir: Path
    last_path: Path
    best_path: Path
    resume_path: Path | None  # None: a new run


def _plan(cfg: TrainConfig, env: du.DistEnv) -> _Plan:
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = env.device
    micro, accum, batch_size = cfg.resolve_batch(env.world_size)
    precision, amp = precision_context(cfg, device)
    out_dir = Path(cfg.output_dir)
    last_path, best_path = out_dir / "last.pt", out_dir / "best.pt"
    resume_path = (
        None if cfg.resume is None else (last_path if cfg.resume == "last" else Path(cfg.resume))
    )
    if resume_path is None and (last_path.exists() or (out_dir / "metrics.jsonl").exists()):
        raise ConfigError(
            f"{out_dir} already holds a run (metrics.jsonl / last.pt): pass --resume to continue "
            "it, or choose a new --output-dir"
        )
    du.barrier(env)
    return _Plan(
        device, micro, accum, batch_size, precision, amp, out_dir, last_path, best_path, resume_path
    )


# --- 2. the model: identical init on every rank --------------------------------------------------
def _build_model(cfg: TrainConfig, plan: _Plan) -> tuple[EmbSum, dict[str, Any] | None]:
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


# --- 3. the step count ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Steps:
    n_micro: int  # micro-batches per epoch on this rank
    per_epoch: int  # optimizer steps per epoch = ceil(n_micro / accum)
    total: int  # epochs x per_epoch, capped by --max-steps
    warmup: int


def _count_steps(cfg: TrainConfig, data: RunData, accum: int) -> _Steps:
    n_micro = len(data.train)
    if n_micro == 0:
        raise ConfigError("the training data is empty on this rank: nothing to train on")
    per_epoch = math.ceil(n_micro / accum)
    total = cfg.epochs * per_epoch
    if cfg.max_steps is not None:
        total = min(total, cfg.max_steps)
    return _Steps(n_micro, per_epoch, total, schedule_warmup(cfg, total))


# --- the run's moving parts, and the two things every stage may do: save, evaluate ---------------
class _Run:
    def __init__(
        self,
        cfg: TrainConfig,
        env: du.DistEnv,
        plan: _Plan,
        steps: _Steps,
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

    def evaluate_dev(self, epoch_1based: int) -> dict[str, Any] | None:
        """Dev metrics -> an `eval` record; best.pt on a new best AUC. None without a dev set."""
        cfg, state = self.cfg, self.state
        if self.data.dev is None:
            return None
        m = evaluate(
            self.raw_model,
            self.data.dev,
            device=self.plan.device,
            global_mode=cfg.eval_global,
            rouge_users=cfg.rouge_users,
            env=self.env,
            autocast=self.plan.amp,
        )
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


# --- 4. resume, or seed the dropout streams -------------------------------------------------------
def _resume_or_seed(run: _Run) -> None:
    """With --resume: weights, optimizer, scheduler, position and RNG from the checkpoint."""
    cfg, env = run.cfg, run.env
    if run.plan.resume_path is None:
        seed_everything(cfg.seed + 1 + env.rank)  # dropout streams differ per rank
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


def _distribute(run: _Run) -> None:
    if run.env.distributed:
        device = run.plan.device
        run.model = DDP(run.raw_model, device_ids=[device] if device.type == "cuda" else None)


def _log_run_record(run: _Run, init: dict[str, Any] | None) -> None:
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


# --- 5. the loop: epochs of optimizer steps -------------------------------------------------------
def _train_epochs(run: _Run) -> bool:
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


def _train_epoch(run: _Run) -> bool:
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


def _optimizer_step(run: _Run, group: Sequence[TrainBatch]) -> _StepStats:
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


def _record_step(run: _Run, step: _StepStats, dt: float) -> None:
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


def _end_epoch(run: _Run) -> None:
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


def _stop_requested(run: _Run) -> bool:
    """--stop-after reached, with steps still to go (a run that is done anyway just finishes)."""
    stop, step = run.cfg.stop_after, run.state.step
    return stop is not None and step >= stop and step < run.steps.total


# --- 6. the end -----------------------------------------------------------------------------------
def _finish(run: _Run, finished: bool, wall0: float) -> dict[str, Any] | None:
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
        test = _test_best(run)
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


def _test_best(run: _Run) -> dict[str, Any]:
    """Test metrics of best.pt -> an `eval` record of split test."""
    # best.pt is read back by every rank (multi-node runs need --output-dir on a shared filesystem)
    du.barrier(run.env)
    best = read_train_checkpoint(run.plan.best_path)
    best_model = EmbSum.load_checkpoint(run.plan.best_path).to(run.plan.device)
    test = evaluate(
        best_model,
        run.data.test,
        device=run.plan.device,
        global_mode=run.cfg.eval_global,
        rouge_users=run.cfg.rouge_users,
        env=run.env,
        autocast=run.plan.amp,
    )
    run.log.write(
        "eval", split="test", step=best["step"], epoch=run.state.best_epoch, is_best=False, **test
    )
    return test
