"""The synthetic edge cases of ``schemas/golden/text-contract.json`` (not real data): items a
producer could send that the real MIND / Goodreads samples do not hold, and items every
implementation must reject."""

from __future__ import annotations

from typing import Any

_FOX = "The quick brown fox jumps over the lazy dog"


def _overlong(times: int) -> str:
    """The pangram `times` over, space-separated: a field longer than its token limit."""
    return " ".join([_FOX] * times)


def _news(
    item_id: str, *, title: str | None, abstract: str | None, category: str | None, note: str
) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "domain": "news",
        "title": title,
        "abstract": abstract,
        "category": category,
        "note": note,
    }


def _book(item_id: str, *, title: str | None, description: str | None, note: str) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "domain": "book",
        "title": title,
        "description": description,
        "note": note,
    }


#: Marked ``"source": "synthetic"`` with a ``note`` in the golden file. Each dict holds the
#: ContentItem fields as a producer could send them (None = null).
SYNTHETIC_ITEMS: tuple[dict[str, Any], ...] = (
    _news(
        "SYN-N01",
        title="Breaking </s> news <extra_id_0> inside <pad> a title",
        abstract="Sentinel <extra_id_99> and <unk> stay unknown; abc</s>def",
        category="news",
        note="special tokens typed in text: </s>, <extra_id_0>, <pad>, <extra_id_99> -> <unk> (2); <unk> stays 2",
    ),
    _news(
        "SYN-N02",
        title="Whitespace-only abstract is dropped",
        abstract=" \t\n  ",
        category="news",
        note="whitespace-only abstract -> missing, its clause is dropped",
    ),
    _news(
        "SYN-N03",
        title="Title only: abstract and category are null",
        abstract=None,
        category=None,
        note="abstract and category null (category missing) -> title clause only",
    ),
    _news(
        "SYN-N04",
        title=None,
        abstract="An abstract without a title starts the template",
        category="sports",
        note="title null -> the first clause is the abstract, its label has no '; ' prefix",
    ),
    _news(
        "SYN-N05",
        title="",
        abstract=None,
        category="weather",
        note="empty title, null abstract -> category clause only",
    ),
    _news(
        "SYN-N06",
        title="\u3000\u00a0 Padded title \u2003\n",
        abstract="\u00a0\u2007\u202f\u0085",
        category=" lifestyle ",
        note="outer Unicode whitespace stripped (U+3000, U+00A0, U+2003); an abstract made only of"
        " U+00A0 U+2007 U+202F U+0085 is blank -> missing (Java's String.strip keeps these!)",
    ),
    _news(
        "SYN-N07",
        title="Zero-width space abstract",
        abstract="\u200b",
        category="news",
        note="U+200B is not whitespace: the abstract is present (label kept) but encodes to no ids",
    ),
    _news(
        "SYN-N08",
        title=_overlong(5),
        abstract=_overlong(10),
        category="alpha beta gamma delta epsilon zeta eta theta iota kappa",
        note="title > 32, abstract > 72, category > 8 tokens: 1+3+32+5+72+5+8 = 126 -> capped at 124",
    ),
    _news(
        "SYN-N09",
        title="\uff26\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48 \ufb01nance cafe\u0301 \u2116 \u00bd \u2014 \u201cquotes\u201d",
        abstract="Emoji \U0001f600 and CJK \u6771\u4eac and Cyrillic \u041f\u0440\u0438\u0432\u0435\u0442 and Arabic \u0645\u0631\u062d\u0628\u0627",
        category="news",
        note="NFKC by the tokenizer (fullwidth, ligature, combining accent); astral emoji; scripts"
        " outside the vocabulary -> <unk>",
    ),
    _news(
        "SYN-N10",
        title="Tabs\tand\nnewlines\r\ninside   a   title",
        abstract="Multiple    inner    spaces",
        category="news",
        note="inner whitespace is left to the tokenizer (not stripped)",
    ),
    _book(
        "SYN-B01",
        title="The </s> Book <extra_id_5>",
        description="Ends early </s> not really <extra_id_0>",
        note="book: special tokens typed in text -> <unk> (2)",
    ),
    _book(
        "SYN-B02",
        title="A book with a blank description",
        description="\n\n  \t",
        note="book: whitespace-only description -> missing",
    ),
    _book(
        "SYN-B03",
        title=None,
        description="A description without a title",
        note="book: title null -> description clause first, no '; ' prefix",
    ),
    _book(
        "SYN-B04",
        title=_overlong(4),
        description=_overlong(12),
        note="book: title > 24, description > 85 tokens -> 1+3+24+5+85 = 118",
    ),
)

#: Items without any present clause: every implementation must reject them (dead-letter).
INVALID_ITEMS: tuple[dict[str, Any], ...] = (
    _news("SYN-X01", title=None, abstract=None, category=None, note="all fields null"),
    _news("SYN-X02", title="  ", abstract="", category="\u00a0\t", note="all fields blank"),
    _book("SYN-X03", title="\u3000", description=None, note="book: blank title, null description"),
)
