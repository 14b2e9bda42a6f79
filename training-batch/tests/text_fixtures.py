"""Fixtures of the text-contract tests (imported by the test_text_* modules).

Kept out of conftest.py so the text tests do not share fixture names with other test areas.
The tokenizer is cached: loading tokenizer.json takes a fraction of a second but is repeated
by every module otherwise.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from embsum.text import TextConfig, TextTokenizer


@lru_cache(maxsize=1)
def shared_tokenizer() -> TextTokenizer:
    return TextTokenizer()


@pytest.fixture
def tok() -> TextTokenizer:
    return shared_tokenizer()


@pytest.fixture
def cfg() -> TextConfig:
    return TextConfig().validate()
