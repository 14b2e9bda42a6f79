"""The numbers and templates of the text contract (docs/text-contract.md), in one frozen object.

Why a single config object: the trainer, the ONNX bundle manifest and the Java runtime must all
use the same special ids, limits and templates. Keeping them in one immutable value that can be
written out (``to_dict``) and read back (``from_dict``) makes a mismatch visible instead of
silently producing different token sequences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

#: Characters stripped from both ends of every field (docs/text-contract.md section 2). This is
#: exactly the set Python's ``str.strip()`` uses (``str.isspace``), listed explicitly so the rule
#: does not depend on a language's own idea of whitespace (Java's ``String.strip`` differs: it
#: keeps U+0085, U+00A0, U+2007 and U+202F).
STRIP_WHITESPACE: str = (
    "\u0009\u000a\u000b\u000c\u000d\u001c\u001d\u001e\u001f\u0020\u0085\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

#: T5's sentinel ids: <extra_id_99> = 32000 ... <extra_id_0> = 32099.
SENTINEL_IDS: range = range(32000, 32100)


@dataclass(frozen=True)
class Clause:
    """One ``label + field value`` piece of an item template, with the field's token limit."""

    label: str
    field: str
    max_tokens: int

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "field": self.field, "max_tokens": self.max_tokens}


NEWS_CLAUSES: tuple[Clause, ...] = (
    Clause("News Title:", "title", 32),
    Clause("News Abstract:", "abstract", 72),
    Clause("News Category:", "category", 8),
)
BOOK_CLAUSES: tuple[Clause, ...] = (
    Clause("Book Title:", "title", 24),
    Clause("Book Description:", "description", 85),
)


def _default_clauses() -> dict[str, tuple[Clause, ...]]:
    return {"news": NEWS_CLAUSES, "book": BOOK_CLAUSES}


@dataclass(frozen=True)
class TextConfig:
    """Special ids, history/session sizes and item templates shared by Python and Java.

    Defaults are the paper's / docs/design.md 4 values. ``H`` and ``p`` are the knobs of the
    ablations (``p = 1``: no session grouping); ``l`` is the per-session token limit.
    """

    sos_id: int = 32099  # [SOS] = <extra_id_0>
    eos_id: int = 1  # </s>
    pad_id: int = 0  # <pad>, also the T5 decoder start
    unk_id: int = 2  # <unk>
    H: int = 60  # history window (distinct items)
    p: int = 4  # items per session (session id = seq // p)
    l: int = 512  # max tokens per session, including the closing </s>
    item_max_tokens: int = 124  # cap on one item's tokens, [SOS] included
    clauses: Mapping[str, tuple[Clause, ...]] = field(default_factory=_default_clauses, hash=False)

    def __post_init__(self) -> None:
        # Freeze the clause table too (read-only mapping of tuples), so a shared config object
        # cannot be changed behind the back of the code that validated it.
        frozen = MappingProxyType({d: tuple(c) for d, c in dict(self.clauses).items()})
        object.__setattr__(self, "clauses", frozen)

    @property
    def domains(self) -> tuple[str, ...]:
        """Known item domains, sorted."""
        return tuple(sorted(self.clauses))

    def validate(self) -> "TextConfig":
        """Raise ValueError if the configuration could produce an over-long session.

        A session holds at most ``p`` items of at most ``item_max_tokens`` tokens plus ``</s>``;
        refusing ``p * item_max_tokens + 1 > l`` up front means sessions never need truncation
        (a truncated session would lose [SOS] positions). Returns ``self`` for chaining.
        """
        for name in ("H", "p", "l", "item_max_tokens"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"text config: {name} must be a positive integer, got {value!r}")
        need = self.p * self.item_max_tokens + 1
        if need > self.l:
            raise ValueError(
                f"text config: a session of p={self.p} items needs up to p * item_max_tokens + 1"
                f" = {self.p} * {self.item_max_tokens} + 1 = {need} tokens, more than the session"
                f" limit l = {self.l}; lower p or item_max_tokens, or raise l"
            )
        if not self.clauses:
            raise ValueError("text config: no item domains configured")
        for domain, clauses in self.clauses.items():
            if not clauses:
                raise ValueError(f"text config: domain {domain!r} has no clauses")
            for clause in clauses:
                if clause.max_tokens < 1:
                    raise ValueError(
                        f"text config: clause {clause.label!r} of domain {domain!r} has"
                        f" max_tokens {clause.max_tokens}; it must be positive"
                    )
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, used in the golden file and in model bundle manifests."""
        return {
            "sos_id": self.sos_id,
            "eos_id": self.eos_id,
            "pad_id": self.pad_id,
            "unk_id": self.unk_id,
            "H": self.H,
            "p": self.p,
            "l": self.l,
            "item_max_tokens": self.item_max_tokens,
            "clauses": {
                domain: [c.to_dict() for c in self.clauses[domain]] for domain in self.domains
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TextConfig":
        """Inverse of ``to_dict`` (keys not listed there are rejected, to catch typos)."""
        known = {
            "sos_id",
            "eos_id",
            "pad_id",
            "unk_id",
            "H",
            "p",
            "l",
            "item_max_tokens",
            "clauses",
        }
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"text config: unknown keys {sorted(unknown)}")
        kwargs: dict[str, Any] = {k: data[k] for k in known - {"clauses"} if k in data}
        if "clauses" in data:
            kwargs["clauses"] = {
                domain: tuple(Clause(c["label"], c["field"], c["max_tokens"]) for c in clauses)
                for domain, clauses in data["clauses"].items()
            }
        return cls(**kwargs)
