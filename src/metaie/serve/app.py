"""The HTTP app: ``POST /extract``, ``GET /health``, ``GET /info``, the web page at ``/``, OpenAPI at ``/docs``.

>>> app = create_app(MetaIE.from_pretrained("models/meta"), model_name="models/meta")   # doctest: +SKIP
>>> uvicorn.run(app, port=8000)                                                        # doctest: +SKIP
"""
from __future__ import annotations

import time
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import MetaIEError
from ..records import overlap_rule
from ..textcheck import text_problem
from .batcher import MicroBatcher


@dataclass
class Limits:
    """Per-request limits; anything beyond answers 413 (size) or 422 (counts) naming the limit."""

    max_text_chars: int = 100_000      # about 30 pages; longer documents: split them or raise --max-text-chars
    max_texts: int = 64
    max_labels: int = 32
    max_body_bytes: int = 4 * 1024 * 1024


class ExtractRequest(BaseModel):
    """One text or a list of texts, the labels to look for, and a score threshold."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "Tom was born in Paris in 1990.", "labels": ["person", "location", "date"], "threshold": 0.5}]})
    text: str | list[str] = Field(description="A text, or a list of texts")
    labels: list[str] | str = Field(description="Labels to extract (a list, or one comma-separated string)")
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="Minimum span score (default: the model's "
                                                                      "own, from its metaie.json; the response "
                                                                      "says which)")
    overlap: Literal["keep", "likelier"] | None = Field(
        None, description="Overlapping spans of different labels: keep them all, or keep the likelier (the default, "
                          "the paper's rule)")
    allow_overlap: bool | None = Field(None, deprecated=True,
                                       description="The older spelling of overlap: true = keep, false = likelier")
    task: str | None = Field(None, description="Accepted and echoed back; reserved for task adapters "
                                               "(spans are extracted for the labels as given)")

    @field_validator("text", "labels")
    @classmethod
    def _unicode(cls, value, info):
        """Text a tokenizer cannot take is refused here, per request, before it can join a shared batch."""
        for i, item in enumerate([value] if isinstance(value, str) else value):
            problem = text_problem(item) if isinstance(item, str) else None
            if problem:
                where = info.field_name if isinstance(value, str) else f"{info.field_name}[{i}]"
                raise ValueError(f"{where} {problem}")
        return value


class SpanOut(BaseModel):
    start: int
    end: int
    label: str
    text: str
    score: float | None = None


class ResultOut(BaseModel):
    spans: list[SpanOut]


class ExtractResponse(BaseModel):
    results: list[ResultOut] = Field(description="One entry per input text, in order")
    labels: list[str]
    threshold: float = Field(description="What the labels decode at, those in label_thresholds excepted")
    label_thresholds: dict[str, float] = Field(default_factory=dict, description="Asked labels that decode at a "
                                               "threshold of their own (the model's, where the request names none)")
    overlap: str = Field(description="What became of overlapping spans of different labels: keep or likelier")
    task: str | None
    elapsed_ms: float


def create_app(model, model_name: str = "", limits: Limits | None = None, max_batch_windows: int = 256,
               max_wait_ms: float = 5.0, batch_size: int = 64, max_batch_tokens: int = 8192,
               max_call_ms: float = 250.0) -> FastAPI:
    """An app serving ``model`` (loaded once, shared by all requests through a micro-batcher)."""
    limits = limits or Limits()
    batcher = MicroBatcher(model, max_windows=max_batch_windows, max_wait_ms=max_wait_ms, batch_size=batch_size,
                           max_tokens=max_batch_tokens, max_call_ms=max_call_ms)

    @asynccontextmanager
    async def lifespan(_app):
        yield
        await batcher.close()

    app = FastAPI(title="metaie", version=__version__, lifespan=lifespan,
                  description="Label-to-span information extraction: give texts and labels, get spans.")
    app.state.model, app.state.batcher, app.state.limits = model, batcher, limits
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError):
        return JSONResponse(status_code=422, content={"error": _one_line(exc.errors()), "detail": _plain(exc.errors())})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException):
        detail = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in detail:
            detail = "the request body could not be decoded: send UTF-8 JSON with Content-Type: application/json"
        return JSONResponse(status_code=exc.status_code, content={"error": detail}, headers=exc.headers)

    @app.post("/extract", response_model=ExtractResponse, summary="Extract spans for labels from one or more texts",
              responses={413: {"description": "Text or body too large"},
                         422: {"description": "Malformed request or a count limit exceeded"}})
    async def extract(req: ExtractRequest) -> JSONResponse:
        texts = [req.text] if isinstance(req.text, str) else req.text
        labels = req.labels.split(",") if isinstance(req.labels, str) else req.labels
        labels = list(dict.fromkeys(x.strip() for x in labels if x.strip()))
        if not texts:
            raise HTTPException(422, "text is an empty list: give at least one text")
        if not labels:
            raise HTTPException(422, "labels is empty: give at least one label, e.g. [\"person\", \"location\"]")
        if len(texts) > limits.max_texts:
            raise HTTPException(422, f"{len(texts)} texts in one request; the limit is {limits.max_texts} "
                                     "(send several requests, or start the server with a higher --max-texts)")
        if len(labels) > limits.max_labels:
            raise HTTPException(422, f"{len(labels)} labels in one request; the limit is {limits.max_labels} "
                                     "(start the server with a higher --max-labels)")
        longest = max(len(t) for t in texts)
        if longest > limits.max_text_chars:
            raise HTTPException(413, f"a text of {longest} characters exceeds the limit of {limits.max_text_chars} "
                                     "(split the document, or start the server with a higher --max-text-chars)")
        threshold = model.threshold_or_default(req.threshold)  # the request's, else the model's own
        own = {} if req.threshold is not None else model.own_thresholds(labels)
        try:  # the deprecated field is read (and warns) only where a request sent it
            rule = overlap_rule(req.overlap, req.allow_overlap if "allow_overlap" in req.model_fields_set else None)
        except MetaIEError as e:
            raise HTTPException(422, str(e)) from None
        started = time.perf_counter()
        try:
            spans = await batcher.submit(texts, labels, req.threshold, rule)
        except MetaIEError as e:
            raise HTTPException(422, str(e)) from None
        except Exception as e:  # answered as JSON and the connection kept, never a bare 500 and a dropped socket
            first = str(e).splitlines()[0] if str(e) else ""
            raise HTTPException(500, f"extraction failed: {type(e).__name__}: {first}") from None
        # Plain dicts built off the event loop: a long text's thousands of spans do not stall other requests.
        results = await run_in_threadpool(lambda: [{"spans": [s.to_dict() for s in found]} for found in spans])
        return JSONResponse({"results": results, "labels": labels,
                             "threshold": threshold, "label_thresholds": own, "overlap": rule,
                             "task": req.task,
                             "elapsed_ms": round((time.perf_counter() - started) * 1000, 2)})

    @app.get("/health", summary="Liveness, queue length and batching counters")
    async def health() -> dict:
        return {"status": "ok", "queued": batcher.queued, **batcher.stats.to_dict()}

    @app.get("/info", summary="The model being served and the request limits")
    async def info() -> dict:
        cfg = model.config
        return {"model": model_name, "backbone": cfg.backbone, "labels": list(cfg.labels), "task": cfg.task,
                "backend": "onnx" if getattr(model, "session", None) is not None else "torch",
                "variant": getattr(model, "variant", None), "max_length": cfg.max_length, "stride": cfg.stride,
                "query_template": cfg.query_template, "extend_ratio": cfg.extend_ratio, "threshold": cfg.threshold,
                "label_thresholds": dict(cfg.label_thresholds), "mode": cfg.mode,
                "limits": asdict(limits),
                "version": __version__}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(web_page())

    return app


def web_page() -> str:
    """The single-page UI shipped in package resources."""
    return (resources.files("metaie") / "resources" / "web" / "index.html").read_text(encoding="utf-8")


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` answers 413 (by Content-Length, or while streaming)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await self._reject(send, int(length))
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise HTTPException(413, self._message(seen))
            return message

        return await self.app(scope, counted, send)

    def _message(self, n: int) -> str:
        return (f"request body of {n} bytes exceeds the limit of {self.max_bytes} bytes "
                "(start the server with a higher --max-body-bytes)")

    async def _reject(self, send, n: int) -> None:
        response = JSONResponse(status_code=413, content={"error": self._message(n)}, headers={"connection": "close"})
        await response({"type": "http"}, _no_body, send)


async def _no_body() -> dict:
    """The ASGI ``receive`` of a reply sent before reading the request (a plain Response never calls it)."""
    return {"type": "http.disconnect"}


def _plain(errors) -> list[dict]:
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in errors]


def _one_line(errors) -> str:
    parts = []
    for e in errors[:5]:
        loc = tuple(e.get("loc", ()))
        if e.get("type") == "json_invalid":
            at = f" at character {loc[1]}" if len(loc) > 1 else ""
            parts.append(f"the request body is not valid JSON{at}")
            continue
        if loc == ("body",) and e.get("type") == "missing":
            parts.append('the request body is empty: send a JSON object like {"text": "...", "labels": ["person"]}')
            continue
        where = ".".join(str(x) for x in loc if x != "body") or "body"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "; ".join(parts) + (f" (and {len(errors) - 5} more)" if len(errors) > 5 else "")
