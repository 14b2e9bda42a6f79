"""The chat completions client against a real HTTP server on 127.0.0.1: success, retries,
Retry-After, give-up, no retry on 4xx, auth header, timeouts, bad responses, configuration."""

from __future__ import annotations

import json
import random
import socket
import time

import pytest

from embsum.teacher import (
    ChatCompletionsClient,
    TeacherConfig,
    TeacherConfigError,
    TeacherHTTPError,
    TeacherResponseError,
    TeacherRetriesExhausted,
)
from embsum.teacher.client import parse_retry_after
from teacher_fixtures import COMPLETIONS_PATH, FakeChatServer, Reply, scripted

PROMPT = "[INST] hello\n- 1. <News Title>: Cats; <News Category>: lifestyle\n[/INST]"


def client_for(server: FakeChatServer, **kw: object) -> ChatCompletionsClient:
    settings: dict = {
        "model": "test-model",
        "backoff_base_s": 0.001,
        "backoff_max_s": 0.01,
        "timeout_s": 5.0,
    }
    settings.update(kw)
    return ChatCompletionsClient(TeacherConfig(base_url=server.base_url, **settings))


def test_success_returns_stripped_text_and_sends_openai_body() -> None:
    with FakeChatServer() as server:
        text = client_for(server, temperature=0.3, max_tokens=77).complete(PROMPT)
    assert text == "The user likes Cats."
    [req] = server.requests
    assert req.path == COMPLETIONS_PATH
    assert req.headers["content-type"] == "application/json"
    assert req.body == {
        "model": "test-model",
        "messages": [{"role": "user", "content": PROMPT}],
        "temperature": 0.3,
        "max_tokens": 77,
    }


def test_bearer_token_sent_only_when_configured() -> None:
    with FakeChatServer() as server:
        client_for(server, api_key="sk-secret").complete(PROMPT)
        client_for(server).complete(PROMPT)
    assert server.requests[0].headers["authorization"] == "Bearer sk-secret"
    assert "authorization" not in server.requests[1].headers
    assert "sk-secret" not in repr(client_for(server, api_key="sk-secret").config)


def test_echoed_summary_heading_is_removed() -> None:
    with FakeChatServer(
        scripted(Reply(content="\n# Summary of user interest:\n  Likes cats. "))
    ) as server:
        assert client_for(server).complete(PROMPT) == "Likes cats."


def test_429_then_200_is_retried_after_retry_after() -> None:
    replies = scripted(Reply(429, body='{"error": "slow down"}', headers={"Retry-After": "0.3"}))
    with FakeChatServer(replies) as server:
        text = client_for(server).complete(PROMPT)
    assert text == "The user likes Cats."
    assert server.hits == 2
    gap = server.requests[1].at - server.requests[0].at
    assert gap >= 0.29, (
        f"Retry-After 0.3 s not respected (gap {gap:.3f}s; backoff alone is <= 0.01 s)"
    )


def test_5xx_and_connection_drop_are_retried_with_backoff() -> None:
    replies = scripted(Reply(503, body="busy"), Reply(502, body="bad gateway"))
    with FakeChatServer(replies) as server:
        assert client_for(server).complete(PROMPT) == "The user likes Cats."
    assert server.hits == 3


def test_500_every_time_gives_up_after_max_retries_with_clear_error() -> None:
    replies = lambda request, n: Reply(500, body='{"error": {"message": "model crashed"}}')  # noqa: E731
    with FakeChatServer(replies) as server:
        with pytest.raises(TeacherRetriesExhausted) as info:
            client_for(server, max_retries=3).complete(PROMPT)
    assert server.hits == 4  # first attempt + 3 retries
    err = info.value
    assert err.attempts == 4
    assert isinstance(err.last_error, TeacherHTTPError) and err.last_error.status == 500
    message = str(err)
    assert "failed 4 time(s)" in message and "max_retries=3" in message
    assert "HTTP 500" in message and "model crashed" in message


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_other_4xx_is_not_retried_and_quotes_the_body(status: int) -> None:
    body = json.dumps({"error": {"message": f"bad request number {status}", "pad": "x" * 2000}})
    with FakeChatServer(lambda request, n: Reply(status, body=body)) as server:
        with pytest.raises(TeacherHTTPError) as info:
            client_for(server, max_retries=5).complete(PROMPT)
    assert server.hits == 1
    err = info.value
    assert err.status == status and not err.retryable
    assert f"HTTP {status}" in str(err) and "(not retried)" in str(err)
    assert f"bad request number {status}" in str(err)
    assert len(err.body_excerpt) <= 503  # 500 characters + "..."


