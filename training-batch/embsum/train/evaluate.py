"""Dev/test evaluation: AUC, MRR, nDCG@5/@10 over whole impressions, ROUGE of greedy summaries.

Input: an iterable of evaluation batches with the fields of
:class:`embsum.data.collate.EvalBatch` (duck-typed; this module reads only these)::

    users           UserInputs of the B impressions' histories
    summary_labels  [B, T] teacher summary ids + </s> (-100 pad) or None
    content_ids     [N, Lc], content_mask [N, Lc]   distinct candidate contents of the batch
    cand_index      [B, C] index into N (-1 = padded candidate)
    labels          [B, C] 1 clicked / 0 not (-1 = padded)
    user_ids        [B] str;   item_ids  [B][C] str

How scores are made (the deployment path, docs/design.md 4 / docs/training.md):

- user side: `model.embed_users(users, greedy=True)`: the global vector comes from the model's
  own greedy summary (what the streaming job computes; no teacher at serving time). With
  `global_mode="teacher"` it is teacher-forced on the teacher summary instead (a diagnostic:
  how good the ranking would be with a perfect summary). A user's embedding is computed once
  per distinct (user id, history) in the whole evaluation, whatever number of impressions.
- candidate side: `model.content_embed` once per distinct item id in the whole evaluation.
- scores: `model.score(A, B, cpe_key)`, then :class:`embsum.metrics.ImpressionMetrics` per
  impression (padded candidates removed).

ROUGE-1/2/L F-measure (rouge-score, Porter stemming): the model's greedy summary vs the teacher
summary for the first `rouge_users` distinct users met (both decoded from token ids with
:class:`embsum.text.TextTokenizer`, so the reference is exactly the training target).

With several ranks every rank evaluates its own shard (batches.EvalSource) and the sums are
all-reduced, so every rank returns the same numbers.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from typing import Any, Iterable

import torch

from embsum.metrics import METRIC_NAMES, ImpressionMetrics
from embsum.model import EmbSum, UserInputs
from embsum.train import distributed as du

ROUGE_KEYS = ("rouge1", "rouge2", "rougeL")


def select_users(users: UserInputs, rows: list[int]) -> UserInputs:
    """The UserInputs of rows `rows` only, keeping just the sessions they refer to."""
    device = users.session_ids.device
    r = torch.tensor(rows, dtype=torch.long, device=device)
    us, isess, ipos = users.user_sessions[r], users.item_session[r], users.item_pos[r]
    used = torch.unique(us[us >= 0])
    if used.numel() == 0:  # nobody has a history: keep one session row
        used = torch.zeros(1, dtype=torch.long, device=device)
    remap = torch.full((users.session_ids.shape[0],), -1, dtype=torch.long, device=device)
    remap[used] = torch.arange(used.numel(), device=device)

    def re(idx: torch.Tensor) -> torch.Tensor:
        return torch.where(idx >= 0, remap[idx.clamp(min=0)], idx)

    return UserInputs(users.session_ids[used], users.session_mask[used], re(us), re(isess), ipos)


def _user_keys(batch) -> list[bytes]:
    """One key per row: user id + the exact session tokens of the row's history."""
    users = batch.users
    ids = users.session_ids.cpu()
    mask = users.session_mask.cpu().bool()
    us = users.user_sessions.cpu()
    keys = []
    for b, uid in enumerate(batch.user_ids):
        h = hashlib.blake2b(str(uid).encode(), digest_size=16)
        for s in us[b].tolist():
            if s >= 0:
                h.update(ids[s][mask[s]].numpy().tobytes() + b"|")
        keys.append(h.digest())
    return keys


def _summary_text(ids, tokenizer, eos_id: int) -> str:
    out = []
    for t in ids:
        if t == eos_id:
            break
        if t >= 0:
            out.append(t)
    return tokenizer.decode(out)


