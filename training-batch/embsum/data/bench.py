"""Loader throughput (a benchmark, not a test): ``python -m embsum.data.bench``.

Measures examples/s of ``make_train_loader`` on the MIND (or Goodreads) sample's train split
for several ``num_workers``, per epoch (epoch 0 includes starting the workers). With
``--model PRESET`` each batch also goes through a forward + backward + SGD step of an EmbSum
model of that preset, which is how the loader runs in training: the workers prepare the next
batches while the main process computes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch

from embsum.data.loader import make_train_loader
from embsum.data.prepare import prepare_goodreads, prepare_mind


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m embsum.data.bench", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--dataset", choices=("mind", "goodreads"), default="mind")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument(
        "--max-batches", type=int, default=0, help="stop an epoch after N batches (0: all)"
    )
    ap.add_argument(
        "--model", default=None, help="EmbSum backbone preset to train with (e.g. tiny)"
    )
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    data = prepare_mind() if args.dataset == "mind" else prepare_goodreads()
    print(
        f"{args.dataset}: prepared in {time.perf_counter() - t0:.1f}s; train examples "
        f"{len(data.train)}; token cache {data.tokens.stats['reused']} reused, "
        f"{data.tokens.stats['tokenized']} tokenized; torch threads {torch.get_num_threads()}"
    )
    model = opt = None
    if args.model:
        from embsum.model import EmbSum, EmbSumConfig

        torch.manual_seed(0)
        model = EmbSum(EmbSumConfig(backbone=args.model, m=4, n=3)).train()
        opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    for workers in args.workers:
        loader = make_train_loader(data.train, args.batch_size, num_workers=workers)
        rates = []
        for epoch in range(args.epochs):
            n, start = 0, time.perf_counter()
            for i, batch in enumerate(loader):
                n += batch.cand_ids.shape[0]
                if model is not None:
                    opt.zero_grad()
                    model(batch).loss.total.backward()
                    opt.step()
                if args.max_batches and i + 1 >= args.max_batches:
                    break
            rate = n / (time.perf_counter() - start)
            rates.append(rate)
            print(f"workers={workers} epoch={epoch}: {n} examples, {rate:,.0f} examples/s")
        later = rates[1:] or rates
        print(
            f"workers={workers}: median after epoch 0: {statistics.median(later):,.0f} examples/s"
        )
        del loader
    return 0


if __name__ == "__main__":
    sys.exit(main())
