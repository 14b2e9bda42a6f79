"""The release gate: a retrained model replaces the serving one only if it ranks about as well.

Both models are evaluated by the same code (embsum.train.evaluate: AUC, MRR, nDCG@5/@10 of
embsum.metrics) on the same dev set (the newest day of the event archive). The rule:

    release  iff  candidate AUC >= serving AUC - margin          (default margin 0.005)

AUC decides because it is the paper's main metric and the least noisy of the four on a day of
impressions; MRR and nDCG are reported next to it. The margin tolerates evaluation noise, so
that a model trained on fresher data is not held back by a difference the dev day cannot
resolve; a negative margin demands an improvement. Without a serving model (the first release)
the gate passes and says so. A candidate whose AUC is undefined (no scorable impression) or not
finite never passes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Mapping

DEFAULT_MARGIN = 0.005
METRIC = "auc"


@dataclass(frozen=True)
class GateDecision:
    passed: bool
    reason: str
    margin: float
    candidate_auc: float | None
    serving_auc: float | None
    threshold: float | None  # serving AUC - margin: the AUC the candidate had to reach

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _auc(metrics: Mapping[str, Any] | None) -> float | None:
    if metrics is None:
        return None
    v = metrics.get(METRIC)
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


def decide(
    candidate: Mapping[str, Any], serving: Mapping[str, Any] | None, margin: float = DEFAULT_MARGIN
) -> GateDecision:
    """Gate decision from the two models' dev metrics (`serving` None: nothing is served yet)."""
    if not math.isfinite(margin):
        raise ValueError(f"margin must be a finite number, got {margin}")
    cand = _auc(candidate)
    if cand is None:
        return GateDecision(
            False,
            f"the new model's dev AUC is undefined ({candidate.get(METRIC)!r}: no dev "
            "impression could be scored), so it cannot be compared",
            margin,
            None,
            _auc(serving),
            None,
        )
    if serving is None:
        return GateDecision(
            True,
            f"no serving model to compare with (first release); new AUC {cand:.4f}",
            margin,
            cand,
            None,
            None,
        )
    serv = _auc(serving)
    if serv is None:
        return GateDecision(
            True,
            f"the serving model's dev AUC is undefined ({serving.get(METRIC)!r}); "
            f"new AUC {cand:.4f} is released",
            margin,
            cand,
            None,
            None,
        )
    threshold = serv - margin
    if cand >= threshold:
        return GateDecision(
            True,
            f"new AUC {cand:.4f} >= serving AUC {serv:.4f} - margin {margin:g} = {threshold:.4f}",
            margin,
            cand,
            serv,
            threshold,
        )
    why = (
        f"the new model ranks the dev day {serv - cand:.4f} AUC worse than the serving one"
        if cand < serv
        else f"the new model is {cand - serv:.4f} AUC better, but margin {margin:g} demands an improvement of at "
        f"least {-margin:g}"
    )
    return GateDecision(
        False,
        f"new AUC {cand:.4f} < serving AUC {serv:.4f} - margin {margin:g} = {threshold:.4f}: {why}",
        margin,
        cand,
        serv,
        threshold,
    )
