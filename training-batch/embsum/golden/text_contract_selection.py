"""Which real rows of the MIND / Goodreads samples become golden items and histories: fixed
rules over file order (no randomness), so the generator reproduces the committed file."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Mapping

from embsum.golden.text_contract_builder import GoldenBuilder, non_ascii
from embsum.text.contract import TextConfig
from embsum.text.samples import BookRow, NewsRow


def first_matching(rows: Iterable[Any], pred: Callable[[Any], bool], n: int) -> list[Any]:
    """The first ``n`` rows (in file order) for which ``pred`` holds."""
    out = []
    for row in rows:
        if len(out) == n:
            break
        if pred(row):
            out.append(row)
    return out


def news_picks(rows: list[NewsRow], b: GoldenBuilder, cfg: TextConfig) -> list[NewsRow]:
    """Real MIND news, by rule, in news.tsv order (repeats are dropped by the builder)."""
    title_limit, abstract_limit = (c.max_tokens for c in cfg.clauses["news"][:2])
    return (
        rows[:30]
        + first_matching(rows, lambda r: non_ascii(r.title), 15)
        + first_matching(rows, lambda r: non_ascii(r.abstract), 8)
        + first_matching(rows, lambda r: r.abstract.strip() != "", 15)
        + first_matching(rows, lambda r: b.n_tokens(r.title) > title_limit, 12)
        + first_matching(rows, lambda r: b.n_tokens(r.abstract) > abstract_limit, 12)
        + first_matching(
            rows,
            lambda r: b.n_tokens(r.title) > title_limit and b.n_tokens(r.abstract) > abstract_limit,
            5,
        )
    )


def book_picks(rows: list[BookRow], b: GoldenBuilder, cfg: TextConfig) -> list[BookRow]:
    """Real Goodreads books, by rule, in Books.csv order (repeats are dropped by the builder)."""
    title_limit, desc_limit = (c.max_tokens for c in cfg.clauses["book"])
    return (
        rows[:10]
        + first_matching(rows, lambda r: b.n_tokens(r.description) > desc_limit, 10)
        + first_matching(rows, lambda r: 0 < b.n_tokens(r.description) <= desc_limit, 5)
        + first_matching(rows, lambda r: non_ascii(r.title), 8)
        + first_matching(rows, lambda r: b.n_tokens(r.title) > title_limit, 6)
    )


def mind_histories(
    behaviors: list[Any],
) -> Iterator[tuple[str, str, list[str], str, dict[str, int]]]:
    """(history_id, user_id, engagements, note, overrides) for the chosen MIND users.

    Rules (file order of behaviors.tsv, first row of each user only):
    the first row (U81994, repeats N138), with p = 4, p = 1, H = 10 and (H = 10, p = 3);
    the next 4 users with > 60 clicks; the user with the longest history (p = 4 and p = 1);
    the first 4 users with a repeated click and <= 60 clicks; the first user with one click;
    the first user with no clicks; the first 12 users not chosen by a rule above.
    """
    rows, seen = [], set()
    for row in behaviors:
        if row.user_id not in seen:
            seen.add(row.user_id)
            rows.append(row)
    chosen: list[tuple[Any, str, dict[str, int]]] = []
    first = rows[0]
    chosen += [
        (first, "first behaviors row (repeats)", {}),
        (first, "first behaviors row, no session grouping", {"p": 1}),
        (first, "first behaviors row, small window", {"H": 10}),
        (first, "first behaviors row, small window, p = 3", {"H": 10, "p": 3}),
    ]
    used = {first.user_id}

    def take(pred: Callable[[Any], bool], n: int, note: str, **over: int) -> None:
        for row in first_matching((r for r in rows if r.user_id not in used), pred, n):
            used.add(row.user_id)
            chosen.append((row, note, dict(over)))

    def repeats(r: Any) -> bool:
        return len(set(r.history)) < len(r.history)

    take(lambda r: len(r.history) > 60, 4, "history over 60 clicks")
    longest = max(rows, key=lambda r: len(r.history))  # max() keeps the first of equals
    if longest.user_id not in used:
        used.add(longest.user_id)
        chosen.append((longest, "longest history in the sample", {}))
    chosen.append((longest, "longest history in the sample, no session grouping", {"p": 1}))
    take(lambda r: repeats(r) and len(r.history) <= 60, 4, "repeated clicks, at most 60")
    take(lambda r: len(r.history) == 1, 1, "history of one click")
    take(lambda r: len(r.history) == 0, 1, "empty history (no sessions)")
    take(lambda r: True, 12, "typical user (file order)")
    for row, note, over in chosen:
        suffix = "".join(f"-{k}{v}" for k, v in sorted(over.items()))
        yield f"mind-{row.user_id}{suffix}", row.user_id, list(row.history), note, over


def goodreads_users(histories: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    """(user_id, note): the first user in the file, the first with fewest positives (1 book),
    and the first with 20..30 positives."""
    users = list(histories)
    chosen = [(users[0], "first user in Ratings.csv (file order = book_id order, no timestamps)")]
    fewest = min(users, key=lambda u: len(histories[u]))  # min() keeps the first of equals
    chosen.append((fewest, "fewest ratings > 3 (a single book)"))
    mid = next(u for u in users if 20 <= len(histories[u]) <= 30)
    chosen.append((mid, "20-30 ratings > 3"))
    out, seen = [], set()
    for user, note in chosen:
        if user not in seen:
            seen.add(user)
            out.append((user, note))
    return out