def test_wrong_base_url_path_is_a_clear_404() -> None:
    with FakeChatServer() as server:
        client = ChatCompletionsClient(TeacherConfig(base_url=server.base_url + "/oops", model="m"))
        with pytest.raises(
            TeacherHTTPError, match=r"/v1/oops/chat/completions answered HTTP 404.*no route"
        ):
            client.complete(PROMPT)


def test_connection_refused_is_retried_then_gives_up() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = ChatCompletionsClient(
        TeacherConfig(
            base_url=f"http://127.0.0.1:{port}/v1",
            model="m",
            max_retries=2,
            backoff_base_s=0.001,
            timeout_s=2,
        )
    )
    with pytest.raises(TeacherRetriesExhausted, match="failed 3 time.*connection error") as info:
        client.complete(PROMPT)
    assert info.value.attempts == 3


def test_read_timeout_is_retried_then_succeeds() -> None:
    replies = scripted(Reply(delay_s=1.0))
    with FakeChatServer(replies) as server:
        started = time.monotonic()
        assert client_for(server, timeout_s=0.2).complete(PROMPT) == "The user likes Cats."
        assert time.monotonic() - started < 0.9
    assert server.hits == 2


@pytest.mark.parametrize(
    "body, match",
    [
        ("not json", "without choices"),
        ('{"choices": []}', "without choices"),
        ('{"choices": [{"message": {"content": null}}]}', "not text"),
        ('{"choices": [{"message": {"content": "   "}}]}', "empty summary"),
    ],
)
def test_unusable_2xx_answer_is_a_response_error_without_retry(body: str, match: str) -> None:
    with FakeChatServer(lambda request, n: Reply(200, body=body)) as server:
        with pytest.raises(TeacherResponseError, match=match):
            client_for(server).complete(PROMPT)
    assert server.hits == 1


def test_backoff_is_exponential_capped_and_jittered() -> None:
    cfg = TeacherConfig(
        base_url="http://127.0.0.1:1/v1", model="m", backoff_base_s=1.0, backoff_max_s=8.0
    )
    client = ChatCompletionsClient(cfg, rng=random.Random(7))
    for attempt, d in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (6, 8.0)]:
        delays = {client._delay(attempt, None) for _ in range(20)}
        assert all(d / 2 <= x <= d for x in delays) and len(delays) > 1
    assert client._delay(0, 3.5) == 3.5
    assert client._delay(0, 10_000) == cfg.retry_after_max_s


def test_parse_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 0.25 ") == 0.25
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    now = 1_700_000_000.0  # 2023-11-14T22:13:20Z
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now=now) == pytest.approx(30.0)


def test_config_from_environment_and_errors() -> None:
    env = {
        "EMBSUM_TEACHER_BASE_URL": "http://llm.local:8000/v1/",
        "EMBSUM_TEACHER_MODEL": "mixtral",
        "EMBSUM_TEACHER_API_KEY": "k",
        "EMBSUM_TEACHER_MAX_RETRIES": "2",
        "EMBSUM_TEACHER_TIMEOUT_S": "7.5",
    }
    cfg = TeacherConfig.from_env(env)
    assert (cfg.model, cfg.api_key, cfg.max_retries, cfg.timeout_s) == ("mixtral", "k", 2, 7.5)
    assert cfg.completions_url == "http://llm.local:8000/v1/chat/completions"
    assert TeacherConfig.from_env(env, model="other").model == "other"
    with pytest.raises(
        TeacherConfigError, match="EMBSUM_TEACHER_BASE_URL and EMBSUM_TEACHER_MODEL"
    ):
        TeacherConfig.from_env({})
    with pytest.raises(TeacherConfigError, match="EMBSUM_TEACHER_MAX_RETRIES='two'"):
        TeacherConfig.from_env({**env, "EMBSUM_TEACHER_MAX_RETRIES": "two"})
    with pytest.raises(TeacherConfigError, match="http"):
        TeacherConfig(base_url="llm.local:8000", model="m")
