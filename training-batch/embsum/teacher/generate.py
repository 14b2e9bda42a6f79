"""Batch generation: many users, one teacher, the disk cache, a thread pool and a progress bar."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Iterable, Sequence

from tqdm import tqdm

from embsum.teacher.cache import CacheKey, SummaryCache
from embsum.teacher.errors import TeacherConfigError, TeacherGenerationError
from embsum.teacher.history import MAX_HISTORY_ITEMS, PromptHistory, prepare_history
from embsum.teacher.items import EngagedItem
from embsum.teacher.summary import Summary, Teacher

log = logging.getLogger(__name__)


def generate_summaries(
    users: Iterable[tuple[str, Sequence[EngagedItem]]],
    teacher: Teacher,
    cache: SummaryCache | None = None,
    workers: int = 4,
    *,
    domain: str = "news",
    max_items: int = MAX_HISTORY_ITEMS,
    progress: bool = True,
) -> dict[str, Summary]:
    """``{user_id: Summary}`` for every user with a non-empty history, in input order.

    ``users`` yields ``(user_id, items)`` with items **oldest -> newest**; each history is
    prepared with :func:`~embsum.teacher.history.prepare_history` (dedupe, newest ``max_items``,
    most recent first, 100-word cut). Cached summaries are returned without calling the teacher;
    the others are generated on ``workers`` threads and written to ``cache`` as each finishes.

    Users whose history is empty (after dropping items without text) are left out of the
    result: there is nothing to summarise. The first teacher failure stops the batch (pending
    work is cancelled) and raises :class:`~embsum.teacher.errors.TeacherGenerationError`; what
    finished before is cached, so a re-run resumes.
    """
    if workers < 1:
        raise TeacherConfigError(f"workers must be >= 1, got {workers}")
    prepared: list[tuple[str, PromptHistory]] = []
    seen: set[str] = set()
    for user_id, items in users:
        user_id = str(user_id)
        if user_id in seen:
            raise ValueError(
                f"user {user_id!r} appears twice; pass each user once with their full history"
            )
        seen.add(user_id)
        history = prepare_history(items, domain, max_items=max_items)
        if history.items:
            prepared.append((user_id, history))

    found: dict[str, Summary] = {}
    todo: list[tuple[str, PromptHistory, CacheKey]] = []
    for user_id, history in prepared:
        key = CacheKey.for_history(user_id, history, teacher.model)
        cached = cache.get(key) if cache is not None else None
        if cached is not None:
            found[user_id] = cached
        else:
            todo.append((user_id, history, key))
    log.info(
        "teacher %s: %d users, %d cached, %d to generate, %d with empty history skipped",
        teacher.model,
        len(prepared),
        len(found),
        len(todo),
        len(seen) - len(prepared),
    )

    def work(history: PromptHistory, key: CacheKey) -> Summary:
        summary = teacher.summarize(history)
        if cache is not None:
            cache.put(key, summary)
        return summary

    def failed(user_id: str, err: BaseException) -> TeacherGenerationError:
        return TeacherGenerationError(
            f"teacher {teacher.model!r} failed for user {user_id!r}: {err}", user_id=user_id
        )

    bar = tqdm(
        total=len(prepared),
        initial=len(found),
        disable=not progress,
        desc=f"teacher {teacher.kind}",
        unit="user",
    )
    try:
        if workers == 1 or len(todo) <= 1:
            for user_id, history, key in todo:
                try:
                    found[user_id] = work(history, key)
                except Exception as err:
                    raise failed(user_id, err) from err
                bar.update()
        else:
            with ThreadPoolExecutor(
                max_workers=min(workers, len(todo)), thread_name_prefix="teacher"
            ) as pool:
                futures: dict[Future[Summary], str] = {
                    pool.submit(work, h, k): u for u, h, k in todo
                }
                try:
                    for future in as_completed(futures):
                        user_id = futures[future]
                        try:
                            found[user_id] = future.result()
                        except Exception as err:
                            raise failed(user_id, err) from err
                        bar.update()
                except BaseException:
                    for future in futures:
                        future.cancel()
                    raise
    finally:
        bar.close()
    return {user_id: found[user_id] for user_id, _ in prepared}
