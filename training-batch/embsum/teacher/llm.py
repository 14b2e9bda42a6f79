"""The LLM teacher: the paper's prompt through an OpenAI-compatible chat endpoint."""

from __future__ import annotations

from embsum.teacher.client import ChatCompletionsClient
from embsum.teacher.config import TeacherConfig
from embsum.teacher.history import PromptHistory
from embsum.teacher.prompt import build_prompt
from embsum.teacher.summary import KIND_LLM, Summary, summary_now


class LLMTeacher:
    """Builds the prompt for a history and asks the endpoint; ``kind="llm"``, ``model`` = the
    endpoint's model name. Thread-safe."""

    kind = KIND_LLM

    def __init__(self, client: ChatCompletionsClient | TeacherConfig) -> None:
        self.client = (
            client if isinstance(client, ChatCompletionsClient) else ChatCompletionsClient(client)
        )
        self.model = self.client.config.model

    @classmethod
    def from_env(cls, **overrides: object) -> "LLMTeacher":
        """Endpoint from ``EMBSUM_TEACHER_*`` environment variables (see :class:`TeacherConfig`)."""
        return cls(TeacherConfig.from_env(**overrides))

    def summarize(self, history: PromptHistory) -> Summary:
        return summary_now(self, self.client.complete(build_prompt(history)))

    def __repr__(self) -> str:
        return f"LLMTeacher({self.client!r})"
