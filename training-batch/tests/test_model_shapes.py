"""Shapes of every piece, and each formula checked against a hand-written version."""

import math

import pytest
import torch
import torch.nn.functional as F

from embsum.model import (
    EmbSumConfig,
    build_z,
    fuse_sessions,
    item_vectors,
    masked_softmax,
    nce_loss,
    score_all_pairs,
    score_pairwise,
    summary_eos_positions,
)
from model_fixtures import (
    EOS,
    SOS,
    build_batch,
    one_torch_thread,  # noqa: F401  (autouse fixture)
    rand_batch,
    tiny_model,
)

D = 32


@pytest.fixture(scope="module")
def model():
    return tiny_model(seed=0)


@pytest.fixture(scope="module")
def batch():
    return build_batch(*rand_batch(seed=1, n_items=(5, 3, 1), n_cands=5, p=2))


@torch.no_grad()
def test_piece_shapes(model, batch):
    u = batch.users
    S, L = u.session_ids.shape
    assert S == 3 + 2 + 1  # ceil(5/2) + ceil(3/2) + 1 sessions
    states = model.encode_sessions(u.session_ids, u.session_mask)
    assert states.shape == (S, L, D)
    items, item_mask = item_vectors(states, u.item_session, u.item_pos)
    assert items.shape == (3, 5, D) and item_mask.sum(1).tolist() == [5, 3, 1]
    memory, memory_mask = fuse_sessions(states, u.session_mask, u.user_sessions)
    assert memory.shape == (3, 3 * L, D) and memory_mask.shape == (3, 3 * L)
    # each user's memory holds exactly the valid tokens of its own sessions
    lens = u.session_mask.sum(1).tolist()
    assert memory_mask.sum(1).tolist() == [lens[0] + lens[1] + lens[2], lens[3] + lens[4], lens[5]]
    tf = model.decode_global(memory, memory_mask, batch.summary_labels)
    T = batch.summary_labels.shape[1]
    assert tf.global_vec.shape == (3, D) and tf.logits.shape == (3, T, 32128) and tf.loss.dim() == 0
    z, z_mask = build_z(items, item_mask, tf.global_vec)
    assert z.shape == (3, 6, D) and z_mask.sum(1).tolist() == [6, 4, 2]
    a = model.user_head(z, z_mask)
    assert a.shape == (3, 4, D)
    Bc, C, Lc = batch.cand_ids.shape
    b, key = model.content_embed(batch.cand_ids.reshape(-1, Lc), batch.cand_mask.reshape(-1, Lc))
    assert b.shape == key.shape == (Bc * C, 3, D)
    s = model.score(a, b.reshape(Bc, C, 3, D), key.reshape(Bc, C, 3, D))
    assert s.shape == (3, 5)
    assert model.score_all(a, b, key).shape == (3, 15)
    ids, g = model.greedy_summary(memory, memory_mask)
    assert ids.shape[0] == 3 and 1 <= ids.shape[1] <= 12 and g.shape == (3, D)
    out = model(batch)
    assert out.scores.shape == (3, 5) and out.a.shape == (3, 4, D)
    for v in out.loss:
        assert v.dim() == 0 and torch.isfinite(v)
    emb = model.embed_users(u)
    assert emb.a.shape == (3, 4, D) and emb.summary_ids.shape[0] == 3


def test_masked_softmax_by_hand():
    logits = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]], requires_grad=True)
    mask = torch.tensor([[1, 0, 1], [0, 0, 0]])
    p = masked_softmax(logits, mask)
    e1, e3 = math.exp(1), math.exp(3)
    torch.testing.assert_close(p[0], torch.tensor([e1 / (e1 + e3), 0.0, e3 / (e1 + e3)]))
    assert p[1].tolist() == [0.0, 0.0, 0.0]  # nothing valid -> all zero, not NaN
    (p * torch.arange(3.0)).sum().backward()
    assert torch.isfinite(logits.grad).all()


def test_poly_attention_matches_formula(model):
    torch.manual_seed(3)
    x = torch.randn(2, 5, D)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    got = model.upe(x, mask)
    W, c = model.upe.proj.weight, model.upe.codes  # W^f as [p, d], c [m, p]
    for i in range(2):
        zi = x[i][mask[i]]  # valid rows only
        alpha = torch.softmax(c @ torch.tanh(zi @ W.t()).t(), dim=-1)  # [m, k]
        torch.testing.assert_close(got[i], alpha @ zi, atol=1e-6, rtol=1e-5)


