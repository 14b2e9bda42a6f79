"""Golden vectors of a bundle: real MIND users and items through the PyTorch model.

What is produced (format: docs/model-bundle.md, "golden/"):

    texts      every news item used (raw fields as in news.tsv) + its item / content tokens
    users      8 users: engagements -> history entries -> sessions (tokens, [SOS] offsets)
               -> item vectors (encoder state at each [SOS]) -> greedy summary ids -> global
               vector -> UPE A
    contents   32 items: content tokens -> CPE B, cpe_key = gelu(B W^s)
    scores     every golden user against every golden item (EmbSum.score_all)

Selection is by fixed rules over the committed sample (data/mind, file order), so the same
model always gives the same golden files. Users (first behaviors row of each user): the first
row of the file (97 clicks, one repeat, window applies), then the first user with exactly 1, 2-3,
exactly p, p+1..8, 9..32 and 33..60 clicks, and the longest history in the sample. Items: the
first 32 distinct candidates of those users' impressions (user order, impression order).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from embsum.model import EmbSum, UserInputs, build_z, fuse_sessions, item_vectors
from embsum.text import (
    EngagementHistory,
    TextConfig,
    TextTokenizer,
    content_tokens,
    group_sessions,
    item_tokens,
)
from embsum.text.paths import MIND_DIR
from embsum.text.samples import read_mind_behaviors, read_mind_news

FORMAT = "embsum-bundle-golden/1"
N_USERS = 8
N_ITEMS = 32
# |onnxruntime - golden| <= ABS_TOL + REL_TOL * |golden| for every float; token ids exactly.
ABS_TOL = 1e-4
REL_TOL = 1e-4

FILES = {
    "texts": "golden/texts.json",
    "users": "golden/users.json",
    "contents": "golden/contents.json",
    "scores": "golden/scores.json",
}
INDEX = "golden/index.json"


@dataclass(frozen=True)
class _Row:
    impression_id: str
    user_id: str
    history: tuple[str, ...]
    candidates: tuple[str, ...]


def _read_rows(path: Path) -> list[_Row]:
    """behaviors.tsv with the Impressions column (embsum.text.samples drops it); first row per user."""
    histories = {r.impression_id: r for r in read_mind_behaviors(path)}
    rows, seen = [], set()
    with open(path, encoding="utf-8", newline="") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            r = histories[cols[0]]
            if r.user_id in seen:
                continue
            seen.add(r.user_id)
            cands = tuple(c.rsplit("-", 1)[0] for c in cols[4].split())
            rows.append(_Row(r.impression_id, r.user_id, r.history, cands))
    return rows


def select_users(rows: list[_Row], p: int) -> list[tuple[_Row, str]]:
    chosen: list[tuple[_Row, str]] = [(rows[0], "first behaviors row")]
    used = {rows[0].user_id}

    def take(pred: Callable[[int], bool], note: str) -> None:
        for r in rows:
            if r.user_id not in used and pred(len(r.history)):
                used.add(r.user_id)
                chosen.append((r, note))
                return

    take(lambda n: n == 1, "1 click")
    take(lambda n: 2 <= n <= 3, "2-3 clicks")
    take(lambda n: n == p, f"exactly p = {p} clicks (one full session)")
    take(lambda n: p < n <= 8, f"{p + 1}-8 clicks")
    take(lambda n: 9 <= n <= 32, "9-32 clicks")
    take(lambda n: 33 <= n <= 60, "33-60 clicks")
    longest = max((r for r in rows if r.user_id not in used), key=lambda r: len(r.history))
    chosen.append((longest, "longest history in the sample"))
    return chosen[:N_USERS]


def select_items(users: list[tuple[_Row, str]], rows: list[_Row], news: dict) -> list[str]:
    out: list[str] = []
    for r in [u for u, _ in users] + rows:
        for c in r.candidates:
            if c in news and c not in out:
                out.append(c)
            if len(out) == N_ITEMS:
                return out
    return out


def f32(x) -> Any:
    """float32 array -> nested lists of the shortest decimal strings that round-trip (as floats)."""
    a = np.asarray(x, dtype=np.float32)
    if a.ndim == 0:
        return float(str(a[()]))
    return [f32(v) for v in a]


def _user_inputs(users_sessions, pad_id: int) -> UserInputs:
    sessions, user_sessions, item_session, item_pos = [], [], [], []
    for sess_list in users_sessions:
        us, isess, ipos = [], [], []
        for s in sess_list:
            for pos in s.sos_positions:
                isess.append(len(sessions))
                ipos.append(pos)
            us.append(len(sessions))
            sessions.append(list(s.tokens))
        user_sessions.append(us)
        item_session.append(isess)
        item_pos.append(ipos)
    L = max(len(s) for s in sessions)
    ids = torch.full((len(sessions), L), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sessions), L), dtype=torch.long)
    for i, t in enumerate(sessions):
        ids[i, : len(t)] = torch.tensor(t)
        mask[i, : len(t)] = 1

    def pad(rows, fill):
        width = max(len(r) for r in rows)
        out = torch.full((len(rows), width), fill, dtype=torch.long)
        for i, r in enumerate(rows):
            out[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        return out

    isess = pad(item_session, -1)
    return UserInputs(ids, mask, pad(user_sessions, -1), isess, pad(item_pos, 0))


def _trim_summary(row: list[int], eos: int) -> list[int]:
    return row[: row.index(eos) + 1] if eos in row else row


@torch.no_grad()
def build_golden(
    model: EmbSum, text_cfg: TextConfig, tokenizer: TextTokenizer, mind_dir: Path = MIND_DIR
) -> dict[str, dict[str, Any]]:
    """{bundle-relative path: JSON document} for golden/*.json (index included)."""
    model = model.eval()
    cfg = model.config
    news = read_mind_news(mind_dir / "news.tsv")
    rows = _read_rows(mind_dir / "behaviors.tsv")
    users = select_users(rows, text_cfg.p)
    item_ids = select_items(users, rows, news)

    texts: dict[str, dict[str, Any]] = {}

    def text_of(nid: str) -> dict[str, Any]:
        if nid not in texts:
            r = news[nid]
            toks = item_tokens(tokenizer, text_cfg, "news", r.title, r.abstract, r.category)
            texts[nid] = {
                "item_id": nid,
                "domain": "news",
                "title": r.title,
                "abstract": r.abstract,
                "category": r.category,
                "item_tokens": toks,
                "content_tokens": content_tokens(
                    tokenizer, text_cfg, "news", r.title, r.abstract, r.category
                ),
            }
        return texts[nid]

    user_docs, all_sessions = [], []
    for row, note in users:
        hist = EngagementHistory.from_engagements(row.history, text_cfg.H)
        tokens_of = {nid: text_of(nid)["item_tokens"] for nid in hist.item_ids}
        sessions = group_sessions(hist.entries, tokens_of, text_cfg)
        all_sessions.append(sessions)
        user_docs.append(
            {
                "user_id": row.user_id,
                "impression_id": row.impression_id,
                "note": note,
                "engagements": list(row.history),
                "entries": [{"item_id": i, "seq": s} for i, s in hist.entries],
                "history_version": hist.history_version,
                "sessions": [s.to_dict() for s in sessions],
            }
        )
    for nid in item_ids:
        text_of(nid)

    # --- users: the PyTorch model, batched like training (padding kept inside the memory) ------
    u = _user_inputs(all_sessions, cfg.pad_id)
    states = model.encode_sessions(u.session_ids, u.session_mask)
    items, item_mask = item_vectors(states, u.item_session, u.item_pos)
    memory, memory_mask = fuse_sessions(states, u.session_mask, u.user_sessions)
    summary, global_vec = model.greedy_summary(memory, memory_mask)
    a = model.user_head(*build_z(items, item_mask, global_vec))
    # top-1 minus top-2 logit at every greedy step (teacher forcing on the summary itself): a
    # small margin warns that another runtime could pick a different token there
    dec_in = torch.cat(
        [torch.full_like(summary[:, :1], cfg.decoder_start_id), summary[:, :-1]], dim=1
    )
    hidden, _ = model.decoder_hidden(dec_in, memory, memory_mask)
    top2 = model.lm_logits(hidden).topk(2, dim=-1).values
    margins = top2[..., 0] - top2[..., 1]  # [B, T']

    for b, doc in enumerate(user_docs):
        k = int(item_mask[b].sum())
        ids_b = _trim_summary(summary[b].tolist(), cfg.eos_id)
        doc.update(
            {
                "item_vectors": f32(items[b, :k].numpy()),
                "summary_ids": ids_b,
                "summary_text": tokenizer.decode(ids_b),
                "summary_ends_with_eos": bool(ids_b and ids_b[-1] == cfg.eos_id),
                "min_top2_logit_margin": float(margins[b, : len(ids_b)].min()),
                "global_vec": f32(global_vec[b].numpy()),
                "upe": f32(a[b].numpy()),
            }
        )

    # --- contents and scores ------------------------------------------------------------------
    rows_c = [texts[nid]["content_tokens"] for nid in item_ids]
    lc = max(len(r) for r in rows_c)
    cids = torch.full((len(rows_c), lc), cfg.pad_id, dtype=torch.long)
    cmask = torch.zeros((len(rows_c), lc), dtype=torch.long)
    for i, r in enumerate(rows_c):
        cids[i, : len(r)] = torch.tensor(r)
        cmask[i, : len(r)] = 1
    b_cpe, key = model.content_embed(cids, cmask)
    scores = model.score_all(a, b_cpe, key)

    contents = [
        {
            "item_id": nid,
            "content_tokens": texts[nid]["content_tokens"],
            "cpe": f32(b_cpe[i].numpy()),
            "cpe_key": f32(key[i].numpy()),
        }
        for i, nid in enumerate(item_ids)
    ]
    user_ids = [d["user_id"] for d in user_docs]
    index = {
        "format": FORMAT,
        "source": "data/mind (MINDsmall train sample), first behaviors row of each user",
        "selection": SELECTION_RULES,
        "tolerance": {
            "abs": ABS_TOL,
            "rel": REL_TOL,
            "rule": "|runtime - golden| <= abs + rel * |golden| for floats; token ids exactly",
        },
        "files": dict(FILES),
        "user_ids": user_ids,
        "item_ids": item_ids,
        "text_config": text_cfg.to_dict(),
        "max_summary_tokens": cfg.max_summary_tokens,
    }
    return {
        INDEX: index,
        FILES["texts"]: {"format": FORMAT, "items": list(texts.values())},
        FILES["users"]: {"format": FORMAT, "users": user_docs},
        FILES["contents"]: {"format": FORMAT, "contents": contents},
        FILES["scores"]: {
            "format": FORMAT,
            "user_ids": user_ids,
            "item_ids": item_ids,
            "scores": f32(scores.numpy()),
        },
    }


SELECTION_RULES = (
    "users (first behaviors row of each user, file order): the first row of behaviors.tsv; the "
    "first user with exactly 1, 2-3, exactly p, p+1..8, 9..32 and 33..60 clicks; the longest "
    "history in the sample. items: the first 32 distinct candidates of those users' impressions "
    "(user order, then impression order)."
)
