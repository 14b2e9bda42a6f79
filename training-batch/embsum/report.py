"""`python -m embsum.report RUN_DIR`: plots and a Markdown report from a run's metrics.jsonl.

Writes into RUN_DIR (or --out):

- `loss.png`     train loss, L_NCE (top) and L_sum (bottom) per optimizer step
- `dev_auc.png`  dev AUC per epoch (every dev evaluation, x = step / steps per epoch; the
                 best one marked)
- `report.md`    run settings, dataset sizes, teacher kind, the best epoch (by dev AUC: the
                 paper's model selection) with its dev and test metrics, a per-epoch table and
                 timings

Reads only metrics.jsonl (embsum.train.metrics_log documents the records), so it works on a
run still in progress and needs no GPU or checkpoint.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from embsum.train.metrics_log import read_metrics  # noqa: E402

METRICS = ("auc", "mrr", "ndcg@5", "ndcg@10")
ROUGE = ("rouge1", "rouge2", "rougeL")


class Run:
    """The records of one metrics.jsonl, grouped by kind."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        by: dict[str, list[dict[str, Any]]] = {}
        for r in records:
            by.setdefault(r.get("kind", "?"), []).append(r)
        self.runs = by.get("run", [])
        if not self.runs:
            raise ValueError("metrics.jsonl has no 'run' record: not written by embsum.train")
        self.run = self.runs[0]
        self.train = by.get("train", [])
        self.epochs = by.get("epoch", [])
        evals = by.get("eval", [])
        self.dev = [e for e in evals if e.get("split") == "dev"]
        self.test = [e for e in evals if e.get("split") == "test"]
        self.end = by.get("end", [None])[-1]

    @property
    def config(self) -> dict[str, Any]:
        return self.run.get("config", {})

    @property
    def steps_per_epoch(self) -> int:
        return int(self.run.get("steps_per_epoch") or 1)

    def best_dev(self) -> dict[str, Any] | None:
        good = [e for e in self.dev if e.get("auc") is not None]
        # first evaluation reaching the highest AUC (how the trainer picks best.pt)
        return max(good, key=lambda e: (e["auc"], -e["step"])) if good else None


def format_value(v: Any, digits: int = 4) -> str:
    """A metric or count for a report table: floats to `digits` places, missing or NaN as a dash
    (the retrain report formats its tables with the same rules)."""
    if v is None:
        return "–"
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        return f"{v:.{digits}f}"
    return str(v)


def format_seconds(s: float | None) -> str:
    """A duration in s, min or h, whichever reads best."""
    if s is None:
        return "–"
    s = float(s)
    if s < 120:
        return f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.2f} h"


