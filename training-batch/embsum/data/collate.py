"""Samples -> padded tensors: :class:`TrainBatch` (embsum.model.batch) and :class:`EvalBatch`.

Layout (embsum/model/batch.py): all sessions of the batch in one flat ``[S, L]`` block (pad 0,
mask 1/0), users referring to them by index (``-1`` = padding), items by (session index,
[SOS] position). Identical sessions (same tokens, e.g. two clicks of one impression) are stored
once: sessions are encoded independently, so sharing a row is exact and saves encoder work.
Every index dimension is at least 1 wide, and S >= 1 (a batch in which no user has a history
gets one unreferenced ``[</s>]`` row) so the model never sees a zero-sized tensor.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Mapping, Sequence

import numpy as np
import torch

from embsum.data.dataset import EvalSample, TrainSample
from embsum.model.batch import TrainBatch, UserInputs
from embsum.text import Session, TextConfig

IGNORE = -100


def pack_users(
    users: Sequence[Sequence[Session]], *, pad_id: int = 0, eos_id: int = 1
) -> UserInputs:
    """Sessions of each user (oldest first) -> UserInputs (deduplicated session rows)."""
    rows: list[tuple[int, ...]] = []
    row_of: dict[tuple[int, ...], int] = {}
    user_rows: list[list[int]] = []
    item_refs: list[list[tuple[int, int]]] = []
    for sessions in users:
        us, refs = [], []
        for s in sessions:
            r = row_of.get(s.tokens)
            if r is None:
                r = row_of[s.tokens] = len(rows)
                rows.append(s.tokens)
            us.append(r)
            refs.extend((r, pos) for pos in s.sos_positions)
        user_rows.append(us)
        item_refs.append(refs)
    if not rows:
        rows.append((eos_id,))
    L = max(len(r) for r in rows)
    ids = np.full((len(rows), L), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), L), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    B = len(users)
    G = max([len(u) for u in user_rows] + [1])
    K = max([len(r) for r in item_refs] + [1])
    user_sessions = np.full((B, G), -1, dtype=np.int64)
    item_session = np.full((B, K), -1, dtype=np.int64)
    item_pos = np.full((B, K), -1, dtype=np.int64)
    for b in range(B):
        user_sessions[b, : len(user_rows[b])] = user_rows[b]
        for k, (r, pos) in enumerate(item_refs[b]):
            item_session[b, k] = r
            item_pos[b, k] = pos
    return UserInputs(
        torch.from_numpy(ids),
        torch.from_numpy(mask),
        torch.from_numpy(user_sessions),
        torch.from_numpy(item_session),
        torch.from_numpy(item_pos),
    )


def pad_contents(
    rows: Sequence[Sequence[np.ndarray]], pad_id: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Candidates' content tokens per row -> ids, mask ``[B, C, Lc]`` (all-0 mask = padded)."""
    B = len(rows)
    C = max([len(r) for r in rows] + [1])
    Lc = max([len(c) for r in rows for c in r] + [1])
    ids = np.full((B, C, Lc), pad_id, dtype=np.int64)
    mask = np.zeros((B, C, Lc), dtype=np.int64)
    for b, r in enumerate(rows):
        for c, toks in enumerate(r):
            ids[b, c, : len(toks)] = toks
            mask[b, c, : len(toks)] = 1
    return torch.from_numpy(ids), torch.from_numpy(mask)


def summary_labels(
    user_ids: Sequence[str],
    summaries: Mapping[str, Sequence[int]] | None,
    *,
    eos_id: int = 1,
    pad_id: int = 0,
    max_tokens: int = 128,
) -> torch.Tensor | None:
    """``[B, T]`` teacher-summary labels: ids (cut to ``max_tokens - 1``) + ``</s>``, padded with
    -100; a user missing from the map gets an all -100 row (no L_sum, global vector at step 0).
    ``summaries=None`` -> None. The ids must not contain pad or ``</s>`` (a trailing ``</s>`` is
    accepted and not doubled)."""
    if summaries is None:
        return None
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    rows = []
    for user in user_ids:
        ids = summaries.get(user)
        if ids is None:
            rows.append([])
            continue
        ids = list(ids)
        if ids and ids[-1] == eos_id:
            ids = ids[:-1]
        if pad_id in ids or eos_id in ids:
            raise ValueError(
                f"summary of user {user!r} contains pad ({pad_id}) or </s> ({eos_id}) ids"
            )
        rows.append(ids[: max_tokens - 1] + [eos_id])
    T = max([len(r) for r in rows] + [1])
    out = torch.full((len(rows), T), IGNORE, dtype=torch.long)
    for b, r in enumerate(rows):
        if r:
            out[b, : len(r)] = torch.tensor(r, dtype=torch.long)
    return out


