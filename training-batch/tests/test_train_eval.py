"""Evaluation: whole-impression metrics equal a brute-force computation; user/item caching;
ROUGE of greedy summaries; sharding over ranks adds up."""

import pytest
import torch
from rouge_score import rouge_scorer

from embsum.metrics import evaluate as mind_evaluate
from embsum.model import TrainBatch
from embsum.text import TextTokenizer
from embsum.train import EvalSource, evaluate, select_users
from embsum.train.synthetic import make_synthetic
from model_fixtures import make_users, one_torch_thread, rand_users, tiny_model  # noqa: F401  (autouse fixture)


@pytest.fixture(scope="module")
def syn():
    return make_synthetic(8, n_eval=12, seed=4, p=2)


def _upto_eos(ids):
    out = []
    for t in ids:
        if t == 1:
            break
        if t >= 0:
            out.append(t)
    return out


def _brute_force(model, batches, teacher: bool):
    labels, scores = [], []
    with torch.no_grad():
        for b in batches:
            ids, mask = b.expand_candidates()
            bsz, c, lc = ids.shape
            if teacher:
                s = model(TrainBatch(b.users, b.summary_labels, ids, mask)).scores
            else:
                a = model.embed_users(b.users).a
                bv, key = model.content_embed(ids.reshape(bsz * c, lc), mask.reshape(bsz * c, lc))
                s = model.score(
                    a, bv.reshape(bsz, c, *bv.shape[1:]), key.reshape(bsz, c, *key.shape[1:])
                )
            for row in range(bsz):
                valid = b.labels[row] >= 0
                labels.append(b.labels[row][valid].numpy())
                scores.append(s[row][valid].numpy())
    return mind_evaluate(labels, scores)


@pytest.mark.parametrize("mode", ["greedy", "teacher"])
def test_metrics_equal_brute_force(syn, mode):
    model = tiny_model(seed=2, max_summary_tokens=6)
    batches = list(EvalSource(syn.dev, syn.eval_collate(8), batch_size=5))
    assert len(batches) == 3  # 12 impressions: 5 + 5 + 2
    got = evaluate(model, batches, global_mode=mode)
    want = _brute_force(model, batches, teacher=(mode == "teacher"))
    assert got["impressions"] == want["impressions"] == 12 and got["skipped"] == 0
    for k in ("auc", "mrr", "ndcg@5", "ndcg@10"):
        assert got[k] == pytest.approx(want[k], abs=1e-9), k
    assert 0 < got["auc"] < 1
    assert model.training is False


def test_users_and_items_are_embedded_once(syn, monkeypatch):
    model = tiny_model(seed=2, max_summary_tokens=6)
    batches = list(EvalSource(syn.dev, syn.eval_collate(8), batch_size=4))
    # one call over the impressions, then one over the same impressions twice: the second call
    # embeds each (user, history) and each item once, not once per impression
    seen = {"users": 0, "items": 0}
    orig_u, orig_c = model.embed_users, model.content_embed

    def count_u(users, *a, **k):
        seen["users"] += users.user_sessions.shape[0]
        return orig_u(users, *a, **k)

    def count_c(ids, mask):
        seen["items"] += ids.shape[0]
        return orig_c(ids, mask)

    monkeypatch.setattr(model, "embed_users", count_u)
    monkeypatch.setattr(model, "content_embed", count_c)
    once = evaluate(model, batches)
    n_users, n_items = seen["users"], seen["items"]
    twice = evaluate(model, batches + batches)
    distinct_items = len({i for b in batches for row in b.item_ids for i in row})
    assert n_users == 12 and n_items == distinct_items
    assert (
        seen["users"] == 2 * n_users and seen["items"] == 2 * n_items
    )  # (the cache lives per call)
    assert twice["impressions"] == 24 and twice["auc"] == pytest.approx(once["auc"])


def test_select_users_keeps_exactly_the_chosen_rows():
    model = tiny_model(seed=0, max_summary_tokens=5)
    users = make_users(rand_users(9, [5, 0, 3, 6]), extra_tokens=2, extra_unused_sessions=1)
    with torch.no_grad():
        full = model.embed_users(users)
        sub = select_users(users, [3, 0])
        part = model.embed_users(sub)
    assert sub.session_ids.shape[0] == 3 + 3  # only the sessions of users 3 and 0 (p=2)
    torch.testing.assert_close(part.a, full.a[[3, 0]], atol=1e-5, rtol=0)
    empty = select_users(users, [1])  # a user without history
    assert (empty.user_sessions < 0).all() and empty.session_ids.shape[0] == 1


def test_rouge_of_greedy_summaries(syn, monkeypatch):
    model = tiny_model(seed=5, max_summary_tokens=6)
    batches = list(EvalSource(syn.dev, syn.eval_collate(8), batch_size=5))
    tok = TextTokenizer()
    got = evaluate(model, batches, rouge_users=4, tokenizer=tok)
    assert got["rouge_users"] == 4
    # recompute by hand for the first 4 users
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    b = batches[0]
    with torch.no_grad():
        ids = model.embed_users(select_users(b.users, [0, 1, 2, 3])).summary_ids
    want = {k: 0.0 for k in ("rouge1", "rouge2", "rougeL")}
    for j in range(4):
        hyp = tok.decode(_upto_eos(ids[j].tolist()))
        ref = tok.decode(_upto_eos(b.summary_labels[j].tolist()))
        s = scorer.score(ref, hyp)
        for k in want:
            want[k] += s[k].fmeasure / 4
    for k in want:
        assert got[k] == pytest.approx(want[k], abs=1e-9)
    # a model whose greedy summary *is* the teacher's scores 1.0
    orig = model.embed_users

    def parrot(users, summary_labels=None, greedy=True):
        e = orig(users, summary_labels=summary_labels, greedy=greedy)
        return e._replace(summary_ids=summary_labels.clamp(min=0))

    monkeypatch.setattr(model, "embed_users", parrot)
    perfect = evaluate(model, batches, rouge_users=4, tokenizer=tok)
    assert perfect["rouge1"] == perfect["rouge2"] == perfect["rougeL"] == 1.0


def test_rank_shards_cover_the_split_once(syn):
    shards = [
        EvalSource(syn.dev, syn.eval_collate(8), batch_size=4, rank=r, world_size=3)
        for r in range(3)
    ]
    ids = [imp for s in shards for b in s for imp in b.impression_ids]
    assert sorted(ids) == sorted(x.impression_id for x in syn.dev.samples)
    limited = EvalSource(syn.dev, syn.eval_collate(8), batch_size=4, limit=5)
    assert sum(len(b.impression_ids) for b in limited) == 5
