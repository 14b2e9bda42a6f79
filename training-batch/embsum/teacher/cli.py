"""``python -m embsum.teacher``: generate teacher summaries for MIND users into the cache."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from embsum.argtypes import non_negative_int, positive_float, positive_int
from embsum.teacher.cache import SummaryCache
from embsum.teacher.config import TeacherConfig
from embsum.teacher.errors import TeacherConfigError, TeacherError
from embsum.teacher.generate import generate_summaries
from embsum.teacher.llm import LLMTeacher
from embsum.teacher.mind import read_news, read_user_histories
from embsum.teacher.prompt import PROMPT_VERSION
from embsum.teacher.summary import Teacher
from embsum.teacher.template import TemplateTeacher

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_MIND_DIR = REPO_ROOT / "data" / "mind"
DEFAULT_CACHE_DIR = Path("runs") / "teacher-cache"
LLM_ONLY_OPTIONS = ("base_url", "model", "timeout", "max_retries", "temperature", "max_tokens")

DESCRIPTION = """\
Generate EmbSum teacher summaries (paper appendix A) for the first N users of a MIND
behaviors.tsv and store them in the summary cache, where the trainer finds them (it calls
embsum.teacher.generate_summaries with the same cache folder). Re-running is cheap: cached
summaries are reused, so only new or changed histories reach the teacher.

  --teacher llm       the paper's prompt through an OpenAI-compatible chat endpoint
  --teacher template  deterministic offline summaries (top categories + recent titles),
                      recorded with kind="template" so they are never mistaken for LLM ones
