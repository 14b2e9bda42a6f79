"""The real training loop on the tiny model + synthetic data: learning, metrics.jsonl, best.pt,
exact resume."""

import math

import pytest
import torch

import embsum.train.run as run_mod
from embsum.model import EmbSum, load_checkpoint
from embsum.train import check_record, evaluate, read_train_checkpoint, train
from embsum.train.data import build_run_data
from embsum.train.distributed import DistEnv
from model_fixtures import one_torch_thread  # noqa: F401  (autouse fixture)
from train_fixtures import records, state_dicts_equal, tiny_cfg


def test_loss_decreases_on_a_tiny_overfit_run(tmp_path):
    # 32 examples, 6 epochs of 4 steps: the loop (accumulation, clipping, schedule) must learn
    cfg = tiny_cfg(tmp_path, epochs=6, eval_each_epoch=False, test_at_end=False, lr=1e-2)
    result = train(cfg)
    epochs = records(tmp_path, "epoch")
    assert [e["epoch"] for e in epochs] == [1, 2, 3, 4, 5, 6]
    first, last = epochs[0], epochs[-1]
    print(
        f"\nepoch loss {first['loss']:.3f} -> {last['loss']:.3f}, nce {first['nce']:.3f} -> {last['nce']:.3f},"
        f" sum {first['sum']:.3f} -> {last['sum']:.3f}"
    )
    assert last["loss"] < 0.35 * first["loss"]
    assert last["nce"] < 0.3 * first["nce"]
    assert last["sum"] < first["sum"]
    assert result.finished and result.state.step == 24
    # evaluated once at the end (eval_each_epoch off): ranking clearly better than chance
    dev = records(tmp_path, "eval", "dev")
    assert len(dev) == 1 and dev[0]["step"] == 24 and dev[0]["auc"] > 0.6


def test_metrics_jsonl_schema(tmp_path):
    cfg = tiny_cfg(tmp_path, epochs=2, eval_every=3, rouge_users=4, test_at_end=True)
    train(cfg)
    recs = records(tmp_path)
    for r in recs:
        check_record(r)
    kinds = [r["kind"] for r in recs]
    assert kinds[0] == "run" and kinds[-1] == "end"
    assert kinds.count("train") == 8 and kinds.count("epoch") == 2
    run = recs[0]
    assert (run["batch_size"], run["micro_batch_size"], run["grad_accum"], run["world_size"]) == (
        8,
        4,
        2,
        1,
    )
    assert run["steps_per_epoch"] == 4 and run["total_steps"] == 8 and run["precision"] == "fp32"
    steps = [r["step"] for r in recs if r["kind"] == "train"]
    assert steps == list(range(1, 9))
    for r in records(tmp_path, "train"):
        assert r["examples"] == 8 and r["examples_per_s"] > 0 and r["lr"] > 0
        assert math.isclose(r["loss"], r["nce"] + 0.05 * r["sum"], rel_tol=1e-6)
        assert r["epoch"] == (1 if r["step"] <= 4 else 2)
    # warmup 1 step, then cosine from 5e-3 to 5e-4
    lrs = [r["lr"] for r in records(tmp_path, "train")]
    assert lrs[0] == pytest.approx(5e-3) and lrs[1] == pytest.approx(5e-3) and lrs[-1] > 5e-4
    assert all(a >= b for a, b in zip(lrs[1:], lrs[2:]))
    # dev evals at step 3 (eval_every), 4 (epoch end), 6 (eval_every), 8 (epoch end; not twice)
    dev = records(tmp_path, "eval", "dev")
    assert [(d["step"], d["epoch"]) for d in dev] == [(3, 1), (4, 1), (6, 2), (8, 2)]
    for d in dev:
        assert (
            0 <= d["auc"] <= 1
            and 0 < d["mrr"] <= 1
            and 0 < d["ndcg@5"] <= 1
            and 0 < d["ndcg@10"] <= 1
        )
        assert d["impressions"] == 8 and d["rouge_users"] == 4
        assert all(0 <= d[k] <= 1 for k in ("rouge1", "rouge2", "rougeL"))
    test = records(tmp_path, "eval", "test")
    end = recs[-1]
    assert len(test) == 1 and test[0]["step"] == end["best_step"]
    assert end["finished"] and len(end["param_checksums"]) == 1


