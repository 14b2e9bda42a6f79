"""History entries -> sessions, the units the EmbSum encoder reads (docs/text-contract.md s. 4).

Why boundaries come from ``seq`` alone: a session is ``seq // p``, so a new engagement only
touches the newest session (and the oldest when the window slides, and the one a repeat left);
every other session's tokens, and therefore its encoder output, stay exactly the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from embsum.text.contract import TextConfig


@dataclass(frozen=True)
class Session:
    """One session: its items in ``seq`` order, their tokens + ``</s>``, and [SOS] offsets."""

    session_id: int
    item_ids: tuple[str, ...]
    tokens: tuple[int, ...]
    sos_positions: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "item_ids": list(self.item_ids),
            "tokens": list(self.tokens),
            "sos_positions": list(self.sos_positions),
        }


def group_sessions(
    entries: Sequence[tuple[str, int]],
    tokens_of: Mapping[str, Sequence[int]],
    cfg: TextConfig,
) -> list[Session]:
    """Group history ``entries`` (``(item_id, seq)``, ascending seq) into sessions.

    ``tokens_of`` maps an item id to its *item tokens* (starting with [SOS], at most
    ``cfg.item_max_tokens`` ids). Sessions come out in ascending ``session_id``; an empty history
    gives no sessions. Raises ValueError on an invalid config or malformed input, KeyError
    when an item's tokens are unknown.
    """
    cfg.validate()
    groups: list[tuple[int, list[tuple[str, list[int]]]]] = []
    previous_seq = -1
    for item_id, seq in entries:
        if seq <= previous_seq:
            raise ValueError(
                f"history entries must have strictly ascending seq; got {seq} after {previous_seq}"
            )
        previous_seq = seq
        try:
            item = list(tokens_of[item_id])
        except KeyError:
            raise KeyError(f"no item tokens for item {item_id!r} (seq {seq})") from None
        if not item or item[0] != cfg.sos_id or len(item) > cfg.item_max_tokens:
            raise ValueError(
                f"item {item_id!r}: item tokens must start with [SOS] {cfg.sos_id} and have at"
                f" most {cfg.item_max_tokens} ids (got {len(item)})"
            )
        session_id = seq // cfg.p
        if not groups or groups[-1][0] != session_id:
            groups.append((session_id, []))
        groups[-1][1].append((item_id, item))

    sessions: list[Session] = []
    for session_id, members in groups:
        tokens: list[int] = []
        positions: list[int] = []
        for _, item in members:
            positions.append(len(tokens))
            tokens.extend(item)
        tokens.append(cfg.eos_id)
        sessions.append(
            Session(session_id, tuple(i for i, _ in members), tuple(tokens), tuple(positions))
        )
    return sessions
