"""The summary disk cache: key sensitivity, pinned key format, atomic writes, corrupt entries."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from embsum.teacher import (
    PROMPT_VERSION,
    CacheKey,
    EngagedItem,
    Summary,
    SummaryCache,
    prepare_history,
)
from embsum.teacher import cache as cache_module

ITEMS = [
    EngagedItem("N1", "First", "Abstract one", "sports"),
    EngagedItem("N2", "Second", None, "finance"),
]
SUMMARY = Summary(
    "The user likes sports.", "llm", "mixtral", PROMPT_VERSION, "2025-01-01T00:00:00Z"
)


def key(
    items: list[EngagedItem] = ITEMS,
    user: str = "U1",
    model: str = "mixtral",
    version: str = PROMPT_VERSION,
    domain: str = "news",
) -> CacheKey:
    return CacheKey.for_history(user, prepare_history(items, domain), model, version)


def test_key_is_stable_and_pinned() -> None:
    # A changed digest silently orphans every cached summary: change it only on purpose.
    assert prepare_history(ITEMS).sha256() == prepare_history(list(ITEMS)).sha256()
    assert key().digest() == key().digest()
    # History hash = sha256 of compact JSON of the domain and [id, title, abstract, category] per item,
    # most recent first (prompt order).
    payload = '{"domain":"news","items":[["N2","Second",null,"finance"],["N1","First","Abstract one","sports"]]}'
    assert prepare_history(ITEMS).sha256() == hashlib.sha256(payload.encode()).hexdigest()
    assert (
        key().digest()
        == hashlib.sha256(
            json.dumps(
                ["U1", hashlib.sha256(payload.encode()).hexdigest(), PROMPT_VERSION, "mixtral"]
            ).encode()
        ).hexdigest()
    )


@pytest.mark.parametrize(
    "changed",
    [
        key(ITEMS + [EngagedItem("N3", "Third")]),  # new engagement
        key(ITEMS[:1]),  # fewer items
        key(list(reversed(ITEMS))),  # order
        key([ITEMS[0], EngagedItem("N2", "Second (edited)", None, "finance")]),  # text edit
        key([ITEMS[0], EngagedItem("N2", "Second", None, "markets")]),  # category edit
        key(version="fig2-v999"),  # prompt version
        key(model="gpt-x"),  # teacher model
        key(user="U2"),  # user
        key(domain="book"),  # domain
    ],
)
def test_key_changes_when_anything_the_teacher_sees_changes(changed: CacheKey) -> None:
    assert changed != key()
    assert changed.digest() != key().digest()


def test_whitespace_only_changes_do_not_change_the_key() -> None:
    spaced = [EngagedItem("N1", " First ", "Abstract\n one", "sports"), ITEMS[1]]
    assert key(spaced) == key()


def test_put_get_roundtrip_record_fields_and_no_temp_files(tmp_path: Path) -> None:
    cache = SummaryCache(tmp_path)
    assert cache.get(key()) is None
    path = cache.put(key(), SUMMARY)
    assert cache.get(key()) == SUMMARY
    assert (cache.stats.hits, cache.stats.misses, cache.stats.writes) == (1, 1, 1)
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["summary"] == {
        "text": "The user likes sports.",
        "kind": "llm",
        "model": "mixtral",
        "prompt_version": PROMPT_VERSION,
        "created_at": "2025-01-01T00:00:00Z",
    }
    assert record["key"]["user_id"] == "U1" and record["key"]["model"] == "mixtral"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [path.name]
    assert len(cache) == 1 and list(cache.records()) == [(key(), SUMMARY)]
    assert SummaryCache(tmp_path).get(key(model="other")) is None


def test_failed_write_leaves_old_entry_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = SummaryCache(tmp_path)
    cache.put(key(), SUMMARY)

    def broken_dump(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(cache_module.json, "dump", broken_dump)
    newer = Summary("Newer text.", "llm", "mixtral", PROMPT_VERSION, "2025-02-01T00:00:00Z")
    with pytest.raises(OSError, match="disk full"):
        cache.put(key(), newer)
    monkeypatch.undo()
    assert cache.get(key()) == SUMMARY
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_corrupt_or_foreign_entry_is_a_miss_and_gets_rewritten(tmp_path: Path) -> None:
    cache = SummaryCache(tmp_path)
    path = cache.put(key(), SUMMARY)
    path.write_text("{truncated", encoding="utf-8")
    assert cache.get(key()) is None
    record = {
        "format": 1,
        "key": {
            "user_id": "someone-else",
            "history_sha256": "x",
            "prompt_version": "v",
            "model": "m",
        },
        "summary": SUMMARY.to_dict(),
    }
    path.write_text(json.dumps(record), encoding="utf-8")
    assert cache.get(key()) is None
    cache.put(key(), SUMMARY)
    assert cache.get(key()) == SUMMARY


def test_summary_validates_kind_and_text() -> None:
    with pytest.raises(ValueError, match="kind"):
        Summary("x", "human", "m", PROMPT_VERSION, "t")
    with pytest.raises(ValueError, match="non-empty"):
        Summary("  ", "llm", "m", PROMPT_VERSION, "t")