def test_score_matches_formula():
    torch.manual_seed(4)
    m, n, U, C = 3, 2, 2, 4
    a = torch.randn(U, m, D)
    b = torch.randn(U, C, n, D)
    key = torch.randn(U, C, n, D)
    got = score_pairwise(a, b, key)
    for u in range(U):
        for c in range(C):
            K = (a[u] @ b[u, c].t()).flatten()  # flatten(A B^T), m*n
            Wp = torch.softmax((a[u] @ key[u, c].t()).flatten(), 0)
            torch.testing.assert_close(got[u, c], Wp @ K)
    # all-pairs: user u vs content (u', c) equals the pairwise score when the content is u's own
    allp = score_all_pairs(a, b.reshape(U * C, n, D), key.reshape(U * C, n, D))
    assert allp.shape == (U, U * C)
    torch.testing.assert_close(allp[0, :C], got[0])
    torch.testing.assert_close(allp[1, C:], got[1])


def test_cpe_key_is_gelu_of_ws(model, batch):
    ids, mask = batch.cand_ids[0], batch.cand_mask[0]
    with torch.no_grad():
        b, key = model.content_embed(ids, mask)
        torch.testing.assert_close(key, F.gelu(b @ model.w_s.weight.t()))


def test_nce_loss_by_hand():
    s = torch.tensor([[2.0, 1.0, 0.0]])
    # -log(e^2 / (e^2 + e^1 + e^0))
    assert nce_loss(s).item() == pytest.approx(0.40760596, abs=1e-6)
    # padded third candidate is ignored: -log(e^2 / (e^2 + e^1)) = log(1 + e^-1)
    s2 = torch.tensor([[2.0, 1.0, 100.0]])
    assert nce_loss(s2, torch.tensor([[1, 1, 0]])).item() == pytest.approx(0.31326169, abs=1e-6)
    # mean over rows; a row whose candidate 0 is padding (padded user) is skipped
    s3 = torch.tensor([[2.0, 1.0, 0.0], [0.0, 1.0, 2.0], [5.0, 5.0, 5.0]])
    v3 = torch.tensor([[1, 1, 1], [1, 1, 1], [0, 0, 0]])
    assert nce_loss(s3, v3).item() == pytest.approx((0.40760596 + 2.40760596) / 2, abs=1e-6)


def test_summary_eos_positions():
    labels = torch.tensor(
        [
            [5, 6, EOS, -100],
            [5, 6, 7, 8],
            [EOS, -100, -100, -100],
            [-100, -100, -100, -100],
            [5, EOS, 0, 0],
        ]
    )
    assert summary_eos_positions(labels, EOS, 0).tolist() == [2, 3, 0, 0, 1]


def test_global_vector_rule_and_hf_equivalence(model, batch):
    """L_sum and logits equal HF T5ForConditionalGeneration's own; global = decoder output
    (before the d**-0.5 rescale) at the position whose target is </s>."""
    users, _, contents = rand_batch(seed=1, n_items=(5, 3, 1), n_cands=5, p=2)
    summaries = [[11, 12], [21, 22, 23, 24, 25, 26], [31, 32, 33, 34]]  # different lengths
    batch = build_batch(users, summaries, contents, extra_summary=2)
    u = batch.users
    with torch.no_grad():
        states = model.encode_sessions(u.session_ids, u.session_mask)
        memory, mm = fuse_sessions(states, u.session_mask, u.user_sessions)
        tf = model.decode_global(memory, mm, batch.summary_labels)
        hf = model.t5(
            encoder_outputs=(memory,), attention_mask=mm.long(), labels=batch.summary_labels
        )
        torch.testing.assert_close(tf.logits, hf.logits)
        torch.testing.assert_close(tf.loss, hf.loss)
        dec_in = model.t5._shift_right(batch.summary_labels)
        hidden = model.t5.decoder(
            input_ids=dec_in, encoder_hidden_states=memory, encoder_attention_mask=mm.long()
        ).last_hidden_state
    eos_pos = (batch.summary_labels == EOS).float().argmax(1)
    assert eos_pos.tolist() == [2, 6, 4]
    torch.testing.assert_close(tf.global_vec, hidden[torch.arange(3), eos_pos])
    # the rescale happens after: lm_head(global * d**-0.5) are the logits at that position
    torch.testing.assert_close(
        model.t5.lm_head(tf.global_vec * D**-0.5), hf.logits[torch.arange(3), eos_pos]
    )


