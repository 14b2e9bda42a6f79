"""Training behaviour: a tiny model overfits a tiny batch; the ablations run; gradients flow."""

import pytest
import torch

from embsum.model import fuse_sessions
from model_fixtures import (
    build_batch,
    one_torch_thread,  # noqa: F401  (autouse fixture)
    rand_batch,
    tiny_model,
)


def test_tiny_model_overfits_tiny_batch(capsys):
    torch.manual_seed(0)
    batch = build_batch(*rand_batch(seed=11, n_items=(4, 3, 2, 5), n_cands=5, p=2, summary_len=5))
    model = tiny_model(seed=0).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for step in range(300):
        out = model(batch)
        opt.zero_grad()
        out.loss.total.backward()
        opt.step()
        if first is None:
            first = [v.item() for v in out.loss]
        last = [v.item() for v in out.loss]
        if last[2] < 0.15 and last[1] < 0.01:
            break
    with capsys.disabled():
        print(
            f"\noverfit: {step + 1} steps, total {first[0]:.4f} -> {last[0]:.4f}, "
            f"nce {first[1]:.4f} -> {last[1]:.4f}, sum {first[2]:.4f} -> {last[2]:.4f}"
        )
    assert last[0] < 0.1 * first[0]  # total loss falls by > 90%
    assert last[1] < 0.1 * first[1]  # and each part does
    assert last[2] < 0.1 * first[2]
    model.eval()
    with torch.no_grad():
        out = model(batch)
        emb = model.embed_users(batch.users)
    # every impression ranks its click first
    assert (out.scores.argmax(1) == 0).all()
    # greedy decoding reproduces the memorised summaries, and its global vector is the
    # teacher-forced one (same rule: the step that emits </s>)
    assert torch.equal(emb.summary_ids, batch.summary_labels)
    torch.testing.assert_close(emb.global_vec, out.global_vec, atol=1e-5, rtol=0)
    torch.testing.assert_close(emb.a, out.a, atol=1e-5, rtol=0)


ABLATIONS = {
    "full": {},
    "no_cpe": dict(use_cpe=False),
    "no_session_grouping": dict(session_grouping=False),
    "upe_m1": dict(m=1),
    "lambda0": dict(lambda_sum=0.0),
}


@pytest.mark.parametrize("name", sorted(ABLATIONS))
def test_ablations_run(name):
    model = tiny_model(seed=1, **ABLATIONS[name]).train()
    cfg = model.config
    batch = build_batch(*rand_batch(seed=12, n_items=(5, 0, 2), n_cands=3, p=cfg.p))
    if name == "no_session_grouping":
        assert cfg.p == 1 and batch.users.session_ids.shape[0] == 5 + 0 + 2  # one session per item
    out = model(batch)
    out.loss.total.backward()
    assert out.a.shape == (3, cfg.m, 32) and out.scores.shape == (3, 3)
    assert all(torch.isfinite(v) for v in out.loss)
    if name == "lambda0":
        assert out.loss.total.item() == out.loss.nce.item() and out.loss.sum.item() > 0
    else:
        torch.testing.assert_close(out.loss.total, out.loss.nce + cfg.lambda_sum * out.loss.sum)
    grads = {n: p.grad for n, p in model.named_parameters()}
    # every head and both T5 stacks receive a (finite, non-zero) gradient
    for key in [
        "upe.codes",
        "upe.proj.weight",
        "w_s.weight",
        "t5.shared.weight",
        "t5.encoder.block.0.layer.0.SelfAttention.q.weight",
        "t5.decoder.block.1.layer.1.EncDecAttention.v.weight",
    ] + (["cpe.codes", "cpe.proj.weight"] if cfg.use_cpe else []):
        g = grads[key]
        assert g is not None and torch.isfinite(g).all() and g.abs().sum() > 0, key
    if not cfg.use_cpe:
        assert not any(n.startswith("cpe.") for n in grads)


def test_lambda0_without_summaries_matches_one_step_greedy():
    """No teacher summaries (summary_labels=None): the global vector is the first decoder step,
    which greedy_summary(max_new_tokens=1) reproduces at inference."""
    model = tiny_model(seed=2, lambda_sum=0.0)
    batch = build_batch(*rand_batch(seed=13, n_items=(3, 2), n_cands=2, p=2))
    batch.summary_labels = None
    with torch.no_grad():
        out = model(batch)
        emb_states = model.encode_sessions(batch.users.session_ids, batch.users.session_mask)
        memory, mm = fuse_sessions(emb_states, batch.users.session_mask, batch.users.user_sessions)
        _, g = model.greedy_summary(memory, mm, max_new_tokens=1)
    assert out.loss.sum.item() == 0.0
    torch.testing.assert_close(out.global_vec, g, atol=1e-5, rtol=0)
