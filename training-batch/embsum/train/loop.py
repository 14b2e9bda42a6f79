"""The EmbSum training run, top to bottom (docs/training.md).

    train(TrainConfig(...))                       # what `python -m embsum.train` calls
    train(cfg, data=RunData(...))                  # the same loop over batches you provide

1. process group (torchrun) + device + precision; batch arithmetic (micro x accum x world)
2. seed, model (same init on every rank; or the weights of --init-from, a warm start), data
   (rank-sharded, deterministic per epoch)
3. AdamW + warmup/decay schedule; resume from last.pt (weights, optimizer, scheduler, position,
   RNG) if asked
4. loop: an optimizer step = `grad_accum` micro-batches (DDP syncs on the last one only), each
   weighted by its share of the step's impressions; clip; step; log a `train` record
5. dev evaluation every `eval_every` steps and at each epoch end -> `eval` record, best.pt on a
   new best dev AUC; last.pt at each epoch end (and every `save_every` steps, and on stop)
6. at the end: test metrics of best.pt, an `end` record (with per-rank parameter checksums)
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
    loss: float          # weighted mean over the step's impressions (this rank)
    nce: float
    sum: float
    rows: int            # impressions (with a click) in the step on this rank


@dataclass
class TrainResult:
    state: TrainState
    model: EmbSum
    output_dir: Path
    finished: bool                       # False: stopped by --stop-after
    last_eval: dict[str, Any] | None
    test: dict[str, Any] | None


def impression_rows(batch: TrainBatch) -> int:
    """Impressions that count in L_NCE (candidate 0 present)."""
    return int(batch.cand_mask[:, 0].any(-1).sum())


def accumulate_gradients(model: torch.nn.Module, micro_batches: Sequence[TrainBatch], *,
                         device: torch.device | str = "cpu",
                         autocast: contextlib.AbstractContextManager | None = None) -> StepLoss:
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
        sums += torch.stack([out.loss.total.detach(), out.loss.nce.detach(),
                             out.loss.sum.detach()]).double().cpu() * w
    return StepLoss(*sums.tolist(), rows=total)


def precision_context(cfg: TrainConfig, device: torch.device) -> tuple[str, contextlib.AbstractContextManager | None]:
    if cfg.precision == "bf16" and device.type != "cuda":
        raise ConfigError("--precision bf16 is for CUDA only (bf16 autocast on CPU is slow and not what the "
                          "paper trained with): use --precision fp32 or auto on CPU")
    use_bf16 = device.type == "cuda" and cfg.precision in ("bf16", "auto") and torch.cuda.is_bf16_supported()
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
    wall0 = time.perf_counter()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = env.device
    micro, accum, batch_size = cfg.resolve_batch(env.world_size)
    precision, amp = precision_context(cfg, device)
    out_dir = Path(cfg.output_dir)
    last_path, best_path = out_dir / "last.pt", out_dir / "best.pt"
    resume_path = None if cfg.resume is None else (last_path if cfg.resume == "last" else Path(cfg.resume))
    if resume_path is None and (last_path.exists() or (out_dir / "metrics.jsonl").exists()):
        raise ConfigError(f"{out_dir} already holds a run (metrics.jsonl / last.pt): pass --resume to continue "
                          "it, or choose a new --output-dir")
    du.barrier(env)

    # --- model (identical init on every rank) and data ---------------------------------------
    seed_everything(cfg.seed)
    model = EmbSum(cfg.model_config())
    init = None
    if cfg.init_from is not None and resume_path is None:    # warm start (a resume brings its own weights)
        init = load_init_weights(model, cfg.init_from)
    model = model.to(device)
    if data is None:
        data = build_run_data(cfg, env, micro)
    n_micro = len(data.train)
    if n_micro == 0:
        raise ConfigError("the training data is empty on this rank: nothing to train on")
    steps_per_epoch = math.ceil(n_micro / accum)
    total_steps = cfg.epochs * steps_per_epoch
    if cfg.max_steps is not None:
        total_steps = min(total_steps, cfg.max_steps)
    warmup = schedule_warmup(cfg, total_steps)

    optimizer = build_optimizer(model, cfg.lr, cfg.weight_decay, (cfg.beta1, cfg.beta2), cfg.eps)
    scheduler = build_scheduler(optimizer, total_steps, warmup, cfg.schedule, cfg.min_lr_ratio)
    state = TrainState()
    log = MetricsLog(out_dir / "metrics.jsonl", enabled=env.is_main)

    # --- resume -------------------------------------------------------------------------------
    if resume_path is not None:
        payload = read_train_checkpoint(resume_path)
        extra = payload["extra"]
        diffs = cfg.resume_mismatches(extra["train_config"])
        if diffs:
            raise ConfigError("cannot resume: these settings differ from the checkpoint's (they change what "
                              "its numbers mean):\n  " + "\n  ".join(diffs) +
                              "\nResume with the original flags (the 'run' record of metrics.jsonl lists "
                              "them), or start a new run in another --output-dir")
        model.load_state_dict(payload["state_dict"])
        optimizer.load_state_dict(payload["optimizer"])
        scheduler.load_state_dict(extra["scheduler"])
        state = TrainState.from_dict(extra["state"])
        rngs = extra["rng"]
        if len(rngs) == env.world_size:
            set_rng_state(rngs[env.rank])
        else:
            seed_everything(cfg.seed + 1 + env.rank + 7919 * state.step)
        log.truncate_after(state.step)
    else:
        seed_everything(cfg.seed + 1 + env.rank)     # dropout streams differ per rank

    raw_model = model
    if env.distributed:
        model = DDP(model, device_ids=[device] if device.type == "cuda" else None)

    params = sum(p.numel() for p in raw_model.parameters())
    log.write("run", config=cfg.to_dict(), model_config=raw_model.config.to_dict(), world_size=env.world_size,
              micro_batch_size=micro, grad_accum=accum, batch_size=batch_size, micro_batches_per_epoch=n_micro,
              steps_per_epoch=steps_per_epoch, total_steps=total_steps, warmup_steps=warmup,
              device=str(device), precision=precision, params=params, dataset=data.stats,
              teacher=data.teacher, notes=data.notes, resumed_from=state.step if resume_path else None,
              init_from=None if init is None else {k: init[k] for k in ("path", "sha256", "step")},
              torch=torch.__version__)

    def save(path: Path, eval_metrics: dict | None = None) -> None:
        rngs = du.gather_objects(rng_state(), env)             # collective: every rank calls it
        if env.is_main:
            save_train_checkpoint(path, raw_model, optimizer, scheduler, state, cfg.to_dict(), rngs,
                                  eval_metrics)

    last_eval: dict[str, Any] | None = None

    def run_eval(epoch_1based: int) -> dict[str, Any] | None:
        nonlocal last_eval
        if data.dev is None:
            return None
        m = evaluate(raw_model, data.dev, device=device, global_mode=cfg.eval_global,
                     rouge_users=cfg.rouge_users, env=env, autocast=amp)
        state.eval_seconds += m["seconds"]
        state.last_eval_step = state.step
        auc = m["auc"]
        is_best = auc is not None and not math.isnan(auc) and auc > state.best_auc
        if is_best:
            state.best_auc, state.best_step, state.best_epoch = auc, state.step, epoch_1based
        log.write("eval", split="dev", step=state.step, epoch=epoch_1based, is_best=is_best,
                  **{k: v for k, v in m.items()})
        if is_best:
            save(best_path, m)
        last_eval = m
        return m

    # --- the loop -----------------------------------------------------------------------------
    show = cfg.progress and env.is_main and sys.stderr.isatty()
    bar = tqdm(total=total_steps, initial=state.step, disable=not show, desc="train", unit="step",
               dynamic_ncols=True)
    finished = True
    model.train()
    while state.step < total_steps:
        batches = data.train.batches(state.epoch, start=state.batch_in_epoch)
        while state.batch_in_epoch < n_micro and state.step < total_steps:
            t0 = time.perf_counter()
            group = [next(batches) for _ in range(min(accum, n_micro - state.batch_in_epoch))]
            lr = optimizer.param_groups[0]["lr"]
            step_loss = accumulate_gradients(model, group, device=device, autocast=amp)
            norm = torch.nn.utils.clip_grad_norm_(raw_model.parameters(),
                                                  cfg.max_grad_norm if cfg.max_grad_norm > 0 else math.inf)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            state.step += 1
            state.batch_in_epoch += len(group)
            # global numbers for the log (one small all-reduce)
            w = step_loss.rows
            tot = du.all_reduce_sum([step_loss.loss * w, step_loss.nce * w, step_loss.sum * w, w], env)
            rows = tot[3]
            loss, nce, lsum = (tot[0] / rows, tot[1] / rows, tot[2] / rows) if rows else (0.0, 0.0, 0.0)
            if not math.isfinite(loss):
                raise FloatingPointError(
                    f"loss is {loss} at step {state.step} (lr {lr:.3g}): lower --lr, keep --max-grad-norm on, "
                    "or lengthen --warmup-steps")
            dt = time.perf_counter() - t0
            state.train_seconds += dt
            es = state.epoch_sums
            for k, v in (("loss", loss * rows), ("nce", nce * rows), ("sum", lsum * rows), ("rows", rows),
                         ("examples", rows), ("seconds", dt)):
                es[k] += v
            if state.step % cfg.log_every == 0 or state.step == total_steps:
                log.write("train", step=state.step, epoch=state.epoch + 1, loss=loss, nce=nce, sum=lsum, lr=lr,
                          grad_norm=float(norm), examples=int(rows), examples_per_s=rows / dt if dt else None,
                          seconds=round(dt, 4))
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4f}", lr=f"{lr:.2e}",
                            auc=f"{state.best_auc:.4f}" if state.best_step is not None else "-")
            epoch_done = state.batch_in_epoch >= n_micro
            if cfg.eval_every and state.step % cfg.eval_every == 0 and not (epoch_done and cfg.eval_each_epoch):
                run_eval(state.epoch + 1)
                model.train()
            if cfg.save_every and state.step % cfg.save_every == 0 and not epoch_done:
                save(last_path)
            if cfg.stop_after is not None and state.step >= cfg.stop_after and state.step < total_steps \
                    and not epoch_done:
                finished = False
                break
        if not finished:
            break
        if state.batch_in_epoch >= n_micro:                   # epoch end
            es = state.epoch_sums
            log.write("epoch", step=state.step, epoch=state.epoch + 1,
                      loss=es["loss"] / es["rows"] if es["rows"] else None,
                      nce=es["nce"] / es["rows"] if es["rows"] else None,
                      sum=es["sum"] / es["rows"] if es["rows"] else None,
                      examples=int(es["examples"]), seconds=round(es["seconds"], 3),
                      examples_per_s=es["examples"] / es["seconds"] if es["seconds"] else None)
            if cfg.eval_each_epoch:
                run_eval(state.epoch + 1)
                model.train()
            state.epoch += 1
            state.batch_in_epoch = 0
            state.epoch_sums = {k: 0.0 for k in es}
            save(last_path)
            if cfg.stop_after is not None and state.step >= cfg.stop_after and state.step < total_steps:
                finished = False
                break
    bar.close()

    # --- the end ------------------------------------------------------------------------------
    test = None
    if finished:
        if state.last_eval_step != state.step:               # max_steps ended mid-epoch
            run_eval(state.epoch + (1 if state.batch_in_epoch else 0))
        if state.batch_in_epoch:                             # stopped inside an epoch: keep the position
            save(last_path)
    elif state.batch_in_epoch:                               # --stop-after inside an epoch
        save(last_path)
    checksums = du.gather_objects(_param_checksum(raw_model), env)
    if finished and cfg.test_at_end and data.test is not None and du.broadcast_object(best_path.exists(), env):
        # best.pt is read back by every rank (multi-node runs need --output-dir on a shared filesystem)
        du.barrier(env)
        best = read_train_checkpoint(best_path)
        best_model = EmbSum.load_checkpoint(best_path).to(device)
        test = evaluate(best_model, data.test, device=device, global_mode=cfg.eval_global,
                        rouge_users=cfg.rouge_users, env=env, autocast=amp)
        log.write("eval", split="test", step=best["step"], epoch=state.best_epoch, is_best=False, **test)
    log.write("end", step=state.step, epoch=state.epoch + (1 if state.batch_in_epoch else 0), finished=finished, best_step=state.best_step,
              best_epoch=state.best_epoch, best_auc=state.best_auc if state.best_step is not None else None,
              train_seconds=round(state.train_seconds, 3), eval_seconds=round(state.eval_seconds, 3),
              wall_seconds=round(time.perf_counter() - wall0, 3), param_checksums=checksums)
    return TrainResult(state, raw_model, out_dir, finished, last_eval, test)