def test_user_with_no_items_is_finite():
    users, summaries, contents = rand_batch(seed=5, n_items=(3, 1), n_cands=3)
    users[1] = []  # k = 0: no session, no item
    batch = build_batch(users, summaries, contents)
    m = tiny_model(seed=0)
    m.train()
    out = m(batch)
    out.loss.total.backward()
    assert torch.isfinite(out.a).all() and torch.isfinite(out.scores).all()
    assert all(torch.isfinite(p.grad).all() for p in m.parameters() if p.grad is not None)
    # only the global vector is in Z, so every interest vector is the global vector
    torch.testing.assert_close(out.a[1], out.global_vec[1].expand(4, D))
    with torch.no_grad():
        emb = m.eval().embed_users(batch.users)
    assert torch.isfinite(emb.a).all() and torch.isfinite(emb.global_vec).all()


def test_no_cpe_uses_sos_state():
    m = tiny_model(seed=0, use_cpe=False)
    assert m.cpe is None and m.config.n_content == 1
    ids = torch.tensor([[SOS, 7, 8, EOS], [SOS, 9, EOS, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        b, key = m.content_embed(ids, mask)
        states = m.encode(ids, mask)
    assert b.shape == key.shape == (2, 1, D)
    torch.testing.assert_close(b[:, 0], states[:, 0])


def test_config_validation(tmp_path):
    with pytest.raises(ValueError, match="vocab_size"):
        EmbSumConfig(backbone="tiny", vocab_size=1000)
    with pytest.raises(ValueError, match="never downloaded"):
        EmbSumConfig(backbone="google-t5/t5-small").t5_config()
    c = EmbSumConfig(backbone="t5-small").t5_config()
    assert (
        c.d_model,
        c.num_layers,
        c.num_decoder_layers,
        c.num_heads,
        c.d_ff,
        c.vocab_size,
        c.relative_attention_num_buckets,
        c.relative_attention_max_distance,
    ) == (512, 6, 6, 8, 2048, 32128, 32, 128)
    d = EmbSumConfig(backbone="small-demo").t5_config()
    assert (d.d_model, d.num_layers, d.num_decoder_layers, d.num_heads, d.d_ff) == (
        128,
        3,
        3,
        4,
        512,
    )
    b = EmbSumConfig(backbone="base").t5_config()
    assert (b.d_model, b.num_layers, b.num_heads, b.d_ff) == (256, 4, 4, 1024)
    assert (
        EmbSumConfig(backbone="tiny").p == 4
        and EmbSumConfig(backbone="tiny", session_grouping=False).p == 1
    )
    e = EmbSumConfig(backbone="tiny")
    assert (e.m, e.n, e.lambda_sum, e.sos_id, e.eos_id, e.pad_id, e.max_summary_tokens) == (
        32,
        4,
        0.05,
        32099,
        1,
        0,
        128,
    )


def test_eager_and_sdpa_attention_agree():
    batch = build_batch(*rand_batch(seed=8, n_items=(4, 1), n_cands=3, p=2))
    outs = []
    for impl in ("eager", "sdpa"):
        m = tiny_model(seed=0, attn_implementation=impl)
        assert m.t5.config._attn_implementation == impl
        with torch.no_grad():
            outs.append(m(batch))
    torch.testing.assert_close(outs[0].a, outs[1].a, atol=1e-5, rtol=0)
    torch.testing.assert_close(outs[0].scores, outs[1].scores, atol=1e-5, rtol=0)


def test_empty_history_user_does_not_depend_on_the_batch():
    """A user with no history reads one zero memory token, so its global vector and UPE are the
    same whoever shares the batch (before, attention over an all-masked memory spread over the
    other users' padding)."""
    m = tiny_model(seed=0)

    def empty_user_embedding(seed: int):
        users, summaries, contents = rand_batch(seed=seed, n_items=(3, 1), n_cands=3)
        users[1] = []
        with torch.no_grad():
            return m.embed_users(build_batch(users, summaries, contents).users)

    first, second = empty_user_embedding(5), empty_user_embedding(11)
    torch.testing.assert_close(first.global_vec[1], second.global_vec[1], rtol=0, atol=1e-6)
    torch.testing.assert_close(first.a[1], second.a[1], rtol=0, atol=1e-6)
    assert first.summary_ids[1].tolist() == second.summary_ids[1].tolist()
    # the companions differ, so their own embeddings must differ (the test compares real values)
    assert not torch.allclose(first.global_vec[0], second.global_vec[0])
