"""`python -m embsum.report RUN_DIR` on a hand-written metrics.jsonl."""

import json

import matplotlib.image as mpimg
import pytest

from embsum.report import main, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _write_run(path, with_end=True):
    recs = [
        {
            "kind": "run",
            "time": 0,
            "config": {
                "dataset": "mind",
                "model": "small-demo",
                "lr": 5e-4,
                "eval_global": "greedy",
                "seed": 0,
            },
            "model_config": {
                "backbone": "small-demo",
                "m": 32,
                "n": 4,
                "lambda_sum": 0.05,
                "use_cpe": True,
                "session_grouping": True,
                "neg_ratio": 4,
            },
            "world_size": 1,
            "batch_size": 128,
            "micro_batch_size": 16,
            "grad_accum": 8,
            "steps_per_epoch": 4,
            "total_steps": 12,
            "warmup_steps": 1,
            "device": "cpu",
            "precision": "fp32",
            "params": 12_345_678,
            "dataset": {
                "train": 4782,
                "dev": 416,
                "test": 401,
                "dev_evaluated": 416,
                "split_rule": "flat: 80/10/10 by user",
                "data_dir": "data/mind",
            },
            "teacher": {"kind": "template", "model": "embsum-template-v1", "users": 3731},
            "notes": [],
            "resumed_from": None,
            "torch": "2.x",
        }
    ]
    aucs = {1: 0.6012, 2: 0.7123, 3: 0.6890}
    for step in range(1, 13):
        epoch = (step - 1) // 4 + 1
        recs.append(
            {
                "kind": "train",
                "time": step,
                "step": step,
                "epoch": epoch,
                "loss": 3.0 / step,
                "nce": 2.5 / step,
                "sum": 10 - step * 0.1,
                "lr": 5e-4,
                "grad_norm": 1.0,
                "examples": 128,
                "examples_per_s": 64.0,
                "seconds": 2.0,
            }
        )
        if step % 4 == 0:
            recs.append(
                {
                    "kind": "epoch",
                    "time": step,
                    "step": step,
                    "epoch": epoch,
                    "loss": 3.0 / step,
                    "nce": 2.5 / step,
                    "sum": 9.0,
                    "examples": 512,
                    "seconds": 8.0,
                    "examples_per_s": 64.0,
                }
            )
            recs.append(
                {
                    "kind": "eval",
                    "time": step,
                    "split": "dev",
                    "step": step,
                    "epoch": epoch,
                    "auc": aucs[epoch],
                    "mrr": 0.3 + epoch / 100,
                    "ndcg@5": 0.31 + epoch / 100,
                    "ndcg@10": 0.38 + epoch / 100,
                    "impressions": 416,
                    "skipped": 0,
                    "rouge_users": 32,
                    "rouge1": 0.2,
                    "rouge2": 0.05,
                    "rougeL": 0.15,
                    "seconds": 5.0,
                    "is_best": epoch <= 2,
                }
            )
    recs.append(
        {
            "kind": "eval",
            "time": 13,
            "split": "test",
            "step": 8,
            "epoch": 2,
            "auc": 0.6987,
            "mrr": 0.3456,
            "ndcg@5": 0.3321,
            "ndcg@10": 0.3999,
            "impressions": 401,
            "skipped": 0,
            "rouge_users": 32,
            "rouge1": 0.21,
            "rouge2": 0.06,
            "rougeL": 0.16,
            "seconds": 5.0,
            "is_best": False,
        }
    )
    if with_end:
        recs.append(
            {
                "kind": "end",
                "time": 14,
                "step": 12,
                "epoch": 3,
                "finished": True,
                "best_step": 8,
                "best_epoch": 2,
                "best_auc": 0.7123,
                "train_seconds": 96.0,
                "eval_seconds": 15.0,
                "wall_seconds": 120.0,
                "param_checksums": [1.0],
            }
        )
    path.mkdir(parents=True, exist_ok=True)
    (path / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))


def test_report_files_and_numbers(tmp_path):
    _write_run(tmp_path)
    paths = write_report(tmp_path)
    for name in ("loss", "dev_auc"):
        data = paths[name].read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 5000
        img = mpimg.imread(paths[name])
        assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 400
        assert img.std() > 0.01  # not a blank canvas
    md = paths["report"].read_text()
    assert "Best dev AUC **0.7123** at epoch **2** (step 8)" in md
    assert (
        "| dev (best) | 0.7123 | 0.3200 | 0.3300 | 0.4000 | 0.2000 | 0.0500 | 0.1500 | 416 | 8 |"
        in md
    )
    assert "| test (best.pt) | 0.6987 | 0.3456 | 0.3321 | 0.3999 |" in md
    assert "| 2 **(best)** | 8 |" in md and "| 3 | 12 |" in md
    assert "teacher: **template** (embsum-template-v1)" in md
    assert "train 4782 examples, dev 416 impressions, test 401 impressions" in md
    assert "batch 128 = micro 16 x accum 8 x world 1" in md
    assert "Status: **finished**, 12 of 12" in md
    assert "training 96.0 s, evaluation 15.0 s" in md and "last invocation 2.0 min" in md
    assert "median 64.0 impressions/s, 0.50 steps/s" in md
    assert '"model": "small-demo"' in md


def test_report_cli_and_a_run_in_progress(tmp_path, capsys):
    _write_run(tmp_path / "run", with_end=False)
    assert main([str(tmp_path / "run"), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "report.md").read_text().count("in progress") == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "dev_auc.png",
        "loss.png",
        "report.md",
    ]


def test_report_cli_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main([str(tmp_path / "nope")])
    assert e.value.code == 2 and "metrics.jsonl not found" in capsys.readouterr().err
    (tmp_path / "metrics.jsonl").write_text('{"kind": "train", "step": 1}\n')
    with pytest.raises(SystemExit):
        main([str(tmp_path)])
    assert "no 'run' record" in capsys.readouterr().err