def test_best_checkpoint_is_chosen_by_dev_auc(tmp_path, monkeypatch):
    # Scripted dev AUCs: the second evaluation is the best, the last is not.
    aucs = iter([0.61, 0.83, 0.72, 0.70])
    real_evaluate = run_mod.evaluate
    snapshots = {}

    def scripted(model, batches, **kw):
        m = real_evaluate(model, batches, **kw)
        snapshots[len(snapshots)] = {k: v.clone() for k, v in model.state_dict().items()}
        return {**m, "auc": next(aucs)}

    monkeypatch.setattr(run_mod, "evaluate", scripted)
    cfg = tiny_cfg(
        tmp_path, epochs=2, eval_every=2, eval_each_epoch=True
    )  # evals at steps 2, 4, 6, 8
    result = train(cfg)
    dev = records(tmp_path, "eval", "dev")
    assert [d["step"] for d in dev] == [2, 4, 6, 8]
    assert [d["is_best"] for d in dev] == [True, True, False, False]
    best = read_train_checkpoint(tmp_path / "best.pt")
    last = read_train_checkpoint(tmp_path / "last.pt")
    assert best["step"] == 4 and best["extra"]["eval"]["auc"] == 0.83
    assert best["extra"]["state"]["best_epoch"] == 1 and last["step"] == 8
    assert state_dicts_equal(best["state_dict"], snapshots[1])  # weights as of step 4
    assert not state_dicts_equal(best["state_dict"], last["state_dict"])
    assert records(tmp_path, "end")[0]["best_step"] == 4 and result.state.best_auc == 0.83


def test_best_checkpoint_reproduces_its_dev_auc(tmp_path):
    cfg = tiny_cfg(tmp_path, epochs=2)
    train(cfg)
    dev = records(tmp_path, "eval", "dev")
    best_rec = max(dev, key=lambda d: d["auc"])
    loaded = load_checkpoint(tmp_path / "best.pt")
    assert loaded.step == best_rec["step"]
    data = build_run_data(cfg, DistEnv(0, 1, 0, torch.device("cpu")), 4)
    again = evaluate(loaded.model, data.dev)
    assert again["auc"] == pytest.approx(best_rec["auc"], abs=1e-12)
    assert isinstance(EmbSum.load_checkpoint(tmp_path / "last.pt"), EmbSum)


def test_resume_continues_exactly(tmp_path):
    # dropout on, so the restored torch RNG matters; stop mid-epoch (step 5 of 4-step epochs)
    kw = dict(epochs=3, dropout=0.1, eval_every=0, eval_each_epoch=True)
    full = train(tiny_cfg(tmp_path / "full", **kw))
    part = train(tiny_cfg(tmp_path / "split", stop_after=5, **kw))
    assert not part.finished and part.state.step == 5 and part.state.batch_in_epoch == 2
    resumed = train(tiny_cfg(tmp_path / "split", resume="last", **kw))
    assert resumed.finished and resumed.state.step == full.state.step == 12
    assert state_dicts_equal(full.model.state_dict(), resumed.model.state_dict())
    strip = lambda rs: [
        {k: v for k, v in r.items() if k not in ("time", "seconds", "examples_per_s")} for r in rs
    ]
    assert strip(records(tmp_path / "full", "train")) == strip(records(tmp_path / "split", "train"))
    assert strip(records(tmp_path / "full", "eval")) == strip(records(tmp_path / "split", "eval"))
    assert len(records(tmp_path / "split", "run")) == 2
    # the same holds for the optimizer state
    a = read_train_checkpoint(tmp_path / "full" / "last.pt")["optimizer"]["state"]
    b = read_train_checkpoint(tmp_path / "split" / "last.pt")["optimizer"]["state"]
    assert all(torch.equal(a[i]["exp_avg_sq"], b[i]["exp_avg_sq"]) for i in a)


def test_resume_refuses_changed_settings(tmp_path):
    train(tiny_cfg(tmp_path, epochs=2, stop_after=2, eval_each_epoch=False))
    with pytest.raises(ValueError, match=r"lr: checkpoint 0.005 vs now 0.001"):
        train(tiny_cfg(tmp_path, epochs=2, lr=1e-3, resume="last"))


def test_same_seed_same_weights(tmp_path):
    # the demo bundle's rebuild (scripts/build-demo-bundle.sh) relies on this: on CPU with a
    # fixed seed and thread count, two runs end with bit-identical weights
    a = train(tiny_cfg(tmp_path / "a", epochs=1, eval_each_epoch=False, dropout=0.1))
    b = train(tiny_cfg(tmp_path / "b", epochs=1, eval_each_epoch=False, dropout=0.1))
    assert a.state.step == b.state.step == 4
    wa = read_train_checkpoint(tmp_path / "a" / "last.pt")["state_dict"]
    wb = read_train_checkpoint(tmp_path / "b" / "last.pt")["state_dict"]
    assert state_dicts_equal(wa, wb)
    train(tiny_cfg(tmp_path / "c", epochs=1, eval_each_epoch=False, dropout=0.1, seed=1))
    wc = read_train_checkpoint(tmp_path / "c" / "last.pt")["state_dict"]
    assert not state_dicts_equal(wa, wc)
