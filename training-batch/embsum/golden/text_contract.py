"""Generate ``schemas/golden/text-contract.json``, the cross-language test vectors.

Usage::

    python -m embsum.golden.text_contract [--out PATH]

Why: Python (trainer) and Java (streaming job) implement the text contract independently; both
test against this one file, built from the real MIND / Goodreads samples under ``data/`` plus a
few synthetic edge cases. Selection is deterministic (file order, fixed rules, no randomness), so
re-running the generator on the same inputs reproduces the committed file byte for byte — a test
checks exactly that.

Its parts: text_contract_cases (the synthetic edge cases), text_contract_selection (which real
rows are chosen), text_contract_builder (an item's or a history's golden record).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Mapping

from embsum.golden.text_contract_builder import GoldenBuilder
from embsum.golden.text_contract_cases import INVALID_ITEMS, SYNTHETIC_ITEMS
from embsum.golden.text_contract_selection import (
    book_picks,
    goodreads_users,
    mind_histories,
    news_picks,
)
from embsum.text.contract import TextConfig
from embsum.text.paths import GOLDEN_FILE, REPO_ROOT
from embsum.text.samples import (
    read_goodreads_books,
    read_goodreads_positive_histories,
    read_mind_behaviors,
    read_mind_news,
)
from embsum.text.tokenizer import TextTokenizer

FORMAT = "embsum-text-contract-golden/1"


def build_golden(
    tokenizer: TextTokenizer | None = None, cfg: TextConfig | None = None
) -> dict[str, Any]:
    """Build the golden document (a JSON-ready dict) from the committed samples."""
    tok = tokenizer if tokenizer is not None else TextTokenizer()
    cfg = (cfg if cfg is not None else TextConfig()).validate()
    b = GoldenBuilder(tok, cfg)
    news = read_mind_news()
    behaviors = read_mind_behaviors()
    books = read_goodreads_books()
    ratings = read_goodreads_positive_histories()

    for row in news_picks(list(news.values()), b, cfg):
        b.add_news(row)
    for row in book_picks(list(books.values()), b, cfg):
        b.add_book(row)

    for spec in SYNTHETIC_ITEMS:
        fields = {k: v for k, v in spec.items() if k not in ("item_id", "domain", "note")}
        b.add_item(spec["item_id"], spec["domain"], "synthetic", fields, note=spec["note"])

    # Histories; every engaged item joins the items (in order of first reference).
    for history_id, user_id, engagements, note, over in mind_histories(behaviors):
        for news_id in engagements:
            b.add_news(news[news_id])
        b.add_history(history_id, user_id, "news", "mind", engagements, note, **over)
    for user_id, note in goodreads_users(ratings):
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
