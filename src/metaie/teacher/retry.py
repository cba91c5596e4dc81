"""Retry delays (exponential back-off with jitter, honouring Retry-After) and request/token rate limits."""
from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from dataclasses import dataclass


@dataclass
class RetryPolicy:
    """How often and how long to wait between attempts.

    >>> RetryPolicy(base_delay=1.0, jitter=0.0).delay(3)
    8.0
    >>> RetryPolicy().delay(0, retry_after=5.0)
    5.0
    """

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    jitter: float = 0.5  # the back-off delay is scaled by a random factor in [1 - jitter, 1]

    def delay(self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0-based)."""
        if retry_after is not None:
            return float(retry_after)
        d = min(self.max_delay, self.base_delay * (2 ** attempt))
        return d * (1 - self.jitter * (rng or random).random())


class RateLimiter:
    """Sliding one-minute window on requests and tokens; ``acquire`` waits until both allow a request.

    The token cost is an estimate at acquisition; :meth:`settle` corrects it with the real usage.
    """

    def __init__(self, rpm: int | None = None, tpm: int | None = None, clock=time.monotonic):
        self.rpm, self.tpm, self._clock = rpm or None, tpm or None, clock
        self._events: deque[list[float]] = deque()  # [time, tokens]
        self._lock = asyncio.Lock()

    def _prune(self, now: float) -> None:
        while self._events and now - self._events[0][0] >= 60.0:
            self._events.popleft()

    async def acquire(self, tokens: int = 0) -> list[float]:
        if self.rpm is None and self.tpm is None:
            return [self._clock(), float(tokens)]
        async with self._lock:
            while True:
                now = self._clock()
                self._prune(now)
                used = sum(e[1] for e in self._events)
                ok_r = self.rpm is None or len(self._events) < self.rpm
                ok_t = self.tpm is None or not self._events or used + tokens <= self.tpm
                if ok_r and ok_t:
                    entry = [now, float(tokens)]
                    self._events.append(entry)
                    return entry
                await asyncio.sleep(max(0.01, 60.0 - (now - self._events[0][0])))

    @staticmethod
    def settle(entry: list[float], actual_tokens: int) -> None:
        entry[1] = float(actual_tokens)
