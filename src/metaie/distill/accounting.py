"""Counts, tokens and cost of a distillation run, and its progress bar.

>>> u = Usage(price_input=0.15, price_output=0.60)
>>> u.add_response(1_000_000, 500_000); round(u.cost, 4)
0.45
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import AccountingError


@dataclass
class Usage:
    """Accounting of one run. Prices are USD per million tokens; cost counts only this run's requests."""

    price_input: float = 0.0
    price_output: float = 0.0
    requests: int = 0            # HTTP attempts made in this run (successful or not)
    responses: int = 0           # answers received in this run
    cache_hits: int = 0
    retries: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    cached_completion_tokens: int = 0
    errors: Counter = field(default_factory=Counter)  # retryable faults by kind

    def add_response(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.responses += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens

    def add_cached(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.cache_hits += 1
        self.cached_prompt_tokens += prompt_tokens
        self.cached_completion_tokens += completion_tokens

    def price(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.price_input + completion_tokens * self.price_output) / 1e6

    @property
    def cost(self) -> float:
        return self.price(self.prompt_tokens, self.completion_tokens)

    @property
    def cost_saved(self) -> float:
        return self.price(self.cached_prompt_tokens, self.cached_completion_tokens)

    def to_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "responses": self.responses, "cache_hits": self.cache_hits,
                "retries": self.retries, "failed": self.failed, "errors_by_kind": dict(self.errors),
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "cached_prompt_tokens": self.cached_prompt_tokens,
                "cached_completion_tokens": self.cached_completion_tokens,
                "price_per_million": {"input": self.price_input, "output": self.price_output},
                "cost_usd": round(self.cost, 6), "cost_saved_by_cache_usd": round(self.cost_saved, 6)}


def check_accounting(sampled: Iterable[str], records: Iterable[str], rejects: Iterable[str],
                     failed: Iterable[str]) -> dict[str, int]:
    """Check that every sampled sentence id ends as exactly one of a record, a rejected sentence or a
    failure; return the counts, or raise :class:`AccountingError` naming the ids that break it.

    A sentence with a record may also have rejected lines; a sentence counts as rejected only when it
    has reject rows and neither a record nor a failure.

    >>> check_accounting(["a", "b", "c"], records=["a"], rejects=["a", "b"], failed=["c"])
    {'sampled': 3, 'records': 1, 'rejected': 1, 'failed': 1}
    """
    sampled, records, failed = list(sampled), list(records), list(failed)
    problems = []
    for name, ids in (("sampled", sampled), ("records", records), ("failed", failed)):
        twice = sorted(i for i, n in Counter(ids).items() if n > 1)
        if twice:
            problems.append(f"{len(twice)} ids more than once in {name} ({_few(twice)})")
    known, rec, fail = set(sampled), set(records), set(failed)
    rejected = set(rejects) - rec - fail
    strangers = sorted((rec | fail | set(rejects)) - known)
    if strangers:
        problems.append(f"{len(strangers)} ids that were not sampled ({_few(strangers)})")
    both = sorted(rec & fail)
    if both:
        problems.append(f"{len(both)} ids both a record and failed ({_few(both)})")
    missing = sorted(known - rec - fail - rejected)
    if missing:
        problems.append(f"{len(missing)} sampled sentences neither a record, rejected nor failed ({_few(missing)})")
    if problems:
        raise AccountingError("distillation accounting broken (sampled = records + rejected + failed): "
                              + "; ".join(problems) + ". This is a defect: please report it")
    return {"sampled": len(known), "records": len(rec), "rejected": len(rejected & known), "failed": len(fail)}


def _few(ids: list[str], n: int = 5) -> str:
    return ", ".join(ids[:n]) + (", ..." if len(ids) > n else "")


class Progress:
    """A rich progress bar with rate, ETA and cost so far (silent when disabled)."""

    def __init__(self, total: int, usage: Usage, enabled: bool = True):
        self.usage, self._bar, self._task = usage, None, None
        if enabled:
            from ..progress import progress_bar
            self._bar = progress_bar("distill", "{task.fields[rate]}", "{task.fields[info]}")
            self._task = self._bar.add_task("distill", total=total, rate="", info=self._info())

    def _info(self) -> str:
        u = self.usage
        return f"${u.cost:.4f} | cached {u.cache_hits} | retries {u.retries} | failed {u.failed}"

    def __enter__(self) -> Progress:
        if self._bar:
            self._bar.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar:
            self.advance(0)
            self._bar.stop()

    def advance(self, n: int = 1) -> None:
        if self._bar is None or self._task is None:
            return
        self._bar.update(self._task, advance=n, info=self._info())
        speed = self._bar.tasks[0].speed
        self._bar.update(self._task, rate=f"{speed:.1f} sent/s" if speed else "")
