"""Micro-batching: requests arriving within a few milliseconds share one model call.

A single worker task takes the first waiting job, waits ``max_wait_ms`` for company, takes jobs up to
``max_queries`` (text x label pairs) and runs them in one ``extract_batch`` call on a worker thread (one
call per distinct threshold), then resolves each job's future. While the model runs, new jobs queue up,
so batches grow with load.

>>> batcher = MicroBatcher(model, max_queries=256, max_wait_ms=5)           # doctest: +SKIP
>>> spans = await batcher.submit(["Tom met Anna."], ["person"], 0.5)        # doctest: +SKIP
"""
from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class _Job:
    texts: list[str]
    labels: list[str]
    threshold: float
    allow_overlap: bool
    future: asyncio.Future

    @property
    def cost(self) -> int:
        return len(self.texts) * len(self.labels)


@dataclass
class BatchStats:
    """Counters shown by ``/health``: how many model calls, jobs and queries, and the largest batch."""

    batches: int = 0
    jobs: int = 0
    queries: int = 0
    max_jobs_in_batch: int = 0
    errors: int = 0
    sizes: collections.Counter = field(default_factory=collections.Counter)

    def to_dict(self) -> dict:
        return {"batches": self.batches, "jobs": self.jobs, "queries": self.queries, "errors": self.errors,
                "max_jobs_in_batch": self.max_jobs_in_batch,
                "mean_jobs_per_batch": round(self.jobs / self.batches, 2) if self.batches else 0.0}


class MicroBatcher:
    """Collect concurrent extraction jobs into shared model calls (see the module docstring)."""

    def __init__(self, model, max_queries: int = 256, max_wait_ms: float = 5.0, batch_size: int = 64):
        self.model = model
        self.max_queries = max_queries
        self.max_wait = max_wait_ms / 1000.0
        self.batch_size = batch_size
        self.stats = BatchStats()
        self._pending: collections.deque[_Job] = collections.deque()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._task_loop: asyncio.AbstractEventLoop | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None

    @property
    def queued(self) -> int:
        return len(self._pending)

    async def submit(self, texts: Sequence[str], labels: Sequence[str], threshold: float = 0.5,
                     allow_overlap: bool = False) -> list[list]:
        """Spans for each text (as ``extract_batch`` returns them), computed in a shared batch."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task_loop is not loop:
            # (Re)start the worker in this event loop (a test client may run each request in a new loop).
            self._wake, self._task_loop = asyncio.Event(), loop
            self._pending = collections.deque(j for j in self._pending if j.future.get_loop() is loop)
            self._task = loop.create_task(self._loop())
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="metaie-model")
        job = _Job(list(texts), list(labels), float(threshold), bool(allow_overlap), loop.create_future())
        self._pending.append(job)
        assert self._wake is not None  # made with the worker above
        self._wake.set()
        return await job.future

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        wake = self._wake
        assert wake is not None  # submit() makes the event before it starts this worker
        while True:
            if not self._pending:
                wake.clear()
                await wake.wait()
                continue
            await asyncio.sleep(self.max_wait)  # let concurrent requests join
            jobs = [self._pending.popleft()]
            cost = jobs[0].cost
            while self._pending and cost + self._pending[0].cost <= self.max_queries:
                job = self._pending.popleft()
                jobs.append(job)
                cost += job.cost
            jobs = [j for j in jobs if not j.future.cancelled()]  # clients that went away
            if not jobs:
                continue
            outcome = await loop.run_in_executor(self._executor, self._run, jobs)
            for job, result in zip(jobs, outcome):
                if job.future.cancelled():
                    continue
                if isinstance(result, BaseException):
                    job.future.set_exception(result)
                else:
                    job.future.set_result(result)
            self.stats.batches += 1
            self.stats.jobs += len(jobs)
            self.stats.queries += cost
            self.stats.max_jobs_in_batch = max(self.stats.max_jobs_in_batch, len(jobs))

    def _run(self, jobs: list[_Job]) -> list:
        """One ``extract_batch`` call per distinct (threshold, overlap) setting; results split back per job."""
        groups: dict[tuple[float, bool], list[int]] = collections.defaultdict(list)
        for i, job in enumerate(jobs):
            groups[(job.threshold, job.allow_overlap)].append(i)
        out: list = [None] * len(jobs)
        for (threshold, overlap), members in groups.items():
            texts = [t for i in members for t in jobs[i].texts]
            labels = [jobs[i].labels for i in members for _ in jobs[i].texts]
            try:
                spans = self.model.extract_batch(texts, labels, threshold=threshold, batch_size=self.batch_size,
                                                 allow_overlap=overlap)
            except Exception as e:  # reported to the waiting requests as a 500, the worker carries on
                self.stats.errors += 1
                for i in members:
                    out[i] = e
                continue
            k = 0
            for i in members:
                n = len(jobs[i].texts)
                out[i], k = spans[k:k + n], k + n
        return out

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        for job in self._pending:
            if not job.future.done():
                job.future.cancel()
        self._pending.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
