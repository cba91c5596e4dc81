"""A real HTTP server on loopback that speaks OpenAI chat completions, counts requests, injects faults.

Run standalone (for the benchmark or a manual try): ``python tests/fake_openai.py --port 8765 --latency 0.2``.
"""
from __future__ import annotations

import json
import random
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAPER_USER = "Extract some short important information from the following sentence:\n"
PRIMER = "\nImportant information (Format: - <label>: <span>):"


def sentence_of(messages: list[dict[str, str]]) -> str:
    """The sentence inside a metaie-v1 (or ner-v1) prompt."""
    content = messages[-1]["content"] if messages[-1]["role"] == "user" else messages[-2]["content"]
    if content.startswith(PAPER_USER):
        return content[len(PAPER_USER):].removesuffix(PRIMER)
    return content.rsplit("Passage: ", 1)[-1]


def default_answer(sentence: str) -> str:
    """A deterministic teacher: capitalised words (after the first) are entities, numbers are numbers."""
    lines = []
    words = re.findall(r"[A-Za-z0-9]+", sentence)
    if words:
        lines.append(f"- first word: {words[0]}")
    for w in words[1:]:
        if w[0].isupper():
            lines.append(f"- entity: {w}")
        elif w.isdigit():
            lines.append(f"- number: {w}")
    return "\n".join(lines)


class _QuietServer(ThreadingHTTPServer):
    """A threading HTTP server that ignores clients hanging up (a timed-out request closes its socket)."""

    daemon_threads = True
    request_queue_size = 64  # the default backlog of 5 drops bursts of connections (1 s SYN retries)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeOpenAI:
    """Start with ``with FakeOpenAI() as srv: srv.base_url``; set ``faults`` / ``every`` / ``latency`` /
    ``latency_range`` / ``answer``."""

    def __init__(self, latency: float = 0.0, answer: Callable[[str], str] = default_answer,
                 api_key: str | None = None):
        self.latency = latency
        self.latency_range: tuple[float, float] | None = None  # a random latency per request (seeded)
        self.rng = random.Random(0)
        self.every: dict[int, dict[str, Any]] = {}  # {n: fault}: every n-th request (1-based) gets the fault
        self.answer = answer
        self.api_key = api_key
        self.faults: list[dict[str, Any]] = []      # consumed one per request, in order
        self.sentence_faults: dict[str, dict[str, Any]] = {}  # applied to every request for that sentence
        self.requests: list[dict[str, Any]] = []    # every request body received
        self.sentences: Counter = Counter()         # successful answers per sentence
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}  # over successful answers
        self.lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # one small response must not wait for a delayed ACK

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes | str, headers: dict[str, str] | None = None) -> None:
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
                self._send(status, json.dumps({"error": {"message": message, "type": "fake", "code": status}}),
                           headers)

            def do_POST(self) -> None:  # noqa: N802
                size = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(size)
                if len(raw) < size:  # the client hung up mid-request (killed)
                    self.close_connection = True
                    return
                body = json.loads(raw)
                if self.path != "/v1/chat/completions":
                    return self._error(404, f"no route {self.path}")
                sentence = sentence_of(body["messages"])
                with fake.lock:
                    fake.requests.append(body)
                    fault = fake.faults.pop(0) if fake.faults else fake.sentence_faults.get(sentence)
                    n = len(fake.requests)
                    fault = fault or next((f for k, f in sorted(fake.every.items()) if n % k == 0), None)
                    delay = fake.rng.uniform(*fake.latency_range) if fake.latency_range else fake.latency
                if fake.api_key and self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                    return self._error(401, "Incorrect API key provided")
                kind = (fault or {}).get("kind")
                if kind == "429":
                    return self._error(429, "Rate limit reached", {"Retry-After": str(fault.get("retry_after", 0))})
                if kind in ("500", "503"):
                    return self._error(int(kind), "The server had an error")
                if kind == "401":
                    return self._error(401, "Incorrect API key provided")
                if kind == "400":
                    return self._error(400, "Invalid request")
                if kind == "slow":
                    time.sleep(fault.get("seconds", 2.0))
                elif delay:
                    time.sleep(delay)
                if kind == "malformed":
                    return self._send(200, '{"id": "x", "choices": [ {"mess')
                text = fake.answer(sentence)
                finish = "stop"
                if kind == "truncate":
                    n = max(1, int(len(text) * 0.6))
                    n += 3 if text[n - 1] == "\n" else 0  # always cut inside a line
                    text, finish = text[:n], "length"
                prompt_tokens = sum(len(m["content"].split()) for m in body["messages"])
                completion_tokens = len(text.split())
                with fake.lock:
                    fake.sentences[sentence] += 1
                    fake.usage["prompt_tokens"] += prompt_tokens
                    fake.usage["completion_tokens"] += completion_tokens
                self._send(200, json.dumps({
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "finish_reason": finish,
                                 "message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                              "total_tokens": prompt_tokens + completion_tokens}}))

        return Handler


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency", type=float, default=0.0)
    a = ap.parse_args()
    srv = FakeOpenAI(latency=a.latency)
    if a.port:
        srv._server.server_close()
        srv._server = _QuietServer(("127.0.0.1", a.port), srv._handler())
    print(srv.base_url, flush=True)
    try:
        srv._server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
