"""A user's engagement history: dedupe by item, newest ``H`` kept, absolute ``seq`` numbers.

Why ``seq`` is absolute and never reused: session boundaries are ``seq // p`` (sessions.py), so
they must not move when older engagements leave the window or a repeat moves an item. That is
what lets the streaming job re-encode only the sessions that actually changed.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterable


class EngagementHistory:
    """History state of one user (docs/text-contract.md section 3).

    Holds at most ``H`` *distinct* items, oldest -> newest by ``seq``. Only accepted engagements
    are added (a CLICK, or a RATE with rating > 3): filtering happens before ``add``.
    """

    def __init__(self, H: int = 60) -> None:
        if not isinstance(H, int) or H < 1:
            raise ValueError(f"history window H must be a positive integer, got {H!r}")
        self.H = H
        self.next_seq = 0
        # item_id -> seq; insertion order == seq order because seq only grows.
        self._entries: OrderedDict[str, int] = OrderedDict()

    def add(self, item_id: str) -> None:
        """Record one accepted engagement of ``item_id`` with ``seq = next_seq``.

        A repeat removes the item's old entry first (it moves to the newest position); then the
        oldest entries beyond ``H`` are dropped. ``next_seq`` grows for repeats too.
        """
        seq = self.next_seq
        self.next_seq += 1
        self._entries.pop(item_id, None)
        self._entries[item_id] = seq
        while len(self._entries) > self.H:
            self._entries.popitem(last=False)

    @property
    def entries(self) -> list[tuple[str, int]]:
        """``(item_id, seq)`` pairs, oldest -> newest."""
        return list(self._entries.items())

    @property
    def item_ids(self) -> list[str]:
        """Item ids in the window, oldest -> newest."""
        return list(self._entries)

    @property
    def history_version(self) -> int:
        """Number of accepted engagements so far (= ``next_seq``), repeats included."""
        return self.next_seq

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"EngagementHistory(H={self.H}, next_seq={self.next_seq}, entries={self.entries})"

    @classmethod
    def from_engagements(cls, item_ids: Iterable[str], H: int = 60) -> "EngagementHistory":
        """Replay accepted engagements in arrival order (for MIND: a behaviors row's History,
        whose i-th id gets ``seq = i``)."""
        history = cls(H)
        for item_id in item_ids:
            history.add(item_id)
        return history
