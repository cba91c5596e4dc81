"""A teacher that replays answers recorded in a JSONL file (a distillation's ``responses.jsonl``).

Each line: ``{"sentence": ..., "messages": [...], "text": ..., "prompt_tokens": n, "completion_tokens": n}``.
A request is matched by its exact messages, else by a recorded sentence found in its user turn.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import DataFormatError
from ..jsonl import read_jsonl
from .base import Completion, SentenceError


def _key(messages: list[dict[str, str]]) -> str:
    return json.dumps(messages, sort_keys=True, ensure_ascii=False)


class ReplayTeacher:
    """Answers from a recording: reproduces a distillation without the LLM."""

    backend = "replay"
    primer_mode = "append"

    def __init__(self, path: str | Path, model: str = "replay"):
        self.model = model
        self.path = Path(path)
        self._by_messages: dict[str, Completion] = {}
        self._by_sentence: dict[str, Completion] = {}
        for n, obj in read_jsonl(self.path):
            if not isinstance(obj.get("text"), str):
                raise DataFormatError("replay line needs a string field 'text'", path=self.path, line=n)
            c = Completion(obj["text"], int(obj.get("prompt_tokens", 0)), int(obj.get("completion_tokens", 0)),
                           str(obj.get("finish_reason", "stop")))
            if isinstance(obj.get("messages"), list):
                self._by_messages[_key(obj["messages"])] = c
            if isinstance(obj.get("sentence"), str):
                self._by_sentence[obj["sentence"]] = c
        if not self._by_messages and not self._by_sentence:
            raise DataFormatError("no recorded answers (lines need 'messages' or 'sentence')", path=self.path)

    def params(self) -> dict[str, Any]:
        return {"replay": self.path.name}

    async def complete(self, messages: list[dict[str, str]]) -> Completion:
        c = self._by_messages.get(_key(messages))
        if c is None and self._by_sentence:
            content = "\n".join(m["content"] for m in messages if m["role"] == "user")
            c = next((v for s, v in self._by_sentence.items() if s in content), None)
        if c is None:
            raise SentenceError(f"no recorded answer in {self.path}")
        return c

    async def aclose(self) -> None:
        return None
