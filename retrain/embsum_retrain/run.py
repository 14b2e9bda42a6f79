"""One retrain run's parts: its settings, its result, the clock that runs and times the stages,
and `Retrain`, which holds them with the report document the stages fill in (pipeline.py,
release_stages.py); `Retrain.finish` writes the report."""

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

from embsum.train.config import TrainConfig
from embsum_retrain.gate import GateDecision
from embsum_retrain.report import write_report
from embsum_retrain.store import ServingModel, StoredRelease

T = TypeVar("T")

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


class Retrain:
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
