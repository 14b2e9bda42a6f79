"""Poly-attention (paper eq. 2): m learned context codes each pool a set of vectors.

    alpha_a = softmax_j( c_a . tanh(Z W)_j )        a = 1..codes, j over the (masked) rows of Z
    out_a   = sum_j alpha_a,j Z_j

Used twice with separate parameters: UPE (codes c, projection W^f, over Z = [items; global]) and
CPE (codes b, projection W^o, over one content's token states).
"""

from __future__ import annotations

import torch
from torch import nn


def masked_softmax(logits: torch.Tensor, mask: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """softmax over `dim` where mask is False -> probability exactly 0.

    Masked logits get -inf, so padding contributes exactly nothing. A slice with no valid entry
    (a padded candidate) would be softmax(all -inf) = NaN; it gets all-zero weights instead,
    computed without ever producing a NaN (so no NaN gradient either).
    """
    mask = mask.to(torch.bool)
    any_valid = mask.any(dim=dim, keepdim=True)
    logits = logits.masked_fill(~mask, float("-inf"))
    # For all-masked slices use 0 logits (finite) and zero the result below.
    logits = torch.where(any_valid, logits, torch.zeros_like(logits))
    return torch.softmax(logits, dim=dim) * any_valid.to(logits.dtype)


class PolyAttention(nn.Module):
    def __init__(self, d_model: int, n_codes: int, code_dim: int):
        super().__init__()
        # W^f (UPE) / W^o (CPE): d -> p, no bias as in the paper's formula.
        self.proj = nn.Linear(d_model, code_dim, bias=False)
        # c_a / b_a: [codes, p]. std p^-0.5 keeps the logits O(1) at init (tanh outputs are in [-1, 1]).
        self.codes = nn.Parameter(torch.randn(n_codes, code_dim) * code_dim**-0.5)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # x: [N, T, d], mask: [N, T] (True = valid)  ->  [N, codes, d]
        keys = torch.tanh(self.proj(x))  # [N, T, p]
        logits = torch.matmul(keys, self.codes.t())  # [N, T, codes]
        logits = logits.transpose(1, 2)  # [N, codes, T]
        alpha = masked_softmax(logits, mask[:, None, :])  # [N, codes, T], rows sum to 1 (or 0)
        return torch.matmul(alpha, x)  # [N, codes, d]
