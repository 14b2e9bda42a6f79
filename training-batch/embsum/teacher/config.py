"""Settings of the LLM teacher's chat endpoint, from code or from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Mapping
from urllib.parse import urlparse

from embsum.teacher.errors import TeacherConfigError

#: Environment variable -> TeacherConfig field.
ENV_VARS = {
    "EMBSUM_TEACHER_BASE_URL": "base_url",
    "EMBSUM_TEACHER_MODEL": "model",
    "EMBSUM_TEACHER_API_KEY": "api_key",
    "EMBSUM_TEACHER_TIMEOUT_S": "timeout_s",
    "EMBSUM_TEACHER_MAX_RETRIES": "max_retries",
    "EMBSUM_TEACHER_TEMPERATURE": "temperature",
    "EMBSUM_TEACHER_MAX_TOKENS": "max_tokens",
    "EMBSUM_TEACHER_WORKERS": "workers",
}


@dataclass(frozen=True)
class TeacherConfig:
    """An OpenAI-compatible chat completions endpoint and how to call it.

    ``base_url`` is the API root that ``/chat/completions`` is appended to (for example
    ``https://api.openai.com/v1`` or ``http://localhost:8000/v1`` for vLLM). ``max_retries``
    counts retries after the first attempt. Backoff before retry ``i`` (0-based) is
    ``d/2 + uniform(0, d/2)`` with ``d = min(backoff_max_s, backoff_base_s * 2**i)``, unless the
    server sends ``Retry-After``, which is then waited instead (at most ``retry_after_max_s``).
    """

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = 60.0
    max_retries: int = 5
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    retry_after_max_s: float = 300.0
    temperature: float = 0.0
    max_tokens: int = 256
    workers: int = 4

    def __post_init__(self) -> None:
        url = urlparse(self.base_url or "")
        if url.scheme not in ("http", "https") or not url.netloc:
            raise TeacherConfigError(
                f"teacher base URL must be an http(s) URL such as http://localhost:8000/v1, got {self.base_url!r}"
            )
        if not self.model or not self.model.strip():
            raise TeacherConfigError(
                "teacher model name is empty: set EMBSUM_TEACHER_MODEL or pass model="
            )
        for name in ("timeout_s", "backoff_max_s", "retry_after_max_s"):
            if getattr(self, name) <= 0:
                raise TeacherConfigError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.backoff_base_s < 0:
            raise TeacherConfigError(f"backoff_base_s must be >= 0, got {self.backoff_base_s}")
        if self.max_retries < 0:
            raise TeacherConfigError(f"max_retries must be >= 0, got {self.max_retries}")
        if self.max_tokens < 1:
            raise TeacherConfigError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if self.workers < 1:
            raise TeacherConfigError(f"workers must be >= 1, got {self.workers}")
        if not 0.0 <= self.temperature <= 2.0:
            raise TeacherConfigError(f"temperature must be in [0, 2], got {self.temperature}")

    @property
    def completions_url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: object
    ) -> "TeacherConfig":
        """Read :data:`ENV_VARS` (unset or empty ones keep their defaults); ``overrides`` that are
        not ``None`` win over the environment."""
        env = os.environ if environ is None else environ
        types = {f.name: f.type for f in fields(cls)}
        values: dict[str, object] = {}
        for var, name in ENV_VARS.items():
            raw = env.get(var, "").strip()
            if not raw:
                continue
            kind = types[name]
            try:
                values[name] = int(raw) if kind == "int" else float(raw) if kind == "float" else raw
            except ValueError:
                raise TeacherConfigError(f"{var}={raw!r} is not a valid {kind}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        missing = [
            var
            for var, name in ENV_VARS.items()
            if name in ("base_url", "model") and name not in values
        ]
        if missing:
            raise TeacherConfigError(
                "the LLM teacher needs an endpoint: set "
                + " and ".join(missing)
                + " (e.g. EMBSUM_TEACHER_BASE_URL=http://localhost:8000/v1 EMBSUM_TEACHER_MODEL=mistralai/Mixtral-8x22B-Instruct-v0.1)"
            )
        return cls(**values)  # type: ignore[arg-type]