class _Collator:
    """What both collators do alike: pack the users' sessions and turn their teacher summaries
    into labels."""

    def __init__(
        self,
        cfg: TextConfig,
        summaries: Mapping[str, Sequence[int]] | None = None,
        max_summary_tokens: int = 128,
    ) -> None:
        self.cfg = cfg
        self.summaries = summaries
        self.max_summary_tokens = max_summary_tokens

    def _users(self, samples: Sequence[TrainSample | EvalSample]) -> UserInputs:
        return pack_users(
            [s.sessions for s in samples], pad_id=self.cfg.pad_id, eos_id=self.cfg.eos_id
        )

    def _summary_labels(self, samples: Sequence[TrainSample | EvalSample]) -> torch.Tensor | None:
        return summary_labels(
            [s.user_id for s in samples],
            self.summaries,
            eos_id=self.cfg.eos_id,
            pad_id=self.cfg.pad_id,
            max_tokens=self.max_summary_tokens,
        )


class TrainCollator(_Collator):
    """list[TrainSample] -> TrainBatch (candidate 0 = the positive)."""

    def __call__(self, samples: Sequence[TrainSample]) -> TrainBatch:
        users = self._users(samples)
        cand_ids, cand_mask = pad_contents([s.contents for s in samples], self.cfg.pad_id)
        return TrainBatch(users, self._summary_labels(samples), cand_ids, cand_mask)


@dataclass
class EvalBatch:
    """Whole impressions. Candidate contents are deduplicated within the batch: embed
    ``content_ids`` once (CPE does not depend on the user), then gather with ``cand_index``."""

    users: UserInputs
    summary_labels: torch.Tensor | None  # [B, T] or None
    content_ids: torch.Tensor  # [N, Lc] distinct candidate contents, pad 0
    content_mask: torch.Tensor  # [N, Lc]
    cand_index: torch.Tensor  # [B, C] index into N; -1 = padded candidate
    labels: torch.Tensor  # [B, C] 1 clicked / 0 not; -1 = padded candidate
    user_ids: list[str]
    impression_ids: list[str]
    item_ids: list[list[str]]  # candidates of each impression, in order

    def to(self, device) -> "EvalBatch":
        return type(self)(
            **{
                f.name: (
                    getattr(self, f.name).to(device)
                    if isinstance(getattr(self, f.name), (torch.Tensor, UserInputs))
                    else getattr(self, f.name)
                )
                for f in fields(self)
            }
        )

    @property
    def cand_valid(self) -> torch.Tensor:
        return self.cand_index >= 0

    def expand_candidates(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``[B, C, Lc]`` ids and mask (the TrainBatch layout; padded candidates all 0)."""
        idx = self.cand_index.clamp(min=0)
        valid = self.cand_valid[..., None]
        return self.content_ids[idx] * valid, self.content_mask[idx] * valid


class EvalCollator(_Collator):
    """list[EvalSample] -> EvalBatch."""

    def __call__(self, samples: Sequence[EvalSample]) -> EvalBatch:
        users = self._users(samples)
        distinct: dict[str, int] = {}
        contents: list[np.ndarray] = []
        B = len(samples)
        C = max([len(s.items) for s in samples] + [1])
        cand_index = torch.full((B, C), -1, dtype=torch.long)
        labels = torch.full((B, C), -1, dtype=torch.long)
        for b, s in enumerate(samples):
            for c, (item, toks) in enumerate(zip(s.items, s.contents)):
                n = distinct.get(item)
                if n is None:
                    n = distinct[item] = len(contents)
                    contents.append(toks)
                cand_index[b, c] = n
            labels[b, : len(s.labels)] = torch.tensor(s.labels, dtype=torch.long)
        ids, mask = pad_contents([contents], self.cfg.pad_id)
        return EvalBatch(
            users,
            self._summary_labels(samples),
            ids[0],
            mask[0],
            cand_index,
            labels,
            [s.user_id for s in samples],
            [s.impression_id for s in samples],
            [list(s.items) for s in samples],
        )