@torch.no_grad()
def evaluate(
    model: EmbSum,
    batches: Iterable,
    *,
    device: torch.device | str = "cpu",
    global_mode: str = "greedy",
    rouge_users: int = 0,
    tokenizer=None,
    env: du.DistEnv | None = None,
    autocast: contextlib.AbstractContextManager | None = None,
) -> dict[str, Any]:
    """Mean AUC/MRR/nDCG@5/@10 over impressions (+ ROUGE), all-reduced over ranks."""
    if global_mode not in ("greedy", "teacher"):
        raise ValueError(f"global_mode must be greedy or teacher, got {global_mode!r}")
    t0 = time.perf_counter()
    was_training = model.training
    model.eval()
    device = torch.device(device)
    world = env.world_size if env is not None else 1
    rouge_quota = math.ceil(rouge_users / world) if rouge_users else 0
    scorer = None
    if rouge_quota:
        from rouge_score import rouge_scorer

        scorer = rouge_scorer.RougeScorer(list(ROUGE_KEYS), use_stemmer=True)
        if tokenizer is None:
            from embsum.text import TextTokenizer

            tokenizer = TextTokenizer()
    amp = autocast if autocast is not None else contextlib.nullcontext()

    acc = ImpressionMetrics()
    user_cache: dict[bytes, torch.Tensor] = {}
    content_cache: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    rouge_sums = dict.fromkeys(ROUGE_KEYS, 0.0)
    rouge_done: set[str] = set()
    eos = model.config.eos_id
    for batch in batches:
        keys = _user_keys(batch)
        batch = batch.to(device)
        labels_all = batch.summary_labels
        # --- users: embed each distinct (user, history) once ------------------------------------
        todo, seen = [], set()
        for b, k in enumerate(keys):
            if k not in user_cache and k not in seen:
                todo.append(b)
                seen.add(k)
        want_rouge = [
            b
            for b in todo
            if len(rouge_done) < rouge_quota
            and labels_all is not None
            and batch.user_ids[b] not in rouge_done
            and bool(((labels_all[b] >= 0) & (labels_all[b] != model.config.pad_id)).any())
        ]
        if todo:
            sub = select_users(batch.users, todo)
            sub_labels = labels_all[todo] if labels_all is not None else None
            with amp:
                emb = model.embed_users(
                    sub, summary_labels=sub_labels, greedy=(global_mode == "greedy")
                )
            for j, b in enumerate(todo):
                user_cache[keys[b]] = emb.a[j].float()
            if want_rouge and scorer is not None:
                ids = emb.summary_ids
                pick = [todo.index(b) for b in want_rouge]
                if ids is None:  # teacher-forced ranking: decode greedily for the ROUGE sample
                    with amp:
                        ids = model.embed_users(
                            select_users(batch.users, want_rouge), greedy=True
                        ).summary_ids
                    pick = list(range(len(want_rouge)))
                for j, b in zip(pick, want_rouge):
                    if len(rouge_done) >= rouge_quota:
                        break
                    hyp = _summary_text(ids[j].tolist(), tokenizer, eos)
                    ref = _summary_text(labels_all[b].tolist(), tokenizer, eos)
                    if not ref.strip():
                        continue
                    s = scorer.score(ref, hyp)
                    for key in ROUGE_KEYS:
                        rouge_sums[key] += s[key].fmeasure
                    rouge_done.add(batch.user_ids[b])
        a = torch.stack([user_cache[k] for k in keys])  # [B, m, d]
        # --- candidates: embed each distinct item once -----------------------------------------
        cand_index = batch.cand_index
        first_row: dict[str, int] = {}
        for b, items in enumerate(batch.item_ids):
            for c, item in enumerate(items):
                if item not in content_cache and item not in first_row:
                    first_row[item] = int(cand_index[b, c])
        if first_row:
            idx = torch.tensor(list(first_row.values()), dtype=torch.long, device=device)
            with amp:
                bvec, key = model.content_embed(batch.content_ids[idx], batch.content_mask[idx])
            for j, item in enumerate(first_row):
                content_cache[item] = (bvec[j].float(), key[j].float())
        bsz, c = cand_index.shape
        zero = a.new_zeros(model.config.n_content, a.shape[-1])
        rows = [
            [content_cache[item] for item in items] + [(zero, zero)] * (c - len(items))
            for items in batch.item_ids
        ]
        bmat = torch.stack([torch.stack([x[0] for x in r]) for r in rows])  # [B, C, n, d]
        kmat = torch.stack([torch.stack([x[1] for x in r]) for r in rows])
        scores = model.score(a, bmat, kmat).float().cpu()  # [B, C]
        labels = batch.labels.cpu()
        for b in range(bsz):
            valid = labels[b] >= 0
            acc.add(labels[b][valid].numpy(), scores[b][valid].numpy())
    # --- reduce over ranks ------------------------------------------------------------------
    local = (
        [acc.sums[k] for k in METRIC_NAMES]
        + [acc.count, acc.skipped, len(rouge_done)]
        + [rouge_sums[k] for k in ROUGE_KEYS]
    )
    tot = du.all_reduce_sum(local, env) if env is not None else local
    count, skipped, rouge_n = int(tot[4]), int(tot[5]), int(tot[6])
    out: dict[str, Any] = {
        k: (tot[i] / count if count else float("nan")) for i, k in enumerate(METRIC_NAMES)
    }
    out.update(impressions=count, skipped=skipped, rouge_users=rouge_n)
    for i, k in enumerate(ROUGE_KEYS):
        out[k] = tot[7 + i] / rouge_n if rouge_n else None
    out["seconds"] = round(time.perf_counter() - t0, 3)
    model.train(was_training)
    return out
