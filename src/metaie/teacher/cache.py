"""SQLite cache of teacher answers, keyed by a hash of everything that shapes the answer.

Each answer is committed as soon as it arrives (WAL journal), so a run killed at any moment, even by
SIGKILL, keeps every answer it paid for; failures are recorded too and retried by the next run.

>>> c = ResponseCache(":memory:")
>>> k = cache_key("openai", "m", {"temperature": 0}, "metaie-v1", [{"role": "user", "content": "hi"}])
>>> c.put(k, "s-1", [{"role": "user", "content": "hi"}], Completion("- a: b", 3, 2))
>>> c.get(k).text
'- a: b'
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .base import Completion

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
  key TEXT PRIMARY KEY, sentence_id TEXT, messages TEXT, text TEXT, prompt_tokens INTEGER,
  completion_tokens INTEGER, finish_reason TEXT, created REAL);
CREATE TABLE IF NOT EXISTS failures (
  key TEXT PRIMARY KEY, sentence_id TEXT, error TEXT, attempts INTEGER, updated REAL);
"""


def cache_key(backend: str, model: str, params: dict[str, Any], template_version: str,
              messages: list[dict[str, str]]) -> str:
    """SHA-256 of (backend, model, parameters, template version, rendered messages)."""
    blob = json.dumps({"backend": backend, "model": model, "params": params, "template": template_version,
                       "messages": messages}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """Answers and failures by cache key, in one SQLite file."""

    def __init__(self, path: str | Path):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as e:
            raise ConfigError(f"cannot open the cache {path}: {e}; pass another --cache file") from None

    def get(self, key: str) -> Completion | None:
        row = self._db.execute("SELECT text, prompt_tokens, completion_tokens, finish_reason FROM responses "
                               "WHERE key = ?", (key,)).fetchone()
        return Completion(row[0], row[1], row[2], row[3]) if row else None

    def get_messages(self, key: str) -> list[dict[str, str]] | None:
        row = self._db.execute("SELECT messages FROM responses WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, sentence_id: str, messages: list[dict[str, str]], c: Completion) -> None:
        """Store an answer durably (one committed transaction) and forget any failure of the key."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (key, sentence_id, json.dumps(messages, ensure_ascii=False), c.text, c.prompt_tokens,
                              c.completion_tokens, c.finish_reason, time.time()))
            self._db.execute("DELETE FROM failures WHERE key = ?", (key,))

    def record_failure(self, key: str, sentence_id: str, error: str, attempts: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO failures VALUES (?, ?, ?, "
                         "COALESCE((SELECT attempts FROM failures WHERE key = ?), 0) + ?, ?)",
                         (key, sentence_id, error, key, attempts, time.time()))

    def failure(self, key: str) -> tuple[str, int] | None:
        row = self._db.execute("SELECT error, attempts FROM failures WHERE key = ?", (key,)).fetchone()
        return (row[0], row[1]) if row else None

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        self._db.close()
