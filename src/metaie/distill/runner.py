"""Ask the teacher about every sentence not yet cached: N requests in flight, rate limits, retries.

Each answer is written to the cache the moment it arrives; the output is built from the cache
afterwards, so a run stopped at any point resumes where it was and ends with the same result.
"""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

from ..teacher.base import RetryableError, SentenceError, Teacher, TeacherError
from ..teacher.cache import ResponseCache
from ..teacher.retry import RateLimiter, RetryPolicy
from .accounting import Progress, Usage


@dataclass
class Job:
    """One sentence to ask about: its id, rendered messages and cache key."""

    sentence_id: str
    messages: list[dict[str, str]]
    key: str


def _estimate_tokens(messages: list[dict[str, str]], max_tokens: int) -> int:
    return sum(len(m["content"]) for m in messages) // 4 + max_tokens


class _Run:
    def __init__(self, teacher: Teacher, cache: ResponseCache, usage: Usage, policy: RetryPolicy,
                 limiter: RateLimiter, progress: Progress, max_tokens: int, seed: int):
        self.teacher, self.cache, self.usage, self.policy = teacher, cache, usage, policy
        self.limiter, self.progress, self.max_tokens = limiter, progress, max_tokens
        self.rng = random.Random(seed)
        self.any_success = False

    async def ask(self, job: Job) -> None:
        last: Exception | None = None
        attempts = 0
        for attempt in range(self.policy.max_attempts):
            entry = await self.limiter.acquire(_estimate_tokens(job.messages, self.max_tokens))
            attempts += 1
            self.usage.requests += 1
            try:
                c = await self.teacher.complete(job.messages)
            except RetryableError as e:
                RateLimiter.settle(entry, 0)
                last = e
                self.usage.errors[e.kind] += 1
                if e.kind == "connection" and not self.any_success and attempt >= 1:
                    base = getattr(self.teacher, "base_url", "the teacher")
                    raise TeacherError(f"cannot reach {base}: {e}; check --base-url and that the server "
                                       "is running") from e
                if attempt + 1 < self.policy.max_attempts:
                    self.usage.retries += 1
                    await asyncio.sleep(self.policy.delay(attempt, e.retry_after, self.rng))
                continue
            except SentenceError as e:
                last = e
                break
            RateLimiter.settle(entry, c.total_tokens)
            self.any_success = True
            self.cache.put(job.key, job.sentence_id, job.messages, c)
            self.usage.add_response(c.prompt_tokens, c.completion_tokens)
            self.progress.advance()
            return
        self.cache.record_failure(job.key, job.sentence_id, str(last), attempts)
        self.usage.failed += 1
        self.progress.advance()

    async def worker(self, queue: asyncio.Queue) -> None:
        while True:
            try:
                job = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await self.ask(job)


def uncached(jobs: list[Job], cache: ResponseCache, usage: Usage, progress: Progress) -> list[Job]:
    """The jobs the cache cannot answer; each cached answer is counted in ``usage`` and advances ``progress``."""
    pending = []
    for job in jobs:
        hit = cache.get(job.key)
        if hit is not None:
            usage.add_cached(hit.prompt_tokens, hit.completion_tokens)
            progress.advance()
        else:
            pending.append(job)
    return pending


async def query_all(jobs: list[Job], teacher: Teacher, cache: ResponseCache, usage: Usage, *,
                    concurrency: int = 8, policy: RetryPolicy | None = None, rpm: int | None = None,
                    tpm: int | None = None, max_tokens: int = 256, progress: Progress | None = None,
                    seed: int = 0) -> dict[str, Any]:
    """Answer every job missing from the cache; return ``{"pending": n}`` (jobs sent this run).

    A :class:`TeacherError` (bad key, bad request, unreachable endpoint) stops everything and is raised;
    answers received before it stay in the cache.
    """
    progress = progress or Progress(len(jobs), usage, enabled=False)
    queue: asyncio.Queue = asyncio.Queue()
    for job in uncached(jobs, cache, usage, progress):
        queue.put_nowait(job)
    pending = queue.qsize()
    run = _Run(teacher, cache, usage, policy or RetryPolicy(), RateLimiter(rpm, tpm), progress, max_tokens, seed)
    workers = [asyncio.ensure_future(run.worker(queue)) for _ in range(max(1, min(concurrency, pending)))]
    try:
        # the first worker to fail stops the others (Python 3.10 has no TaskGroup)
        done, rest = await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
        errors = [e for t in done if not t.cancelled() and (e := t.exception()) is not None]
        for t in rest:
            t.cancel()
        await asyncio.gather(*rest, return_exceptions=True)
        if errors:
            fatal = [e for e in errors if isinstance(e, TeacherError)]
            raise (fatal[0] if fatal else errors[0]) from None
    finally:
        for t in workers:
            t.cancel()
        await teacher.aclose()
    return {"pending": pending}
