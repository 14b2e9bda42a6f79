"""Teacher summaries for EmbSum's summarisation loss (docs/design.md 4; docs/teacher-summaries.md).

The paper's prompt (Figure 2, appendix A) sent to any OpenAI-compatible chat endpoint, or a
deterministic offline template; summaries cached on disk by (user, history hash, prompt
version, teacher model). The trainer calls :func:`generate_summaries`::

    from embsum.teacher import EngagedItem, LLMTeacher, SummaryCache, TemplateTeacher, generate_summaries

    teacher = LLMTeacher.from_env()          # or TemplateTeacher() offline
    summaries = generate_summaries(users, teacher, SummaryCache("runs/teacher-cache"), workers=8)
"""

from embsum.teacher.cache import CacheKey, SummaryCache
from embsum.teacher.client import ChatCompletionsClient
from embsum.teacher.config import ENV_VARS, TeacherConfig
from embsum.teacher.errors import (
    TeacherConfigError,
    TeacherError,
    TeacherGenerationError,
    TeacherHTTPError,
    TeacherResponseError,
    TeacherRetriesExhausted,
)
from embsum.teacher.generate import generate_summaries
from embsum.teacher.history import MAX_HISTORY_ITEMS, PromptHistory, prepare_history
from embsum.teacher.items import MAX_TEXT_WORDS, EngagedItem
from embsum.teacher.llm import LLMTeacher
from embsum.teacher.prompt import PROMPT_VERSION, build_prompt
from embsum.teacher.summary import KIND_LLM, KIND_TEMPLATE, Summary, Teacher
from embsum.teacher.template import TEMPLATE_MODEL, TemplateTeacher

__all__ = [
    "CacheKey",
    "ChatCompletionsClient",
    "ENV_VARS",
    "EngagedItem",
    "KIND_LLM",
    "KIND_TEMPLATE",
    "LLMTeacher",
    "MAX_HISTORY_ITEMS",
    "MAX_TEXT_WORDS",
    "PROMPT_VERSION",
    "PromptHistory",
    "Summary",
    "SummaryCache",
    "TEMPLATE_MODEL",
    "Teacher",
    "TeacherConfig",
    "TeacherConfigError",
    "TeacherError",
    "TeacherGenerationError",
    "TeacherHTTPError",
    "TeacherResponseError",
    "TeacherRetriesExhausted",
    "TemplateTeacher",
    "build_prompt",
    "generate_summaries",
    "prepare_history",
]
