"""EngagementHistory: seq numbering, dedupe (move to newest), window of H."""

from __future__ import annotations

import pytest

from embsum.text import EngagementHistory


def test_seq_counts_every_engagement() -> None:
    h = EngagementHistory.from_engagements(["a", "b", "c"])
    assert h.entries == [("a", 0), ("b", 1), ("c", 2)]
    assert h.next_seq == 3 and h.history_version == 3 and len(h) == 3


def test_repeat_moves_item_to_newest_with_new_seq() -> None:
    h = EngagementHistory.from_engagements(["a", "b", "c", "a"])
    assert h.entries == [("b", 1), ("c", 2), ("a", 3)]
    assert h.history_version == 4  # repeats count
    h.add("a")  # repeat of the newest item: same order, new seq
    assert h.entries == [("b", 1), ("c", 2), ("a", 4)]


def test_window_keeps_newest_h_distinct_items() -> None:
    h = EngagementHistory.from_engagements([f"i{n}" for n in range(10)], H=4)
    assert h.entries == [("i6", 6), ("i7", 7), ("i8", 8), ("i9", 9)]
    # A repeat does not push anything out (still 4 distinct items).
    h.add("i7")
    assert h.entries == [("i6", 6), ("i8", 8), ("i9", 9), ("i7", 10)]
    # A new item pushes out the oldest one.
    h.add("x")
    assert h.entries == [("i8", 8), ("i9", 9), ("i7", 10), ("x", 11)]


def test_seq_never_reused() -> None:
    h = EngagementHistory(H=2)
    seen: list[int] = []
    for item in ["a", "b", "a", "c", "a", "b", "b", "d"]:
        h.add(item)
        seen.append(h.entries[-1][1])
    assert seen == list(range(8))
    assert h.entries == [("b", 6), ("d", 7)]
    # An item that left the window comes back with a fresh seq.
    h.add("a")
    assert h.entries == [("d", 7), ("a", 8)]


def test_mind_first_behaviors_row_repeat() -> None:
    # U81994's History starts "N138 N64727 N138 N27288": N138 moves, seq 0 is gone.
    h = EngagementHistory.from_engagements(["N138", "N64727", "N138", "N27288"])
    assert h.entries == [("N64727", 1), ("N138", 2), ("N27288", 3)]


def test_invalid_window() -> None:
    with pytest.raises(ValueError, match="H"):
        EngagementHistory(H=0)
