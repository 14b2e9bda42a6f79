"""Padding never changes outputs; sessions are independent; KV-cache greedy == no-cache greedy."""

import pytest
import torch

from embsum.model import UserInputs, fuse_sessions, item_vectors
from model_fixtures import (
    EOS,
    PAD,
    build_batch,
    make_users,
    one_torch_thread,  # noqa: F401  (autouse fixture)
    rand_batch,
    tiny_model,
)

ATOL = 1e-5


@pytest.fixture(scope="module")
def model():
    return tiny_model(seed=0)


def _run(model, batch):
    with torch.no_grad():
        u = batch.users
        states = model.encode_sessions(u.session_ids, u.session_mask)
        items, item_mask = item_vectors(states, u.item_session, u.item_pos)
        memory, mm = fuse_sessions(states, u.session_mask, u.user_sessions)
        ids, g = model.greedy_summary(memory, mm)
        out = model(batch)
    return dict(
        states=states, items=items, item_mask=item_mask, out=out, greedy_ids=ids, greedy_g=g
    )


def test_padding_never_changes_outputs(model):
    data = rand_batch(seed=2, n_items=(6, 3, 1, 2), n_cands=4, p=2)
    base = _run(model, build_batch(*data))
    padded = _run(
        model,
        build_batch(
            *data,
            extra_tokens=5,
            extra_sessions_per_user=2,
            extra_items=7,
            extra_users=2,
            extra_unused_sessions=1,
            extra_summary=4,
            summary_pad=PAD,
            extra_cand_tokens=3,
            extra_cands=2,
        ),
    )
    B, C = 4, 4
    S, L = base["states"].shape[:2]
    # encoder states of every real token (the extra all-pad session row is not compared)
    mask = build_batch(*data).users.session_mask.bool()
    torch.testing.assert_close(
        padded["states"][:S, :L][mask], base["states"][mask], atol=ATOL, rtol=0
    )
    K = base["items"].shape[1]
    torch.testing.assert_close(padded["items"][:B, :K], base["items"], atol=ATOL, rtol=0)
    assert torch.equal(padded["item_mask"][:B, :K], base["item_mask"])
    assert not padded["item_mask"][:B, K:].any() and not padded["item_mask"][B:].any()
    po, bo = padded["out"], base["out"]
    torch.testing.assert_close(po.global_vec[:B], bo.global_vec, atol=ATOL, rtol=0)
    torch.testing.assert_close(po.a[:B], bo.a, atol=ATOL, rtol=0)
    torch.testing.assert_close(po.scores[:B, :C], bo.scores, atol=ATOL, rtol=0)
    for p_loss, b_loss in zip(po.loss, bo.loss):
        torch.testing.assert_close(p_loss, b_loss, atol=ATOL, rtol=0)
    g_ids = padded["greedy_ids"][:B]
    T = base["greedy_ids"].shape[1]
    assert torch.equal(g_ids[:, :T], base["greedy_ids"]) and not g_ids[:, T:].any()
    torch.testing.assert_close(padded["greedy_g"][:B], base["greedy_g"], atol=ATOL, rtol=0)
    assert torch.isfinite(po.a).all() and torch.isfinite(padded["greedy_g"]).all()


def test_session_layout_order_does_not_matter(model):
    """Reversing the flat session order (indices updated) gives the same user outputs."""
    data = rand_batch(seed=3, n_items=(5, 4), n_cands=3, p=2)
    b1 = build_batch(*data)
    u = b1.users
    S = u.session_ids.shape[0]
    perm = torch.arange(S - 1, -1, -1)  # new row r holds old row perm[r]
    inv = torch.argsort(perm)
    remap = lambda idx: torch.where(idx >= 0, inv[idx.clamp(min=0)], idx)
    u2 = UserInputs(
        u.session_ids[perm],
        u.session_mask[perm],
        remap(u.user_sessions),
        remap(u.item_session),
        u.item_pos,
    )
    b2 = type(b1)(u2, b1.summary_labels, b1.cand_ids, b1.cand_mask)
    with torch.no_grad():
        o1, o2 = model(b1), model(b2)
    torch.testing.assert_close(o2.a, o1.a, atol=ATOL, rtol=0)
    torch.testing.assert_close(o2.scores, o1.scores, atol=ATOL, rtol=0)


