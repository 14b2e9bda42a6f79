"""Sessions: ids floor(seq / p), tokens + </s>, [SOS] offsets, and the reuse property."""

from __future__ import annotations

import dataclasses
import random

import pytest

from embsum.text import EngagementHistory, Session, TextConfig, group_sessions

SOS, EOS = 32099, 1
CFG = TextConfig()

# Fake item tokens of different lengths (the rule does not look inside them).
TOKENS = {
    "a": [SOS, 10],
    "b": [SOS, 20, 21],
    "c": [SOS, 30],
    "d": [SOS, 40, 41, 42],
    "e": [SOS, 50],
    "f": [SOS, 60],
}


def test_sessions_by_seq_div_p() -> None:
    entries = [("a", 0), ("b", 1), ("c", 3), ("d", 4), ("e", 9)]
    sessions = group_sessions(entries, TOKENS, CFG)
    assert sessions == [
        Session(0, ("a", "b", "c"), (SOS, 10, SOS, 20, 21, SOS, 30, EOS), (0, 2, 5)),
        Session(1, ("d",), (SOS, 40, 41, 42, EOS), (0,)),
        Session(2, ("e",), (SOS, 50, EOS), (0,)),
    ]


def test_each_session_ends_with_one_eos_and_sos_positions_point_at_sos() -> None:
    entries = [(k, n) for n, k in enumerate("abcdef")]
    for p in (1, 2, 3, 4):
        sessions = group_sessions(entries, TOKENS, dataclasses.replace(CFG, p=p))
        assert [s.session_id for s in sessions] == sorted({n // p for n in range(6)})
        for s in sessions:
            assert s.tokens[-1] == EOS and s.tokens.count(EOS) == 1
            assert [s.tokens[i] for i in s.sos_positions] == [SOS] * len(s.item_ids)
            assert s.tokens.count(SOS) == len(s.item_ids) <= p
        assert [i for s in sessions for i in s.item_ids] == list("abcdef")


def test_no_grouping_p1() -> None:
    sessions = group_sessions([("a", 5), ("b", 7)], TOKENS, dataclasses.replace(CFG, p=1))
    assert [(s.session_id, s.item_ids, s.sos_positions) for s in sessions] == [
        (5, ("a",), (0,)),
        (7, ("b",), (0,)),
    ]


def test_empty_history_has_no_sessions() -> None:
    assert group_sessions([], TOKENS, CFG) == []


def test_dedupe_holes_keep_boundaries() -> None:
    h = EngagementHistory.from_engagements(["a", "b", "c", "d", "e", "a"])  # seq 0..5
    sessions = group_sessions(h.entries, TOKENS, CFG)
    # "a" left session 0 (seq 0) and is now seq 5 in session 1.
    assert [(s.session_id, s.item_ids) for s in sessions] == [(0, ("b", "c", "d")), (1, ("e", "a"))]
    assert sessions[1].tokens == (SOS, 50, SOS, 10, EOS)


def test_input_checks() -> None:
    with pytest.raises(ValueError, match="ascending"):
        group_sessions([("a", 1), ("b", 1)], TOKENS, CFG)
    with pytest.raises(KeyError, match="zz"):
        group_sessions([("zz", 0)], TOKENS, CFG)
    with pytest.raises(ValueError, match=r"\[SOS\]"):
        group_sessions([("x", 0)], {"x": [5, 6]}, CFG)
    with pytest.raises(ValueError, match="at most 124"):
        group_sessions([("x", 0)], {"x": [SOS] + [7] * 124}, CFG)
    with pytest.raises(ValueError, match="621"):
        group_sessions([("a", 0)], TOKENS, dataclasses.replace(CFG, p=5))


def _by_id(sessions: list[Session]) -> dict[int, Session]:
    return {s.session_id: s for s in sessions}


@pytest.mark.parametrize("p,H", [(4, 60), (4, 7), (1, 5), (3, 10)])
def test_new_click_changes_only_newest_and_slide_only_oldest(p: int, H: int) -> None:
    """Each engagement changes at most: the newest session (where the new seq lands), the
    oldest session (when the window slides) and, for a repeat, the session the item left."""
    cfg = dataclasses.replace(CFG, p=p, H=H)
    rng = random.Random(1234)
    catalogue = [f"i{n}" for n in range(3 * H)]
    tokens = {i: [SOS] + [100 + n] * (1 + n % 5) for n, i in enumerate(catalogue)}
    h = EngagementHistory(H)
    before = _by_id(group_sessions(h.entries, tokens, cfg))
    checked_repeat = checked_slide = 0
    for _ in range(400):
        item = rng.choice(catalogue)
        old_seq = dict(h.entries).get(item)
        oldest_before = min(before) if before else None
        full = len(h) == H
        h.add(item)
        after = _by_id(group_sessions(h.entries, tokens, cfg))
        newest = (h.next_seq - 1) // p
        allowed = {newest}
        if old_seq is not None:
            allowed.add(old_seq // p)  # the repeat left that session
            checked_repeat += 1
        elif full:
            allowed.add(oldest_before)  # the window slid
            checked_slide += 1
        changed = {sid for sid in before.keys() | after.keys() if before.get(sid) != after.get(sid)}
        if old_seq is None:
            assert newest in changed  # a new item always lands in the newest session
        assert changed <= allowed, (item, changed, allowed)
        if old_seq is None and full:
            # Only the oldest session lost an item; nothing else moved.
            assert (
                oldest_before not in after
                or after[oldest_before].item_ids == before[oldest_before].item_ids[1:]
            )
        before = after
    assert checked_repeat > 10 and checked_slide > 10
