"""Micro-batching by window: concurrent requests share model calls, and a long text cannot starve short ones.

Each request is planned into model windows (one per short (text, label) pair, or in packed mode one per
group of texts that share a label prefix; a long text gives many)
off the model thread, so a request that cannot be encoded fails alone before it joins a batch. A single
worker waits ``max_wait_ms`` for company, then fills one model call round-robin, one window per waiting
request per round, up to ``max_windows`` windows and a token budget: a one-word request waits for at most
one such call, however long the texts of the others are. The budget adapts to the hardware: the batcher
measures the model's tokens per second and sizes each call to take about ``max_call_ms`` (never more than
``max_tokens``), so a call is short on a laptop CPU and large on a GPU. A request whose windows are all done is
decoded and answered on another thread, while the model goes on with the next call. If a model call fails, its
windows are split in halves and retried, so only the request owning a failing window gets the error; its
batch-mates are answered as if it had not been there.

>>> batcher = MicroBatcher(model, max_windows=256, max_wait_ms=5)             # doctest: +SKIP
>>> spans = await batcher.submit(["Tom met Anna."], ["person"], 0.5)          # doctest: +SKIP
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model.tagger import Plan


@dataclass
class _Job:
    plan: Plan
    threshold: float | None          # None: each label's own (the model's config)
    overlap: str                     # records.OVERLAP
    future: asyncio.Future
    probs: list = field(default_factory=list)
    next: int = 0                     # next window to schedule
    left: int = 0                     # windows not computed yet
    error: BaseException | None = None

    def __post_init__(self) -> None:
        self.probs = [None] * len(self.plan.windows)
        self.left = len(self.plan.windows)

    @property
    def waiting(self) -> bool:
        return self.next < len(self.plan.windows) and self.error is None and not self.future.done()


@dataclass
class BatchStats:
    """Counters shown by ``/health``: model calls, requests, (text, label) pairs, windows, errors."""

    batches: int = 0
    jobs: int = 0
    queries: int = 0
    windows: int = 0
    job_slots: int = 0                # sum over model calls of the requests sharing it
    max_jobs_in_batch: int = 0
    errors: int = 0

    def to_dict(self) -> dict:
        return {"batches": self.batches, "jobs": self.jobs, "queries": self.queries, "windows": self.windows,
                "errors": self.errors, "max_jobs_in_batch": self.max_jobs_in_batch,
                "mean_jobs_per_batch": round(self.job_slots / self.batches, 2) if self.batches else 0.0}


class MicroBatcher:
    """Collect concurrent extraction requests into shared, fairly filled model calls (see the module docstring)."""

    def __init__(self, model, max_windows: int = 256, max_wait_ms: float = 5.0, batch_size: int = 64,
                 max_tokens: int = 8192, max_call_ms: float = 250.0, first_call_tokens: int = 1024):
        self.model = model
        self.max_windows = max(1, max_windows)
        self.max_tokens = max(1, max_tokens)
        self.max_call = max_call_ms / 1000.0
        self.first_call_tokens = first_call_tokens
        self.tokens_per_s: float | None = None   # measured on the model calls so far (moving average)
        # a call always has room for two full windows, so a long text and short requests both advance
        self.min_tokens = 2 * int(getattr(getattr(model, "config", None), "max_length", 256) or 256)
        self._budget = 0
        self.max_wait = max_wait_ms / 1000.0
        self.batch_size = batch_size
        self.stats = BatchStats()
        self._active: list[_Job] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._task_loop: asyncio.AbstractEventLoop | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._planner: concurrent.futures.ThreadPoolExecutor | None = None

    @property
    def queued(self) -> int:
        return sum(1 for j in self._active if not j.future.done())

    async def submit(self, texts: Sequence[str], labels: Sequence[str], threshold: float | None = None,
                     overlap: str = "likelier") -> list[list]:
        """Spans for each text (as ``extract_batch`` returns them), computed in shared model calls."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task_loop is not loop:
            # (Re)start the worker in this event loop (a test client may run each request in a new loop).
            self._wake, self._task_loop = asyncio.Event(), loop
            self._active = [j for j in self._active if j.future.get_loop() is loop]
            self._task = loop.create_task(self._loop())
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="metaie-model")
            self._planner = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="metaie-plan")
        self.stats.jobs += 1
        plan = await loop.run_in_executor(self._planner, self.model.plan, list(texts), list(labels))
        self.stats.queries += len(plan.queries)
        job = _Job(plan, None if threshold is None else float(threshold), overlap, loop.create_future())
        if not plan.windows:  # only empty texts: nothing for the model to do
            return self.model.finish(plan, [], job.threshold, job.overlap)
        self._active.append(job)
        assert self._wake is not None  # set above, with the worker task
        self._wake.set()
        return await job.future

    def token_budget(self) -> int:
        """Tokens for the next model call: about ``max_call_ms`` of work at the measured speed, within
        ``max_tokens``."""
        if self.tokens_per_s is None:
            return min(self.max_tokens, self.first_call_tokens)
        return max(1, min(self.max_tokens, int(self.tokens_per_s * self.max_call)))

    def _pick(self) -> list[tuple[_Job, int]]:
        """Windows for one model call: one per waiting request per round, requests with the fewest windows left
        first; a request whose next window does not fit the budget sits this call out (the others go on)."""
        picked: list[tuple[_Job, int]] = []
        tokens, budget = 0, max(self.token_budget(), self.min_tokens)
        self._budget = budget
        jobs = sorted((j for j in self._active if j.waiting), key=lambda j: len(j.plan.windows) - j.next)
        while jobs and len(picked) < self.max_windows:
            still = []
            for job in jobs:
                if len(picked) >= self.max_windows:
                    break
                size = len(job.plan.windows[job.next])
                if picked and tokens + size > budget:
                    continue
                picked.append((job, job.next))
                job.next += 1
                tokens += size
                if job.waiting:
                    still.append(job)
            jobs = still
        return picked

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._active = [j for j in self._active if not j.future.done()]  # answered, or the client went away
            if not any(j.waiting for j in self._active):
                assert self._wake is not None  # submit() creates the event before it starts this task
                self._wake.clear()
                await self._wake.wait()
                continue
            await asyncio.sleep(self.max_wait)  # let concurrent requests join
            picked = self._pick()
            if not picked:
                continue
            ready = await loop.run_in_executor(self._executor, self._run, picked)
            for job in ready:
                if job.error is not None:
                    self._answer(job, job.error)
                else:
                    loop.create_task(self._finish(job))
            jobs = len({id(j) for j, _ in picked})
            self.stats.batches += 1
            self.stats.windows += len(picked)
            self.stats.job_slots += jobs
            self.stats.max_jobs_in_batch = max(self.stats.max_jobs_in_batch, jobs)

    def _run(self, picked: list[tuple[_Job, int]]) -> list[_Job]:
        """Compute the picked windows (isolating failures); the requests now failed or with every window done."""
        started = time.perf_counter()
        self._compute(picked)
        tokens = sum(len(j.plan.windows[i]) for j, i in picked)
        if tokens >= self._budget / 2:  # small calls measure overhead more than speed
            rate = tokens / max(time.perf_counter() - started, 1e-6)
            self.tokens_per_s = rate if self.tokens_per_s is None else 0.7 * self.tokens_per_s + 0.3 * rate
        jobs = {id(j): j for j, _ in picked}.values()
        return [j for j in jobs if j.error is not None or j.left == 0]

    async def _finish(self, job: _Job) -> None:
        """Decode a request whose windows are all done (off the model thread) and answer it."""
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._planner, self.model.finish, job.plan, job.probs,
                                                job.threshold, job.overlap)
        except Exception as e:  # a decoding failure fails this request only
            result = e
        self._answer(job, result)

    def _answer(self, job: _Job, result) -> None:
        if job.future.done():
            return
        if isinstance(result, BaseException):
            self.stats.errors += 1
            job.future.set_exception(result)
        else:
            job.future.set_result(result)

    def _compute(self, picked: list[tuple[_Job, int]]) -> None:
        """One model call for ``picked``; on failure, halves are retried until the failing windows are found."""
        try:
            probs = self.model.window_probs([job.plan.windows[i] for job, i in picked], self.batch_size)
        except Exception as e:
            if len(picked) == 1:
                picked[0][0].error = e
                return
            half = len(picked) // 2
            self._compute(picked[:half])
            self._compute(picked[half:])
            return
        for (job, i), p in zip(picked, probs):
            job.probs[i] = p
            job.left -= 1

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        for job in self._active:
            if not job.future.done():
                job.future.cancel()
        self._active.clear()
        for ex in (self._executor, self._planner):
            if ex is not None:
                ex.shutdown(wait=False, cancel_futures=True)
        self._executor = self._planner = None
