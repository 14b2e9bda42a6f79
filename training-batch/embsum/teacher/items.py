"""The teacher's input: one engaged item, and the text clean-up the prompt needs.

Deliberately independent of ``embsum.text``: the teacher works on raw catalogue text (it never
tokenizes), and keeping it separate lets the teacher run without the tokenizer files.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Abstracts and book descriptions are cut to this many words (paper, appendix A).
MAX_TEXT_WORDS = 100


@dataclass(frozen=True)
class EngagedItem:
    """One item a user engaged with (a clicked news article or a positively rated book).

    ``abstract`` holds the news abstract or the book description (use :meth:`book` to build a
    book item by its own field name). ``category`` is the news category; books carry none in
    this project (the prompt's book variant has no category clause). Missing text is ``None``
    or blank.
    """

    item_id: str
    title: str | None = None
    abstract: str | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.item_id, str) or not self.item_id:
            raise ValueError(f"item_id must be a non-empty string, got {self.item_id!r}")
        for name in ("title", "abstract", "category"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise TypeError(
                    f"{name} of item {self.item_id!r} must be str or None, got {type(value).__name__}"
                )

    @classmethod
    def book(cls, item_id: str, title: str | None, description: str | None = None) -> "EngagedItem":
        """A positively rated book: title + description (no category)."""
        return cls(item_id=item_id, title=title, abstract=description)

    @property
    def description(self) -> str | None:
        """Alias of ``abstract`` for books."""
        return self.abstract


def one_line(text: str | None) -> str | None:
    """Collapse every whitespace run (newlines and tabs included) to one space and strip.

    Each history item is one line of the prompt, so embedded newlines must go. Blank -> ``None``.
    """
    if text is None:
        return None
    collapsed = " ".join(text.split())
    return collapsed or None


def cut_words(text: str | None, max_words: int = MAX_TEXT_WORDS) -> str | None:
    """The first ``max_words`` whitespace-separated words of ``text`` (after :func:`one_line`).

    No ellipsis is added: the paper only says long texts are "condensed to 100 words".
    """
    line = one_line(text)
    if line is None:
        return None
    words = line.split(" ")
    return line if len(words) <= max_words else " ".join(words[:max_words])
