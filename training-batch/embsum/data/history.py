"""Users' histories and sessions for training, by the text contract's own code.

Why through ``EngagementHistory`` + ``group_sessions``: the model must see exactly the sessions the
streaming job builds (docs/design.md 4: training groups sessions by the same rule, with seq =
position in the full MIND history). Engagements of items that have no tokens (unknown to the
news/books file, or without any text) are dropped *before* replay: the streaming job never accepts a
click on an unknown item (it goes to dead-letters), so such clicks never get a ``seq`` there either.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from embsum.data.tokens import TokenStore
from embsum.text import EngagementHistory, Session, TextConfig, group_sessions


def text_config_for(
    model_config=None, *, p: int | None = None, base: TextConfig | None = None
) -> TextConfig:
    """The TextConfig the data side must use: ``base`` (default: the contract's defaults) with
    ``p`` from the model config (``EmbSumConfig.p``: ``session_items``, or 1 when
    ``session_grouping`` is off) or given directly. Validated."""
    base = base or TextConfig()
    if p is None and model_config is not None:
        p = model_config.p
    cfg = dataclasses.replace(base, p=p) if p is not None and p != base.p else base
    return cfg.validate()


def history_entries(
    engagements: Sequence[str], tokens: TokenStore, cfg: TextConfig
) -> list[tuple[str, int]]:
    """``(item_id, seq)`` of the window: known items replayed in order, dedupe, newest ``H``."""
    known = [i for i in engagements if i in tokens]
    return EngagementHistory.from_engagements(known, H=cfg.H).entries


def user_sessions(engagements: Sequence[str], tokens: TokenStore, cfg: TextConfig) -> list[Session]:
    """Sessions (``seq // p``) of a user whose accepted engagements are ``engagements``."""
    return group_sessions(history_entries(engagements, tokens, cfg), tokens.lists, cfg)
