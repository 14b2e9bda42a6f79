"""Synthetic tensors for the model tests (no tokenizer needed: ids are made up).

A user is a list of sessions, a session a list of items, an item a list of token ids starting with
[SOS]. `make_users` lays them out like the data side will (docs/design.md 4 / text contract 4):
session tokens = concatenation of the items' tokens + </s>, item vectors at the [SOS] offsets, with
optional *extra* padding so tests can check that padding never changes outputs.
"""

from __future__ import annotations

import random

import pytest
import torch

from embsum.model import EmbSum, EmbSumConfig, TrainBatch, UserInputs

SOS, EOS, PAD = 32099, 1, 0


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models are slower with intra-op threads on a shared 2-core box (sync overhead
    dominates); test modules import this fixture so it applies to them, and it is restored."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def tiny_config(**kw) -> EmbSumConfig:
    base = dict(backbone="tiny", m=4, n=3, max_summary_tokens=12)
    base.update(kw)
    return EmbSumConfig(**base)


def tiny_model(seed: int = 0, **kw) -> EmbSum:
    torch.manual_seed(seed)
    return EmbSum(tiny_config(**kw)).eval()


def rand_item(rng: random.Random, lo: int = 2, hi: int = 5) -> list[int]:
    return [SOS] + [rng.randrange(3, 500) for _ in range(rng.randint(lo, hi))]


def rand_users(seed: int, n_items: list[int], p: int = 2) -> list[list[list[list[int]]]]:
    """n_items[b] history items for user b, grouped p per session."""
    rng = random.Random(seed)
    users = []
    for k in n_items:
        items = [rand_item(rng) for _ in range(k)]
        users.append([items[i : i + p] for i in range(0, k, p)])
    return users


def make_users(
    users,
    extra_tokens: int = 0,
    extra_sessions_per_user: int = 0,
    extra_items: int = 0,
    extra_users: int = 0,
    extra_unused_sessions: int = 0,
) -> UserInputs:
    """extra_*: more padding (token columns, -1 session slots, -1 item slots, padded users with
    no session, and all-pad session rows that no user refers to)."""
    sessions, user_sessions, item_session, item_pos = [], [], [], []
    for user in users:
        us, isess, ipos = [], [], []
        for sess in user:
            toks, off = [], 0
            for item in sess:
                isess.append(len(sessions))
                ipos.append(off)
                toks += item
                off += len(item)
            us.append(len(sessions))
            sessions.append(toks + [EOS])
        user_sessions.append(us)
        item_session.append(isess)
        item_pos.append(ipos)
    for _ in range(extra_unused_sessions):
        sessions.append([])
    for _ in range(extra_users):
        user_sessions.append([])
        item_session.append([])
        item_pos.append([])
    L = max([len(s) for s in sessions] + [1]) + extra_tokens
    G = max(len(u) for u in user_sessions) + extra_sessions_per_user
    K = max(len(i) for i in item_session) + extra_items
    ids = torch.full((len(sessions), L), PAD, dtype=torch.long)
    mask = torch.zeros((len(sessions), L), dtype=torch.long)
    for s, toks in enumerate(sessions):
        ids[s, : len(toks)] = torch.tensor(toks, dtype=torch.long)
        mask[s, : len(toks)] = 1

    def pad(rows, width):
        out = torch.full((len(rows), max(width, 1)), -1, dtype=torch.long)
        for r, row in enumerate(rows):
            out[r, : len(row)] = torch.tensor(row, dtype=torch.long)
        return out

    return UserInputs(
        ids,
        mask,
        pad(user_sessions, G),
        pad(item_session, K),
        pad(item_pos, K).clamp(min=0) * (pad(item_session, K) >= 0),
    )


def make_summaries(
    summaries: list[list[int]], extra: int = 0, pad_value: int = -100, extra_users: int = 0
) -> torch.Tensor:
    """summary ids -> labels [B, T] = ids + </s>, padded (default -100)."""
    rows = [s + [EOS] for s in summaries] + [[] for _ in range(extra_users)]
    T = max(len(r) for r in rows) + extra
    out = torch.full((len(rows), T), pad_value, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(r, dtype=torch.long)
    return out


def make_contents(
    contents: list[list[list[int]]],
    extra_tokens: int = 0,
    extra_cands: int = 0,
    extra_users: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """contents[b][c] = item tokens ([SOS] + text); </s> is appended here -> ids, mask [B, C, Lc]."""
    rows = [[c + [EOS] for c in cs] for cs in contents] + [[] for _ in range(extra_users)]
    C = max(len(r) for r in rows) + extra_cands
    Lc = max(len(c) for r in rows for c in r) + extra_tokens
    ids = torch.full((len(rows), C, Lc), PAD, dtype=torch.long)
    mask = torch.zeros((len(rows), C, Lc), dtype=torch.long)
    for b, r in enumerate(rows):
        for c, toks in enumerate(r):
            ids[b, c, : len(toks)] = torch.tensor(toks, dtype=torch.long)
            mask[b, c, : len(toks)] = 1
    return ids, mask


def rand_batch(
    seed: int = 0, n_items=(5, 3, 1), n_cands: int = 5, p: int = 2, summary_len: int = 6, users=None
):
    rng = random.Random(seed + 1000)
    users = users if users is not None else rand_users(seed, list(n_items), p)
    summaries = [[rng.randrange(3, 500) for _ in range(summary_len)] for _ in users]
    contents = [[rand_item(rng) for _ in range(n_cands)] for _ in users]
    return users, summaries, contents


def build_batch(users, summaries, contents, **pad) -> TrainBatch:
    """pad: extra_tokens, extra_sessions_per_user, extra_items, extra_users,
    extra_unused_sessions, extra_summary, extra_cand_tokens, extra_cands."""
    u = make_users(
        users,
        pad.get("extra_tokens", 0),
        pad.get("extra_sessions_per_user", 0),
        pad.get("extra_items", 0),
        pad.get("extra_users", 0),
        pad.get("extra_unused_sessions", 0),
    )
    labels = make_summaries(
        summaries,
        pad.get("extra_summary", 0),
        pad.get("summary_pad", -100),
        pad.get("extra_users", 0),
    )
    ids, mask = make_contents(
        contents,
        pad.get("extra_cand_tokens", 0),
        pad.get("extra_cands", 0),
        pad.get("extra_users", 0),
    )
    return TrainBatch(u, labels, ids, mask)
