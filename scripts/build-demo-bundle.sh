#!/usr/bin/env bash
# Rebuild the shipped demo bundle (models/demo) from scratch: train EmbSum (preset small-demo,
# random init, template teacher) on the MIND sample in data/mind, then export, verify and install
# the bundle. Deterministic: fixed seed, one CPU thread, fixed data order, so the same machine
# type and pinned packages give the same weights and the same bundle checksums.
#
#   bash scripts/build-demo-bundle.sh            # about 50 minutes on a 2-core CPU (44 min training)
#   STEPS=4 bash scripts/build-demo-bundle.sh    # a quick smoke run (a useless model)
#
# The run directory (metrics.jsonl, report.md, checkpoints) is kept in build/demo-run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
PY=.venv/bin/python
RUN=build/demo-run
STAGE=build/demo-bundle
VERSION=${VERSION:-demo-mind-small-1}
STEPS=${STEPS:-146}   # 146 steps of batch 32: one pass over 4,672 of the 4,688 training examples

rm -rf "$RUN" "$STAGE"
$PY -m embsum.train --dataset mind --model small-demo --teacher template --seed 0 --threads 1 \
    --batch-size 32 --micro-batch-size 16 --max-steps "$STEPS" --epochs 1 \
    --eval-batch-size 32 --no-progress --output-dir "$RUN"
$PY -m embsum.report "$RUN"

$PY -m embsum_export export --checkpoint "$RUN/best.pt" --out "$STAGE" --model-version "$VERSION" \
    --threads 1
$PY -m embsum_export verify "$STAGE/$VERSION"

rm -rf models/demo
cp -r "$STAGE/$VERSION" models/demo
cp "$RUN/report.md" models/demo-training-report.md
du -sh models/demo
echo "demo bundle installed in models/demo (model_version $VERSION)"
