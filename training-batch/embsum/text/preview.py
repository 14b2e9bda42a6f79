"""Show the text -> history -> session pipeline on real MIND users (``scripts/demo.sh``).

Until the streaming demo exists, this is what the README's first command runs: it replays a few
users' MIND click histories through the contract exactly as the Flink job will (dedupe, latest
H, ``seq // p`` sessions) and prints what the EmbSum encoder would read.

    python -m embsum.text.preview [--users N] [--p P] [--H H]
"""

from __future__ import annotations

import argparse
import sys

from embsum.argtypes import positive_int
from embsum.text.contract import TextConfig
from embsum.text.history import EngagementHistory
from embsum.text.items import item_tokens
from embsum.text.samples import read_mind_behaviors, read_mind_news
from embsum.text.sessions import group_sessions
from embsum.text.tokenizer import TextTokenizer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m embsum.text.preview",
        description="Replay MIND users' click histories into EmbSum sessions and print them.",
    )
    parser.add_argument("--users", type=positive_int, default=3, help="users to show (default 3)")
    parser.add_argument("--p", type=positive_int, default=4, help="items per session (default 4)")
    parser.add_argument("--H", type=positive_int, default=60, help="history window (default 60)")
    args = parser.parse_args(argv)

    cfg = TextConfig(H=args.H, p=args.p)
    try:
        cfg.validate()
    except ValueError as err:
        parser.error(str(err))
    tokenizer = TextTokenizer()
    news = read_mind_news()
    behaviors = read_mind_behaviors()

    # The longest histories show the window and the session boundaries best.
    shown = sorted(behaviors, key=lambda row: (-len(row.history), row.impression_id))
    seen_users: set[str] = set()
    for row in shown:
        if len(seen_users) == args.users:
            break
        if row.user_id in seen_users:
            continue
        seen_users.add(row.user_id)
        history = EngagementHistory.from_engagements(row.history, H=cfg.H)
        tokens_of = {}
        for item_id in history.item_ids:
            n = news[item_id]
            tokens_of[item_id] = item_tokens(
                tokenizer, cfg, "news", n.title, n.abstract, n.category
            )
        sessions = group_sessions(history.entries, tokens_of, cfg)
        print(
            f"user {row.user_id}: {len(row.history)} clicks -> {len(history)} kept "
            f"(history_version {history.history_version}) -> {len(sessions)} sessions"
        )
        for session in sessions[-2:]:
            print(
                f"  session {session.session_id}: items {', '.join(session.item_ids)}; "
                f"{len(session.tokens)} tokens; [SOS] at {list(session.sos_positions)}"
            )
        newest = history.item_ids[-1]
        text = tokenizer.decode(tokens_of[newest][1:])
        print(f"  newest item {newest}: {text[:110]}{'...' if len(text) > 110 else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
