"""Metrics against hand-computed numbers, the official MIND formulas, and brute-force AUC."""

import math

import numpy as np
import pytest

from embsum.metrics import (
    ImpressionMetrics,
    auc_score,
    dcg_score,
    evaluate,
    impression_metrics,
    mrr_score,
    ndcg_score,
)

LOG2_3 = math.log2(3)


def test_hand_example_two_clicks():
    y, s = [1, 0, 0, 1], [0.9, 0.8, 0.1, 0.3]
    # ranking by score: 0.9(click) 0.8 0.3(click) 0.1 -> clicks at ranks 1 and 3
    # AUC: click/non-click pairs ordered right: (0.9,0.8) (0.9,0.1) (0.3,0.1) but not (0.3,0.8): 3/4
    assert auc_score(y, s) == pytest.approx(0.75)
    # MRR = (1/1 + 1/3) / 2
    assert mrr_score(y, s) == pytest.approx(2 / 3)
    # DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3) = 1.6309298
    assert dcg_score(y, s, 5) == pytest.approx(1.5)
    assert ndcg_score(y, s, 5) == pytest.approx(1.5 / (1 + 1 / LOG2_3))
    assert ndcg_score(y, s, 5) == pytest.approx(0.9197207, abs=1e-7)
    assert ndcg_score(y, s, 10) == pytest.approx(0.9197207, abs=1e-7)


def test_hand_example_click_at_rank_three_and_seven():
    s = [7, 6, 5, 4, 3, 2, 1]
    y = [0, 0, 1, 0, 0, 0, 0]
    assert auc_score(y, s) == pytest.approx(4 / 6)  # above 4 of the 6 non-clicks
    assert mrr_score(y, s) == pytest.approx(1 / 3)
    assert ndcg_score(y, s, 5) == pytest.approx(0.5)  # 1/log2(4), ideal 1
    y7 = [0, 0, 0, 0, 0, 0, 1]
    assert auc_score(y7, s) == 0.0
    assert mrr_score(y7, s) == pytest.approx(1 / 7)
    assert ndcg_score(y7, s, 5) == 0.0  # outside the top 5
    assert ndcg_score(y7, s, 10) == pytest.approx(1 / 3)  # 1/log2(8)
    assert auc_score([1, 0], [0.2, 0.9]) == 0.0 and auc_score([1, 0], [0.9, 0.2]) == 1.0


def test_auc_ties_count_half():
    y, s = [1, 0, 1, 0, 0], [0.5, 0.5, 0.2, 0.2, 0.1]
    # click 0.5: tie .5 + 1 + 1 = 2.5; click 0.2: 0 + tie .5 + 1 = 1.5 -> 4 / 6
    assert auc_score(y, s) == pytest.approx(4 / 6)
    assert auc_score([1, 0, 1, 0], [0.3, 0.3, 0.3, 0.3]) == pytest.approx(0.5)


def _auc_brute_force(y, s):
    pos = [b for a, b in zip(y, s) if a > 0]
    neg = [b for a, b in zip(y, s) if a <= 0]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def test_auc_equals_brute_force_pairwise_on_random_data():
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(300):
        n = int(rng.integers(2, 40))
        y = rng.integers(0, 2, n)
        if y.min() == y.max():
            continue
        s = np.round(rng.random(n), 1)  # one decimal: many ties
        assert auc_score(y, s) == pytest.approx(_auc_brute_force(y, s), abs=1e-12)
        checked += 1
    assert checked > 250


# The official msnews MIND evaluate.py functions, verbatim in substance, as the reference.
def _official_dcg(y_true, y_score, k=10):
    order = np.argsort(y_score)[::-1]
    y_true = np.take(y_true, order[:k])
    gains = 2**y_true - 1
    discounts = np.log2(np.arange(len(y_true)) + 2)
    return np.sum(gains / discounts)


def _official_ndcg(y_true, y_score, k=10):
    return _official_dcg(y_true, y_score, k) / _official_dcg(y_true, y_true, k)


def _official_mrr(y_true, y_score):
    order = np.argsort(y_score)[::-1]
    y_true = np.take(y_true, order)
    return np.sum(y_true / (np.arange(len(y_true)) + 1)) / np.sum(y_true)


def test_ndcg_mrr_equal_official_code_including_ties():
    rng = np.random.default_rng(1)
    for _ in range(200):
        n = int(rng.integers(2, 60))
        y = rng.integers(0, 2, n)
        y[rng.integers(0, n)] = 1
        s = np.round(rng.random(n), 1)
        assert mrr_score(y, s) == _official_mrr(y, s)
        assert ndcg_score(y, s, 5) == _official_ndcg(y, s, 5)
        assert ndcg_score(y, s, 10) == _official_ndcg(y, s, 10)


def test_average_over_impressions_and_skipping():
    labels = [[1, 0, 0, 1], [0, 0, 1, 0, 0, 0, 0], [0, 0, 0], [1, 1]]
    scores = [[0.9, 0.8, 0.1, 0.3], [7, 6, 5, 4, 3, 2, 1], [0.1, 0.2, 0.3], [0.5, 0.4]]
    out = evaluate(labels, scores)
    assert out["impressions"] == 2 and out["skipped"] == 2  # no click / no non-click
    assert out["auc"] == pytest.approx((0.75 + 4 / 6) / 2)
    assert out["mrr"] == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert out["ndcg@5"] == pytest.approx((0.9197207 + 0.5) / 2, abs=1e-7)
    assert out["ndcg@10"] == pytest.approx((0.9197207 + 0.5) / 2, abs=1e-7)
    acc = ImpressionMetrics()
    for y, s in zip(labels, scores):
        acc.add(y, s)
    assert acc.compute() == out
    assert impression_metrics([0, 0], [1, 2]) is None
    assert math.isnan(auc_score([1, 1], [0.1, 0.2]))
    with pytest.raises(ValueError):
        auc_score([1, 0], [0.1])
