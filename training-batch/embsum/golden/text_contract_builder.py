"""The records of ``schemas/golden/text-contract.json``: `GoldenBuilder` turns an item's fields
into its golden record (tokens, content tokens, descriptive tags) and an engagement list into a
golden history (entries, sessions), with the code of the text contract (embsum.text)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from embsum.text.contract import TextConfig
from embsum.text.history import EngagementHistory
from embsum.text.items import clean_field, content_tokens, item_tokens
from embsum.text.samples import BookRow, NewsRow
from embsum.text.sessions import group_sessions
from embsum.text.tokenizer import TextTokenizer

#: Per-domain names of the optional second field as it appears in golden item records.
_SECOND_FIELD = {"news": "abstract", "book": "description"}


def non_ascii(text: str | None) -> bool:
    return text is not None and any(ord(ch) > 127 for ch in text)


class GoldenBuilder:
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
            if non_ascii(cleaned):
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
        text = (fields.get("title"), fields.get(second), fields.get("category"))
        record["tokens"] = item_tokens(self.tok, self.cfg, domain, *text)
        record["content_tokens"] = content_tokens(self.tok, self.cfg, domain, *text)
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
