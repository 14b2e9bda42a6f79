"""Generate ``schemas/golden/text-contract.json``, the cross-language test vectors.

Usage::

    python -m embsum.golden.text_contract [--out PATH]

Why: Python (trainer) and Java (streaming job) implement the text contract independently; both
test against this one file, built from the real MIND / Goodreads samples under ``data/`` plus a
few synthetic edge cases. Selection is deterministic (file order, fixed rules, no randomness), so
re-running the generator on the same inputs reproduces the committed file byte for byte — a test
checks exactly that.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from embsum.text.contract import TextConfig
from embsum.text.history import EngagementHistory
from embsum.text.items import clean_field, content_tokens, item_tokens
from embsum.text.paths import GOLDEN_FILE, REPO_ROOT
from embsum.text.samples import (
    BookRow,
    NewsRow,
    read_goodreads_books,
    read_goodreads_positive_histories,
    read_mind_behaviors,
    read_mind_news,
)
from embsum.text.sessions import group_sessions
from embsum.text.tokenizer import TextTokenizer

FORMAT = "embsum-text-contract-golden/1"

_FOX = "The quick brown fox jumps over the lazy dog"

#: Synthetic edge cases (not real data), marked ``"source": "synthetic"`` with a ``note``.
#: Each dict holds the ContentItem fields as a producer could send them (None = null).
SYNTHETIC_ITEMS: tuple[dict[str, Any], ...] = (
    {
        "item_id": "SYN-N01",
        "domain": "news",
        "title": "Breaking </s> news <extra_id_0> inside <pad> a title",
        "abstract": "Sentinel <extra_id_99> and <unk> stay unknown; abc</s>def",
        "category": "news",
        "note": "special tokens typed in text: </s>, <extra_id_0>, <pad>, <extra_id_99> -> <unk> (2); <unk> stays 2",
    },
    {
        "item_id": "SYN-N02",
        "domain": "news",
        "title": "Whitespace-only abstract is dropped",
        "abstract": " \t\n  ",
        "category": "news",
        "note": "whitespace-only abstract -> missing, its clause is dropped",
    },
    {
        "item_id": "SYN-N03",
        "domain": "news",
        "title": "Title only: abstract and category are null",
        "abstract": None,
        "category": None,
        "note": "abstract and category null (category missing) -> title clause only",
    },
    {
        "item_id": "SYN-N04",
        "domain": "news",
        "title": None,
        "abstract": "An abstract without a title starts the template",
        "category": "sports",
        "note": "title null -> the first clause is the abstract, its label has no '; ' prefix",
    },
    {
        "item_id": "SYN-N05",
        "domain": "news",
        "title": "",
        "abstract": None,
        "category": "weather",
        "note": "empty title, null abstract -> category clause only",
    },
    {
        "item_id": "SYN-N06",
        "domain": "news",
        "title": "\u3000\u00a0 Padded title \u2003\n",
        "abstract": "\u00a0\u2007\u202f\u0085",
        "category": " lifestyle ",
        "note": "outer Unicode whitespace stripped (U+3000, U+00A0, U+2003); an abstract made only of"
        " U+00A0 U+2007 U+202F U+0085 is blank -> missing (Java's String.strip keeps these!)",
    },
    {
        "item_id": "SYN-N07",
        "domain": "news",
        "title": "Zero-width space abstract",
        "abstract": "\u200b",
        "category": "news",
        "note": "U+200B is not whitespace: the abstract is present (label kept) but encodes to no ids",
    },
    {
        "item_id": "SYN-N08",
        "domain": "news",
        "title": " ".join([_FOX] * 5),
        "abstract": " ".join([_FOX] * 10),
        "category": "alpha beta gamma delta epsilon zeta eta theta iota kappa",
        "note": "title > 32, abstract > 72, category > 8 tokens: 1+3+32+5+72+5+8 = 126 -> capped at 124",
    },
    {
        "item_id": "SYN-N09",
        "domain": "news",
        "title": "\uff26\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48 \ufb01nance cafe\u0301 \u2116 \u00bd \u2014 \u201cquotes\u201d",
        "abstract": "Emoji \U0001f600 and CJK \u6771\u4eac and Cyrillic \u041f\u0440\u0438\u0432\u0435\u0442 and Arabic \u0645\u0631\u062d\u0628\u0627",
        "category": "news",
        "note": "NFKC by the tokenizer (fullwidth, ligature, combining accent); astral emoji; scripts"
        " outside the vocabulary -> <unk>",
    },
    {
        "item_id": "SYN-N10",
        "domain": "news",
        "title": "Tabs\tand\nnewlines\r\ninside   a   title",
        "abstract": "Multiple    inner    spaces",
        "category": "news",
        "note": "inner whitespace is left to the tokenizer (not stripped)",
    },
    {
        "item_id": "SYN-B01",
        "domain": "book",
        "title": "The </s> Book <extra_id_5>",
        "description": "Ends early </s> not really <extra_id_0>",
        "note": "book: special tokens typed in text -> <unk> (2)",
    },
    {
        "item_id": "SYN-B02",
        "domain": "book",
        "title": "A book with a blank description",
        "description": "\n\n  \t",
        "note": "book: whitespace-only description -> missing",
    },
    {
        "item_id": "SYN-B03",
        "domain": "book",
        "title": None,
        "description": "A description without a title",
        "note": "book: title null -> description clause first, no '; ' prefix",
    },
    {
        "item_id": "SYN-B04",
        "domain": "book",
        "title": " ".join([_FOX] * 4),
        "description": " ".join([_FOX] * 12),
        "note": "book: title > 24, description > 85 tokens -> 1+3+24+5+85 = 118",
    },
)

#: Items without any present clause: every implementation must reject them (dead-letter).
INVALID_ITEMS: tuple[dict[str, Any], ...] = (
    {
        "item_id": "SYN-X01",
        "domain": "news",
        "title": None,
        "abstract": None,
        "category": None,
        "note": "all fields null",
    },
    {
        "item_id": "SYN-X02",
        "domain": "news",
        "title": "  ",
        "abstract": "",
        "category": "\u00a0\t",
        "note": "all fields blank",
    },
    {
        "item_id": "SYN-X03",
        "domain": "book",
        "title": "\u3000",
        "description": None,
        "note": "book: blank title, null description",
    },
)

#: Per-domain names of the optional second field as it appears in golden item records.
_SECOND_FIELD = {"news": "abstract", "book": "description"}


def _first(rows: Iterable[Any], pred: Callable[[Any], bool], n: int) -> list[Any]:
    """The first ``n`` rows (in file order) for which ``pred`` holds."""
    out = []
    for row in rows:
        if len(out) == n:
            break
        if pred(row):
            out.append(row)
    return out


def _non_ascii(text: str | None) -> bool:
    return text is not None and any(ord(ch) > 127 for ch in text)


class _Builder:
    """Collects items (deduplicated, first reason kept) and histories for the golden file."""

    def __init__(self, tokenizer: TextTokenizer, cfg: TextConfig) -> None:
        self.tok = tokenizer
        self.cfg = cfg
        self.items: dict[str, dict[str, Any]] = {}
        self.histories: list[dict[str, Any]] = []
        self._special_texts = tuple(
            tokenizer.decode([i], skip_special_tokens=False) for i in sorted(tokenizer.special_ids)
        )

    # -- items ---------------------------------------------------------------------------------

    def n_tokens(self, text: str | None) -> int:
        cleaned = clean_field(text)
        return 0 if cleaned is None else len(self.tok.encode(cleaned))

    def _tags(self, domain: str, fields: Mapping[str, str | None]) -> list[str]:
        """Descriptive tags (for humans and coverage checks; not part of the contract)."""
        tags: set[str] = set()
        for clause in self.cfg.clauses[domain]:
            name, raw = clause.field, fields.get(clause.field)
            cleaned = clean_field(raw)
            if cleaned is None:
                tags.add(f"{name}_missing" if raw is None or raw == "" else f"{name}_blank")
                continue
            ids = self.tok.encode(cleaned)
            if cleaned != raw:
                tags.add("whitespace_stripped")
            if _non_ascii(cleaned):
                tags.add(f"unicode_{name}")
            if len(ids) > clause.max_tokens:
                tags.add(f"overlong_{name}")
            if not ids:
                tags.add(f"{name}_no_tokens")
            if any(s in cleaned for s in self._special_texts):
                tags.add("special_token_injection")
            if self.cfg.unk_id in ids:
                tags.add("unk")
        if self._untruncated_len(domain, fields) > self.cfg.item_max_tokens:
            tags.add("capped")
        return sorted(tags)

    def _untruncated_len(self, domain: str, fields: Mapping[str, str | None]) -> int:
        length, i = 1, 0
        for clause in self.cfg.clauses[domain]:
            cleaned = clean_field(fields.get(clause.field))
            if cleaned is None:
                continue
            label = clause.label if i == 0 else "; " + clause.label
            length += len(self.tok.encode(label)) + min(
                len(self.tok.encode(cleaned)), clause.max_tokens
            )
            i += 1
        return length

    def add_item(
        self,
        item_id: str,
        domain: str,
        source: str,
        fields: Mapping[str, str | None],
        note: str | None = None,
    ) -> None:
        if item_id in self.items:
            return
        second = _SECOND_FIELD[domain]
        record: dict[str, Any] = {
            "item_id": item_id,
            "domain": domain,
            "source": source,
            "title": fields.get("title"),
            second: fields.get(second),
        }
        if domain == "news":
            record["category"] = fields.get("category")
        record["tags"] = self._tags(domain, fields)
        if note is not None:
            record["note"] = note
        tokens = item_tokens(
            self.tok,
            self.cfg,
            domain,
            fields.get("title"),
            fields.get(second),
            fields.get("category"),
        )
        record["tokens"] = tokens
        record["content_tokens"] = content_tokens(
            self.tok,
            self.cfg,
            domain,
            fields.get("title"),
            fields.get(second),
            fields.get("category"),
        )
        self.items[item_id] = record

    def add_news(self, row: NewsRow) -> None:
        self.add_item(
            row.news_id,
            "news",
            "mind",
            {"title": row.title, "abstract": row.abstract, "category": row.category},
        )

    def add_book(self, row: BookRow) -> None:
        self.add_item(
            row.book_id, "book", "goodreads", {"title": row.title, "description": row.description}
        )

    # -- histories -----------------------------------------------------------------------------

    def add_history(
        self,
        history_id: str,
        user_id: str,
        domain: str,
        source: str,
        engagements: list[str],
        note: str,
        p: int | None = None,
        H: int | None = None,
    ) -> None:
        cfg = replace(
            self.cfg, p=p if p is not None else self.cfg.p, H=H if H is not None else self.cfg.H
        ).validate()
        missing = [i for i in engagements if i not in self.items]
        if missing:
            raise KeyError(f"history {history_id}: items not in the golden items: {missing[:5]}")
        history = EngagementHistory.from_engagements(engagements, cfg.H)
        tokens_of = {i: self.items[i]["tokens"] for i in history.item_ids}
        sessions = group_sessions(history.entries, tokens_of, cfg)
        self.histories.append(
            {
                "history_id": history_id,
                "user_id": user_id,
                "domain": domain,
                "source": source,
                "note": note,
                "p": cfg.p,
                "H": cfg.H,
                "engagements": list(engagements),
                "entries": [{"item_id": i, "seq": s} for i, s in history.entries],
                "history_version": history.history_version,
                "sessions": [s.to_dict() for s in sessions],
            }
        )


def _mind_histories(
    behaviors: list[Any],
) -> Iterator[tuple[str, str, list[str], str, dict[str, int]]]:
    """(history_id, user_id, engagements, note, overrides) for the chosen MIND users.

    Rules (file order of behaviors.tsv, first row of each user only):
    the first row (U81994, repeats N138), with p = 4, p = 1, H = 10 and (H = 10, p = 3);
    the next 4 users with > 60 clicks; the user with the longest history (p = 4 and p = 1);
    the first 4 users with a repeated click and <= 60 clicks; the first user with one click;
    the first user with no clicks; the first 12 users not chosen by a rule above.
    """
    rows, seen = [], set()
    for row in behaviors:
        if row.user_id not in seen:
            seen.add(row.user_id)
            rows.append(row)
    chosen: list[tuple[Any, str, dict[str, int]]] = []
    first = rows[0]
    chosen += [
        (first, "first behaviors row (repeats)", {}),
        (first, "first behaviors row, no session grouping", {"p": 1}),
        (first, "first behaviors row, small window", {"H": 10}),
        (first, "first behaviors row, small window, p = 3", {"H": 10, "p": 3}),
    ]
    used = {first.user_id}

    def take(pred: Callable[[Any], bool], n: int, note: str, **over: int) -> None:
        for row in _first((r for r in rows if r.user_id not in used), pred, n):
            used.add(row.user_id)
            chosen.append((row, note, dict(over)))

    def repeats(r: Any) -> bool:
        return len(set(r.history)) < len(r.history)

    take(lambda r: len(r.history) > 60, 4, "history over 60 clicks")
    longest = max(rows, key=lambda r: len(r.history))  # max() keeps the first of equals
    if longest.user_id not in used:
        used.add(longest.user_id)
        chosen.append((longest, "longest history in the sample", {}))
    chosen.append((longest, "longest history in the sample, no session grouping", {"p": 1}))
    take(lambda r: repeats(r) and len(r.history) <= 60, 4, "repeated clicks, at most 60")
    take(lambda r: len(r.history) == 1, 1, "history of one click")
    take(lambda r: len(r.history) == 0, 1, "empty history (no sessions)")
    take(lambda r: True, 12, "typical user (file order)")
    for row, note, over in chosen:
        suffix = "".join(f"-{k}{v}" for k, v in sorted(over.items()))
        yield f"mind-{row.user_id}{suffix}", row.user_id, list(row.history), note, over


def _goodreads_users(histories: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    """(user_id, note): the first user in the file, the first with fewest positives (1 book),
    and the first with 20..30 positives."""
    users = list(histories)
    chosen = [(users[0], "first user in Ratings.csv (file order = book_id order, no timestamps)")]
    fewest = min(users, key=lambda u: len(histories[u]))  # min() keeps the first of equals
    chosen.append((fewest, "fewest ratings > 3 (a single book)"))
    mid = next(u for u in users if 20 <= len(histories[u]) <= 30)
    chosen.append((mid, "20-30 ratings > 3"))
    out, seen = [], set()
    for user, note in chosen:
        if user not in seen:
            seen.add(user)
            out.append((user, note))
    return out


def build_golden(
    tokenizer: TextTokenizer | None = None, cfg: TextConfig | None = None
) -> dict[str, Any]:
    """Build the golden document (a JSON-ready dict) from the committed samples."""
    tok = tokenizer if tokenizer is not None else TextTokenizer()
    cfg = (cfg if cfg is not None else TextConfig()).validate()
    b = _Builder(tok, cfg)
    news = read_mind_news()
    behaviors = read_mind_behaviors()
    books = read_goodreads_books()
    ratings = read_goodreads_positive_histories()

    # Real MIND news, by rule, in news.tsv order.
    rows = list(news.values())
    title_limit, abstract_limit = (c.max_tokens for c in cfg.clauses["news"][:2])
    picks = (
        rows[:30]
        + _first(rows, lambda r: _non_ascii(r.title), 15)
        + _first(rows, lambda r: _non_ascii(r.abstract), 8)
        + _first(rows, lambda r: r.abstract.strip() != "", 15)
        + _first(rows, lambda r: b.n_tokens(r.title) > title_limit, 12)
        + _first(rows, lambda r: b.n_tokens(r.abstract) > abstract_limit, 12)
        + _first(
            rows,
            lambda r: b.n_tokens(r.title) > title_limit and b.n_tokens(r.abstract) > abstract_limit,
            5,
        )
    )
    for row in picks:
        b.add_news(row)

    # Real Goodreads books, by rule, in Books.csv order.
    brows = list(books.values())
    btitle_limit, desc_limit = (c.max_tokens for c in cfg.clauses["book"])
    bpicks = (
        brows[:10]
        + _first(brows, lambda r: b.n_tokens(r.description) > desc_limit, 10)
        + _first(brows, lambda r: 0 < b.n_tokens(r.description) <= desc_limit, 5)
        + _first(brows, lambda r: _non_ascii(r.title), 8)
        + _first(brows, lambda r: b.n_tokens(r.title) > btitle_limit, 6)
    )
    for row in bpicks:
        b.add_book(row)

    for spec in SYNTHETIC_ITEMS:
        fields = {k: v for k, v in spec.items() if k not in ("item_id", "domain", "note")}
        b.add_item(spec["item_id"], spec["domain"], "synthetic", fields, note=spec["note"])

    # Histories; every engaged item joins the items (in order of first reference).
    for history_id, user_id, engagements, note, over in _mind_histories(behaviors):
        for news_id in engagements:
            b.add_news(news[news_id])
        b.add_history(history_id, user_id, "news", "mind", engagements, note, **over)
    for user_id, note in _goodreads_users(ratings):
        engagements = ratings[user_id]
        for book_id in engagements:
            b.add_book(books[book_id])
        b.add_history(f"goodreads-{user_id}", user_id, "book", "goodreads", engagements, note)
    b.add_history(
        "synthetic-repeats",
        "SYN-USER-1",
        "news",
        "synthetic",
        ["SYN-N01", "SYN-N02", "SYN-N01", "SYN-N03", "SYN-N04", "SYN-N02", "SYN-N05"],
        "hand-checkable: repeats move items, H = 3 window, p = 2",
        p=2,
        H=3,
    )

    invalid = []
    for spec in INVALID_ITEMS:
        record = {k: v for k, v in spec.items() if k != "note"}
        record["expect"] = "error: no present clause"
        record["note"] = spec["note"]
        invalid.append(record)

    rel = tok.path.resolve()
    try:
        tok_name = rel.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        tok_name = rel.name
    return {
        "format": FORMAT,
        "contract": "docs/text-contract.md",
        "generator": "python -m embsum.golden.text_contract",
        "tokenizer": {"file": tok_name, "sha256": tok.sha256()},
        "config": cfg.to_dict(),
        "items": list(b.items.values()),
        "invalid_items": invalid,
        "histories": b.histories,
    }


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def render_golden(doc: Mapping[str, Any]) -> str:
    """Compact, diff-friendly JSON: one top-level key per line, one list element per line."""
    lines = ["{"]
    keys = list(doc)
    for n, key in enumerate(keys):
        comma = "," if n < len(keys) - 1 else ""
        value = doc[key]
        if isinstance(value, list):
            lines.append(f"{json.dumps(key)}: [")
            lines += [_dump(v) + ("," if i < len(value) - 1 else "") for i, v in enumerate(value)]
            lines.append("]" + comma)
        else:
            lines.append(f"{json.dumps(key)}: {_dump(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=GOLDEN_FILE, help="output JSON path")
    args = parser.parse_args(argv)
    doc = build_golden()
    text = render_golden(doc)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(
        f"wrote {args.out}: {len(doc['items'])} items, {len(doc['histories'])} histories,"
        f" {len(text.encode('utf-8'))} bytes"
    )


if __name__ == "__main__":
    main()
