"""Item text records (one per news article or book) in the shape the text contract reads.

Why one record type for both domains: the ContentItem record (docs/design.md 3) has one
"abstract/description" field; the contract's book template reads it as ``description``. Keeping
the raw field values here (not cleaned) means the trainer tokenises exactly what the streaming
job will receive.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Mapping

from embsum.data.archive import ArchivedContent
from embsum.data.goodreads import Book
from embsum.data.mind import NewsItem
from embsum.text import TextConfig, TextTokenizer, clean_field, item_tokens


@dataclass(frozen=True)
class ItemText:
    item_id: str
    domain: str  # "news" | "book"
    title: str | None
    abstract: str | None = None  # news abstract, or book description
    category: str | None = None  # news only (ignored by the book template)

    def _fields(self) -> dict[str, str | None]:
        return {
            "title": self.title,
            "abstract": self.abstract,
            "description": self.abstract,
            "category": self.category,
        }

    def has_text(self, cfg: TextConfig) -> bool:
        """True iff at least one clause of the domain's template is present (contract s. 2);
        an item without is invalid (the streaming job dead-letters it)."""
        clauses = cfg.clauses.get(self.domain)
        if clauses is None:
            raise ValueError(f"unknown item domain {self.domain!r}")
        values = self._fields()
        return any(clean_field(values.get(c.field)) is not None for c in clauses)

    def text_hash(self) -> int:
        """64-bit hash of the domain and the raw fields (the token cache's staleness check)."""
        payload = json.dumps(
            [self.domain, self.title, self.abstract, self.category], ensure_ascii=False
        ).encode("utf-8")
        return int.from_bytes(hashlib.blake2b(payload, digest_size=8).digest(), "little")

    def tokens(self, tokenizer: TextTokenizer, cfg: TextConfig) -> list[int]:
        """Item tokens ([SOS] + template ids) by the contract's own ``item_tokens``."""
        if self.domain == "book":
            return item_tokens(tokenizer, cfg, "book", self.title, description=self.abstract)
        return item_tokens(tokenizer, cfg, self.domain, self.title, self.abstract, self.category)


def news_items(news: Mapping[str, NewsItem]) -> dict[str, ItemText]:
    """MIND news -> item texts (title, abstract, category; subcategory is not in the template)."""
    return {i: ItemText(i, "news", n.title, n.abstract, n.category) for i, n in news.items()}


def book_items(books: Mapping[str, Book]) -> dict[str, ItemText]:
    """Goodreads books -> item texts (title, description)."""
    return {i: ItemText(i, "book", b.title, b.description) for i, b in books.items()}


def archive_items(content: Mapping[str, ArchivedContent]) -> dict[str, ItemText]:
    """Archived ContentItems (latest version each) -> item texts; deleted items have no text (the
    streaming job drops their tokens too). The record's ``abstract`` is the book description for
    ``book`` items, as in the ContentItem schema."""
    return {
        i: ItemText(i, c.domain, c.title, c.abstract, c.category if c.domain == "news" else None)
        for i, c in content.items()
        if not c.deleted
    }
