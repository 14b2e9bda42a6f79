"""ONNX Runtime (runtime.py glue) against PyTorch (embsum.model), beyond the golden files."""

from __future__ import annotations

import types

import numpy as np
import pytest
import torch

from embsum.model import build_z, fuse_sessions, item_vectors
from embsum_export.golden import _user_inputs
from embsum_export.graphs import RelativeBias
from embsum_export.runtime import pad_rows, score_all

TOL = 1e-4


def close(a, b, tol=TOL):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape
    diff = float(np.abs(a - b).max())
    assert diff <= tol, diff
    return diff


def golden_sessions(golden):
    return [u["sessions"] for u in golden["golden/users.json"]["users"]]


def torch_users(model, sessions):
    """PyTorch path of a refresh, padding kept inside the memory (fuse_sessions)."""
    u = _user_inputs([[types.SimpleNamespace(**s) for s in ss] for ss in sessions], 0)
    with torch.no_grad():
        states = model.encode_sessions(u.session_ids, u.session_mask)
        items, item_mask = item_vectors(states, u.item_session, u.item_pos)
        memory, memory_mask = fuse_sessions(states, u.session_mask, u.user_sessions)
        summary, global_vec = model.greedy_summary(memory, memory_mask)
        a = model.user_head(*build_z(items, item_mask, global_vec))
        emb = model.embed_users(u)  # the composite gives the same
    assert torch.equal(emb.summary_ids, summary) and torch.allclose(emb.a, a)
    return types.SimpleNamespace(
        items=items,
        item_mask=item_mask,
        memory=memory,
        memory_mask=memory_mask,
        summary=summary,
        global_vec=global_vec,
        a=a,
    )


def trim(row, eos=1):
    row = list(row)
    return row[: row.index(eos) + 1] if eos in row else row


def test_refresh_matches_pytorch(model, rt, golden):
    sessions = golden_sessions(golden)
    ref = torch_users(model, sessions)
    out = rt.refresh(sessions)
    for b, r in enumerate(out):
        assert r.summary_ids == trim(ref.summary[b].tolist())
        k = int(ref.item_mask[b].sum())
        close(r.item_vectors, ref.items[b, :k])
        close(r.global_vec, ref.global_vec[b])
        close(r.upe, ref.a[b])
    assert {len(r.summary_ids) for r in out} >= {2, 16}  # early </s> and the cap both occur


def test_greedy_on_the_pytorch_memory_layout(model, rt, golden):
    """Same decoder inputs as PyTorch (session padding kept in the memory): ids identical
    including the pad after </s>, global vector within tolerance."""
    ref = torch_users(model, golden_sessions(golden))
    ids, global_vec = rt.greedy_summary(ref.memory.numpy(), ref.memory_mask.long().numpy())
    assert np.array_equal(ids, ref.summary.numpy())
    close(global_vec, ref.global_vec)


def test_contents_and_scores(model, rt, golden):
    contents = [c["content_tokens"] for c in golden["golden/contents.json"]["contents"]]
    ids, mask = pad_rows(contents)
    with torch.no_grad():
        b_ref, key_ref = model.content_embed(torch.from_numpy(ids), torch.from_numpy(mask))
    b, key = rt.embed_contents(contents)
    close(b, b_ref)
    close(key, key_ref)
    ref = torch_users(model, golden_sessions(golden))
    a = np.stack([r.upe for r in rt.refresh(golden_sessions(golden))])
    with torch.no_grad():
        s_ref = model.score_all(ref.a, b_ref, key_ref)
    close(score_all(a, b, key), s_ref)


