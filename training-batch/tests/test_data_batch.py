"""Datasets -> TrainBatch / EvalBatch: shapes, padding, session layout, loader determinism."""

from __future__ import annotations

import pytest
import torch

from data_fixtures import shared_tokenizer, small_config, write_mind
from embsum.data import (
    EvalCollator,
    EvalDataset,
    TrainCollator,
    TrainDataset,
    build_token_store,
    load_mind,
    make_eval_loader,
    make_train_loader,
    mind_eval_impressions,
    mind_train_examples,
    news_items,
    read_mind_behaviors,
    read_mind_news,
    summary_labels,
    text_config_for,
)
from embsum.text import EngagementHistory
from embsum.text.paths import MIND_DIR


@pytest.fixture
def fixture_data(tmp_path):
    write_mind(tmp_path)
    news = read_mind_news(tmp_path / "news.tsv")
    rows = read_mind_behaviors(tmp_path / "behaviors.tsv")
    cfg = small_config(p=2)
    store = build_token_store(news_items(news), shared_tokenizer(), cfg)
    train = mind_train_examples(rows, set(store.ids), neg_ratio=4)
    ev = mind_eval_impressions(rows, set(store.ids))
    return news, cfg, store, TrainDataset(train, store, cfg, seed=0), EvalDataset(ev, store, cfg)


def decode_items(users, b, tok):
    """Text of each history item of user b, read back from the flat session block."""
    texts = []
    for k in range(users.item_session.shape[1]):
        s = int(users.item_session[b, k])
        if s < 0:
            continue
        row = users.session_ids[s][users.session_mask[s].bool()].tolist()
        start = int(users.item_pos[b, k])
        assert row[start] == 32099  # every item starts with [SOS]
        ends = [i for i in range(start + 1, len(row)) if row[i] in (32099, 1)]
        texts.append(tok.decode(row[start + 1 : ends[0]]))
    return texts


def test_train_batch_shapes_padding_and_layout(fixture_data):
    news, cfg, store, ds, _ = fixture_data
    samples = [ds[i] for i in range(len(ds))]
    assert [s.user_id for s in samples] == ["U1", "U2", "U2", "U1"]
    batch = TrainCollator(cfg)(samples)
    u = batch.users
    # U1's history N1 N2 N3 with p = 2 -> sessions (N1, N2), (N3); rows 0 and 3 share them;
    # U2 has an empty history -> no session, all -1
    assert u.session_ids.shape[0] == 2
    assert u.user_sessions.tolist() == [[0, 1], [-1, -1], [-1, -1], [0, 1]]
    assert u.item_session.tolist() == [[0, 0, 1], [-1, -1, -1], [-1, -1, -1], [0, 0, 1]]
    n1 = len(store.item("N1"))
    assert u.item_pos.tolist()[0] == [0, n1, 0] and u.item_pos.tolist()[1] == [-1, -1, -1]
    expect = [
        store.item("N1").tolist() + store.item("N2").tolist() + [1],
        store.item("N3").tolist() + [1],
    ]
    for s, toks in enumerate(expect):
        assert u.session_mask[s].sum() == len(toks)
        assert u.session_ids[s, : len(toks)].tolist() == toks
        assert (
            u.session_ids[s, len(toks) :].eq(0).all() and u.session_mask[s, len(toks) :].eq(0).all()
        )
    assert u.session_ids.shape[1] == max(len(t) for t in expect)
    assert u.session_ids.dtype == torch.long and u.item_pos.dtype == torch.long
    # decoding a user's sessions gives back the history titles, oldest first
    texts = decode_items(u, 0, shared_tokenizer())
    assert [t.split(";")[0].strip() for t in texts] == [
        f"News Title: {news[i].title}" for i in ("N1", "N2", "N3")
    ]
    # candidates: [B, C, Lc], candidate 0 = the click, short rows padded with all-0 rows
    assert batch.cand_ids.shape[:2] == (4, 5)
    assert batch.cand_ids.shape[2] == max(len(store.content(i)) for s in samples for i in s.items)
    valid = batch.cand_mask.any(-1)
    assert valid.sum(1).tolist() == [3, 3, 3, 5]
    for b, s in enumerate(samples):
        for c, item in enumerate(s.items):
            toks = store.content(item).tolist()
            assert batch.cand_ids[b, c, : len(toks)].tolist() == toks and toks[-1] == 1
            assert batch.cand_mask[b, c].sum() == len(toks)
        assert (
            batch.cand_ids[b, len(s.items) :].eq(0).all()
            and batch.cand_mask[b, len(s.items) :].eq(0).all()
        )
    assert [s.items[0] for s in samples] == ["N4", "N7", "N3", "N7"]
    assert batch.summary_labels is None


def test_batch_without_any_history_has_no_zero_sized_tensor(fixture_data):
    _, cfg, _, ds, _ = fixture_data
    batch = TrainCollator(cfg)([ds[1], ds[2]])  # both U2, empty history
    u = batch.users
    assert u.session_ids.tolist() == [[1]] and u.session_mask.tolist() == [[1]]
    assert u.user_sessions.tolist() == [[-1], [-1]] and u.item_session.tolist() == [[-1], [-1]]


