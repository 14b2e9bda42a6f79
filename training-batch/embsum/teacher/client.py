"""A small client for OpenAI-compatible ``POST {base_url}/chat/completions`` (standard library only).

Retries with exponential backoff and jitter on 408, 429, 5xx and connection errors/timeouts,
honouring ``Retry-After``; any other 4xx (and 3xx: redirects are not followed, a POST must not
silently turn into a GET) fails at once with the status and an excerpt of the response body.
One instance may be used from many threads: every call opens its own connection.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Callable

from embsum.teacher.config import TeacherConfig
from embsum.teacher.errors import TeacherHTTPError, TeacherResponseError, TeacherRetriesExhausted
from embsum.teacher.prompt import SUMMARY_HEADING

log = logging.getLogger(__name__)

#: Characters of a response body quoted in error messages.
BODY_EXCERPT_CHARS = 500
USER_AGENT = "embsum-teacher/1"


def is_retryable_status(status: int) -> bool:
    return status in (408, 429) or 500 <= status <= 599


def body_excerpt(body: bytes, limit: int = BODY_EXCERPT_CHARS) -> str:
    """The body as one line of text, cut to ``limit`` characters."""
    text = " ".join(body.decode("utf-8", errors="replace").split())
    return text if len(text) <= limit else text[:limit] + "..."


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds (fractions accepted) or an
    HTTP date. ``None`` when absent or unreadable; never negative."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = datetime.now(timezone.utc).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None  # urllib then raises HTTPError with the 3xx status


class ChatCompletionsClient:
    """Sends one prompt as one user message and returns the answer text, stripped."""

    def __init__(
        self,
        config: TeacherConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self._opener = urllib.request.build_opener(_NoRedirect())

    def __repr__(self) -> str:
        return f"ChatCompletionsClient(url={self.config.completions_url!r}, model={self.config.model!r})"

    def request_body(self, prompt: str) -> dict:
        return {
            "model": self.config.model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
        }

    def complete(self, prompt: str) -> str:
        """The endpoint's answer to ``prompt``; raises a :class:`~embsum.teacher.errors.TeacherError`."""
        cfg = self.config
        data = json.dumps(self.request_body(prompt)).encode("utf-8")
        attempts = cfg.max_retries + 1
        for attempt in range(attempts):
            try:
                return self._post_once(data)
            except TeacherHTTPError as err:
                if not err.retryable:
                    raise
                last: BaseException = err
                delay = self._delay(attempt, err.retry_after)
            except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
                last = err
                delay = self._delay(attempt, None)
            if attempt + 1 < attempts:
                log.warning(
                    "teacher request failed (%s); retry %d/%d in %.2fs",
                    _describe(last),
                    attempt + 1,
                    cfg.max_retries,
                    delay,
                )
                self._sleep(delay)
        raise TeacherRetriesExhausted(
            f"teacher endpoint {cfg.completions_url} failed {attempts} time(s), giving up "
            f"(max_retries={cfg.max_retries}); last error: {_describe(last)}",
            attempts=attempts,
            last_error=last,
        ) from last

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        cfg = self.config
        if retry_after is not None:
            return min(retry_after, cfg.retry_after_max_s)
        d = min(cfg.backoff_max_s, cfg.backoff_base_s * (2**attempt))
        with self._rng_lock:
            return d / 2 + self._rng.uniform(0, d / 2)

    def _post_once(self, data: bytes) -> str:
        cfg = self.config
        url = cfg.completions_url
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if cfg.api_key:
            headers["Authorization"] = f"Bearer {cfg.api_key}"
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=cfg.timeout_s) as response:
                body = response.read()
        except urllib.error.HTTPError as err:
            try:
                err_body = err.read()
            except (OSError, http.client.HTTPException):
                err_body = b""
            finally:
                err.close()
            status = err.code
            retryable = is_retryable_status(status)
            excerpt = body_excerpt(err_body)
            raise TeacherHTTPError(
                f"teacher endpoint POST {url} answered HTTP {status} {err.reason}"
                f"{'' if retryable else ' (not retried)'}: {excerpt or '<empty body>'}",
                status=status,
                url=url,
                body_excerpt=excerpt,
                retryable=retryable,
                retry_after=parse_retry_after(
                    err.headers.get("Retry-After") if err.headers else None
                ),
            ) from None
        return parse_completion(body, url)


def parse_completion(body: bytes, url: str = "") -> str:
    """``choices[0].message.content`` of a chat completion, stripped, with an echoed
    ``# Summary of user interest:`` heading removed."""
    try:
        payload = json.loads(body)
        content = payload["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise TeacherResponseError(
            f"teacher endpoint {url} answered 2xx without choices[0].message.content: {body_excerpt(body) or '<empty body>'}"
        ) from None
    if not isinstance(content, str):
        raise TeacherResponseError(
            f"teacher endpoint {url}: message content is not text: {body_excerpt(body)}"
        )
    text = content.strip()
    if text.startswith(SUMMARY_HEADING):
        text = text[len(SUMMARY_HEADING) :].strip()
    if not text:
        raise TeacherResponseError(
            f"teacher endpoint {url} answered with an empty summary: {body_excerpt(body)}"
        )
    return text


def _describe(err: BaseException) -> str:
    if isinstance(err, TeacherHTTPError):
        return str(err)
    if isinstance(err, urllib.error.URLError):
        return f"connection error: {err.reason}"
    return f"{type(err).__name__}: {err}"
