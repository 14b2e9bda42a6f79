"""`python -m embsum.train` (or `torchrun --nproc_per_node=N -m embsum.train`): the CLI over
TrainConfig. One `--flag` per field, generated from the dataclass (help text and defaults
included); booleans get `--x / --no-x`; optional numbers accept `none`.

Batch flags: give any two of --batch-size, --micro-batch-size, --grad-accum and the third is
derived (the defaults are batch 128 and micro-batch 16, so --grad-accum alone changes the
micro-batch size, and --micro-batch-size + --grad-accum alone set the batch size).

Exit codes: 0 done (or stopped by --stop-after), 2 a bad argument / setting (the message says
what is wrong and how to fix it), 1 a failure while training.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import types
import typing
from typing import Any, Sequence

from embsum.train.config import ConfigError, TrainConfig, _flag

PROG = "python -m embsum.train"
BATCH_FLAGS = ("batch_size", "micro_batch_size", "grad_accum")


def _base_type(tp) -> tuple[type, bool]:
    """(the non-None type, optional?) of an annotation like `int | None`."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return tp, False


def _converter(tp: type, optional: bool, flag: str):
    def convert(text: str):
        if optional and text.lower() in ("none", "auto", ""):
            return None
        try:
            return tp(text)
        except ValueError:
            kind = {int: "an integer", float: "a number"}.get(tp, tp.__name__)
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {kind}" + (" (or 'none')" if optional else "")
            ) from None

    convert.__name__ = {int: "integer", float: "number"}.get(tp, tp.__name__)
    return convert


def add_config_arguments(p: argparse.ArgumentParser, skip: Sequence[str] = ()) -> None:
    """One `--flag` per TrainConfig field (except `skip`), with its help text and default. Other
    commands that run training (embsum_retrain) add the same flags to their own parser."""
    hints = typing.get_type_hints(TrainConfig)
    for f in dataclasses.fields(TrainConfig):
        if f.name in skip:
            continue
        flag = "--" + _flag(f.name)
        help_ = f.metadata.get("help", "")
        tp, optional = _base_type(hints[f.name])
        if f.name == "resume":
            p.add_argument(
                flag,
                nargs="?",
                const="last",
                default=None,
                metavar="CHECKPOINT",
                help=help_ + "; bare --resume = OUTPUT_DIR/last.pt",
            )
        elif tp is bool:
            p.add_argument(
                flag,
                dest=f.name,
                action=argparse.BooleanOptionalAction,
                default=f.default,
                help=f"{help_} (default: {'on' if f.default else 'off'})",
            )
        else:
            kw: dict[str, Any] = dict(
                type=_converter(tp, optional, flag),
                default=f.default,
                help=f"{help_} (default: {f.default})",
            )
            if "choices" in f.metadata:
                kw["choices"] = f.metadata["choices"]
                kw["type"] = str
            p.add_argument(flag, dest=f.name, **kw)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        allow_abbrev=False,
        usage="%(prog)s [options]   (all options: --help)",
        description="Train EmbSum (RecSys 2024) on MIND / Goodreads / the event archive; writes metrics.jsonl, "
        "last.pt, best.pt to --output-dir. Multi-process: torchrun --nproc_per_node=N -m embsum.train ...",
        epilog="Effective batch = micro-batch-size x grad-accum x world size (torchrun processes); give two "
        "of --batch-size/--micro-batch-size/--grad-accum and the third is derived. "
        "Report: python -m embsum.report OUTPUT_DIR. Docs: docs/training.md",
    )
    add_config_arguments(p)
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the resolved config and batch arithmetic as JSON and exit",
    )
    return p


def given_flags(argv: Sequence[str] | None) -> set[str]:
    """TrainConfig field names whose flag appears on the command line (`--x`, `--x=v`, `--no-x`)."""
    args = argv if argv is not None else sys.argv[1:]
    out = set()
    for f in dataclasses.fields(TrainConfig):
        flag = _flag(f.name)
        if any(a in ("--" + flag, "--no-" + flag) or a.startswith("--" + flag + "=") for a in args):
            out.add(f.name)
    return out


def config_values(
    ns: argparse.Namespace, argv: Sequence[str] | None, **fixed: Any
) -> dict[str, Any]:
    """TrainConfig keyword arguments from parsed flags: `fixed` fields win; of the batch flags,
    the one not given is derived (module docstring)."""
    given = given_flags(argv) & set(BATCH_FLAGS)
    values = {
        f.name: fixed[f.name] if f.name in fixed else getattr(ns, f.name)
        for f in dataclasses.fields(TrainConfig)
    }
    if len(given) == 2:  # derive the flag that was not given
        (missing,) = set(BATCH_FLAGS) - given
        values[missing] = None
    elif given == {"grad_accum"}:  # keep the batch size, derive the micro-batch
        values["micro_batch_size"] = None
    return values


def parse_config(
    argv: Sequence[str] | None = None, parser: argparse.ArgumentParser | None = None
) -> tuple[TrainConfig, argparse.Namespace]:
    parser = parser or build_parser()
    ns = parser.parse_args(argv)
    try:
        cfg = TrainConfig(**config_values(ns, argv))
    except ConfigError as e:
        parser.error(str(e))
    return cfg, ns


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    cfg, ns = parse_config(argv, parser)
    import os

    world = int(os.environ.get("WORLD_SIZE", "1"))
    try:
        micro, accum, batch = cfg.resolve_batch(world)
    except ConfigError as e:
        parser.error(str(e))
    if ns.dry_run:
        print(
            json.dumps(
                {
                    "config": cfg.to_dict(),
                    "world_size": world,
                    "micro_batch_size": micro,
                    "grad_accum": accum,
                    "batch_size": batch,
                },
                indent=2,
            )
        )
        return 0
    from embsum.data.archive import ArchiveError
    from embsum.teacher import TeacherConfigError
    from embsum.train.loop import train

    try:
        result = train(cfg)
    except (ConfigError, TeacherConfigError, FileNotFoundError, ArchiveError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    s = result.state
    if int(os.environ.get("RANK", "0")) == 0:
        best = (
            f"best dev AUC {s.best_auc:.4f} at step {s.best_step}"
            if s.best_step is not None
            else "no dev eval"
        )
        print(
            f"{'done' if result.finished else 'stopped'}: {s.step} steps, {best}; run dir {result.output_dir}",
            file=sys.stderr,
        )
    return 0
