"""The teacher protocol: an async chat completion, plus the errors a backend may raise.

>>> Completion("- person: Tom", 10, 4).total_tokens
14
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..errors import MetaIEError


@dataclass
class Completion:
    """One teacher answer with the token usage the backend reported."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class RetryableError(Exception):
    """A fault worth retrying (429, 5xx, timeout, reset, malformed body); ``kind`` names it."""

    def __init__(self, message: str, kind: str = "server", retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


class SentenceError(Exception):
    """This sentence cannot be answered (e.g. absent from a replay file); not retried in this run."""


class TeacherError(MetaIEError):
    """A fault that will not pass (bad key, bad request, unknown model): the run stops with this message."""


@runtime_checkable
class Teacher(Protocol):
    """What the distillation runner needs from a teacher backend."""

    backend: str
    model: str
    primer_mode: str  # how the template's primer is sent: "append" to the user turn or as assistant "prefix"

    def params(self) -> dict[str, Any]:
        """Generation parameters that change answers (part of the cache key)."""

    async def complete(self, messages: list[dict[str, str]]) -> Completion:
        """Answer one chat conversation."""

    async def aclose(self) -> None:
        """Release connections."""
