"""`python -m embsum_retrain`: retrain from the event archive and release the model if it passes
the gate (docs/retrain.md).

    python -m embsum_retrain --archive ARCHIVE --bundle-store STORE --serving-bundle BUNDLE|none
        [--serving-checkpoint CKPT] [--init-from serving|none|CKPT] [--margin 0.005]
        [--model-version V | --version-prefix P] [--work-dir DIR] [--preset tiny|demo]
        [--publish-command 'scripts/embsum release {bundle} --bootstrap-servers kafka:9092']
        [any python -m embsum.train flag: --model, --epochs, --max-steps, --batch-size, --lr, ...]

Exit codes: 0 released; 3 the gate refused the new model (nothing stored; the report says why);
2 a wrong argument or unusable input (the message says what to do); 1 a later stage failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from embsum.argtypes import positive_int
from embsum.data.archive import ArchiveError
from embsum.model import read_checkpoint
from embsum.teacher import TeacherConfigError
from embsum.train.cli import add_config_arguments, config_values, given_flags
from embsum.train.config import ConfigError, TrainConfig
from embsum_export.manifest import check_model_version
from embsum_retrain.gate import DEFAULT_MARGIN
from embsum_retrain.pipeline import default_model_version, retrain
from embsum_retrain.release import check_template
from embsum_retrain.run import STATUS_GATE_FAILED, RetrainResult, RetrainSettings
from embsum_retrain.store import ServingModel, StoreError, serving_model

PROG = "python -m embsum_retrain"
EXIT_RELEASED, EXIT_FAILED, EXIT_BAD, EXIT_GATE = 0, 1, 2, 3

# TrainConfig fields that retrain sets itself (or that have no meaning here: training does not
# evaluate; the gate does, on the dev day).
FIXED = (
    "dataset",
    "data_dir",
    "output_dir",
    "resume",
    "init_from",
    "eval_every",
    "eval_each_epoch",
    "test_at_end",
    "stop_after",
    "synthetic_examples",
)

# Model-shape fields taken from the warm-start checkpoint unless given on the command line.
SHAPE = {
    "model": "backbone",
    "m": "m",
    "n": "n",
    "use_cpe": "use_cpe",
    "session_grouping": "session_grouping",
    "max_summary_tokens": "max_summary_tokens",
}

TRAINING_PRESETS: dict[str, dict[str, Any]] = {
    # tests and smoke runs: seconds on a CPU (the model learns next to nothing)
    "tiny": dict(
        model="tiny",
        m=4,
        n=3,
        max_summary_tokens=8,
        batch_size=8,
        micro_batch_size=4,
        epochs=1,
        max_steps=4,
        lr=5e-3,
        warmup_steps=1,
        num_workers=0,
        rouge_users=0,
        eval_batch_size=32,
    ),
    # the shipped demo bundle's shape and settings (scripts/build-demo-bundle.sh)
    "demo": dict(
        model="small-demo", batch_size=32, micro_batch_size=16, epochs=1, eval_batch_size=32
    ),
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        allow_abbrev=False,
        usage="%(prog)s --archive DIR --bundle-store DIR --serving-bundle BUNDLE|none "
        "[options]   (all options: --help)",
        description="Retrain EmbSum on the event archive (older days train, the newest day is dev), gate it against "
        "the serving model on the dev day, and release it: export + verify the ONNX bundle, put it (with "
        "its checkpoint) into the bundle store, write the ModelRelease and run --publish-command.",
        epilog="Training flags are those of python -m embsum.train (model shape, optimisation, evaluation batch). "
        "Exit codes: 0 released, 3 gate refused, 2 bad input, 1 a stage failed. Docs: docs/retrain.md",
    )
    r = p.add_argument_group("retrain")
    r.add_argument(
        "--archive",
        required=True,
        metavar="DIR",
        help="event archive: DIR/{clicks,impressions,content}/dt=YYYY-MM-DD/<Avro part files>",
    )
    r.add_argument(
        "--bundle-store",
        required=True,
        metavar="DIR",
        help="where released bundles live: DIR/<model_version>/ + DIR/<model_version>.checkpoint.pt + "
        "DIR/<model_version>.release.json",
    )
    r.add_argument(
        "--serving-bundle",
        required=True,
        metavar="BUNDLE|none",
        help="the bundle being served (directory or .tar.gz; its checkpoint is found beside it, see "
        "--serving-checkpoint): the gate's baseline and the default warm start. 'none': nothing is "
        "served yet (first release: no comparison)",
    )
    r.add_argument(
        "--serving-checkpoint",
        metavar="CKPT",
        help="the serving bundle's PyTorch checkpoint when it is not beside the bundle (checked against "
        "the sha256 in its manifest.json)",
    )
    r.add_argument(
        "--init-from",
        metavar="serving|none|CKPT",
        default=None,
        help="warm start from the serving model (default when there is one), from scratch ('none', the "
        "default without a serving model), or from a checkpoint file",
    )
    r.add_argument(
        "--margin",
        type=float,
        default=DEFAULT_MARGIN,
        help=f"gate: release iff new AUC >= serving AUC - margin (default {DEFAULT_MARGIN}; negative = "
        "demand an improvement)",
    )
    r.add_argument(
        "--model-version",
        metavar="V",
        help="the release's model_version (default: <version-prefix>-<UTC timestamp>)",
    )
    r.add_argument(
        "--version-prefix",
        default="embsum",
        metavar="P",
        help="prefix of the default model_version",
    )
    r.add_argument(
        "--work-dir",
        metavar="DIR",
        help="run directory: train/ (metrics.jsonl, last.pt), bundle/, retrain.json, retrain.md, "
        "release.json (default: runs/retrain/<model_version>)",
    )
    r.add_argument(
        "--publish-command",
        metavar="TEMPLATE",
        help="run after the bundle is stored, e.g. 'scripts/embsum release {bundle} --bootstrap-servers "
        "localhost:9092'; placeholders {bundle} {model_version} {bundle_sha256} {bundle_uri} "
        "{release_json}",
    )
    r.add_argument(
        "--preset",
        choices=sorted(TRAINING_PRESETS),
        help="training defaults: tiny (tests, seconds) or demo (the demo bundle's small-demo settings); "
        "flags given explicitly still win",
    )
    r.add_argument(
        "--export-threads",
        type=positive_int,
        metavar="N",
        help="CPU threads for export and verify (default: all cores)",
    )
    t = p.add_argument_group("training (python -m embsum.train flags)")
    add_config_arguments(t, skip=FIXED)
    return p


def _init_checkpoint(a: argparse.Namespace, serving: ServingModel | None) -> tuple[str, str | None]:
    """(warm-start kind, checkpoint path or None)."""
    choice = a.init_from or ("serving" if serving is not None else "none")
    if choice == "none":
        return "none", None
    if choice == "serving":
        if serving is None:
            raise ConfigError(
                "--init-from serving needs a serving model, but --serving-bundle is none: use "
                "--init-from none (train from scratch) or --init-from CHECKPOINT"
            )
        return "serving", str(serving.checkpoint)
    return "checkpoint", choice


def _shape_from(checkpoint: str, values: dict[str, Any], given: set[str]) -> None:
    """Fill the model-shape fields not given on the command line from the checkpoint's config."""
    try:
        saved = read_checkpoint(checkpoint)["config"]
    except FileNotFoundError:
        raise ConfigError(f"--init-from {checkpoint}: no such file") from None
    except Exception as e:  # noqa: BLE001 - not a checkpoint: say so
        raise ConfigError(
            f"--init-from {checkpoint}: cannot read it as an EmbSum checkpoint "
            f"({type(e).__name__}: {e})"
        ) from None
    for field, key in SHAPE.items():
        if field not in given and key in saved:
            values[field] = saved[key]


