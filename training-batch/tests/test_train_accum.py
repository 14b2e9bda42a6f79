"""Gradient accumulation = one big batch; the rank-sharded data order; the LR schedule."""

import math

import numpy as np
import pytest
import torch

from embsum.train import ShardedEpochSampler, accumulate_gradients, build_optimizer, lr_factor
from embsum.train.batches import LoaderSource, epoch_order
from embsum.train.synthetic import make_synthetic
from model_fixtures import build_batch, one_torch_thread, rand_batch, tiny_model  # noqa: F401


def _grads(model):
    return {n: p.grad.detach().clone() for n, p in model.named_parameters() if p.grad is not None}


def test_accumulating_4_micro_batches_of_2_equals_one_batch_of_8():
    users, summaries, contents = rand_batch(
        seed=3, n_items=(5, 3, 1, 6, 2, 4, 7, 3), n_cands=5, p=2, summary_len=6
    )
    full = build_batch(users, summaries, contents)
    micro = [
        build_batch(users[i : i + 2], summaries[i : i + 2], contents[i : i + 2])
        for i in range(0, 8, 2)
    ]
    model = tiny_model(seed=0).train()

    model.zero_grad()
    one = accumulate_gradients(model, [full])
    g_full = _grads(model)
    model.zero_grad()
    acc = accumulate_gradients(model, micro)
    g_acc = _grads(model)

    assert one.rows == acc.rows == 8
    assert acc.loss == pytest.approx(one.loss, rel=1e-5)
    assert acc.nce == pytest.approx(one.nce, rel=1e-5) and acc.sum == pytest.approx(
        one.sum, rel=1e-5
    )
    assert g_full.keys() == g_acc.keys() and len(g_full) > 20
    for name in g_full:
        torch.testing.assert_close(g_acc[name], g_full[name], rtol=1e-4, atol=1e-6, msg=name)
    # and summing instead of averaging would be 4x off: the test can tell
    big = max(g_full, key=lambda n: g_full[n].norm())
    assert not torch.allclose(4 * g_acc[big], g_full[big], rtol=1e-2)


def test_uneven_micro_batches_are_weighted_by_impressions():
    # 3 + 1 impressions: the 1-impression micro-batch must weigh 1/4, not 1/2 (L_NCE part exactly)
    users, summaries, contents = rand_batch(
        seed=5, n_items=(4, 2, 3, 5), n_cands=4, p=2, summary_len=5
    )
    model = tiny_model(seed=1, lambda_sum=0.0).train()
    model.zero_grad()
    accumulate_gradients(model, [build_batch(users, summaries, contents)])
    g_full = _grads(model)
    model.zero_grad()
    accumulate_gradients(
        model,
        [
            build_batch(users[:3], summaries[:3], contents[:3]),
            build_batch(users[3:], summaries[3:], contents[3:]),
        ],
    )
    for name, g in _grads(model).items():
        torch.testing.assert_close(g, g_full[name], rtol=1e-4, atol=1e-6, msg=name)


def test_sharded_sampler_deals_each_step_the_same_examples_whatever_the_world_size():
    n, seed = 50, 7
    order = epoch_order(n, seed, 3)
    assert sorted(order.tolist()) == list(range(n))
    assert not np.array_equal(order, epoch_order(n, seed, 4))  # a new order each epoch
    shards = []
    for r in range(2):
        s = ShardedEpochSampler(n, rank=r, world_size=2, seed=seed)
        s.set_epoch(3)
        keys = list(s)
        assert all(e == 3 for e, _ in keys)  # (epoch, index) keys for the dataset
        shards.append([i for _, i in keys])
    assert len(shards[0]) == len(shards[1]) == 25
    # global step j (micro 2, accum 3 on 2 ranks; micro 2, accum 6 on 1 rank) = order[12j:12j+12]
    for j in range(2):
        dist = set(shards[0][6 * j : 6 * j + 6]) | set(shards[1][6 * j : 6 * j + 6])
        assert dist == set(order[12 * j : 12 * j + 12].tolist())
    # resume: starting at sample k continues the same sequence
    s = ShardedEpochSampler(n, rank=1, world_size=2, seed=seed)
    s.set_epoch(3, start=10)
    assert [i for _, i in s] == shards[1][10:] and len(s) == 15


def test_loader_source_skips_to_the_same_batches():
    syn = make_synthetic(24, seed=1, p=2)
    src = LoaderSource(syn.train, syn.train_collate(16), 5, seed=3)
    assert len(src) == math.ceil(24 / 5)
    all_b = list(src.batches(epoch=2))
    tail = list(src.batches(epoch=2, start=3))
    assert len(all_b) == 5 and len(tail) == 2
    for a, b in zip(all_b[3:], tail):
        assert torch.equal(a.cand_ids, b.cand_ids) and torch.equal(
            a.users.session_ids, b.users.session_ids
        )
    assert all_b[-1].cand_ids.shape[0] == 4  # the short last micro-batch is kept


def test_lr_schedule_shapes():
    total, warm = 100, 10
    f = [lr_factor(s, total, warm, "cosine", 0.1) for s in range(total)]
    assert f[0] == pytest.approx(0.1) and f[9] == pytest.approx(1.0)  # linear warmup to the peak
    assert f[10] == pytest.approx(1.0) and f[55] == pytest.approx(0.55, abs=0.02)
    assert f[-1] == pytest.approx(0.1, abs=1e-3) and all(a >= b for a, b in zip(f[10:], f[11:]))
    lin = [lr_factor(s, total, warm, "linear", 0.0) for s in range(total)]
    assert lin[55] == pytest.approx(0.5) and lin[-1] == pytest.approx(1 / 90, abs=1e-9)
    assert lr_factor(80, total, warm, "constant") == 1.0


def test_weight_decay_spares_layer_norms():
    model = tiny_model(seed=0)
    opt = build_optimizer(model, 1e-3, 0.01, (0.9, 0.999), 1e-8)
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 0.01 and no_decay["weight_decay"] == 0.0
    assert all(p.dim() == 1 for p in no_decay["params"]) and len(no_decay["params"]) > 0
    assert sum(len(g["params"]) for g in opt.param_groups) == len(list(model.parameters()))