def test_sessions_are_encoded_independently(model):
    users, _, _ = rand_batch(seed=4, n_items=(6, 4), p=2)
    u1 = make_users(users)
    # change the tokens (not the lengths) of the middle session of user 0 (flat row 1)
    changed = [[list(item) for item in sess] for sess in users[0]]
    changed[1] = [[item[0]] + [(t * 7 + 11) % 500 + 3 for t in item[1:]] for item in changed[1]]
    u2 = make_users([[users[0][0], changed[1], users[0][2]], users[1]])
    assert not torch.equal(u1.session_ids[1], u2.session_ids[1])
    assert torch.equal(u1.session_mask, u2.session_mask)
    with torch.no_grad():
        s1 = model.encode_sessions(u1.session_ids, u1.session_mask)
        s2 = model.encode_sessions(u2.session_ids, u2.session_mask)
    others = [0, 2, 3, 4]
    assert torch.equal(s1[others], s2[others])  # exactly, bit for bit
    assert not torch.allclose(s1[1], s2[1])  # and the changed one did change


def _force_eos(model, monkeypatch, eos_at: dict[int, int]):
    """Make greedy decoding deterministic in what it emits: row r emits </s> at step eos_at[r],
    pad is never chosen, and rows not in eos_at run to the cap."""
    orig = model.lm_logits
    step = {"t": 0}

    def patched(h):
        logits = orig(h)
        if h.dim() != 2:  # teacher forcing: untouched
            return logits
        logits = logits.clone()
        logits[:, PAD] = -1e9
        logits[:, EOS] = -1e9
        for r, t in eos_at.items():
            if step["t"] == t:
                logits[r, EOS] = 1e9
        step["t"] += 1
        return logits

    monkeypatch.setattr(model, "lm_logits", patched)
    return step


def test_greedy_kv_cache_equals_no_cache(model, monkeypatch):
    batch = build_batch(*rand_batch(seed=6, n_items=(5, 3, 2), n_cands=2, p=2))
    u = batch.users
    with torch.no_grad():
        states = model.encode_sessions(u.session_ids, u.session_mask)
        memory, mm = fuse_sessions(states, u.session_mask, u.user_sessions)
    runs = {}
    for use_cache in (True, False):
        step = _force_eos(model, monkeypatch, {0: 3, 2: 0})
        runs[use_cache] = model.greedy_summary(memory, mm, max_new_tokens=10, use_cache=use_cache)
        assert step["t"] == 10
        monkeypatch.undo()
    (ids_c, g_c), (ids_n, g_n) = runs[True], runs[False]
    assert torch.equal(ids_c, ids_n)
    torch.testing.assert_close(g_c, g_n, atol=ATOL, rtol=0)
    # row 0 stops at step 3, row 2 at step 0 (then pad), row 1 runs to the cap of 10
    assert ids_c.shape == (3, 10)
    assert ids_c[0, 3] == EOS and not ids_c[0, 4:].any() and (ids_c[0, :3] > 1).all()
    assert ids_c[2, 0] == EOS and not ids_c[2, 1:].any()
    assert (ids_c[1] > 1).all()
    # the global vectors follow the same rule as teacher forcing on the decoded ids: the step
    # that emits </s>, or the last step when the cap is hit
    with torch.no_grad():
        tf = model.decode_global(memory, mm, ids_c)
        dec_in = model.t5._shift_right(ids_c)
        hidden = model.t5.decoder(
            input_ids=dec_in, encoder_hidden_states=memory, encoder_attention_mask=mm.long()
        ).last_hidden_state
    torch.testing.assert_close(g_c, tf.global_vec, atol=ATOL, rtol=0)
    torch.testing.assert_close(g_c[0], hidden[0, 3], atol=ATOL, rtol=0)
    torch.testing.assert_close(g_c[1], hidden[1, 9], atol=ATOL, rtol=0)
    torch.testing.assert_close(g_c[2], hidden[2, 0], atol=ATOL, rtol=0)


def test_greedy_unpatched_cache_equals_no_cache(model):
    batch = build_batch(*rand_batch(seed=7, n_items=(4, 2), n_cands=2, p=2))
    u = batch.users
    with torch.no_grad():
        states = model.encode_sessions(u.session_ids, u.session_mask)
        memory, mm = fuse_sessions(states, u.session_mask, u.user_sessions)
    ids_c, g_c = model.greedy_summary(memory, mm, max_new_tokens=20, use_cache=True)
    ids_n, g_n = model.greedy_summary(memory, mm, max_new_tokens=20, use_cache=False)
    assert torch.equal(ids_c, ids_n)
    torch.testing.assert_close(g_c, g_n, atol=ATOL, rtol=0)
