"""The retrain pipeline, stage by stage (docs/retrain.md):

    data     event archive -> examples split by day (train: older days, dev: the newest day),
             item tokens, teacher summaries                         (embsum.train.build_run_data)
    train    warm start from the serving checkpoint (or fresh), train  (embsum.train.train)
    gate     evaluate the new and the serving model on the same dev day; release only if
             new AUC >= serving AUC - margin                          (embsum_retrain.gate)
    export   checkpoint -> ONNX bundle                                  (embsum_export.export_bundle)
    verify   checksums, graphs, golden parity                           (embsum_export.verify_bundle)
    store    bundle + checkpoint into the bundle store, ModelRelease JSON  (embsum_retrain.store)
    publish  the --publish-command hook, if given                       (embsum_retrain.release)

`retrain` runs them in this order, one function per stage (`_data_stage`, `_train_stage`,
`_gate_stage` here; `export_stage` ... `publish_stage` in release_stages.py), each timed by the
StageClock (run.py) and adding its part to the report document. A gate failure stops before
export: nothing enters the store. Every run writes its report (retrain.json + retrain.md in the
work directory): the decision, both metric sets and each stage's duration, also when a stage
fails.

Training does not evaluate on the dev day: the gate does, once per model, with the same code
and batches. Picking the best of several dev evaluations (the trainer's best.pt) and then gating
on the same day would favour the new model, so the candidate is the model at the end of
training (last.pt).

This package sits above both the training package (embsum) and the exporter (embsum_export),
so it imports both at module level and neither imports it (docs/development.md).
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime, timezone
from typing import IO, Any

from tqdm import tqdm

from embsum.model import load_checkpoint
from embsum.train import distributed as du
from embsum.train.config import ConfigError
from embsum.train.data import RunData, build_run_data
from embsum.train.evaluate import evaluate
from embsum.train.loop import TrainResult, train
from embsum.train.plan import precision_context
from embsum_retrain.gate import GateDecision, decide
from embsum_retrain.release_stages import export_stage, publish_stage, store_stage, verify_stage
from embsum_retrain.report import JSON_NAME as REPORT_JSON
from embsum_retrain.run import (
    STATUS_FAILED,
    STATUS_GATE_FAILED,
    STATUS_RELEASED,
    Retrain,
    RetrainResult,
    RetrainSettings,
)
from embsum_retrain.store import check_free


def default_model_version(prefix: str = "embsum", now: datetime | None = None) -> str:
    """`<prefix>-<UTC timestamp>`, e.g. embsum-20260301T120000Z."""
    now = now or datetime.now(timezone.utc)
    return f"{prefix}-{now.strftime('%Y%m%dT%H%M%SZ')}"


def _data_summary(stats: dict[str, Any]) -> dict[str, Any]:
    d = stats.get("details", {})
    return {
        "archive": stats.get("data_dir"),
        "split": stats.get("split_rule"),
        "train_days": d.get("train_days"),
        "dev_days": d.get("dev_days"),
        "train_examples": stats.get("train"),
        "train_skipped_empty_history": stats.get("train_skipped_empty_history"),
        "dev_impressions": stats.get("dev"),
        "dev_evaluated": stats.get("dev_evaluated"),
        "per_day": d.get("days"),
        "archive_stats": d.get("archive"),
        "labels": d.get("labels"),
        "seconds": stats.get("seconds"),
    }


def retrain(s: RetrainSettings, out: IO[str] | None = None) -> RetrainResult:
    """Run every stage (module docstring); the report is written whatever happens."""
    run = Retrain(s, out)
    _refuse_taken_names(s)  # before anything is written
    try:
        env, micro = _start(s)
        data = _data_stage(run, env, micro)
        trained = _train_stage(run, data)
        decision = _gate_stage(run, env, data, trained)
        if not decision.passed:
            run.clock.say(f"      no bundle is exported or stored for {s.model_version}")
            return run.finish(STATUS_GATE_FAILED)
        ckpt, bundle = export_stage(run, trained)
        verified = verify_stage(run, bundle)
        stored, release = store_stage(run, bundle, ckpt, verified)
        if s.publish_command:
            publish_stage(run, stored, release)
        return run.finish(STATUS_RELEASED)
    except BaseException as e:
        run.finish(STATUS_FAILED, f"{type(e).__name__}: {e}")
        raise


def _refuse_taken_names(s: RetrainSettings) -> None:
    """A model_version the store has, or a work directory with a report: refused before any
    work, and without a report (one here would overwrite an earlier run's)."""
    check_free(s.bundle_store, s.model_version)
    if (s.work_dir / REPORT_JSON).exists():
        raise ConfigError(
            f"{s.work_dir} already holds a retrain run ({REPORT_JSON}); choose another --work-dir"
        )


def _start(s: RetrainSettings) -> tuple[du.DistEnv, int]:
    """(the one process's environment, the micro-batch size); the work directory exists."""
    env = du.setup(s.train.device)
    if env.distributed:
        raise ConfigError(
            "embsum_retrain runs as one process (it exports and publishes once); "
            "use python -m embsum_retrain without torchrun"
        )
    micro, _, _ = s.train.resolve_batch(1)
    s.work_dir.mkdir(parents=True, exist_ok=True)
    return env, micro


# --- data: the archive -> train examples (older days), dev impressions (the newest day) ---------
def _data_stage(run: Retrain, env: du.DistEnv, micro: int) -> RunData:
    cfg, clock, doc = run.cfg, run.clock, run.doc
    data = clock.run("data", lambda: build_run_data(cfg, env, micro), f"reading {cfg.data_dir}")
    doc["data"] = _data_summary(data.stats)
    doc["teacher"] = data.teacher
    doc["notes"] = data.notes
    clock.note(
        f"{data.stats['train']} train examples, {data.stats['dev']} dev impressions; "
        f"{data.stats.get('split_rule')}"
    )
    clock.say(f"      {clock.stages[-1].note}")
    return data


# --- train: warm start or from scratch; no dev evaluation (the gate does it) ----------------------
def _train_stage(run: Retrain, data: RunData) -> TrainResult:
    s, cfg, clock = run.s, run.cfg, run.clock
    start = {
        "serving": f"warm start from the serving model {s.serving.model_version if s.serving else ''}",
        "checkpoint": f"warm start from {cfg.init_from}",
        "none": "from scratch",
    }[s.warm_start]
    trained = clock.run(
        "train",
        lambda: train(cfg, dataclasses.replace(data, dev=None, test=None)),
        f"{cfg.model} {start}".strip(),
    )
    st = trained.state
    run.doc["training"] = {
        "steps": st.step,
        "epochs_done": st.epoch,
        "train_seconds": round(st.train_seconds, 3),
        "run_dir": str(trained.output_dir),
        "finished": trained.finished,
    }
    clock.note(f"{st.step} steps")
    return trained


# --- gate: both models on the same dev batches; release iff new AUC >= serving AUC - margin -------
def _gate_stage(run: Retrain, env: du.DistEnv, data: RunData, trained: TrainResult) -> GateDecision:
    s, clock = run.s, run.clock
    what = (
        f"evaluating the new{' and the serving' if s.serving else ''} model on the dev day "
        f"({data.stats['dev_evaluated']} impressions)"
    )
    cand, serv, decision = clock.run(
        "gate", lambda: _evaluate_both(run, env, data.dev, trained), what
    )
    run.result.candidate, run.result.serving, run.result.decision = cand, serv, decision
    run.doc["gate"] = {**decision.to_dict(), "candidate": cand, "serving": serv}
    clock.note(("PASSED: " if decision.passed else "FAILED: ") + decision.reason)
    clock.say(f"      gate {clock.stages[-1].note}")
    return decision


def _evaluate_both(
    run: Retrain, env: du.DistEnv, dev: Any, trained: TrainResult
) -> tuple[dict, dict | None, GateDecision]:
    """(new model's dev metrics, serving model's or None, the decision)."""
    s, cfg, out = run.s, run.cfg, run.out
    device = env.device
    _, amp = precision_context(cfg, device)
    kw = dict(device=device, global_mode=cfg.eval_global, rouge_users=cfg.rouge_users, autocast=amp)
    show = cfg.progress and (out or sys.stderr).isatty()

    def batches(who: str):
        return tqdm(dev, desc=f"gate: {who}", unit="batch", disable=not show, leave=False, file=out)

    cand = evaluate(trained.model, batches("new model"), **kw)
    serv = None
    if s.serving is not None:
        serving_model = load_checkpoint(s.serving.checkpoint).model.to(device)
        if serving_model.config.p != trained.model.config.p:
            raise ConfigError(
                f"the serving model groups {serving_model.config.p} items per session, the new "
                f"one {trained.model.config.p}: they cannot be evaluated on the same dev "
                "batches; train with the serving model's session settings"
            )
        serv = evaluate(serving_model, batches("serving model"), **kw)
    return cand, serv, decide(cand, serv, s.margin)
