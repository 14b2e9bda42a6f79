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

`retrain` runs them in this order, one function per stage (`_data_stage` ... `_publish_stage`),
each timed by the StageClock and adding its part to the report document. A gate failure stops
before export: nothing enters the store. Every run writes its report
(retrain.json + retrain.md in the work directory): the decision, both metric sets and each
stage's duration, also when a stage fails.

Training does not evaluate on the dev day: the gate does, once per model, with the same code
and batches. Picking the best of several dev evaluations (the trainer's best.pt) and then gating
on the same day would favour the new model, so the candidate is the model at the end of
training (last.pt).

This package sits above both the training package (embsum) and the exporter (embsum_export),
so it imports both at module level and neither imports it (docs/development.md).
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Callable, TypeVar

from tqdm import tqdm

from embsum.digest import sha256_file
from embsum.model import load_checkpoint, save_checkpoint
from embsum.train import distributed as du
from embsum.train.config import ConfigError, TrainConfig
from embsum.train.data import RunData, build_run_data
from embsum.train.evaluate import evaluate
from embsum.train.loop import TrainResult, train
from embsum.train.plan import precision_context
from embsum_export.bundle import (
    VerifyReport,
    check_files,
    export_bundle,
    manifest_sha256,
    read_manifest,
    verify_bundle,
)
from embsum_retrain.gate import GateDecision, decide
from embsum_retrain.release import model_release, publish, write_release
from embsum_retrain.report import JSON_NAME as REPORT_JSON
from embsum_retrain.report import write_report
from embsum_retrain.store import ServingModel, StoredRelease, check_free, checkpoint_name, put

T = TypeVar("T")

CHECKPOINT_KIND = "embsum-release-checkpoint/1"
STATUS_RELEASED = "released"
STATUS_GATE_FAILED = "gate_failed"
STATUS_FAILED = "failed"


class RetrainError(RuntimeError):
    """A stage failed after the inputs were accepted (export, verify, store, publish)."""


@dataclass
class RetrainSettings:
    train: TrainConfig  # dataset archive, data_dir = the archive, output_dir = <work>/train
    work_dir: Path
    bundle_store: Path
    model_version: str
    serving: ServingModel | None  # None: nothing is served yet (first release)
    warm_start: str  # "serving" | "checkpoint" | "none": where train.init_from came from
    margin: float
    publish_command: str | None = None
    export_threads: int | None = None


@dataclass
class Stage:
    name: str
    seconds: float
    note: str = ""


@dataclass
class RetrainResult:
    status: str  # released | gate_failed | failed
    model_version: str
    decision: GateDecision | None
    candidate: dict[str, Any] | None  # dev metrics of the new model
    serving: dict[str, Any] | None  # dev metrics of the serving model
    stages: list[Stage]
    stored: StoredRelease | None = None
    release: dict[str, Any] | None = None
    report: dict[str, Path] = field(default_factory=dict)
    error: str | None = None

    @property
    def total_seconds(self) -> float:
        return sum(s.seconds for s in self.stages)


class StageClock:
    """Runs stages in order, prints `[i/n] name ...` / `done in x s` lines (through tqdm, so they
    do not tear the trainer's progress bar) and keeps each stage's duration."""

    def __init__(self, names: list[str], out: IO[str] | None = None) -> None:
        self.names = names
        self.out = out or sys.stderr
        self.stages: list[Stage] = []

    def say(self, text: str) -> None:
        tqdm.write(text, file=self.out)

    def run(self, name: str, fn: Callable[[], T], what: str = "") -> T:
        i = self.names.index(name) + 1
        self.say(f"[{i}/{len(self.names)}] {name}: {what}".rstrip(": "))
        t0 = time.perf_counter()
        try:
            value = fn()
        except BaseException:
            self.stages.append(Stage(name, time.perf_counter() - t0, "failed"))
            raise
        self.stages.append(Stage(name, time.perf_counter() - t0))
        self.say(f"      {name} done in {self.stages[-1].seconds:.1f} s")
        return value

    def note(self, text: str) -> None:
        self.stages[-1].note = text


def finite(value: Any) -> Any:
    """JSON-safe copy: non-finite floats -> None (manifest.json and Java parsers refuse NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


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
    run = _Retrain(s, out)
    _refuse_taken_names(s)  # before anything is written
    try:
        env, micro = _start(s)
        data = _data_stage(run, env, micro)
        trained = _train_stage(run, data)
        decision = _gate_stage(run, env, data, trained)
        if not decision.passed:
            run.clock.say(f"      no bundle is exported or stored for {s.model_version}")
            return run.finish(STATUS_GATE_FAILED)
        ckpt, bundle = _export_stage(run, trained)
        verified = _verify_stage(run, bundle)
        stored, release = _store_stage(run, bundle, ckpt, verified)
        if s.publish_command:
            _publish_stage(run, stored, release)
        return run.finish(STATUS_RELEASED)
    except BaseException as e:
        run.finish(STATUS_FAILED, f"{type(e).__name__}: {e}")
        raise


class _Retrain:
    """One run's clock, its report document (retrain.json) and its result, filled in by the
    stages; `finish` writes the report."""

    def __init__(self, s: RetrainSettings, out: IO[str] | None) -> None:
        self.s, self.cfg, self.out = s, s.train, out
        names = ["data", "train", "gate", "export", "verify", "store"] + (
            ["publish"] if s.publish_command else []
        )
        self.clock = StageClock(names, out)
        started = datetime.now(timezone.utc)
        self.doc: dict[str, Any] = {
            "kind": "embsum-retrain/1",
            "status": STATUS_FAILED,
            "model_version": s.model_version,
            "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "work_dir": str(s.work_dir),
            "bundle_store": str(s.bundle_store),
            "margin": s.margin,
            "warm_start": {"from": s.warm_start, "checkpoint": self.cfg.init_from},
            "serving": None
            if s.serving is None
            else {
                "model_version": s.serving.model_version,
                "bundle": str(s.serving.bundle),
                "checkpoint": str(s.serving.checkpoint),
                "checkpoint_sha256": s.serving.checkpoint_sha256,
            },
            "train_config": self.cfg.to_dict(),
        }
        self.result = RetrainResult(
            STATUS_FAILED, s.model_version, None, None, None, self.clock.stages
        )

    def finish(self, status: str, error: str | None = None) -> RetrainResult:
        result, doc = self.result, self.doc
        result.status, result.error = status, error
        doc.update(
            status=status,
            error=error,
            stages=[dataclasses.asdict(x) for x in self.clock.stages],
            total_seconds=round(result.total_seconds, 3),
            finished_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        result.report = write_report(self.s.work_dir, finite(doc))
        return result


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
def _data_stage(run: _Retrain, env: du.DistEnv, micro: int) -> RunData:
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
def _train_stage(run: _Retrain, data: RunData) -> TrainResult:
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
def _gate_stage(
    run: _Retrain, env: du.DistEnv, data: RunData, trained: TrainResult
) -> GateDecision:
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
    run: _Retrain, env: du.DistEnv, dev: Any, trained: TrainResult
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


# --- export: checkpoint -> ONNX bundle; verify: checksums, graphs, golden parity ------------------
def _export_stage(run: _Retrain, trained: TrainResult) -> tuple[Path, Path]:
    """(the release checkpoint, the exported bundle directory), both in the work directory."""
    s, cfg, doc = run.s, run.cfg, run.doc
    st = trained.state
    ckpt = s.work_dir / checkpoint_name(s.model_version)
    training_data = finite(
        {
            "source": "event archive",
            **{
                k: doc["data"].get(k)
                for k in (
                    "archive",
                    "split",
                    "train_days",
                    "dev_days",
                    "train_examples",
                    "dev_impressions",
                )
            },
            "warm_start": doc["warm_start"],
            "serving_model_version": s.serving.model_version if s.serving else None,
            "train_config": cfg.to_dict(),
            "state": {"step": st.step, "train_seconds": round(st.train_seconds, 3)},
        }
    )
    metrics = finite(
        {
            **run.result.candidate,
            "split": "dev",
            "dev_days": doc["data"].get("dev_days"),
            "gate": run.result.decision.to_dict(),
        }
    )

    def export() -> Path:
        save_checkpoint(
            trained.model,
            ckpt,
            step=st.step,
            extra={
                "kind": CHECKPOINT_KIND,
                "model_version": s.model_version,
                "teacher_kind": cfg.teacher,
                "train_config": cfg.to_dict(),
                "training_data": training_data,
                "metrics": metrics,
            },
        )
        model = load_checkpoint(ckpt).model  # export exactly what the store will keep
        return export_bundle(
            model,
            s.work_dir / "bundle",
            s.model_version,
            untrained=False,
            teacher_kind=cfg.teacher,
            training_data=training_data,
            metrics=metrics,
            checkpoint={"file": ckpt.name, "sha256": sha256_file(ckpt), "step": st.step},
            threads=s.export_threads,
            force=True,
        )

    return ckpt, run.clock.run("export", export, f"ONNX bundle {s.model_version}")


def _verify_stage(run: _Retrain, bundle: Path) -> VerifyReport:
    verified = run.clock.run(
        "verify",
        lambda: verify_bundle(bundle, threads=run.s.export_threads),
        "checksums, graphs, golden parity on ONNX Runtime",
    )
    run.doc["bundle"] = {"exported": str(bundle), "verify": verified.to_dict()}
    return verified


# --- store: bundle + checkpoint into the bundle store, the ModelRelease beside them ---------------
def _store_stage(
    run: _Retrain, bundle: Path, ckpt: Path, verified: VerifyReport
) -> tuple[StoredRelease, dict[str, Any]]:
    s = run.s

    def store() -> tuple[StoredRelease, dict[str, Any]]:
        stored = put(s.bundle_store, bundle, ckpt)
        check_files(stored.bundle, read_manifest(stored.bundle, verified.manifest_sha256))
        release = model_release(s.model_version, stored.bundle, manifest_sha256(stored.bundle))
        write_release(stored.release_json, release)
        write_release(s.work_dir / "release.json", release)
        return stored, release

    stored, release = run.clock.run("store", store, str(s.bundle_store))
    run.result.stored, run.result.release = stored, release
    run.doc["release"] = release
    run.doc["stored"] = {
        "bundle": str(stored.bundle),
        "checkpoint": str(stored.checkpoint),
        "release_json": str(stored.release_json),
    }
    return stored, release


# --- publish: the --publish-command hook ------------------------------------------------------------
def _publish_stage(run: _Retrain, stored: StoredRelease, release: dict[str, Any]) -> None:
    s = run.s
    values = {
        "bundle": str(stored.bundle.resolve()),
        "model_version": s.model_version,
        "bundle_sha256": release["bundle_sha256"],
        "bundle_uri": release["bundle_uri"],
        "release_json": str(stored.release_json.resolve()),
    }
    done = run.clock.run("publish", lambda: publish(s.publish_command, values), s.publish_command)
    run.doc["publish"] = {
        "command": done.args,
        "stdout": done.stdout[-2000:],
        "returncode": done.returncode,
    }
