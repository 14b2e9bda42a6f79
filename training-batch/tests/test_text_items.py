"""Item text -> item tokens: templates, cleaning, truncation per field, cap, injection."""

from __future__ import annotations

import pytest

from embsum.text import TextConfig, TextTokenizer, clean_field, content_tokens, item_tokens
from text_fixtures import cfg, tok  # noqa: F401  (pytest fixtures)

SOS = 32099
NEWS_TITLE = [3529, 11029, 10]  # "News Title:"
NEWS_ABSTRACT_FIRST = [3529, 20114, 10]  # "News Abstract:"
NEWS_ABSTRACT = [3, 117, 3529, 20114, 10]  # "; News Abstract:"
NEWS_CATEGORY = [3, 117, 3529, 17459, 10]  # "; News Category:"
NEWS_CATEGORY_FIRST = [3529, 17459, 10]  # "News Category:"
BOOK_TITLE = [3086, 11029, 10]  # "Book Title:"
BOOK_DESCRIPTION = [3, 117, 3086, 7726, 10]  # "; Book Description:"
BOOK_DESCRIPTION_FIRST = [3086, 7726, 10]  # "Book Description:"
HELLO_WORLD = [8774, 296]
WORD = 1448  # "word": one token per repetition of "word "
SPORTS = 2100


def words(n: int) -> str:
    return " ".join(["word"] * n)


def test_full_news_item(tok: TextTokenizer, cfg: TextConfig) -> None:
    ids = item_tokens(tok, cfg, "news", "Hello world", "word word", "sports")
    assert ids == [
        SOS,
        *NEWS_TITLE,
        *HELLO_WORLD,
        *NEWS_ABSTRACT,
        WORD,
        WORD,
        *NEWS_CATEGORY,
        SPORTS,
    ]


def test_content_tokens_end_with_eos(tok: TextTokenizer, cfg: TextConfig) -> None:
    ids = content_tokens(tok, cfg, "news", "Hello world", None, "sports")
    assert ids == [SOS, *NEWS_TITLE, *HELLO_WORLD, *NEWS_CATEGORY, SPORTS, 1]


@pytest.mark.parametrize("abstract", [None, "", "   ", " \t\n", "\u00a0\u3000\u2007\u202f\u0085"])
def test_missing_or_blank_abstract_drops_clause(
    tok: TextTokenizer, cfg: TextConfig, abstract: str | None
) -> None:
    ids = item_tokens(tok, cfg, "news", "Hello world", abstract, "sports")
    assert ids == [SOS, *NEWS_TITLE, *HELLO_WORLD, *NEWS_CATEGORY, SPORTS]


def test_missing_title_puts_next_clause_first_without_separator(
    tok: TextTokenizer, cfg: TextConfig
) -> None:
    assert item_tokens(tok, cfg, "news", None, "word", "sports") == [
        SOS,
        *NEWS_ABSTRACT_FIRST,
        WORD,
        *NEWS_CATEGORY,
        SPORTS,
    ]
    assert item_tokens(tok, cfg, "news", "  ", None, "sports") == [
        SOS,
        *NEWS_CATEGORY_FIRST,
        SPORTS,
    ]
    assert item_tokens(tok, cfg, "book", None, description="word") == [
        SOS,
        *BOOK_DESCRIPTION_FIRST,
        WORD,
    ]


def test_outer_whitespace_stripped_inner_kept(tok: TextTokenizer, cfg: TextConfig) -> None:
    plain = item_tokens(tok, cfg, "news", "Hello world", None, "sports")
    assert item_tokens(tok, cfg, "news", "\u3000 Hello world\n\u00a0", None, " sports\t") == plain
    assert clean_field("\u00a0 a  b \u2003") == "a  b"
    assert clean_field(" \u200b ") == "\u200b"  # zero-width space is not whitespace
    assert clean_field("") is None and clean_field(None) is None


def test_present_field_without_tokens_keeps_its_label(tok: TextTokenizer, cfg: TextConfig) -> None:
    ids = item_tokens(tok, cfg, "news", "Hello world", "\u200b", None)
    assert ids == [SOS, *NEWS_TITLE, *HELLO_WORLD, *NEWS_ABSTRACT]


def test_truncation_is_per_field_in_tokens(tok: TextTokenizer, cfg: TextConfig) -> None:
    ids = item_tokens(tok, cfg, "news", words(40), words(100), "sports")
    expected = [
        SOS,
        *NEWS_TITLE,
        *[WORD] * 32,
        *NEWS_ABSTRACT,
        *[WORD] * 72,
        *NEWS_CATEGORY,
        SPORTS,
    ]
    assert ids == expected
    assert len(ids) == 1 + 3 + 32 + 5 + 72 + 5 + 1 == 119


def test_category_limit(tok: TextTokenizer, cfg: TextConfig) -> None:
    ids = item_tokens(tok, cfg, "news", "Hello world", None, words(20))
    assert ids == [SOS, *NEWS_TITLE, *HELLO_WORLD, *NEWS_CATEGORY, *[WORD] * 8]


def test_item_cap_124(tok: TextTokenizer, cfg: TextConfig) -> None:
    # 1 + 3 + 32 + 5 + 72 + 5 + 8 = 126 before the cap: the category keeps 6 of its 8 tokens.
    ids = item_tokens(tok, cfg, "news", words(40), words(100), " ".join(["sports"] * 10))
    assert len(ids) == 124
    assert ids[-12:] == [WORD, *NEWS_CATEGORY, *[SPORTS] * 6]
    assert len(content_tokens(tok, cfg, "news", words(40), words(100), "sports " * 10)) == 125


def test_book_limits_and_description_alias(tok: TextTokenizer, cfg: TextConfig) -> None:
    ids = item_tokens(tok, cfg, "book", words(30), description=words(100))
    assert ids == [SOS, *BOOK_TITLE, *[WORD] * 24, *BOOK_DESCRIPTION, *[WORD] * 85]
    assert len(ids) == 118
    # abstract= is the same field; category is not part of the book template.
    assert item_tokens(tok, cfg, "book", words(30), words(100), "fiction") == ids


def test_injected_special_tokens_become_unk(tok: TextTokenizer, cfg: TextConfig) -> None:
    ids = item_tokens(tok, cfg, "news", "Hello </s> x", "<extra_id_0>", "<pad>")
    assert ids == [SOS, *NEWS_TITLE, 8774, 2, 3, 226, *NEWS_ABSTRACT, 2, *NEWS_CATEGORY, 2]
    assert ids.count(SOS) == 1 and 1 not in ids and 0 not in ids


def test_no_clause_is_an_error(tok: TextTokenizer, cfg: TextConfig) -> None:
    with pytest.raises(ValueError, match="no text"):
        item_tokens(tok, cfg, "news", None, None, None)
    with pytest.raises(ValueError, match="no text"):
        item_tokens(tok, cfg, "news", " ", "", "\u00a0")
    with pytest.raises(ValueError, match="no text"):
        item_tokens(tok, cfg, "book", None, None, "fiction")  # category is ignored for books


def test_bad_arguments(tok: TextTokenizer, cfg: TextConfig) -> None:
    with pytest.raises(ValueError, match="unknown item domain 'video'"):
        item_tokens(tok, cfg, "video", "Hello")
    with pytest.raises(ValueError, match="either abstract or description"):
        item_tokens(tok, cfg, "book", "Hello", "a", description="b")
    with pytest.raises(TypeError):
        item_tokens(tok, cfg, "news", 42)  # type: ignore[arg-type]
