"""embsum_retrain.gate: release iff new AUC >= serving AUC - margin."""

from __future__ import annotations

import math

import pytest

from embsum_retrain.gate import DEFAULT_MARGIN, decide


def m(auc, **kw):
    return {"auc": auc, "mrr": 0.3, "ndcg@5": 0.3, "ndcg@10": 0.35, "impressions": 100, **kw}


@pytest.mark.parametrize(
    "new, serving, margin, passed",
    [
        (0.70, 0.70, DEFAULT_MARGIN, True),  # equal
        (0.71, 0.70, DEFAULT_MARGIN, True),  # better
        (0.696, 0.70, 0.005, True),  # worse, but within the margin
        (0.695, 0.70, 0.005, True),  # exactly at the threshold
        (0.694, 0.70, 0.005, False),  # just below it
        (0.60, 0.70, 0.005, False),  # clearly worse
        (0.60, 0.70, 0.2, True),  # a wide margin lets it through
        (0.705, 0.70, -0.01, False),  # a negative margin demands +0.01
        (0.711, 0.70, -0.01, True),
    ],
)
def test_rule(new, serving, margin, passed):
    d = decide(m(new), m(serving), margin)
    assert d.passed is passed
    assert d.candidate_auc == new and d.serving_auc == serving
    assert d.threshold == pytest.approx(serving - margin)
    assert (">=" if passed else "<") in d.reason and f"margin {margin:g}" in d.reason


def test_reason_says_worse_or_not_improved_enough():
    assert "0.1000 AUC worse than the serving one" in decide(m(0.6), m(0.7)).reason
    assert "demands an improvement of at least 0.01" in decide(m(0.705), m(0.7), -0.01).reason


def test_first_release_passes_and_says_so():
    d = decide(m(0.55), None)
    assert d.passed and d.serving_auc is None and d.threshold is None
    assert "no serving model" in d.reason


def test_undefined_new_auc_never_passes():
    for bad in (float("nan"), None, math.inf):
        d = decide(m(bad), m(0.5))
        assert not d.passed and "undefined" in d.reason
        assert not decide(m(bad), None).passed


def test_margin_must_be_finite():
    with pytest.raises(ValueError, match="finite"):
        decide(m(0.7), m(0.7), float("nan"))


def test_only_auc_decides():
    """MRR/nDCG are reported, not gated on: a better AUC with worse MRR passes."""
    assert decide(m(0.71, mrr=0.1), m(0.70, mrr=0.5)).passed
    assert not decide(m(0.60, mrr=0.9), m(0.70, mrr=0.1)).passed
