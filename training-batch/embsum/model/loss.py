"""Training losses (paper eq. 1, 5, 6)."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F


class EmbSumLoss(NamedTuple):
    total: torch.Tensor  # L = L_NCE + lambda_sum * L_sum
    nce: torch.Tensor  # L_NCE, mean over impressions
    sum: torch.Tensor  # L_sum, mean token cross-entropy of the teacher summary


def nce_loss(scores: torch.Tensor, cand_valid: torch.Tensor | None = None) -> torch.Tensor:
    """Softmax cross-entropy of the clicked candidate against its sampled negatives (eq. 5).

    Convention: the clicked (positive) item is candidate 0 of every row; the rest are negatives.
    scores: [B, C]; cand_valid: [B, C] bool, False for padded candidates (a row may have fewer
    negatives than neg_ratio). A row whose candidate 0 is padding (a padded user) is skipped.
    Returns the mean over the remaining rows (0 if there are none).
    """
    if cand_valid is None:
        cand_valid = torch.ones_like(scores, dtype=torch.bool)
    cand_valid = cand_valid.to(torch.bool)
    row_valid = cand_valid[:, 0]
    # -inf for padded candidates; a skipped row gets finite logits so nothing turns into NaN
    logits = scores.masked_fill(~cand_valid & row_valid[:, None], float("-inf"))
    logits = torch.where(row_valid[:, None], logits, torch.zeros_like(logits))
    per_row = torch.logsumexp(logits, dim=1) - logits[:, 0]  # -log softmax(s)_0
    per_row = per_row * row_valid.to(per_row.dtype)
    return per_row.sum() / row_valid.sum().clamp(min=1)


def summary_loss(logits: torch.Tensor, labels: torch.Tensor, pad_id: int = 0) -> torch.Tensor:
    """Token-mean cross-entropy of the summary (eq. 1, averaged over tokens like HF T5).

    logits: [B, T, V]; labels: [B, T] with padding as -100 or pad_id (both ignored).
    """
    labels = labels.masked_fill(labels == pad_id, -100)
    tok = F.cross_entropy(
        logits.flatten(0, 1).float(), labels.flatten(), ignore_index=-100, reduction="none"
    )  # [B*T], 0 where ignored
    # sum / count rather than reduction="mean": a batch with no summary tokens gives 0, not NaN
    return tok.sum() / (labels != -100).sum().clamp(min=1)
