"""Item text -> item tokens (docs/text-contract.md section 2).

Why clause by clause: each label and each field value is encoded separately so that a field is
truncated by *token ids* (the paper's limits are in tokens) and a long title can never eat into
the abstract's budget. The result is the same in the streaming job (Java) and the trainer.
"""

from __future__ import annotations

from embsum.text.contract import STRIP_WHITESPACE, TextConfig
from embsum.text.tokenizer import TextTokenizer


def clean_field(value: str | None) -> str | None:
    """``None`` or blank -> ``None`` (missing); otherwise the value with outer whitespace stripped.

    Nothing else is changed: normalisation is the tokenizer's job, and doing it here too would
    make Python and Java depend on two string libraries agreeing.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"item field must be str or None, got {type(value).__name__}")
    stripped = value.strip(STRIP_WHITESPACE)
    return stripped or None


def item_tokens(
    tokenizer: TextTokenizer,
    cfg: TextConfig,
    domain: str,
    title: str | None,
    abstract: str | None = None,
    category: str | None = None,
    *,
    description: str | None = None,
) -> list[int]:
    """[SOS] + template token ids of one item, at most ``cfg.item_max_tokens`` ids.

    ``abstract`` and ``description`` are the same field (a ContentItem has one
    "abstract/description"); pass either. Fields the domain's template does not use (``category``
    for books) are ignored. Raises ValueError for an unknown domain or when no clause is present.
    """
    clauses = cfg.clauses.get(domain)
    if clauses is None:
        raise ValueError(f"unknown item domain {domain!r}; expected one of {list(cfg.domains)}")
    if abstract is not None and description is not None:
        raise ValueError("pass either abstract or description (they are the same field), not both")
    second = abstract if abstract is not None else description
    values = {
        "title": clean_field(title),
        "abstract": clean_field(second),
        "description": clean_field(second),
        "category": clean_field(category),
    }
    present = [(c, values[c.field]) for c in clauses if values.get(c.field) is not None]
    if not present:
        fields = ", ".join(c.field for c in clauses)
        raise ValueError(f"{domain} item has no text: {fields} are all missing or blank")

    ids = [cfg.sos_id]
    for i, (clause, value) in enumerate(present):
        label = clause.label if i == 0 else "; " + clause.label
        ids += tokenizer.encode(label)
        ids += tokenizer.encode(value)[: clause.max_tokens]
    return ids[: cfg.item_max_tokens]


def content_tokens(
    tokenizer: TextTokenizer,
    cfg: TextConfig,
    domain: str,
    title: str | None,
    abstract: str | None = None,
    category: str | None = None,
    *,
    description: str | None = None,
) -> list[int]:
    """The CPE input: item tokens + ``</s>`` (at most ``item_max_tokens + 1`` ids)."""
    ids = item_tokens(tokenizer, cfg, domain, title, abstract, category, description=description)
    return ids + [cfg.eos_id]
