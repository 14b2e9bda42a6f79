"""Golden parity: does ONNX Runtime (with the Java glue of runtime.py) reproduce the golden files?

Used by the exporter (a bundle that fails is never written) and by `verify`. Token ids, history
entries and sessions must be identical; floats within ABS_TOL + REL_TOL * |golden|.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from embsum.text import (
    EngagementHistory,
    TextConfig,
    TextTokenizer,
    content_tokens,
    group_sessions,
    item_tokens,
)

from .errors import ParityError
from .golden import ABS_TOL, FILES, REL_TOL
from .runtime import OnnxEmbSum, score_all


class _Diffs:
    def __init__(self, abs_tol: float, rel_tol: float):
        self.abs_tol, self.rel_tol = abs_tol, rel_tol
        self.max: dict[str, float] = {}

    def close(self, output: str, file: str, where: str, got, want) -> None:
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        if got.shape != want.shape:
            raise ParityError(
                file,
                f"{where}: {output} has shape {list(got.shape)} from ONNX Runtime, "
                f"golden has {list(want.shape)}",
            )
        diff = np.abs(got - want)
        worst = float(diff.max()) if diff.size else 0.0  # nan if any value is nan
        self.max[output] = worst if np.isnan(worst) else max(self.max.get(output, 0.0), worst)
        bad = ~(diff <= self.abs_tol + self.rel_tol * np.abs(want))  # nan / inf count as bad
        if bad.any():
            i = tuple(int(x) for x in np.argwhere(bad)[0])
            raise ParityError(
                file,
                f"{where}: {output}{list(i)} = {got[i]!r} from ONNX Runtime, golden "
                f"{want[i]!r} (|diff| {diff[i]:.3g} > {self.abs_tol:g} + "
                f"{self.rel_tol:g}*|golden|; max |diff| {worst:.3g})",
            )


def check_text(
    golden: Mapping[str, Mapping[str, Any]], tokenizer: TextTokenizer, text_cfg: TextConfig
) -> None:
    """texts -> token ids and engagements -> entries -> sessions, exactly (embsum.text rules)."""
    f_texts, f_users = FILES["texts"], FILES["users"]
    tokens_of = {}
    for it in golden[f_texts]["items"]:
        fields = (it["title"], it["abstract"], it["category"])
        got_item = item_tokens(tokenizer, text_cfg, it["domain"], *fields)
        got_content = content_tokens(tokenizer, text_cfg, it["domain"], *fields)
        if got_item != it["item_tokens"] or got_content != it["content_tokens"]:
            raise ParityError(
                f_texts,
                f"item {it['item_id']}: the bundle's tokenizer gives other token ids "
                f"than the golden file ({got_item[:8]}... vs {it['item_tokens'][:8]}...)",
            )
        tokens_of[it["item_id"]] = got_item
    for u in golden[f_users]["users"]:
        hist = EngagementHistory.from_engagements(u["engagements"], text_cfg.H)
        entries = [{"item_id": i, "seq": s} for i, s in hist.entries]
        if entries != u["entries"] or hist.history_version != u["history_version"]:
            raise ParityError(
                f_users,
                f"user {u['user_id']}: history entries differ from replaying its engagements",
            )
        sessions = [s.to_dict() for s in group_sessions(hist.entries, tokens_of, text_cfg)]
        if sessions != u["sessions"]:
            raise ParityError(
                f_users,
                f"user {u['user_id']}: sessions (tokens / [SOS] positions) differ "
                "from the text contract's grouping",
            )


def check_model(
    rt: OnnxEmbSum,
    golden: Mapping[str, Mapping[str, Any]],
    abs_tol: float = ABS_TOL,
    rel_tol: float = REL_TOL,
) -> dict[str, float]:
    """Run the user refresh and the content encoder on the golden inputs; max |diff| per output."""
    f_users, f_contents, f_scores = FILES["users"], FILES["contents"], FILES["scores"]
    d = _Diffs(abs_tol, rel_tol)
    users = golden[f_users]["users"]
    refreshed = rt.refresh([u["sessions"] for u in users])
    for u, r in zip(users, refreshed):
        where = f"user {u['user_id']}"
        d.close("item_vectors", f_users, where, r.item_vectors, u["item_vectors"])
        if r.summary_ids != u["summary_ids"]:
            n = next(
                (i for i, (x, y) in enumerate(zip(r.summary_ids, u["summary_ids"])) if x != y),
                min(len(r.summary_ids), len(u["summary_ids"])),
            )
            raise ParityError(
                f_users,
                f"{where}: greedy summary differs from step {n} on: ONNX Runtime "
                f"{r.summary_ids[n : n + 5]}..., golden {u['summary_ids'][n : n + 5]}... "
                f"(lengths {len(r.summary_ids)} vs {len(u['summary_ids'])}; smallest "
                f"top-2 logit margin in the golden run {u['min_top2_logit_margin']:.3g})",
            )
        d.close("global_vec", f_users, where, r.global_vec, u["global_vec"])
        d.close("upe", f_users, where, r.upe, u["upe"])
    contents = golden[f_contents]["contents"]
    b, key = rt.embed_contents([c["content_tokens"] for c in contents])
    for i, c in enumerate(contents):
        where = f"item {c['item_id']}"
        d.close("cpe", f_contents, where, b[i], c["cpe"])
        d.close("cpe_key", f_contents, where, key[i], c["cpe_key"])
    sc = golden[f_scores]
    if sc["user_ids"] != [u["user_id"] for u in users] or sc["item_ids"] != [
        c["item_id"] for c in contents
    ]:
        raise ParityError(
            f_scores, "user_ids / item_ids do not match golden/users.json and golden/contents.json"
        )
    a = np.stack([r.upe for r in refreshed])
    d.close("scores", f_scores, "all pairs", score_all(a, b, key), sc["scores"])
    return d.max
