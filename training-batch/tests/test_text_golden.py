"""schemas/golden/text-contract.json: reproduced by the Python code, consumed like Java will."""

from __future__ import annotations

import collections
import dataclasses
import json
from typing import Any

import pytest

from embsum.golden.text_contract import build_golden, render_golden
from embsum.text import EngagementHistory, TextConfig, TextTokenizer, group_sessions, item_tokens
from embsum.text.paths import GOLDEN_FILE
from text_fixtures import cfg, tok  # noqa: F401  (pytest fixtures)


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    return json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))


def _fields(item: dict[str, Any]) -> tuple[Any, Any, Any]:
    second = item["abstract"] if item["domain"] == "news" else item["description"]
    return item["title"], second, item.get("category")


@pytest.mark.slow
def test_generator_reproduces_committed_file_exactly() -> None:
    committed = GOLDEN_FILE.read_text(encoding="utf-8")
    assert render_golden(build_golden()) == committed, (
        "golden file is stale or the contract code changed: rerun `python -m embsum.golden.text_contract`"
        " only if the change is intended (Java must then pass against the new file too)"
    )


def test_header(golden: dict[str, Any], tok: TextTokenizer) -> None:
    assert golden["tokenizer"] == {
        "file": "models/t5-small-tokenizer/tokenizer.json",
        "sha256": tok.sha256(),
    }
    assert golden["config"] == TextConfig().to_dict()


def test_every_item_recomputed(golden: dict[str, Any], tok: TextTokenizer, cfg: TextConfig) -> None:
    for item in golden["items"]:
        title, second, category = _fields(item)
        ids = item_tokens(tok, cfg, item["domain"], title, second, category)
        assert ids == item["tokens"], item["item_id"]
        assert item["content_tokens"] == ids + [cfg.eos_id], item["item_id"]
        assert len(ids) <= cfg.item_max_tokens and ids[0] == cfg.sos_id


def test_invalid_items_rejected(
    golden: dict[str, Any], tok: TextTokenizer, cfg: TextConfig
) -> None:
    assert len(golden["invalid_items"]) >= 3
    for item in golden["invalid_items"]:
        with pytest.raises(ValueError, match="no text"):
            item_tokens(tok, cfg, item["domain"], *_fields(item))


def test_every_history_recomputed(golden: dict[str, Any]) -> None:
    base = TextConfig.from_dict(golden["config"])
    tokens_of = {i["item_id"]: i["tokens"] for i in golden["items"]}
    for hist in golden["histories"]:
        cfg = dataclasses.replace(base, p=hist["p"], H=hist["H"])
        h = EngagementHistory.from_engagements(hist["engagements"], cfg.H)
        assert [{"item_id": i, "seq": s} for i, s in h.entries] == hist["entries"], hist[
            "history_id"
        ]
        assert h.history_version == hist["history_version"] == len(hist["engagements"])
        sessions = [s.to_dict() for s in group_sessions(h.entries, tokens_of, cfg)]
        assert sessions == hist["sessions"], hist["history_id"]


def test_coverage(golden: dict[str, Any], cfg: TextConfig) -> None:
    items = golden["items"]
    ids = [i["item_id"] for i in items]
    assert len(ids) == len(set(ids)) >= 200
    tags = collections.Counter((i["domain"], t) for i in items for t in i["tags"])
    assert tags[("news", "unicode_title")] >= 10
    assert tags[("news", "abstract_missing")] >= 10
    assert tags[("news", "overlong_title")] >= 10 and tags[("news", "overlong_abstract")] >= 10
    assert tags[("book", "overlong_description")] >= 10
    assert (
        tags[("news", "special_token_injection")] >= 1
        and tags[("book", "special_token_injection")] >= 1
    )
    assert tags[("news", "capped")] >= 1
    sources = collections.Counter(i["source"] for i in items)
    assert sources["goodreads"] >= 20 and sources["synthetic"] >= 3
    assert all(i.get("note") for i in items if i["source"] == "synthetic")

    histories = golden["histories"]
    assert len(histories) >= 30
    assert len({h["history_id"] for h in histories}) == len(histories)
    known = set(ids)
    assert all(e in known for h in histories for e in h["engagements"])
    lengths = [len(h["engagements"]) for h in histories]
    assert sum(n > 60 for n in lengths) >= 3 and 1 in lengths
    assert sum(len(set(h["engagements"])) < len(h["engagements"]) for h in histories) >= 3
    assert sum(h["p"] == 1 for h in histories) >= 2 and any(h["H"] == 10 for h in histories)
    assert sum(h["domain"] == "book" for h in histories) >= 2
    assert max(len(s["tokens"]) for h in histories for s in h["sessions"]) <= cfg.l


def test_hand_checked_entries(golden: dict[str, Any]) -> None:
    by_id = {h["history_id"]: h for h in golden["histories"]}
    syn = by_id["synthetic-repeats"]
    # S1 S2 S1 S3 S4 S2 S5 with H = 3, p = 2 (seq 0..6).
    assert syn["entries"] == [
        {"item_id": "SYN-N04", "seq": 4},
        {"item_id": "SYN-N02", "seq": 5},
        {"item_id": "SYN-N05", "seq": 6},
    ]
    assert [(s["session_id"], s["item_ids"]) for s in syn["sessions"]] == [
        (2, ["SYN-N04", "SYN-N02"]),
        (3, ["SYN-N05"]),
    ]
    assert syn["sessions"][1]["tokens"] == [
        32099,
        3529,
        17459,
        10,
        1969,
        1,
    ]  # News Category: weather
    first = by_id["mind-U81994"]
    assert first["engagements"][:3] == ["N138", "N64727", "N138"]
    assert len(first["engagements"]) == 97 and first["history_version"] == 97
    assert len(first["entries"]) == 60 and first["entries"][-1]["seq"] == 96
    assert [s["session_id"] for s in first["sessions"]] == list(range(9, 25))
