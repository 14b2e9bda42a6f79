"""Disk cache of summaries, keyed by (user, history hash, prompt version, teacher model).

One small JSON file per key under ``<root>/<2 hex>/<sha256 of the key>.json``, written to a
temporary file in the same folder and renamed over the target (``os.replace``), so a crash or
a concurrent writer never leaves a half-written entry and readers need no lock. Each file holds
the key and the summary record (text, kind, model, prompt_version, created_at). A file that
cannot be read or whose stored key differs is treated as a miss and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from embsum.teacher.history import PromptHistory
from embsum.teacher.prompt import PROMPT_VERSION
from embsum.teacher.summary import Summary

log = logging.getLogger(__name__)

CACHE_FORMAT = 1


@dataclass(frozen=True)
class CacheKey:
    user_id: str
    history_sha256: str
    prompt_version: str
    model: str

    @classmethod
    def for_history(
        cls, user_id: str, history: PromptHistory, model: str, prompt_version: str = PROMPT_VERSION
    ) -> "CacheKey":
        return cls(
            user_id=str(user_id),
            history_sha256=history.sha256(),
            prompt_version=prompt_version,
            model=model,
        )

    def digest(self) -> str:
        data = json.dumps(
            [self.user_id, self.history_sha256, self.prompt_version, self.model], ensure_ascii=False
        )
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    writes: int = 0


class SummaryCache:
    """Thread-safe; see the module docstring for the layout."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.stats = CacheStats()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SummaryCache({str(self.root)!r})"

    def path_for(self, key: CacheKey) -> Path:
        digest = key.digest()
        return self.root / digest[:2] / f"{digest}.json"

    def get(self, key: CacheKey) -> Summary | None:
        path = self.path_for(key)
        summary = None
        try:
            with open(path, encoding="utf-8") as fh:
                record = json.load(fh)
            if record.get("key") == asdict(key):
                summary = Summary.from_dict(record["summary"])
            else:
                log.warning("cache entry %s holds another key; treating it as a miss", path)
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.warning("unreadable cache entry %s (%s); treating it as a miss", path, err)
        with self._lock:
            if summary is None:
                self.stats.misses += 1
            else:
                self.stats.hits += 1
        return summary

    def put(self, key: CacheKey, summary: Summary) -> Path:
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"format": CACHE_FORMAT, "key": asdict(key), "summary": summary.to_dict()}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem[:16]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(record, fh, ensure_ascii=False, indent=1)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        with self._lock:
            self.stats.writes += 1
        return path

    def records(self) -> Iterator[tuple[CacheKey, Summary]]:
        """Every readable entry (order unspecified)."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                yield CacheKey(**record["key"]), Summary.from_dict(record["summary"])
            except (OSError, ValueError, KeyError, TypeError) as err:
                log.warning("skipping unreadable cache entry %s (%s)", path, err)

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("??/*.json")) if self.root.is_dir() else 0
