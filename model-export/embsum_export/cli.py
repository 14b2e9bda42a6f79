"""Command line: export a model bundle, verify a bundle.

    python -m embsum_export export --checkpoint CKPT --out DIR --model-version V [--tar]
    python -m embsum_export export --random-init PRESET --out DIR --model-version V [--seed N] [--tar]
    python -m embsum_export verify BUNDLE            (a bundle directory or .tar.gz)

Exit codes: 0 ok; 2 the command line is wrong, or the bundle failed verification / could not be
exported (the message names the file and what to do).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from pathlib import Path
from typing import Any

import torch

from embsum.digest import sha256_file
from embsum.model import PRESETS, EmbSum, EmbSumConfig, load_checkpoint
from embsum.text import TextConfig

from .bundle import export_bundle
from .bundle_reader import manifest_sha256
from .errors import BundleError
from .manifest import MODEL_VERSION_RE, TEACHER_KINDS
from .verify import verify_bundle

EXIT_BAD = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m embsum_export",
        description="EmbSum ONNX model bundles (docs/model-bundle.md).",
    )
    sub = p.add_subparsers(dest="command", metavar="{export,verify}")
    sub.required = True

    e = sub.add_parser(
        "export",
        help="export a checkpoint (or a random-init model) as a bundle",
        description="Export ONNX graphs + manifest + tokenizer + golden vectors. "
        "Exactly one of --checkpoint / --random-init.",
    )
    src = e.add_argument_group("model source (exactly one)")
    src.add_argument(
        "--checkpoint", metavar="CKPT", help="an EmbSum checkpoint (embsum.model.save_checkpoint)"
    )
    src.add_argument(
        "--random-init",
        metavar="PRESET",
        help=f"untrained model of a preset {sorted(PRESETS)} (tests/demos; marked untrained)",
    )
    e.add_argument("--out", required=True, metavar="DIR", help="directory to write the bundle into")
    e.add_argument(
        "--model-version",
        required=True,
        metavar="V",
        help="bundle name: letters, digits, '.', '_' and '-' (e.g. 2024-06-01.1)",
    )
    e.add_argument(
        "--tar", action="store_true", help="write DIR/V.tar.gz instead of the directory DIR/V"
    )
    e.add_argument("--force", action="store_true", help="replace an existing bundle of that name")
    e.add_argument("--seed", type=int, default=0, help="torch seed for --random-init (default 0)")
    e.add_argument(
        "--max-summary-tokens",
        type=int,
        metavar="N",
        help="greedy decoding cap written to the bundle (default: the model's, 128)",
    )
    e.add_argument("--m", type=int, help="--random-init only: UPE codes m (default 32)")
    e.add_argument("--n", type=int, help="--random-init only: CPE codes n (default 4)")
    e.add_argument(
        "--teacher-kind",
        choices=TEACHER_KINDS,
        help="teacher summaries the model was trained with (default: the checkpoint's "
        "extra['teacher_kind']; 'none' for --random-init)",
    )
    e.add_argument(
        "--training-data", metavar="JSON", help="JSON file (object) describing the training data"
    )
    e.add_argument("--metrics", metavar="JSON", help="JSON file (object) with evaluation metrics")
    e.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="CPU threads for torch and onnxruntime (default: all cores; on a busy machine 1 "
        "avoids thread oversubscription)",
    )

    v = sub.add_parser(
        "verify",
        help="verify a bundle directory or .tar.gz",
        description="Check manifest fields, every checksum, that every graph loads in "
        "ONNX Runtime, and that the golden vectors are reproduced.",
    )
    v.add_argument("bundle", metavar="BUNDLE", help="bundle directory or .tar.gz archive")
    v.add_argument("--json", action="store_true", help="print the report as JSON")
    v.add_argument(
        "--threads", type=int, metavar="N", help="CPU threads for onnxruntime (default: all cores)"
    )
    v.add_argument(
        "--manifest-sha256",
        metavar="HEX",
        help="also require manifest.json to have this sha256 (ModelRelease.bundle_sha256)",
    )
    return p


def _json_object(
    parser: argparse.ArgumentParser, flag: str, path: str | None
) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        parser.error(f"{flag} {path}: no such file; pass a JSON file holding an object")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        parser.error(f"{flag} {path}: not valid JSON ({e}); fix the file or leave the flag out")
    if not isinstance(value, dict):
        parser.error(
            f"{flag} {path}: must hold a JSON object ({{...}}), got {type(value).__name__}"
        )
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    """JSON-safe copy: non-finite floats -> None, unknown types -> str (Java's JSON parsers reject
    NaN / Infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def checkpoint_metadata(extra: dict[str, Any]) -> dict[str, Any]:
    """teacher kind, training data and metrics recorded in a checkpoint's `extra`.

    Explicit keys win (`teacher_kind`, `training_data`, `metrics`); otherwise a trainer
    checkpoint (embsum.train: extra.kind = embsum-train-state/1) gives `train_config.teacher`,
    `train_config` + the progress fields of `state` as training data, and `eval` as metrics.
    Nothing is made up: what is not recorded stays empty.
    """
    tc = extra.get("train_config") if isinstance(extra.get("train_config"), dict) else {}
    state = extra.get("state") if isinstance(extra.get("state"), dict) else {}
    data = extra.get("training_data")
    if data is None:
        data = {}
        if tc:
            data["train_config"] = tc
        progress = {
            k: state[k]
            for k in ("step", "epoch", "best_step", "best_epoch", "best_auc", "train_seconds")
            if k in state
        }
        if progress:
            data["state"] = progress
        if "kind" in extra:
            data["checkpoint_kind"] = extra["kind"]
    metrics = extra.get("metrics")
    if metrics is None:
        metrics = extra.get("eval") or {}
    return {
        "teacher_kind": extra.get("teacher_kind") or tc.get("teacher"),
        "training_data": _jsonable(dict(data)),
        "metrics": _jsonable(dict(metrics)),
    }


def _threads(parser: argparse.ArgumentParser, a: argparse.Namespace) -> None:
    if a.threads is not None:
        if a.threads < 1:
            parser.error("--threads must be at least 1 (or leave it out to use every core)")
        torch.set_num_threads(a.threads)


def _export(parser: argparse.ArgumentParser, a: argparse.Namespace) -> int:
    _threads(parser, a)
    if (a.checkpoint is None) == (a.random_init is None):
        parser.error(
            "give exactly one model source: --checkpoint CKPT (a trained model) or "
            "--random-init PRESET (an untrained model for tests/demos)"
        )
    if not MODEL_VERSION_RE.match(a.model_version):
        parser.error(
            f"--model-version {a.model_version!r}: use 1-128 characters of A-Z a-z 0-9 . _ - "
            "starting with a letter or digit, e.g. --model-version 2024-06-01.1"
        )
    if a.max_summary_tokens is not None and a.max_summary_tokens < 1:
        parser.error("--max-summary-tokens must be at least 1")
    training_data = _json_object(parser, "--training-data", a.training_data)
    metrics = _json_object(parser, "--metrics", a.metrics)
    overrides = {} if a.max_summary_tokens is None else {"max_summary_tokens": a.max_summary_tokens}
    text_cfg = None
    if a.random_init is not None:
        if a.random_init not in PRESETS:
            parser.error(
                f"--random-init {a.random_init!r} is not a preset; use one of {sorted(PRESETS)}"
            )
        if a.teacher_kind not in (None, "none"):
            parser.error(
                "--random-init models are untrained: leave out --teacher-kind (or pass 'none')"
            )
        if metrics:
            parser.error(
                "--random-init models are untrained: they have no metrics; leave out --metrics"
            )
        for flag, value in (("m", a.m), ("n", a.n)):
            if value is not None and value < 1:
                parser.error(f"--{flag} must be at least 1")
        torch.manual_seed(a.seed)
        heads = {k: v for k, v in (("m", a.m), ("n", a.n)) if v is not None}
        model = EmbSum(EmbSumConfig(backbone=a.random_init, **heads, **overrides))
        untrained, teacher = True, "none"
        training_data = {
            "status": "untrained",
            "random_init": {"preset": a.random_init, "seed": a.seed},
            **(training_data or {}),
        }
        checkpoint = None
    else:
        if a.m is not None or a.n is not None:
            parser.error("--m / --n apply to --random-init only (a checkpoint fixes its heads)")
        ckpt = Path(a.checkpoint)
        if not ckpt.is_file():
            parser.error(
                f"--checkpoint {ckpt}: no such file (an EmbSum checkpoint written by save_checkpoint)"
            )
        try:
            loaded = load_checkpoint(ckpt, **overrides)
        except Exception as e:
            print(
                f"error: {ckpt}: cannot load the checkpoint ({type(e).__name__}: {e})",
                file=sys.stderr,
            )
            return EXIT_BAD
        model, extra = loaded.model, loaded.extra
        recorded = checkpoint_metadata(extra)
        teacher = a.teacher_kind or recorded["teacher_kind"]
        if teacher not in TEACHER_KINDS:
            parser.error(
                f"the checkpoint does not record its teacher summaries (extra['teacher_kind'] or "
                f"extra['train_config']['teacher']); pass --teacher-kind {{{','.join(TEACHER_KINDS)}}}"
            )
        untrained = False
        training_data = training_data if training_data is not None else recorded["training_data"]
        metrics = metrics if metrics is not None else recorded["metrics"]
        if "text_config" in extra:
            try:
                text_cfg = TextConfig.from_dict(extra["text_config"]).validate()
            except (ValueError, KeyError, TypeError) as e:
                print(
                    f"error: {ckpt}: extra['text_config'] is not a valid text config ({e})",
                    file=sys.stderr,
                )
                return EXIT_BAD
        checkpoint = {"file": ckpt.name, "sha256": sha256_file(ckpt), "step": loaded.step}
    t0 = time.perf_counter()
    try:
        path = export_bundle(
            model,
            a.out,
            a.model_version,
            untrained=untrained,
            teacher_kind=teacher,
            training_data=training_data,
            metrics=metrics,
            checkpoint=checkpoint,
            text_cfg=text_cfg,
            tar=a.tar,
            force=a.force,
            threads=a.threads,
        )
    except (FileExistsError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD
    except BundleError as e:
        print(f"error: export failed its own check, no bundle written: {e}", file=sys.stderr)
        return EXIT_BAD
    size = sum(
        p.stat().st_size for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file()
    )
    state = "UNTRAINED " if untrained else ""
    print(f"wrote {state}bundle {path} ({size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    print(f"manifest.json sha256 {manifest_sha256(path)} (ModelRelease.bundle_sha256)")
    return 0


def _verify(parser: argparse.ArgumentParser, a: argparse.Namespace) -> int:
    _threads(parser, a)
    if a.manifest_sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", a.manifest_sha256):
        parser.error(
            "--manifest-sha256 must be 64 hex digits (the sha256 of the bundle's manifest.json)"
        )
    try:
        report = verify_bundle(a.bundle, threads=a.threads, manifest_sha256=a.manifest_sha256)
    except BundleError as e:
        print(f"error: bundle {a.bundle} failed verification: {e}", file=sys.stderr)
        return EXIT_BAD
    if a.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        diffs = ", ".join(f"{k} {v:.2g}" for k, v in report.max_abs_diff.items())
        state = " (UNTRAINED)" if report.untrained else ""
        print(
            f"OK {report.model_version}{state}: {report.files_checked} files checksummed, "
            f"{len(report.graphs)} graphs load, golden reproduced (summary ids identical; "
            f"max |diff| {diffs}); manifest.json sha256 {report.manifest_sha256}"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    a = parser.parse_args(argv)
    if a.command == "export":
        return _export(parser, a)
    return _verify(parser, a)