def settings_from_args(
    argv: Sequence[str] | None = None, parser: argparse.ArgumentParser | None = None
) -> RetrainSettings:
    """Parse and resolve everything that can be checked before any work."""
    parser = parser or build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    a = parser.parse_args(argv)
    if a.preset:  # preset = new defaults, then parse again
        parser.set_defaults(**TRAINING_PRESETS[a.preset])
        a = parser.parse_args(argv)
    try:
        version = a.model_version or default_model_version(a.version_prefix)
        check_model_version(version)
        serving = None
        if a.serving_bundle.lower() != "none":
            serving = serving_model(Path(a.serving_bundle), a.serving_checkpoint)
        elif a.serving_checkpoint:
            raise ConfigError(
                "--serving-checkpoint needs a --serving-bundle (it is that bundle's weights)"
            )
        if a.publish_command is not None:
            check_template(a.publish_command)
        warm, init = _init_checkpoint(a, serving)
        given = given_flags(argv)
        work = Path(a.work_dir) if a.work_dir else Path("runs") / "retrain" / version
        values = config_values(
            a,
            argv,
            dataset="archive",
            data_dir=a.archive,
            output_dir=str(work / "train"),
            resume=None,
            init_from=init,
            eval_every=0,
            eval_each_epoch=False,
            test_at_end=False,
            stop_after=None,
            synthetic_examples=TrainConfig.synthetic_examples,
        )
        if init is not None:
            _shape_from(init, values, given)
        cfg = TrainConfig(**values)
    except (ConfigError, StoreError, ValueError) as e:
        parser.error(str(e))
    return RetrainSettings(
        train=cfg,
        work_dir=work,
        bundle_store=Path(a.bundle_store),
        model_version=version,
        serving=serving,
        warm_start=warm,
        margin=a.margin,
        publish_command=a.publish_command,
        export_threads=a.export_threads,
    )


def summary(result: RetrainResult) -> str:
    """The closing lines: decision, gate numbers, each stage's time."""
    lines = [f"retrain {result.model_version}: {result.status.upper().replace('_', ' ')}"]
    if result.decision is not None:
        d = result.decision
        lines.append(f"  gate: {d.reason}")
        for name, m in (("new", result.candidate), ("serving", result.serving)):
            if m is not None:
                lines.append(
                    f"  {name:8s} AUC {m['auc']:.4f}  MRR {m['mrr']:.4f}  nDCG@5 {m['ndcg@5']:.4f}  "
                    f"nDCG@10 {m['ndcg@10']:.4f}  ({m['impressions']} impressions)"
                )
    lines.append(
        "  stages: "
        + ", ".join(f"{s.name} {s.seconds:.1f} s" for s in result.stages)
        + f"; total {result.total_seconds:.1f} s"
    )
    if result.stored is not None:
        lines.append(f"  stored: {result.stored.bundle} (+ {result.stored.checkpoint.name})")
    if result.error:
        lines.append(f"  error: {result.error}")
    lines.append(f"  report: {result.report.get('md')}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    settings = settings_from_args(argv, parser)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        parser.error("run it as one process (no torchrun): it exports and publishes once")
    try:
        result = retrain(settings)
    except (ConfigError, ArchiveError, StoreError, TeacherConfigError, FileNotFoundError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return EXIT_BAD
    except Exception as e:  # noqa: BLE001 - a failed stage: the report has been written
        print(
            f"{PROG}: error: {type(e).__name__}: {e}\n(report: {settings.work_dir / 'retrain.md'})",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print(summary(result), file=sys.stderr)
    if result.release is not None:
        print(json.dumps(result.release, indent=2))
    return EXIT_GATE if result.status == STATUS_GATE_FAILED else EXIT_RELEASED
