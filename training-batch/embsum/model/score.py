"""CTR score between a user poly-embedding A and a content poly-embedding B (paper 2.5).

    K   = flatten(A B^T)                           [m*n]   matching scores
    W^p = softmax(flatten(A gelu(B W^s)^T))        [m*n]   attention over the m*n pairs
    s   = W^p . K

`cpe_key` = gelu(B W^s) depends only on the content, so it is computed once per item
(content_embed) and cached with B; scoring is then two small matmuls.
"""

from __future__ import annotations

import torch


def _aggregate(k: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    # k, w: [..., m, n] -> s [...]; softmax over the flattened m*n pairs
    w = torch.softmax(w.flatten(-2), dim=-1)
    return (w * k.flatten(-2)).sum(-1)


def score_pairwise(a: torch.Tensor, b: torch.Tensor, cpe_key: torch.Tensor) -> torch.Tensor:
    """Each user against its own candidates.

    a: [U, m, d]; b, cpe_key: [U, C, n, d]  ->  scores [U, C]
    """
    k = torch.einsum("umd,ucnd->ucmn", a, b)
    w = torch.einsum("umd,ucnd->ucmn", a, cpe_key)
    return _aggregate(k, w)


def score_all_pairs(a: torch.Tensor, b: torch.Tensor, cpe_key: torch.Tensor) -> torch.Tensor:
    """Every user against every content.

    a: [U, m, d]; b, cpe_key: [N, n, d]  ->  scores [U, N]
    """
    k = torch.einsum("umd,jnd->ujmn", a, b)
    w = torch.einsum("umd,jnd->ujmn", a, cpe_key)
    return _aggregate(k, w)
