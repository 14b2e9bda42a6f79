"""generate_summaries: parallel requests, cache hits without HTTP, resume after failure, skips."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from embsum.teacher import (
    PROMPT_VERSION,
    EngagedItem,
    LLMTeacher,
    SummaryCache,
    TeacherConfig,
    TeacherGenerationError,
    TeacherHTTPError,
    TemplateTeacher,
    generate_summaries,
)
from teacher_fixtures import FakeChatServer, Recorded, Reply


def users(n: int) -> list[tuple[str, list[EngagedItem]]]:
    """User u<i> read two items; the newest title names the user, so answers are traceable."""
    return [
        (
            f"u{i}",
            [
                EngagedItem(f"N{i}a", f"older {i}", None, "sports"),
                EngagedItem(f"N{i}b", f"story of u{i}", None, "news"),
            ],
        )
        for i in range(n)
    ]


def llm(server: FakeChatServer, **kw: object) -> LLMTeacher:
    return LLMTeacher(
        TeacherConfig(base_url=server.base_url, model="test-model", backoff_base_s=0.001, **kw)
    )


def test_parallel_requests_all_answered_each_with_its_own_summary() -> None:
    with FakeChatServer(lambda request, n: Reply(delay_s=0.25)) as server:
        started = time.monotonic()
        result = generate_summaries(users(6), llm(server), cache=None, workers=6, progress=False)
        elapsed = time.monotonic() - started
    assert list(result) == [f"u{i}" for i in range(6)]  # input order
    assert {uid: s.text for uid, s in result.items()} == {
        f"u{i}": f"The user likes story of u{i}." for i in range(6)
    }
    assert server.hits == 6
    assert server.max_active >= 3, f"requests were not concurrent (max {server.max_active} at once)"
    assert elapsed < 6 * 0.25, f"6 x 0.25 s requests took {elapsed:.2f}s with 6 workers"


def test_second_run_hits_cache_with_zero_requests(tmp_path: Path) -> None:
    with FakeChatServer() as server:
        first = generate_summaries(
            users(4), llm(server), SummaryCache(tmp_path), workers=2, progress=False
        )
        assert server.hits == 4
        cache = SummaryCache(tmp_path)  # fresh object: proves the hits come from disk
        second = generate_summaries(users(4), llm(server), cache, workers=2, progress=False)
        assert server.hits == 4, "cached users must not be requested again"
    assert second == first
    assert cache.stats.hits == 4 and cache.stats.writes == 0
    s = second["u1"]
    assert (s.text, s.kind, s.model, s.prompt_version) == (
        "The user likes story of u1.",
        "llm",
        "test-model",
        PROMPT_VERSION,
    )


def test_changed_history_or_model_is_regenerated(tmp_path: Path) -> None:
    cache = SummaryCache(tmp_path)
    with FakeChatServer() as server:
        generate_summaries(users(3), llm(server), cache, progress=False)
        changed = users(3)
        changed[1][1].append(EngagedItem("NEW", "brand new click", None, "tv"))
        result = generate_summaries(changed, llm(server), cache, progress=False)
        assert server.hits == 4  # only u1 again
        assert server.requests[-1].prompt.count("brand new click") == 1
        assert result["u1"].text == "The user likes brand new click."
        other = LLMTeacher(TeacherConfig(base_url=server.base_url, model="other-model"))
        generate_summaries(users(3), other, cache, progress=False)
        assert server.hits == 7  # another teacher model -> other keys


def test_failure_stops_batch_names_user_and_keeps_finished_work(tmp_path: Path) -> None:
    def responder(request: Recorded, n: int) -> Reply:
        if "story of u2" in request.prompt:
            return Reply(400, body='{"error": "context length exceeded"}')
        return Reply()

    cache = SummaryCache(tmp_path)
    with FakeChatServer(responder) as server:
        with pytest.raises(
            TeacherGenerationError, match="failed for user 'u2'.*context length exceeded"
        ) as info:
            generate_summaries(users(5), llm(server), cache, workers=1, progress=False)
        assert info.value.user_id == "u2"
        assert isinstance(info.value.__cause__, TeacherHTTPError)
        assert server.hits == 3  # u0, u1, u2: stopped at the first failure
        # Resume: u0 and u1 come from the cache, u2 fails again straight away.
        with pytest.raises(TeacherGenerationError):
            generate_summaries(users(5), llm(server), cache, workers=1, progress=False)
        assert server.hits == 4
        assert [r.prompt.count("story of u2") for r in server.requests[2:]] == [1, 1]


def test_failure_in_thread_pool_is_raised(tmp_path: Path) -> None:
    responder = lambda request, n: Reply(401, body="bad key") if "u3" in request.prompt else Reply()  # noqa: E731
    with FakeChatServer(responder) as server:
        with pytest.raises(TeacherGenerationError, match="u3"):
            generate_summaries(
                users(8),
                llm(server, max_retries=0),
                SummaryCache(tmp_path),
                workers=4,
                progress=False,
            )


def test_empty_histories_are_skipped_and_duplicates_refused() -> None:
    batch = users(2) + [("empty", []), ("textless", [EngagedItem("X", None, None, "news")])]
    with FakeChatServer() as server:
        result = generate_summaries(batch, llm(server), progress=False)
    assert list(result) == ["u0", "u1"] and server.hits == 2
    with pytest.raises(ValueError, match="'u0' appears twice"):
        generate_summaries(users(1) + users(1), TemplateTeacher(), progress=False)


def test_template_teacher_through_the_cache(tmp_path: Path) -> None:
    cache = SummaryCache(tmp_path)
    first = generate_summaries(users(3), TemplateTeacher(), cache, workers=1, progress=False)
    again = generate_summaries(
        users(3), TemplateTeacher(), SummaryCache(tmp_path), workers=3, progress=False
    )
    assert again == first
    assert all(s.kind == "template" for s in first.values())
    assert first["u0"].text.startswith(
        "The user mostly reads news about current events and sports."
    )