def test_summary_labels():
    labels = summary_labels(["U1", "U2", "U1"], {"U1": [100, 200, 300]}, max_tokens=128)
    assert labels.tolist() == [[100, 200, 300, 1], [-100] * 4, [100, 200, 300, 1]]
    assert summary_labels(["U1"], {"U1": [100, 200, 300, 1]}).tolist() == [[100, 200, 300, 1]]
    assert summary_labels(["U1"], {"U1": [100, 200, 300]}, max_tokens=3).tolist() == [[100, 200, 1]]
    assert summary_labels(["U9"], {}).tolist() == [[-100]]
    assert summary_labels(["U1"], None) is None
    with pytest.raises(ValueError, match="pad"):
        summary_labels(["U1"], {"U1": [100, 0, 5]})


def test_eval_batch_dedupes_contents(fixture_data):
    _, cfg, store, _, ev = fixture_data
    samples = [ev[i] for i in range(len(ev))]
    batch = EvalCollator(cfg, {"U1": [7, 8]})(samples)
    assert batch.impression_ids == ["1", "2", "4"] and batch.user_ids == ["U1", "U2", "U1"]
    distinct = {i for s in samples for i in s.items}
    assert batch.content_ids.shape[0] == len(distinct)
    assert batch.cand_index.shape == batch.labels.shape == (3, 6)
    assert batch.labels.tolist()[0] == [1, 0, 0, -1, -1, -1]
    assert batch.cand_valid.sum(1).tolist() == [3, 4, 6]
    ids, mask = batch.expand_candidates()
    for b, s in enumerate(samples):
        for c, item in enumerate(s.items):
            toks = store.content(item).tolist()
            assert ids[b, c, : len(toks)].tolist() == toks and mask[b, c].sum() == len(toks)
        assert mask[b, len(s.items) :].eq(0).all()
    assert batch.summary_labels.tolist() == [[7, 8, 1], [-100] * 3, [7, 8, 1]]
    assert batch.to("cpu").item_ids == batch.item_ids


def test_batch_runs_through_the_model(fixture_data):
    from embsum.model import EmbSum, EmbSumConfig

    _, cfg, _, ds, _ = fixture_data
    torch.manual_seed(0)
    model = EmbSum(
        EmbSumConfig(backbone="tiny", m=2, n=2, max_summary_tokens=4, attn_implementation="eager")
    ).eval()
    batch = TrainCollator(cfg, {"U1": [100, 200]})([ds[i] for i in range(len(ds))])
    out = model(batch)
    assert out.scores.shape == (4, 5) and torch.isfinite(out.loss.total)


def test_real_long_history_window_and_sessions():
    corpus = load_mind(MIND_DIR)
    rows = [r for r in corpus.splits["train"][:300] if len(r.history) > 70][:3]
    assert rows, "the sample has users with more than 70 history clicks"
    cfg = text_config_for(p=4)
    items = news_items(corpus.news)
    ex = mind_train_examples(rows, set(items), neg_ratio=4)
    store = build_token_store([items[i] for i in sorted(ex.item_ids())], shared_tokenizer(), cfg)
    ds = TrainDataset(ex, store, cfg)
    picked = [
        next(i for i, e in enumerate(ex.examples) if e.impression_id == r.impression_id)
        for r in rows
    ]
    batch = TrainCollator(cfg)([ds[i] for i in picked])
    tok = shared_tokenizer()
    for b, row in enumerate(rows):
        window = EngagementHistory.from_engagements(row.history, H=60)
        texts = decode_items(batch.users, b, tok)
        assert len(texts) == len(window) == 60
        for text, item in zip(texts, window.item_ids):
            assert text.startswith(
                tok.decode(tok.encode("News Title: " + corpus.news[item].title)[: 3 + 32])
            )
        # sessions follow seq // 4 of the full history
        n_sessions = int((batch.users.user_sessions[b] >= 0).sum())
        assert n_sessions == len({seq // 4 for _, seq in window.entries})


def test_loader_is_deterministic_across_workers():
    corpus = load_mind(MIND_DIR)
    rows = corpus.splits["train"][:120]
    cfg = text_config_for(p=4)
    items = news_items(corpus.news)
    ex = mind_train_examples(rows, set(items), neg_ratio=4)
    store = build_token_store([items[i] for i in sorted(ex.item_ids())], shared_tokenizer(), cfg)
    ds = TrainDataset(ex, store, cfg, seed=5)

    def run(workers):
        loader = make_train_loader(ds, 16, num_workers=workers, seed=5)
        epochs = []
        for epoch in range(2):
            loader.sampler.set_epoch(epoch)
            epochs.append([(b.cand_ids, b.users.session_ids, b.users.item_pos) for b in loader])
        return epochs

    serial, parallel = run(0), run(2)
    assert len(serial[0]) == -(-len(ds) // 16)
    for e in range(2):
        for a, b in zip(serial[e], parallel[e]):
            assert all(torch.equal(x, y) for x, y in zip(a, b))
    # a new epoch: a new order and new negatives
    assert not torch.equal(serial[0][0][0], serial[1][0][0])
    # eval loader keeps impression order
    ev = EvalDataset(mind_eval_impressions(rows[:10], set(items)), store, cfg)
    ids = [i for b in make_eval_loader(ev, 4, num_workers=0) for i in b.impression_ids]
    assert ids == [r.impression_id for r in rows[:10]]
