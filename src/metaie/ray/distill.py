"""Distillation with the teacher calls made in Ray actors (``metaie distill --engine ray``).

The corpus is sampled and the prompts rendered on the driver exactly as ``metaie distill`` does; the sentences
missing from the cache go through Ray Data to a pool of actors, each running metaie's own async client
(:func:`metaie.distill.runner.query_all`: ``concurrency`` requests in flight, retries with back-off, 429s
honoured) on one batch of sentences at a time. Every answer streams back to the driver, which commits it to the
per-sentence SQLite cache as it arrives; the output files are then built from the cache by the same code as a
single-process run, so the distillation set is the same and a re-run never pays twice.

Why metaie's client inside actors rather than Ray Data's LLM processors: the cache key is a hash of the
backend, model, generation parameters, prompt version and rendered messages, and the accounting (requests,
retries, failures, tokens, cost) and failure rules (a bad key stops the run; a sentence failing
``max_attempts`` times is recorded and retried next run) are metaie's; the same client in the actors keeps all
of them identical to ``metaie distill``, which is what makes the two outputs equal. A vLLM engine is reached
the same way, through its OpenAI-compatible server (``--teacher openai --base-url``). The cache stays on the
driver (SQLite is one file; on several nodes it is not shared), so it costs one small transfer per answer.

Rate limits (``rpm``, ``tpm``) are split evenly between the actors.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

from ..distill.accounting import Progress, Usage
from ..distill.builder import DistillConfig, DistillResult, make_teacher, run_distill
from ..distill.runner import Job, query_all, uncached
from ..errors import ConfigError
from ..teacher.base import Completion, Teacher, TeacherError
from ..teacher.cache import ResponseCache
from ..teacher.retry import RetryPolicy
from .cluster import connect, error_from_text, error_to_text, require_ray

ANSWER_KEYS = ("key", "sentence_id", "messages", "ok", "text", "prompt_tokens", "completion_tokens",
               "finish_reason", "error", "attempts", "requests", "retries", "errors", "fatal")


class TeacherActor:
    """A Ray Data actor asking the teacher about one batch of sentences per call (a fresh client per call: an
    async client belongs to one event loop)."""

    def __init__(self, cfg: DistillConfig, actors: int):
        self.cfg = replace(cfg, rpm=_share(cfg.rpm, actors), tpm=_share(cfg.tpm, actors), progress=False)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        cfg = self.cfg
        jobs = [Job(sid, json.loads(m), key)
                for sid, m, key in zip(batch["sentence_id"], batch["messages"], batch["key"])]
        cache = ResponseCache(":memory:")
        usage = Usage()
        fatal = ""
        try:
            asyncio.run(query_all(jobs, make_teacher(cfg), cache, usage, concurrency=cfg.concurrency,
                                  policy=RetryPolicy(cfg.max_attempts, cfg.retry_base, cfg.retry_max),
                                  rpm=cfg.rpm, tpm=cfg.tpm, max_tokens=cfg.max_tokens, seed=cfg.seed))
        except TeacherError as e:  # answers received before it still go back (and into the cache)
            fatal = error_to_text(e)
        out: dict[str, list] = {k: [] for k in ANSWER_KEYS}
        for n, job in enumerate(jobs):
            c, failure = cache.get(job.key), cache.failure(job.key)
            row = {"key": job.key, "sentence_id": job.sentence_id, "messages": json.dumps(job.messages),
                   "ok": c is not None, "text": c.text if c else "", "prompt_tokens": c.prompt_tokens if c else 0,
                   "completion_tokens": c.completion_tokens if c else 0,
                   "finish_reason": c.finish_reason if c else "", "error": failure[0] if failure else "",
                   "attempts": failure[1] if failure else 0,
                   # the batch's request counts ride on its first row
                   "requests": usage.requests if n == 0 else 0, "retries": usage.retries if n == 0 else 0,
                   "errors": json.dumps(dict(usage.errors) if n == 0 else {}), "fatal": fatal if n == 0 else ""}
            for k in ANSWER_KEYS:
                out[k].append(row[k])
        cache.close()
        return out


def _share(limit: int | None, actors: int) -> int | None:
    return max(1, limit // actors) if limit else limit


def query_on_ray(actors: int = 2, batch_size: int = 16, num_cpus: float = 0.5, address: str | None = None):
    """A ``query`` for :func:`metaie.distill.builder.run_distill` that makes the calls in ``actors`` Ray actors,
    ``batch_size`` sentences per actor call, and commits each answer to the driver's cache as it arrives."""
    if actors < 1 or batch_size < 1:
        raise ConfigError("--actors and the batch size must be >= 1")

    def query(jobs: list[Job], teacher: Teacher, cache: ResponseCache, usage: Usage, bar: Progress,
              cfg: DistillConfig) -> dict[str, Any]:
        pending = uncached(jobs, cache, usage, bar)
        try:
            if pending:
                _ask_on_ray(pending, cache, usage, bar, cfg, actors, batch_size, num_cpus, address)
        finally:
            asyncio.run(teacher.aclose())
        return {"pending": len(pending)}

    return query


def _ask_on_ray(pending: list[Job], cache: ResponseCache, usage: Usage, bar: Progress, cfg: DistillConfig,
                actors: int, batch_size: int, num_cpus: float, address: str | None) -> None:
    ray = connect(address)
    items = [{"sentence_id": j.sentence_id, "messages": json.dumps(j.messages), "key": j.key} for j in pending]
    ds = ray.data.from_items(items).map_batches(
        TeacherActor, batch_size=batch_size, num_cpus=num_cpus,
        compute=ray.data.ActorPoolStrategy(size=min(actors, -(-len(pending) // batch_size))),
        fn_constructor_kwargs={"cfg": cfg, "actors": actors})
    for row in ds.iter_rows():
        _commit(row, cache, usage)
        bar.advance()
        if row["fatal"]:  # a bad key or an unreachable endpoint: every actor would meet it
            raise error_from_text(row["fatal"])


def _commit(row: dict, cache: ResponseCache, usage: Usage) -> None:
    """One answer (or failure) from an actor into the cache and the run's accounting."""
    usage.requests += int(row["requests"])
    usage.retries += int(row["retries"])
    usage.errors.update(json.loads(row["errors"]))
    if row["ok"]:
        c = Completion(row["text"], int(row["prompt_tokens"]), int(row["completion_tokens"]), row["finish_reason"])
        cache.put(row["key"], row["sentence_id"], json.loads(row["messages"]), c)
        usage.add_response(c.prompt_tokens, c.completion_tokens)
    elif row["error"]:
        cache.record_failure(row["key"], row["sentence_id"], row["error"], int(row["attempts"]))
        usage.failed += 1


def run_distill_ray(cfg: DistillConfig, actors: int = 2, batch_size: int = 16, num_cpus: float = 0.5,
                    address: str | None = None) -> DistillResult:
    """``metaie distill`` with the teacher calls in Ray actors; the same outputs (see the module docstring)."""
    require_ray()
    if cfg.teacher == "hf":
        raise ConfigError("--engine ray runs API teachers (--teacher openai or replay); to run a local LM on the "
                          "cluster, serve it with vLLM and pass --teacher openai --base-url URL")
    return run_distill(cfg, make_teacher(cfg), query=query_on_ray(actors, batch_size, num_cpus, address))
