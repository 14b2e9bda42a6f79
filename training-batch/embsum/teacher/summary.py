"""What a teacher produces (:class:`Summary`) and what a teacher is (:class:`Teacher`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Protocol, runtime_checkable

from embsum.teacher.history import PromptHistory
from embsum.teacher.prompt import PROMPT_VERSION

KIND_LLM = "llm"
KIND_TEMPLATE = "template"
KINDS = (KIND_LLM, KIND_TEMPLATE)


def utc_now() -> str:
    """ISO 8601 UTC timestamp with second precision, e.g. ``2025-01-31T12:00:00Z``."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Summary:
    """One user's teacher summary and where it came from.

    ``kind`` is ``"llm"`` (written by a language model through a chat endpoint) or
    ``"template"`` (the deterministic offline fallback); ``model`` names the LLM or the template
    version; ``prompt_version`` is :data:`embsum.teacher.prompt.PROMPT_VERSION` at creation.
    """

    text: str
    kind: str
    model: str
    prompt_version: str
    created_at: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"summary kind must be one of {KINDS}, got {self.kind!r}")
        if not isinstance(self.text, str) or not self.text.strip():
            raise ValueError("summary text must be a non-empty string")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Summary":
        return cls(
            **{
                name: data[name]
                for name in ("text", "kind", "model", "prompt_version", "created_at")
            }
        )


@runtime_checkable
class Teacher(Protocol):
    """Anything that writes a summary for a prepared history.

    ``kind`` and ``model`` identify the teacher (``model`` is part of the cache key); the
    implementations are :class:`~embsum.teacher.llm.LLMTeacher` and
    :class:`~embsum.teacher.template.TemplateTeacher`. ``summarize`` may be called from several
    threads at once.
    """

    kind: str
    model: str

    def summarize(self, history: PromptHistory) -> Summary: ...


def summary_now(teacher: Teacher, text: str) -> Summary:
    """`text` as a summary by `teacher`, stamped with the current prompt version and time."""
    return Summary(
        text=text,
        kind=teacher.kind,
        model=teacher.model,
        prompt_version=PROMPT_VERSION,
        created_at=utc_now(),
    )
