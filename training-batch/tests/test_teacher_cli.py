"""python -m embsum.teacher: help, argument errors that say how to fix them, template and LLM runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from embsum.teacher import ENV_VARS
from embsum.teacher.cli import main
from teacher_fixtures import FakeChatServer, Reply

NEWS_TSV = (
    "\n".join(
        [
            "N1\tsports\tsoccer\tCup final\tA great match.\thttp://x\t[]\t[]",
            "N2\tfinance\tmarkets\tStocks rally\t\thttp://x\t[]\t[]",
            "N3\tlifestyle\troyals\tRoyal visit\tThe royals travel.\thttp://x\t[]\t[]",
        ]
    )
    + "\n"
)
BEHAVIORS_TSV = (
    "\n".join(
        [
            "1\tU1\t11/11/2019 9:00:00 AM\tN1 N2 N9\tN3-1 N1-0",  # N9 is not in news.tsv
            "2\tU1\t11/12/2019 9:00:00 AM\tN1 N2\tN3-0",  # second row of U1: ignored
            "3\tU2\t11/12/2019 9:00:00 AM\tN3\tN1-1",
            "4\tU3\t11/12/2019 9:00:00 AM\t\tN1-1",  # empty history
        ]
    )
    + "\n"
)


@pytest.fixture
def mind(tmp_path: Path) -> Path:
    d = tmp_path / "mind"
    d.mkdir()
    (d / "news.tsv").write_text(NEWS_TSV, encoding="utf-8")
    (d / "behaviors.tsv").write_text(BEHAVIORS_TSV, encoding="utf-8")
    return d


@pytest.fixture(autouse=True)
def no_teacher_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)


def quiet_run(teacher: str, mind: Path, cache: Path, *options: str) -> list[str]:
    """The command line of a run of `teacher` over the `mind` sample into `cache`, without a
    progress bar."""
    return [
        "--teacher",
        teacher,
        "--mind-dir",
        str(mind),
        "--cache-dir",
        str(cache),
        "--no-progress",
        *options,
    ]


def run_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    return capsys.readouterr().err


def test_help_documents_usage_and_environment() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "embsum.teacher", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for needle in (
        "--teacher {template,llm}",
        "--users N",
        "--cache-dir DIR",
        "EMBSUM_TEACHER_BASE_URL",
        "EMBSUM_TEACHER_MODEL",
        "EMBSUM_TEACHER_API_KEY",
        "examples:",
    ):
        assert needle in out


@pytest.mark.parametrize(
    "argv, expected",
    [
        ([], "the following arguments are required: --teacher"),
        (["--teacher", "gpt"], "invalid choice: 'gpt'"),
        (["--teacher", "template", "--users", "0"], "--users: must be at least 1, got 0"),
        (["--teacher", "template", "--users", "ten"], "expected a whole number, got 'ten'"),
        (
            ["--teacher", "template", "--model", "x"],
            "only work with --teacher llm: --model; remove them or pass --teacher llm",
        ),
        (["--teacher", "llm"], "set EMBSUM_TEACHER_BASE_URL and EMBSUM_TEACHER_MODEL"),
        (
            ["--teacher", "llm", "--base-url", "localhost:8000", "--model", "m"],
            "must be an http(s) URL",
        ),
        (["--teacher", "llm", "--timeout", "0"], "--timeout: must be greater than 0"),
    ],
)
def test_bad_arguments_say_what_and_how(
    argv: list[str], expected: str, mind: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = run_error(argv + ["--mind-dir", str(mind)], capsys)
    assert expected in err
    assert "usage: python -m embsum.teacher" in err


def test_missing_data_files_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = run_error(["--teacher", "template", "--mind-dir", str(tmp_path / "nowhere")], capsys)
    assert "news file not found" in err and "Pass --mind-dir DIR" in err


def test_template_run_writes_cache_and_jsonl_then_reuses_cache(
    mind: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = quiet_run(
        "template", mind, tmp_path / "cache", "--out", str(tmp_path / "s.jsonl"), "--show", "1"
    )
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert (
        "users: 3 read, 1 with empty history skipped, 1 history ids not in news.tsv ignored" in out
    )
    assert "summaries: 2 (0 from cache, 2 generated)" in out
    rows = [
        json.loads(line) for line in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [r["user_id"] for r in rows] == ["U1", "U2"]
    assert rows[0]["kind"] == "template" and rows[0]["model"].startswith("embsum-template")
    assert rows[0]["text"] == (
        "The user mostly reads news about finance and sports. "
        'Recent reads include "Stocks rally" and "Cup final". No other interests stand out.'
    )
    assert "[U1] (template) The user mostly reads" in out
    assert main(argv) == 0
    assert "summaries: 2 (2 from cache, 0 generated)" in capsys.readouterr().out


def test_llm_run_uses_environment_and_second_run_makes_no_requests(
    mind: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeChatServer() as server:
        monkeypatch.setenv("EMBSUM_TEACHER_BASE_URL", server.base_url)
        monkeypatch.setenv("EMBSUM_TEACHER_MODEL", "mixtral-test")
        monkeypatch.setenv("EMBSUM_TEACHER_API_KEY", "sk-env")
        argv = quiet_run("llm", mind, tmp_path / "c", "--workers", "2")
        assert main(argv) == 0
        assert server.hits == 2
        assert {r.headers["authorization"] for r in server.requests} == {"Bearer sk-env"}
        assert {r.body["model"] for r in server.requests} == {"mixtral-test"}
        assert "teacher: llm (mixtral-test)" in capsys.readouterr().out
        assert main(argv) == 0
        assert server.hits == 2
        assert "(2 from cache, 0 generated)" in capsys.readouterr().out


def test_llm_failure_exits_1_with_message(
    mind: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeChatServer(
        lambda request, n: Reply(404, body='{"error": "model not found"}')
    ) as server:
        argv = quiet_run("llm", mind, tmp_path / "c", "--workers", "1")
        code = main(argv + ["--base-url", server.base_url, "--model", "nope"])
    assert code == 1
    err = capsys.readouterr().err
    assert "HTTP 404" in err and "model not found" in err and "re-run to resume" in err
