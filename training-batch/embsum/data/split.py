"""Deterministic, by-user splits (docs/data.md, "Splits").

Why by user and by hash: the paper evaluates on users the model was not trained on (MIND-small
dev split by user into dev and test), and a stable hash of the user id puts a user in the same
split on every machine, in every run and whatever the row order, with no state to store. A salt
keeps the split independent of any other hash of the same ids (data/mind/PROVENANCE.md withheld
users by ``sha256(UserID) % 5``; an unsalted ``% 100`` would be correlated with that).
"""

from __future__ import annotations

import hashlib
import math
from typing import Callable, Iterable, Sequence, TypeVar

T = TypeVar("T")

#: Salt of the split hash. Changing it reshuffles every split: bump only on purpose.
SPLIT_SALT = "embsum-split-v1"

#: Number of hash buckets; split fractions are resolved to 1/BUCKETS.
BUCKETS = 10_000

#: The shared MIND sample (train behaviors only) and goodbooks-10k: 80/10/10 by user.
SAMPLE_SPLIT: tuple[tuple[str, float], ...] = (("train", 0.8), ("dev", 0.1), ("test", 0.1))

#: The official MIND layout: MIND-small dev split by user into dev and test (paper section 3).
DEV_TEST_SPLIT: tuple[tuple[str, float], ...] = (("dev", 0.5), ("test", 0.5))


def user_bucket(user_id: str, salt: str = SPLIT_SALT) -> int:
    """``int(sha256(f"{salt}:{user_id}")[:8 bytes], big endian) % BUCKETS``, in [0, BUCKETS)."""
    digest = hashlib.sha256(f"{salt}:{user_id}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def _edges(fractions: Sequence[tuple[str, float]]) -> list[tuple[str, int]]:
    if not fractions:
        raise ValueError("split fractions: at least one split is needed")
    names = [name for name, _ in fractions]
    if len(set(names)) != len(names):
        raise ValueError(f"split fractions: duplicate split names {names}")
    if any(f < 0 for _, f in fractions):
        raise ValueError(f"split fractions must be >= 0, got {list(fractions)}")
    total = sum(f for _, f in fractions)
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise ValueError(f"split fractions must sum to 1, got {total} from {list(fractions)}")
    edges, cumulative = [], 0.0
    for name, fraction in fractions:
        cumulative += fraction
        edges.append((name, round(cumulative * BUCKETS)))
    edges[-1] = (edges[-1][0], BUCKETS)
    return edges


def assign_split(
    user_id: str, fractions: Sequence[tuple[str, float]] = SAMPLE_SPLIT, salt: str = SPLIT_SALT
) -> str:
    """The split of ``user_id``: the first split whose cumulative fraction exceeds its bucket."""
    bucket = user_bucket(user_id, salt)
    for name, edge in _edges(fractions):
        if bucket < edge:
            return name
    raise AssertionError("unreachable: the last edge is BUCKETS")


def split_by_user(
    records: Iterable[T],
    user_of: Callable[[T], str],
    fractions: Sequence[tuple[str, float]] = SAMPLE_SPLIT,
    salt: str = SPLIT_SALT,
) -> dict[str, list[T]]:
    """Records grouped by their user's split (record order kept inside each split).

    Every split named in ``fractions`` is present in the result, possibly empty.
    """
    edges = _edges(fractions)
    out: dict[str, list[T]] = {name: [] for name, _ in edges}
    cache: dict[str, str] = {}
    for record in records:
        user = user_of(record)
        name = cache.get(user)
        if name is None:
            bucket = user_bucket(user, salt)
            name = next(n for n, edge in edges if bucket < edge)
            cache[user] = name
        out[name].append(record)
    return out
