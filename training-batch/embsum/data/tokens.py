"""Item tokens computed once per item, kept compactly in memory and cached on disk.

Why: a MIND item is shown in many impressions and histories; tokenising it once (not per
example) is what keeps the data loader cheap. The store holds every item's tokens in one flat
int32 array (small, and shared copy-on-write by forked DataLoader workers).

Disk cache: one ``.npz`` per key, the key being sha256 over the cache format, the tokenizer
file's sha256 and the parts of :class:`TextConfig` that item tokens depend on (special ids,
``item_max_tokens``, the clause tables). ``H``, ``p`` and ``l`` do not change item tokens, so
the no-session-grouping ablation reuses the same file. Each cached item also carries a hash of
its raw text: an item whose text changed is tokenised again, new items are added, and the file
is rewritten (atomically) only when something was tokenised.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from embsum.data.items import ItemText
from embsum.text import TextConfig, TextTokenizer
from embsum.text.paths import REPO_ROOT

CACHE_FORMAT = "embsum-token-cache/1"


def default_cache_dir() -> Path:
    """``$EMBSUM_CACHE_DIR`` or ``<repo>/build/token-cache`` (git-ignored)."""
    env = os.environ.get("EMBSUM_CACHE_DIR")
    return Path(env) if env else REPO_ROOT / "build" / "token-cache"


def token_cache_key(tokenizer_sha256: str, cfg: TextConfig) -> str:
    """Hex sha256 naming the cache file of this tokenizer + item-token configuration."""
    d = cfg.to_dict()
    relevant = {
        k: d[k] for k in ("sos_id", "eos_id", "pad_id", "unk_id", "item_max_tokens", "clauses")
    }
    payload = json.dumps(
        {"format": CACHE_FORMAT, "tokenizer_sha256": tokenizer_sha256, "text_config": relevant},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class _ListView(Mapping):
    """item_id -> list[int] view for ``group_sessions``."""

    def __init__(self, store: "TokenStore") -> None:
        self._store = store

    def __getitem__(self, item_id: str) -> list[int]:
        return self._store.item(item_id).tolist()

    def __iter__(self) -> Iterator[str]:
        return iter(self._store.ids)

    def __len__(self) -> int:
        return len(self._store)


class TokenStore:
    """Item tokens of valid items (``invalid``: items with no text clause, excluded)."""

    def __init__(
        self,
        ids: list[str],
        flat: np.ndarray,
        offsets: np.ndarray,
        eos_id: int,
        invalid: Iterable[str] = (),
        stats: dict | None = None,
    ) -> None:
        if len(offsets) != len(ids) + 1:
            raise ValueError("offsets must have len(ids) + 1 entries")
        self.ids = list(ids)
        self._index = {item_id: i for i, item_id in enumerate(self.ids)}
        self.flat = np.ascontiguousarray(flat, dtype=np.int32)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        self.eos_id = eos_id
        self.invalid = frozenset(invalid)
        self.stats = dict(stats or {})
        self.lists = _ListView(self)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._index

    def __len__(self) -> int:
        return len(self.ids)

    def item(self, item_id: str) -> np.ndarray:
        """Item tokens ([SOS] + text ids), int32 view. KeyError for unknown/invalid items."""
        i = self._index[item_id]
        return self.flat[self.offsets[i] : self.offsets[i + 1]]

    def content(self, item_id: str) -> np.ndarray:
        """Content tokens (CPE input) = item tokens + ``</s>`` (new int32 array)."""
        item = self.item(item_id)
        out = np.empty(len(item) + 1, dtype=np.int32)
        out[:-1] = item
        out[-1] = self.eos_id
        return out


def _load_cache(path: Path) -> dict[str, tuple[int, np.ndarray]]:
    try:
        with np.load(path, allow_pickle=False) as z:
            ids, hashes, offsets, flat = z["ids"], z["hashes"], z["offsets"], z["flat"]
    except (OSError, KeyError, ValueError):
        return {}  # missing or unreadable: rebuild (and overwrite) it
    return {
        str(ids[i]): (int(hashes[i]), flat[offsets[i] : offsets[i + 1]]) for i in range(len(ids))
    }


def _save_cache(path: Path, entries: dict[str, tuple[int, np.ndarray]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = list(entries)
    lengths = np.array([len(entries[i][1]) for i in ids], dtype=np.int64)
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.concatenate([entries[i][1] for i in ids]) if ids else np.zeros(0, np.int32)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp.npz")
    os.close(fd)
    try:
        np.savez(
            tmp,
            ids=np.array(ids, dtype=str),
            hashes=np.array([entries[i][0] for i in ids], dtype=np.uint64),
            offsets=offsets,
            flat=flat.astype(np.int32),
        )
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; the cache may be shared
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def build_token_store(
    items: Mapping[str, ItemText] | Iterable[ItemText],
    tokenizer: TextTokenizer,
    cfg: TextConfig,
    *,
    cache_dir: str | Path | None = None,
) -> TokenStore:
    """Tokenise every item once (or reuse the disk cache) -> :class:`TokenStore`.

    ``cache_dir=None``: in-memory only. Otherwise ``<cache_dir>/tokens-<key[:24]>.npz`` is read
    and, if any item had to be tokenised, rewritten with the union of old and new entries.
    ``store.stats`` = {reused, tokenized, invalid, cache_file}. Invalid items (no text clause)
    are cached too (as empty token lists) and listed in ``store.invalid``.
    """
    records = list(items.values()) if isinstance(items, Mapping) else list(items)
    cache_path = None
    cached: dict[str, tuple[int, np.ndarray]] = {}
    if cache_dir is not None:
        key = token_cache_key(tokenizer.sha256(), cfg)
        cache_path = Path(cache_dir) / f"tokens-{key[:24]}.npz"
        cached = _load_cache(cache_path)

    ids: list[str] = []
    chunks: list[np.ndarray] = []
    invalid: list[str] = []
    reused = tokenized = 0
    seen: set[str] = set()
    for rec in records:
        if rec.item_id in seen:
            raise ValueError(f"item {rec.item_id!r} given twice")
        seen.add(rec.item_id)
        h = rec.text_hash()
        hit = cached.get(rec.item_id)
        if hit is not None and hit[0] == h:
            toks = hit[1]
            reused += 1
        else:
            try:
                toks = np.asarray(rec.tokens(tokenizer, cfg), dtype=np.int32)
            except ValueError:
                if rec.has_text(cfg):
                    raise
                toks = np.zeros(0, dtype=np.int32)
            cached[rec.item_id] = (h, toks)
            tokenized += 1
        if len(toks) == 0:
            invalid.append(rec.item_id)
            continue
        ids.append(rec.item_id)
        chunks.append(toks)

    if cache_path is not None and tokenized:
        _save_cache(cache_path, cached)
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(np.array([len(c) for c in chunks], dtype=np.int64), out=offsets[1:])
    flat = np.concatenate(chunks) if chunks else np.zeros(0, np.int32)
    stats = {
        "reused": reused,
        "tokenized": tokenized,
        "invalid": len(invalid),
        "cache_file": str(cache_path) if cache_path else None,
    }
    return TokenStore(ids, flat, offsets, cfg.eos_id, invalid, stats)