@pytest.mark.parametrize("batch", [1, 5])
def test_dynamic_axes(model, rt, golden, batch):
    """Other batch sizes and lengths than at export time, incl. a session longer than the
    relative-attention max distance (128) and a Z with a different K."""
    rng = np.random.default_rng(batch)
    lengths = [7, 400, 33, 129, 60][:batch]
    rows = [[32099] + rng.integers(3, 30000, n - 2).tolist() + [1] for n in lengths]
    ids, mask = pad_rows(rows)
    states = rt.encode_sessions(ids, mask)
    with torch.no_grad():
        ref = model.encode_sessions(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    valid = mask.astype(bool)
    close(states[valid], ref[valid])

    b, key = rt.embed_contents(rows)
    with torch.no_grad():
        b_ref, key_ref = model.content_embed(torch.from_numpy(ids), torch.from_numpy(mask))
    close(b, b_ref)
    close(key, key_ref)

    k1 = 3 + 2 * batch
    z = rng.standard_normal((batch, k1, model.d_model)).astype(np.float32)
    z_mask = np.ones((batch, k1), dtype=np.int64)
    z_mask[0, 1:-1] = 0  # a user with one item + global
    with torch.no_grad():
        a_ref = model.user_head(torch.from_numpy(z), torch.from_numpy(z_mask).bool())
    close(rt.user_head(z, z_mask), a_ref)

    sessions = golden_sessions(golden)[1 : 1 + batch]
    ref_users = torch_users(model, sessions)
    out = rt.refresh(sessions)
    assert [r.summary_ids for r in out] == [trim(s) for s in ref_users.summary.tolist()]
    close(np.stack([r.upe for r in out]), ref_users.a)


def test_decoder_past_beyond_max_distance(model, rt, golden):
    """Teacher-force a 150-token prefix through decoder_first + decoder_step (self-attention
    past longer than the 128 of the position buckets); every step's hidden and logits match."""
    ref_users = torch_users(model, golden_sessions(golden)[:2])
    memory, mask = ref_users.memory, ref_users.memory_mask.long()
    prefix = torch.from_numpy(np.random.default_rng(0).integers(3, 30000, (2, 150)))
    prefix[:, 0] = 0
    with torch.no_grad():
        hidden, _ = model.decoder_hidden(prefix, memory, mask)
        logits = model.lm_logits(hidden)
    first, step = rt.sessions["decoder_first"], rt.sessions["decoder_step"]
    names_f = [o.name for o in first.get_outputs()]
    names_s = [o.name for o in step.get_outputs()]
    res = dict(
        zip(
            names_f,
            first.run(
                None,
                {
                    "input_ids": prefix[:, :1].numpy(),
                    "memory": memory.numpy(),
                    "memory_mask": mask.numpy(),
                },
            ),
        )
    )
    cross = {k.replace("present", "past"): v for k, v in res.items() if ".cross." in k}
    worst = 0.0
    for t in range(150):
        worst = max(worst, close(res["hidden"], hidden[:, t]))
        close(res["logits"], logits[:, t], tol=1e-3)
        assert np.array_equal(res["next_id"], logits[:, t].argmax(-1).numpy())
        if t == 149:
            break
        feed = {"input_ids": prefix[:, t + 1 : t + 2].numpy(), "memory_mask": mask.numpy(), **cross}
        feed.update({k.replace("present", "past"): v for k, v in res.items() if ".self." in k})
        res = dict(zip(names_s, step.run(None, feed)))
        assert res["present.0.self.key"].shape[2] == t + 2


def test_refresh_is_batch_invariant(rt, golden):
    sessions = golden_sessions(golden)
    together = rt.refresh(sessions)
    for s, r in zip(sessions, together):
        alone = rt.refresh([s])[0]
        assert alone.summary_ids == r.summary_ids
        close(alone.upe, r.upe, tol=1e-5)


def test_empty_history_has_no_embedding(rt, golden):
    with pytest.raises(ValueError, match="no sessions"):
        rt.refresh([golden_sessions(golden)[0], []])


@pytest.mark.parametrize("bidirectional", [True, False])
def test_bucket_table_is_hf_compute_bias(model, bidirectional):
    stack = model.t5.encoder if bidirectional else model.t5.decoder
    att = stack.block[0].layer[0].SelfAttention
    bias = RelativeBias(att, bidirectional)
    n = 600
    pos = torch.arange(n)
    with torch.no_grad():
        ours = bias(pos[None, :] - pos[:, None])
        ref = att.compute_bias(n, n)
    if not bidirectional:  # future keys are masked anyway
        keep = pos[None, :] <= pos[:, None]
        ours, ref = ours[..., keep], ref[..., keep]
    assert torch.equal(ours, ref)


def test_ablation_graphs_no_cpe_and_m1(tmp_path):
    """use_cpe=False (B = the [SOS] state, n = 1) and m = 1 export and match PyTorch too."""
    import onnxruntime as ort

    from embsum.model import EmbSum
    from embsum_export.onnx_export import export_graphs
    from export_fixtures import tiny_config

    torch.manual_seed(1)
    model = EmbSum(tiny_config(use_cpe=False, m=1)).eval()
    sigs = export_graphs(model, tmp_path)
    assert sigs["content_encoder.onnx"]["outputs"][0]["shape"] == ["N", 1, 32]
    assert sigs["user_head.onnx"]["outputs"][0]["shape"] == ["B", 1, 32]
    rows = [[32099, 5, 6, 7, 1], [32099, 9, 1]]
    ids, mask = pad_rows(rows)
    sess = ort.InferenceSession(
        str(tmp_path / "content_encoder.onnx"), providers=["CPUExecutionProvider"]
    )
    b, key = sess.run(None, {"content_ids": ids, "content_mask": mask})
    with torch.no_grad():
        b_ref, key_ref = model.content_embed(torch.from_numpy(ids), torch.from_numpy(mask))
    close(b, b_ref)
    close(key, key_ref)
