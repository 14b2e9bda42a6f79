"""Errors of the teacher package: one base class, so callers can catch everything with one clause."""

from __future__ import annotations


class TeacherError(Exception):
    """Base class of every error raised by ``embsum.teacher``."""


class TeacherConfigError(TeacherError, ValueError):
    """The teacher is configured wrongly (missing endpoint, bad number, unknown domain...)."""


class TeacherHTTPError(TeacherError):
    """The endpoint answered with an HTTP error status.

    ``retryable`` is true for 408, 429 and 5xx; any other status is a request or configuration
    problem that a retry cannot fix, so it is raised at once. ``retry_after`` is the server's
    ``Retry-After`` in seconds, if it sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        url: str,
        body_excerpt: str,
        retryable: bool,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.body_excerpt = body_excerpt
        self.retryable = retryable
        self.retry_after = retry_after


class TeacherResponseError(TeacherError):
    """The endpoint answered 2xx but not with a usable chat completion (bad JSON, no text)."""


class TeacherRetriesExhausted(TeacherError):
    """Every attempt failed with a retryable error (429/5xx/connection); ``last_error`` is the last one."""

    def __init__(self, message: str, *, attempts: int, last_error: BaseException) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_error = last_error


class TeacherGenerationError(TeacherError):
    """A batch stopped because the teacher failed for ``user_id`` (the cause is ``__cause__``).

    Summaries finished before the failure are in the cache, so a re-run resumes from there.
    """

    def __init__(self, message: str, *, user_id: str) -> None:
        super().__init__(message)
        self.user_id = user_id
