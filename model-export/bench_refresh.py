"""Benchmark (not a test): one user refresh on ONNX Runtime vs PyTorch, CPU, batch 1 and 16.

    .venv/bin/python model-export/bench_refresh.py [--preset base | --checkpoint CKPT] [--threads 2] [--bundle DIR]

Exports a random-init bundle of the preset (or uses --bundle), then times a full refresh
(sessions -> encoder -> item vectors -> memory -> greedy summary -> Z -> user head) for real
MIND users: batch 1 = the first behaviors row's user (60-item window, 15 sessions), batch 16 =
the first 16 users of behaviors.tsv. A random-init model never emits </s>, so every refresh
decodes the full cap (128 steps): this is the worst case for the decoder.

PyTorch: EmbSum.embed_users (greedy, KV cache) on a padded UserInputs batch. ONNX Runtime:
embsum_export.runtime.OnnxEmbSum.refresh (the Java glue). Median (and min) of --repeat alternating runs after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import types
from pathlib import Path

import onnxruntime
import torch

from embsum.model import EmbSum, EmbSumConfig, load_checkpoint
from embsum.text import EngagementHistory, TextConfig, TextTokenizer, group_sessions, item_tokens
from embsum.text.paths import MIND_DIR
from embsum.text.samples import read_mind_behaviors, read_mind_news
from embsum_export.bundle import export_bundle
from embsum_export.golden import _user_inputs
from embsum_export.runtime import OnnxEmbSum


def mind_users(n: int, cfg: TextConfig):
    tok = TextTokenizer()
    news = read_mind_news(MIND_DIR / "news.tsv")
    out, seen = [], set()
    for row in read_mind_behaviors(MIND_DIR / "behaviors.tsv"):
        if row.user_id in seen or not row.history:
            continue
        seen.add(row.user_id)
        hist = EngagementHistory.from_engagements(row.history, cfg.H)
        tokens_of = {
            i: item_tokens(tok, cfg, "news", news[i].title, news[i].abstract, news[i].category)
            for i in hist.item_ids
        }
        out.append(group_sessions(hist.entries, tokens_of, cfg))
        if len(out) == n:
            return out
    return out


def timed_pair(fa, fb, repeat: int) -> tuple[list[float], list[float]]:
    """Alternate the two runs (so background load hits both alike); one warm-up each."""
    fa()
    fb()
    ta, tb = [], []
    for _ in range(repeat):
        for fn, out in ((fa, ta), (fb, tb)):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
    return ta, tb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="base")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--bundle", help="use this bundle directory instead of exporting one")
    ap.add_argument(
        "--checkpoint",
        help="time this trained model (e.g. build/demo-run/best.pt) instead of a "
        "random-init preset; its summaries stop at </s> like in production",
    )
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.checkpoint:
        model = load_checkpoint(args.checkpoint).model.eval()
        args.preset = f"checkpoint {args.checkpoint}"
    else:
        model = EmbSum(EmbSumConfig(backbone=args.preset)).eval()
    with tempfile.TemporaryDirectory() as tmp:
        bundle = (
            Path(args.bundle)
            if args.bundle
            else export_bundle(
                model,
                tmp,
                "bench",
                untrained=not args.checkpoint,
                teacher_kind="template" if args.checkpoint else "none",
            )
        )
        rt = OnnxEmbSum(bundle, threads=args.threads)
        cfg = TextConfig(p=model.config.p)
        users = mind_users(16, cfg)
        results = {
            "preset": args.preset,
            "threads": args.threads,
            "max_summary_tokens": model.config.max_summary_tokens,
            "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__,
            "batches": {},
        }
        for batch in (1, 16):
            sel = users[:batch]
            ui = _user_inputs(
                [
                    [
                        types.SimpleNamespace(tokens=s.tokens, sos_positions=s.sos_positions)
                        for s in ss
                    ]
                    for ss in sel
                ],
                0,
            )

            def run_torch():
                with torch.no_grad():
                    model.embed_users(ui)

            pt_runs, ox_runs = timed_pair(run_torch, lambda: rt.refresh(sel), args.repeat)
            pt, ox = statistics.median(pt_runs), statistics.median(ox_runs)
            stages: dict[str, float] = {}
            rt.refresh(sel, timings=stages)  # one more run, split by stage
            results["batches"][batch] = {
                "sessions": sum(len(s) for s in sel),
                "items": sum(len(x.item_ids) for s in sel for x in s),
                "pytorch_ms": round(pt, 1),
                "onnxruntime_ms": round(ox, 1),
                "pytorch_ms_min": round(min(pt_runs), 1),
                "onnxruntime_ms_min": round(min(ox_runs), 1),
                "pytorch_ms_per_user": round(pt / batch, 1),
                "onnxruntime_ms_per_user": round(ox / batch, 1),
                "speedup": round(pt / ox, 2),
                "onnxruntime_stages_ms": {k: round(v, 1) for k, v in stages.items()},
            }
            print(json.dumps({batch: results["batches"][batch]}), flush=True)
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