"""

EPILOG = f"""\
environment (the LLM teacher; command-line options win):
  EMBSUM_TEACHER_BASE_URL     API root, '/chat/completions' is appended (e.g. http://localhost:8000/v1)
  EMBSUM_TEACHER_MODEL        model name sent to the endpoint (also part of the cache key)
  EMBSUM_TEACHER_API_KEY      sent as 'Authorization: Bearer ...' (environment only, never an option,
                              so it does not show up in the process list or shell history)
  EMBSUM_TEACHER_TIMEOUT_S, EMBSUM_TEACHER_MAX_RETRIES, EMBSUM_TEACHER_TEMPERATURE,
  EMBSUM_TEACHER_MAX_TOKENS, EMBSUM_TEACHER_WORKERS

examples:
  python -m embsum.teacher --teacher template --users 200
  EMBSUM_TEACHER_BASE_URL=http://localhost:8000/v1 EMBSUM_TEACHER_MODEL=mistralai/Mixtral-8x22B-Instruct-v0.1 \\
    python -m embsum.teacher --teacher llm --users 1000 --workers 8 --out runs/summaries.jsonl

prompt version: {PROMPT_VERSION}; details: docs/teacher-summaries.md
"""


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r} (e.g. 0.0)") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m embsum.teacher",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--teacher",
        required=True,
        choices=("template", "llm"),
        help="which teacher writes the summaries (required)",
    )
    data = p.add_argument_group("input (MIND)")
    data.add_argument(
        "--mind-dir",
        type=Path,
        default=DEFAULT_MIND_DIR,
        metavar="DIR",
        help="folder holding news.tsv and behaviors.tsv (default: %(default)s)",
    )
    data.add_argument("--news", type=Path, metavar="FILE", help="news.tsv (default: DIR/news.tsv)")
    data.add_argument(
        "--behaviors", type=Path, metavar="FILE", help="behaviors.tsv (default: DIR/behaviors.tsv)"
    )
    data.add_argument(
        "--users",
        type=positive_int,
        default=100,
        metavar="N",
        help="summarise the first N distinct users of behaviors.tsv (default: %(default)s)",
    )
    out = p.add_argument_group("output")
    out.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE_DIR,
        metavar="DIR",
        help="summary cache folder (default: %(default)s, relative to the current folder)",
    )
    out.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="also write the summaries as JSON lines: user_id, text, kind, model, prompt_version, created_at",
    )
    out.add_argument(
        "--show", type=non_negative_int, default=0, metavar="N", help="print the first N summaries"
    )
    out.add_argument("--no-progress", action="store_true", help="no progress bar")
    llm = p.add_argument_group("LLM endpoint (--teacher llm only; defaults from the environment)")
    llm.add_argument(
        "--base-url",
        metavar="URL",
        help="API root, e.g. http://localhost:8000/v1 [EMBSUM_TEACHER_BASE_URL]",
    )
    llm.add_argument("--model", metavar="NAME", help="model name [EMBSUM_TEACHER_MODEL]")
    llm.add_argument(
        "--timeout", type=positive_float, metavar="S", help="seconds per request (default 60)"
    )
    llm.add_argument(
        "--max-retries",
        type=non_negative_int,
        metavar="N",
        help="retries on 429/5xx/connection errors (default 5)",
    )
    llm.add_argument(
        "--temperature", type=_float, metavar="T", help="sampling temperature (default 0.0)"
    )
    llm.add_argument(
        "--max-tokens", type=positive_int, metavar="N", help="answer length cap (default 256)"
    )
    p.add_argument(
        "--workers",
        type=positive_int,
        metavar="K",
        help="parallel requests (default: EMBSUM_TEACHER_WORKERS or 4; the template teacher ignores it)",
    )
    return p


def _make_teacher(args: argparse.Namespace, parser: argparse.ArgumentParser) -> tuple[Teacher, int]:
    if args.teacher == "template":
        given = [
            f"--{name.replace('_', '-')}"
            for name in LLM_ONLY_OPTIONS
            if getattr(args, name) is not None
        ]
        if given:
            parser.error(
                f"these options only work with --teacher llm: {' '.join(given)}; remove them or pass --teacher llm"
            )
        return TemplateTeacher(), 1
    overrides = {
        "base_url": args.base_url,
        "model": args.model,
        "timeout_s": args.timeout,
        "max_retries": args.max_retries,
        "temperature": args.temperature,
        "max_tokens": args.max_tokens,
        "workers": args.workers,
    }
    try:
        config = TeacherConfig.from_env(**overrides)
    except TeacherConfigError as err:
        parser.error(f"--teacher llm: {err}; the options --base-url URL and --model NAME work too")
    return LLMTeacher(config), config.workers


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    news_path = args.news or args.mind_dir / "news.tsv"
    behaviors_path = args.behaviors or args.mind_dir / "behaviors.tsv"
    for label, path, option in (
        ("news", news_path, "--news"),
        ("behaviors", behaviors_path, "--behaviors"),
    ):
        if not path.is_file():
            parser.error(
                f"{label} file not found: {path}. Pass --mind-dir DIR (a folder holding news.tsv and "
                f"behaviors.tsv) or {option} FILE"
            )
    teacher, workers = _make_teacher(args, parser)
    if args.workers is not None:
        workers = args.workers
    if args.cache_dir.exists() and not args.cache_dir.is_dir():
        parser.error(f"--cache-dir {args.cache_dir} exists and is not a folder; pick another path")

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        news = read_news(news_path)
        histories = read_user_histories(behaviors_path, news, args.users)
    except (OSError, ValueError, UnicodeDecodeError) as err:
        print(f"error: cannot read MIND data: {err}", file=sys.stderr)
        return 1
    cache = SummaryCache(args.cache_dir)
    try:
        summaries = generate_summaries(
            histories.users, teacher, cache, workers, domain="news", progress=not args.no_progress
        )
    except TeacherError as err:
        print(f"error: {err}", file=sys.stderr)
        print(
            f"summaries finished before the error are cached in {args.cache_dir}; re-run to resume",
            file=sys.stderr,
        )
        return 1

    skipped = len(histories.users) - len(summaries)
    print(f"teacher: {teacher.kind} ({teacher.model}), prompt {PROMPT_VERSION}")
    print(
        f"users: {len(histories.users)} read, {skipped} with empty history skipped"
        + (
            f", {histories.unknown_items} history ids not in news.tsv ignored"
            if histories.unknown_items
            else ""
        )
    )
    print(
        f"summaries: {len(summaries)} ({cache.stats.hits} from cache, {cache.stats.writes} generated) in {args.cache_dir}"
    )
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_name(args.out.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            for user_id, summary in summaries.items():
                fh.write(
                    json.dumps({"user_id": user_id, **summary.to_dict()}, ensure_ascii=False) + "\n"
                )
        os.replace(tmp, args.out)
        print(f"wrote {args.out}")
    for user_id, summary in list(summaries.items())[: args.show]:
        print(f"\n[{user_id}] ({summary.kind}) {summary.text}")
    return 0
