"""Tensor inputs of the model. Builders (data readers, the streaming job) produce these.

Shapes: S sessions (of all users in the batch, flat), L tokens per session (padded), B users,
G sessions per user (padded), K items per user (padded, K <= 60), C candidates per impression,
Lc tokens per candidate content, T summary tokens. Index tensors use -1 for padding; token
tensors use pad id 0 with a separate mask.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch


def _to(obj, device):
    return type(obj)(
        **{
            f.name: (
                getattr(obj, f.name).to(device)
                if hasattr(getattr(obj, f.name), "to")
                else getattr(obj, f.name)
            )
            for f in fields(obj)
        }
    )


@dataclass
class UserInputs:
    session_ids: (
        torch.Tensor
    )  # [S, L] long: session tokens (items' tokens in seq order + </s>), pad 0
    session_mask: torch.Tensor  # [S, L] bool/long: 1 for real tokens
    user_sessions: (
        torch.Tensor
    )  # [B, G] long: indices into S of each user's sessions, oldest first; -1 pad
    item_session: (
        torch.Tensor
    )  # [B, K] long: index into S of the session holding each history item; -1 pad
    item_pos: torch.Tensor  # [B, K] long: the item's [SOS] position inside that session

    def to(self, device) -> "UserInputs":
        return _to(self, device)


@dataclass
class TrainBatch:
    users: UserInputs
    summary_labels: (
        torch.Tensor | None
    )  # [B, T] long: teacher summary ids + </s>; pad 0 or -100 (ignored)
    cand_ids: torch.Tensor  # [B, C, Lc] long: content tokens ([SOS] + text + </s>), pad 0
    cand_mask: torch.Tensor  # [B, C, Lc]: 1 for real tokens; an all-0 row = padded candidate
    # Convention: candidate 0 of each impression row is the clicked item, 1..C-1 sampled negatives.

    def to(self, device) -> "TrainBatch":
        return _to(self, device)
