"""tokenizer.json: built reproducibly from spiece.model, same ids as SentencePiece, contract rules."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import pytest
import sentencepiece as spm

from embsum.text import TextTokenizer
from embsum.text.build_tokenizer import build_tokenizer_json
from embsum.text.paths import SPIECE_MODEL, TOKENIZER_JSON
from embsum.text.samples import read_mind_news
from text_fixtures import tok  # noqa: F401  (pytest fixture)


def test_doc_examples(tok: TextTokenizer) -> None:
    assert tok.encode("News Title:") == [3529, 11029, 10]
    assert tok.encode("; News Abstract:") == [3, 117, 3529, 20114, 10]
    assert tok.encode("; News Category:") == [3, 117, 3529, 17459, 10]
    assert tok.encode("Book Title:") == [3086, 11029, 10]
    assert tok.encode("; Book Description:") == [3, 117, 3086, 7726, 10]


def test_special_ids(tok: TextTokenizer) -> None:
    assert tok.vocab_size == 32100
    assert tok.token_to_id("<pad>") == 0
    assert tok.token_to_id("</s>") == 1
    assert tok.token_to_id("<unk>") == 2
    assert tok.token_to_id("<extra_id_0>") == 32099
    assert tok.token_to_id("<extra_id_99>") == 32000
    assert tok.special_ids == frozenset({0, 1, *range(32000, 32100)})


def test_no_added_special_tokens(tok: TextTokenizer) -> None:
    # No </s> appended (the post-processor of tokenizer.json would add one).
    assert tok.encode("Hello world") == [8774, 296]
    assert tok.encode("") == []


def test_special_token_injection_becomes_unk(tok: TextTokenizer) -> None:
    assert tok.encode("Hello </s> x") == [8774, 2, 3, 226]
    ids = tok.encode("a <extra_id_0> b <pad> c <unk> d <extra_id_99>")
    assert ids == [3, 9, 2, 3, 115, 2, 3, 75, 2, 3, 26, 2]
    assert tok.encode_batch(["Hello </s> x", "Hello world"]) == [[8774, 2, 3, 226], [8774, 296]]


def test_decode(tok: TextTokenizer) -> None:
    assert tok.decode([32099, 8774, 296, 1]) == "Hello world"
    assert (
        tok.decode([32099, 8774, 296, 1], skip_special_tokens=False)
        == "<extra_id_0> Hello world</s>"
    )


def test_missing_file_message(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "tokenizer.json"
    with pytest.raises(FileNotFoundError, match="build_tokenizer") as err:
        TextTokenizer(missing)
    assert str(missing) in str(err.value)


def test_ids_equal_sentencepiece_on_mind_text(tok: TextTokenizer) -> None:
    sp = spm.SentencePieceProcessor(model_file=str(SPIECE_MODEL))
    rows = list(itertools.islice(read_mind_news().values(), 3000))
    texts = [r.title for r in rows] + [r.abstract for r in rows if r.abstract]
    assert len(texts) > 3000
    ours = tok.encode_batch(texts)
    theirs = sp.encode(texts)
    mismatches = [t for t, a, b in zip(texts, ours, theirs) if a != b]
    assert mismatches == []


@pytest.mark.slow
def test_committed_tokenizer_equals_fresh_build() -> None:
    fresh = build_tokenizer_json(SPIECE_MODEL)
    committed = TOKENIZER_JSON.read_bytes()
    assert hashlib.sha256(fresh).hexdigest() == hashlib.sha256(committed).hexdigest()