def plot_loss(run: Run, path: Path) -> None:
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    steps = [r["step"] for r in run.train]
    for key, label in (("loss", "loss (total)"), ("nce", "L_NCE")):
        top.plot(steps, [r.get(key) for r in run.train], label=label, linewidth=1)
    top.set_ylabel("loss")
    top.legend()
    top.grid(alpha=0.3)
    bottom.plot(
        steps, [r.get("sum") for r in run.train], color="tab:green", linewidth=1, label="L_sum"
    )
    bottom.set_ylabel("L_sum")
    bottom.set_xlabel("optimizer step")
    bottom.legend()
    bottom.grid(alpha=0.3)
    top.set_title(f"training loss ({run.config.get('model')}, {run.config.get('dataset')})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_dev_auc(run: Run, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 4))
    spe = run.steps_per_epoch
    if run.dev:
        xs = [e["step"] / spe for e in run.dev]
        ax.plot(xs, [e.get("auc") for e in run.dev], marker="o", label="dev AUC")
        best = run.best_dev()
        if best is not None:
            ax.scatter(
                [best["step"] / spe],
                [best["auc"]],
                s=120,
                facecolors="none",
                edgecolors="red",
                label=f"best: epoch {best.get('epoch')}, AUC {best['auc']:.4f}",
                zorder=3,
            )
        ax.legend()
    else:
        ax.text(
            0.5,
            0.5,
            "no dev evaluation in this run",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("AUC")
    ax.set_title("dev AUC per epoch")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def metrics_row(
    name: str,
    m: dict[str, Any] | None,
    last: str,
    format_last: Callable[[Any], str] | None = None,
) -> str:
    """A Markdown table row of evaluation metrics `m` (an `eval` record): `name`, METRICS +
    ROUGE, impressions and the field `last` (through `format_last`, default format_value);
    dashes when there is no `m`. The retrain report's rows are made the same way."""
    if m is None:
        return f"| {name} | " + " | ".join("–" for _ in METRICS + ROUGE) + " | – | – |"
    return (
        f"| {name} | "
        + " | ".join(format_value(m.get(k)) for k in METRICS + ROUGE)
        + f" | {format_value(m.get('impressions'))} | {(format_last or format_value)(m.get(last))} |"
    )


def render(run: Run) -> str:
    c, r = run.config, run.run
    ds = r.get("dataset") or {}
    teacher = r.get("teacher") or {}
    best = run.best_dev()
    test = run.test[-1] if run.test else None
    last_dev = run.dev[-1] if run.dev else None
    end = run.end
    L: list[str] = []
    L.append(f"# EmbSum training report: {c.get('model')} on {c.get('dataset')}")
    L.append("")
    status = (
        "finished"
        if end and end.get("finished")
        else "stopped early (--stop-after; resume to finish)"
        if end
        else "in progress (no end record)"
    )
    L.append(
        f"Status: **{status}**, {end.get('step') if end else (run.train[-1]['step'] if run.train else 0)}"
        f" of {r.get('total_steps')} optimizer steps."
    )
    for note in r.get("notes") or []:
        L.append(f"\n> Note: {note}")
    L.append("")
    L.append("## Best epoch (model selection by dev AUC)")
    L.append("")
    if best is not None:
        L.append(
            f"Best dev AUC **{best['auc']:.4f}** at epoch **{best.get('epoch')}** (step {best['step']}); "
            "best.pt holds these weights." + (" Test metrics below are best.pt's." if test else "")
        )
    else:
        L.append("No dev evaluation yet.")
    L.append("")
    L.append(
        "| split | AUC | MRR | nDCG@5 | nDCG@10 | ROUGE-1 | ROUGE-2 | ROUGE-L | impressions | step |"
    )
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    L.append(metrics_row("dev (best)", best, "step"))
    L.append(metrics_row("test (best.pt)", test, "step"))
    if last_dev is not None and best is not None and last_dev is not best:
        L.append(metrics_row("dev (last)", last_dev, "step"))
    L.append("")
    L.append(
        "Metrics: embsum.metrics (official MIND definitions), averaged over impressions; ROUGE F-measure of "
        f"the model's greedy summary vs the teacher summary for {format_value((best or {}).get('rouge_users'))} "
        f"dev users; user global vector: {c.get('eval_global')}."
    )
    L.append("")
    L.append("## Per epoch")
    L.append("")
    L.append(
        "| epoch | step | train loss | L_NCE | L_sum | dev AUC | MRR | nDCG@5 | nDCG@10 | ROUGE-L | epoch time |"
    )
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    dev_at = {e["step"]: e for e in run.dev}
    for ep in run.epochs:
        e = dev_at.get(ep["step"], {})
        mark = " **(best)**" if best is not None and e is best else ""
        cells = [format_value(ep.get(k)) for k in ("loss", "nce", "sum")]
        cells += [format_value(e.get(k)) for k in ("auc", "mrr", "ndcg@5", "ndcg@10", "rougeL")]
        L.append(
            f"| {ep['epoch']}{mark} | {ep['step']} | "
            + " | ".join(cells)
            + f" | {format_seconds(ep.get('seconds'))} |"
        )
    L.append("")
    L.append("## Data and teacher")
    L.append("")
    L.append(
        f"- dataset: {c.get('dataset')} ({ds.get('data_dir', 'generated')}); split: {ds.get('split_rule', '–')}"
    )
    skipped = ds.get("train_skipped_empty_history")
    L.append(
        f"- sizes: train {format_value(ds.get('train'))} examples"
        + (f" ({skipped} with an empty history left out)" if skipped else "")
        + f", dev {format_value(ds.get('dev'))} impressions"
        + (
            f" ({ds.get('dev_evaluated')} evaluated)"
            if ds.get("dev_evaluated") not in (None, ds.get("dev"))
            else ""
        )
        + f", test {format_value(ds.get('test'))} impressions"
    )
    L.append(f"- negatives per click: {r.get('model_config', {}).get('neg_ratio')}")
    L.append(
        f"- teacher: **{teacher.get('kind') or 'none'}** ({teacher.get('model') or '–'}), "
        f"summaries for {format_value(teacher.get('users'))} users"
    )
    L.append("")
    L.append("## Model and optimisation")
    L.append("")
    mc = r.get("model_config", {})
    L.append(
        f"- backbone `{mc.get('backbone')}`, {r.get('params', 0) / 1e6:.2f}M parameters; m={mc.get('m')}, "
        f"n={mc.get('n')}, lambda_sum={mc.get('lambda_sum')}, CPE {'on' if mc.get('use_cpe') else 'off'}, "
        f"session grouping {'on' if mc.get('session_grouping') else 'off'}"
    )
    L.append(
        f"- batch {r.get('batch_size')} = micro {r.get('micro_batch_size')} x accum {r.get('grad_accum')} x "
        f"world {r.get('world_size')}; {r.get('steps_per_epoch')} steps/epoch, {r.get('total_steps')} steps"
    )
    L.append(
        f"- AdamW lr {c.get('lr')}, weight decay {c.get('weight_decay')}, betas ({c.get('beta1')}, "
        f"{c.get('beta2')}); {c.get('schedule')} schedule, {r.get('warmup_steps')} warmup steps, "
        f"min lr ratio {c.get('min_lr_ratio')}; grad clip {c.get('max_grad_norm')}"
    )
    L.append(
        f"- device {r.get('device')}, precision {r.get('precision')}, seed {c.get('seed')}, torch {r.get('torch')}"
    )
    L.append("")
    L.append("## Timings")
    L.append("")
    ex_s = [t["examples_per_s"] for t in run.train if t.get("examples_per_s")]
    step_s = [t["seconds"] for t in run.train if t.get("seconds")]
    if end:
        L.append(
            f"- training {format_seconds(end.get('train_seconds'))}, "
            f"evaluation {format_seconds(end.get('eval_seconds'))} (totals over resumes); "
            f"wall clock of the last invocation {format_seconds(end.get('wall_seconds'))}"
        )
    if ex_s:
        srt = sorted(ex_s)
        L.append(
            f"- throughput: median {srt[len(srt) // 2]:.1f} impressions/s, "
            f"{1 / sorted(step_s)[len(step_s) // 2]:.2f} steps/s (median step)"
        )
    if run.dev:
        L.append(f"- dev evaluation: {format_seconds(run.dev[-1].get('seconds'))} each (last)")
    if len(run.runs) > 1:
        L.append(
            f"- resumed {len(run.runs) - 1} time(s), from step(s) "
            + ", ".join(str(x.get("resumed_from")) for x in run.runs[1:])
        )
    L.append("")
    L.append("## Config")
    L.append("")
    L.append("```json")
    L.append(json.dumps(c, indent=1, sort_keys=True))
    L.append("```")
    L.append("")
    L.append("Plots: `loss.png`, `dev_auc.png`.")
    return "\n".join(L) + "\n"


def write_report(run_dir: str | Path, out: str | Path | None = None) -> dict[str, Path]:
    run_dir = Path(run_dir)
    metrics = run_dir / "metrics.jsonl"
    if not metrics.is_file():
        raise FileNotFoundError(
            f"{metrics} not found: RUN_DIR must be an embsum.train --output-dir"
        )
    run = Run(list(read_metrics(metrics)))
    out_dir = Path(out) if out else run_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "loss": out_dir / "loss.png",
        "dev_auc": out_dir / "dev_auc.png",
        "report": out_dir / "report.md",
    }
    plot_loss(run, paths["loss"])
    plot_dev_auc(run, paths["dev_auc"])
    paths["report"].write_text(render(run), encoding="utf-8")
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m embsum.report",
        description="loss.png, dev_auc.png and report.md from a training run's metrics.jsonl",
    )
    p.add_argument(
        "run_dir", metavar="RUN_DIR", help="the --output-dir of `python -m embsum.train`"
    )
    p.add_argument("--out", default=None, help="write the files here instead of RUN_DIR")
    ns = p.parse_args(argv)
    try:
        paths = write_report(ns.run_dir, ns.out)
    except (FileNotFoundError, ValueError) as e:
        p.error(str(e))
    for path in paths.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
