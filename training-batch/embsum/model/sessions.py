"""From independently encoded sessions to per-user tensors (paper 2.3, docs/design.md 4).

All sessions of all users in a batch are encoded as one flat [S, L] batch (sessions are
independent, so this is exact and lets cached session states be reused). Users then refer to
their sessions and items by index, which keeps these steps plain gathers (ONNX-friendly, no
Python loop over users). Index tensors use -1 for padding.
"""

from __future__ import annotations

import torch


def item_vectors(
    states: torch.Tensor, item_session: torch.Tensor, item_pos: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Item vectors = encoder state at each item's [SOS] position.

    states:       [S, L, d]  encoder output of every session
    item_session: [B, K]     index into S of the session holding item j of user b; -1 = padding
    item_pos:     [B, K]     position of that item's [SOS] inside its session
    returns items [B, K, d] (padding rows are 0) and item_mask [B, K] (bool)
    """
    item_mask = item_session >= 0
    # clamp so padding gathers a valid (ignored) row instead of indexing out of range
    items = states[item_session.clamp(min=0), item_pos.clamp(min=0)]  # [B, K, d]
    return items * item_mask[..., None].to(items.dtype), item_mask


def fuse_sessions(
    states: torch.Tensor, session_mask: torch.Tensor, user_sessions: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fusion-in-decoder memory: concatenate the token states of each user's sessions.

    states:        [S, L, d]
    session_mask:  [S, L]     valid tokens of each session
    user_sessions: [B, G]     indices into S of user b's sessions (oldest first); -1 = padding
    returns memory [B, G*L, d] and memory_mask [B, G*L] (bool)

    Padding tokens stay inside the concatenation but are masked out. That is exact: T5's
    cross-attention has no position bias, so it is invariant to where the valid keys sit, and
    masked keys get weight exactly 0.

    A user with no session (empty history) would have an all-masked memory, and attention over
    it spreads evenly over whatever fills the padding (another user's states), so the result
    would depend on the batch. Such a user reads one all-zero memory token instead: T5 attention
    has no biases, so that contributes exactly 0, whoever else is in the batch.
    """
    g_mask = user_sessions >= 0  # [B, G]
    idx = user_sessions.clamp(min=0)
    b, g = idx.shape
    mem = states[idx].reshape(b, g * states.shape[1], states.shape[2])  # [B, G*L, d]
    mask = (session_mask[idx].to(torch.bool) & g_mask[..., None]).reshape(b, -1)  # [B, G*L]
    first = torch.zeros_like(mask)
    first[:, 0] = True
    zero_token = first & ~mask.any(dim=1, keepdim=True)  # empty users only
    return mem.masked_fill(zero_token[..., None], 0.0), mask | zero_token


def build_z(
    items: torch.Tensor, item_mask: torch.Tensor, global_vec: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Z = [k item vectors; global] -> [B, K+1, d] and mask [B, K+1].

    The global vector is always valid, so a user with k = 0 items still has one row.
    """
    z = torch.cat([items, global_vec[:, None, :]], dim=1)
    ones = torch.ones_like(item_mask[:, :1], dtype=torch.bool)
    return z, torch.cat([item_mask.to(torch.bool), ones], dim=1)
