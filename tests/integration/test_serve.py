"""The HTTP server on the tiny model: endpoints, micro-batching, limits and bad input (in-process client)."""
from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from fastapi.testclient import TestClient

from metaie.serve.app import Limits, create_app

TEXT = "tom was born in paris in 1990 ."
LABELS = ["person", "location", "date"]


@pytest.fixture(scope="module")
def model(tiny_backbone):
    from metaie.model.tagger import MetaIE
    m = MetaIE.from_backbone(str(tiny_backbone), max_length=32, stride=8, device="cpu")
    m.config.labels = ["person", "location"]
    return m


@pytest.fixture(scope="module")
def client(model):
    app = create_app(model, model_name="tiny", limits=Limits(max_text_chars=5_000, max_texts=4, max_labels=5,
                                                             max_body_bytes=100_000))
    with TestClient(app) as c:
        yield c


def test_health_info_docs_page(client):
    assert client.get("/health").json()["status"] == "ok"
    info = client.get("/info").json()
    assert info["model"] == "tiny" and info["labels"] == ["person", "location"] and info["backend"] == "torch"
    assert info["limits"]["max_texts"] == 4
    assert info["mode"] == "per_label" and info["extend_ratio"] == 0.5  # the fixture's model is a new one
    assert "/extract" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200
    page = client.get("/")
    assert page.status_code == 200 and 'id="run"' in page.text and "text/html" in page.headers["content-type"]


def test_extract_one_text_and_a_list_match_the_library(client, model, assert_no_unk):
    assert_no_unk(TEXT)
    r = client.post("/extract", json={"text": TEXT, "labels": LABELS, "threshold": 0.3, "task": "ner"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["task"] == "ner" and body["labels"] == LABELS and len(body["results"]) == 1
    expected = [s.to_dict() for s in model.extract(TEXT, LABELS, threshold=0.3)]
    assert expected and body["results"][0]["spans"] == expected
    texts = [TEXT, "anna lives in london .", ""]
    r = client.post("/extract", json={"text": texts, "labels": "person, location", "threshold": 0.3})
    assert r.status_code == 200
    got = [res["spans"] for res in r.json()["results"]]
    want = [[s.to_dict() for s in x] for x in model.extract_batch(texts, ["person", "location"], threshold=0.3)]
    assert got == want and got[2] == []


def test_a_request_without_threshold_decodes_at_the_models_own(client, model):
    own = model.config.threshold
    try:
        model.config.threshold = 1.0  # no token reaches it
        assert client.get("/info").json()["threshold"] == 1.0
        r = client.post("/extract", json={"text": TEXT, "labels": LABELS})
        assert r.status_code == 200 and r.json()["threshold"] == 1.0 and r.json()["results"][0]["spans"] == []
        r = client.post("/extract", json={"text": TEXT, "labels": LABELS, "threshold": 0.3})  # a request's own wins
        want = [s.to_dict() for s in model.extract(TEXT, LABELS, threshold=0.3)]
        assert r.json()["threshold"] == 0.3 and want and r.json()["results"][0]["spans"] == want
        assert r.json()["label_thresholds"] == {}
        model.config.label_thresholds = {"person": 0.0, "organization": 0.2}  # person: every token reaches it
        assert client.get("/info").json()["label_thresholds"] == {"person": 0.0, "organization": 0.2}
        r = client.post("/extract", json={"text": TEXT, "labels": LABELS})
        assert r.json()["label_thresholds"] == {"person": 0.0}  # the asked labels that have their own
        got = r.json()["results"][0]["spans"]
        assert got and {s["label"] for s in got} == {"person"}
        assert got == [s.to_dict() for s in model.extract(TEXT, LABELS)]
    finally:
        model.config.threshold, model.config.label_thresholds = own, {}


def test_overlap_is_named_as_in_the_library(client, model):
    """``overlap`` keep / likelier decodes as ``MetaIE.extract`` does, the response says which rule applied, and the
    older ``allow_overlap`` bool still means keep / likelier."""
    labels = ["person", "person name", "city"]
    answers = {}
    for body in ({"overlap": "keep"}, {"allow_overlap": True}, {}, {"overlap": "likelier"}, {"allow_overlap": False}):
        r = client.post("/extract", json={"text": TEXT, "labels": labels, "threshold": 0.0, **body})
        assert r.status_code == 200, r.text
        answers[json.dumps(body)] = (r.json()["overlap"], r.json()["results"][0]["spans"])
    keep = [s.to_dict() for s in model.extract(TEXT, labels, threshold=0.0, overlap="keep")]
    likelier = [s.to_dict() for s in model.extract(TEXT, labels, threshold=0.0)]
    assert len(keep) > len(likelier)  # the rule matters on this text
    assert answers['{"overlap": "keep"}'] == answers['{"allow_overlap": true}'] == ("keep", keep)
    assert answers["{}"] == answers['{"overlap": "likelier"}'] == answers['{"allow_overlap": false}'] == \
        ("likelier", likelier)
    r = client.post("/extract", json={"text": TEXT, "labels": labels, "overlap": "keep", "allow_overlap": False})
    assert r.status_code == 422 and "disagree" in r.json()["error"]
    r = client.post("/extract", json={"text": TEXT, "labels": labels, "overlap": "all"})
    assert r.status_code == 422 and "overlap" in r.json()["error"]


@pytest.mark.parametrize("payload, status, words", [
    (None, 422, "body is empty"),
    ({"text": 5, "labels": ["person"]}, 422, "text"),
    ({"text": TEXT, "labels": [1, 2]}, 422, "labels"),
    ({"text": TEXT, "labels": []}, 422, "labels is empty"),
    ({"text": TEXT, "labels": " , "}, 422, "labels is empty"),
    ({"text": [], "labels": ["person"]}, 422, "empty list"),
    ({"labels": ["person"]}, 422, "text: Field required"),
    ({"text": TEXT, "labels": ["person"], "threshold": 2}, 422, "threshold"),
    ({"text": TEXT, "labels": ["person"], "colour": "red"}, 422, "colour"),
    ({"text": [TEXT] * 5, "labels": ["person"]}, 422, "limit is 4"),
    ({"text": TEXT, "labels": [f"l{i}" for i in range(6)]}, 422, "limit is 5"),
    ({"text": "tom " * 2000, "labels": ["person"]}, 413, "--max-text-chars"),
    ({"text": "x" * 10_000_000, "labels": ["person"]}, 413, "--max-body-bytes"),
])
def test_bad_requests_get_clear_4xx_and_the_server_keeps_serving(client, payload, status, words):
    r = client.post("/extract", json=payload) if payload is not None else client.post("/extract")
    assert r.status_code == status, r.text
    assert words in r.json()["error"]
    assert client.post("/extract", json={"text": TEXT, "labels": ["person"]}).status_code == 200


@pytest.mark.parametrize("raw", [b"\xff\xfe\xfa not utf-8", b'{"text": "caf\xe9", "labels": ["x"]}', b"{not json",
                                 b"[1, 2]", b""])
def test_undecodable_bodies(client, raw):
    r = client.post("/extract", content=raw, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert r.json()["error"]
    assert client.get("/health").status_code == 200


def test_concurrent_requests_share_batches(model):
    """16 requests at once through the ASGI app: every answer equals the library's, in fewer model calls."""
    app = create_app(model, model_name="tiny", max_wait_ms=20)
    texts = ["tom was born in paris .", "anna lives in london .", "bob met mary on monday .", "apple sells phones ."]

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            reqs = [c.post("/extract", json={"text": texts[i % 4], "labels": LABELS,
                                             "threshold": 0.3 if i % 2 else 0.4}) for i in range(16)]
            out = await asyncio.gather(*reqs)
            stats = (await c.get("/health")).json()
        await app.state.batcher.close()
        return out, stats

    out, stats = asyncio.run(main())
    assert all(r.status_code == 200 for r in out)
    for i, r in enumerate(out):
        want = [s.to_dict() for s in model.extract(texts[i % 4], LABELS, threshold=0.3 if i % 2 else 0.4)]
        assert r.json()["results"][0]["spans"] == want
    assert stats["jobs"] == 16 and stats["batches"] < 16 and stats["max_jobs_in_batch"] > 1


class Poisoned:
    """The real model, except that a model call holding a window of a text with ``poison`` fails."""

    def __init__(self, model, poison="pizza", first_call_only=False):
        self.model, self.poison, self.first_call_only, self.calls = model, poison, first_call_only, 0
        self.poison_id = model.tokenizer.convert_tokens_to_ids(poison)

    def __getattr__(self, name):
        return getattr(self.model, name)

    def window_probs(self, windows, batch_size=64):
        self.calls += 1
        if any(self.poison_id in w.input_ids for w in windows) and (self.calls == 1 or not self.first_call_only):
            raise RuntimeError("boom")
        return self.model.window_probs(windows, batch_size)

    def extract_batch(self, texts, labels, **kw):  # the path of the batcher before windows were scheduled
        self.calls += 1
        if any(self.poison in t for t in texts) and (self.calls == 1 or not self.first_call_only):
            raise RuntimeError("boom")
        return self.model.extract_batch(texts, labels, **kw)


def test_model_errors_answer_500_as_json_and_the_worker_survives(model):
    with TestClient(create_app(Poisoned(model, first_call_only=True)), raise_server_exceptions=False) as c:
        r = c.post("/extract", json={"text": "pizza " + TEXT, "labels": ["person"]})
        assert r.status_code == 500 and "RuntimeError: boom" in r.json()["error"]
        assert c.post("/extract", json={"text": "pizza " + TEXT, "labels": ["person"]}).status_code == 200


GOOD = ["tom was born in paris .", "anna lives in london .", "bob met mary on monday .", "apple sells phones ."]


def _concurrently(app, bad_body: bytes, n_good: int = 12):
    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            goods = [c.post("/extract", json={"text": GOOD[i % 4], "labels": LABELS, "threshold": 0.3})
                     for i in range(n_good)]
            bad = c.post("/extract", content=bad_body, headers={"content-type": "application/json"})
            out = await asyncio.gather(bad, *goods)
            stats = (await c.get("/health")).json()
        await app.state.batcher.close()
        return out[0], out[1:], stats
    return asyncio.run(main())


@pytest.mark.parametrize("body, field", [
    (b'{"text": "tom \\ud800 paris .", "labels": ["person"]}', "text"),
    (b'{"text": ["tom .", "anna \\udc80"], "labels": ["person"]}', "text[1]"),
    (b'{"text": "tom .", "labels": ["person", "\\ud800"]}', "labels[1]"),
])
def test_invalid_text_is_refused_per_request_and_batch_mates_are_served(model, body, field):
    """A lone surrogate once failed every request of its micro-batch (58 of 450 good requests in the report)."""
    bad, goods, stats = _concurrently(create_app(model, max_wait_ms=30), body)
    assert bad.status_code == 422 and f"{field} holds a lone surrogate" in bad.json()["error"], bad.text
    for i, r in enumerate(goods):
        assert r.status_code == 200, r.text
        want = [s.to_dict() for s in model.extract(GOOD[i % 4], LABELS, threshold=0.3)]
        assert r.json()["results"][0]["spans"] == want
    assert stats["batches"] < len(goods)  # they did share model calls


def test_a_failing_request_never_fails_its_batch_mates(model):
    """Whatever fails inside a shared model call is isolated (halves retried) to the request that caused it."""
    poisoned = Poisoned(model)
    body = b'{"text": ["tom met anna .", "pizza is good ."], "labels": ["person", "food"]}'
    bad, goods, stats = _concurrently(create_app(poisoned, max_wait_ms=30), body)
    assert bad.status_code == 500 and bad.json()["error"] == "extraction failed: RuntimeError: boom"
    for i, r in enumerate(goods):
        assert r.status_code == 200, r.text
        assert r.json()["results"][0]["spans"] == [s.to_dict() for s in model.extract(GOOD[i % 4], LABELS, 0.3)]
    assert stats["errors"] == 1 and stats["max_jobs_in_batch"] > 1


def test_a_long_text_does_not_hold_up_a_short_request(model):
    """Windows of concurrent requests interleave: a one-word request sent while a long document (about 2,000
    windows) runs is computed in one model call among the document's calls and answered before the document;
    the document's spans are unchanged."""
    from metaie.serve.batcher import MicroBatcher
    long_text = " ".join(GOOD * 1000)
    labels = ["person", "location"]
    calls: list[set[str]] = []

    class Recording(Poisoned):
        def window_probs(self, windows, batch_size=64):
            calls.append({"short" if w.text_offsets[-1][1] <= 5 else "long" for w in windows})
            return self.model.window_probs(windows, batch_size)

    async def main():
        b = MicroBatcher(Recording(model), max_wait_ms=1)
        long_job = asyncio.ensure_future(b.submit([long_text], labels, 0.3))
        for _ in range(1000):  # until the long request is planned and waiting
            if b.queued:
                break
            await asyncio.sleep(0.01)
        short = await b.submit(["tom ."], ["person"], 0.3)
        long_done_first = long_job.done()
        long_spans = await long_job
        await b.close()
        return short, long_spans, long_done_first, b.stats

    short, long_spans, long_done_first, stats = asyncio.run(main())
    with_short = [i for i, kinds in enumerate(calls) if "short" in kinds]
    assert not long_done_first and len(with_short) == 1
    assert "long" in calls[with_short[0] - 1] and "long" in calls[with_short[0] + 1]  # in the middle of the document
    assert stats.windows > 1500  # the long document really is long
    assert short == model.extract_batch(["tom ."], ["person"], threshold=0.3)
    assert long_spans == model.extract_batch([long_text], labels, threshold=0.3)


def test_model_calls_are_sized_to_the_measured_speed_and_short_requests_go_first(model):
    """The token budget of a call follows the measured tokens/s (about max_call_ms of work), within max_tokens and
    never under two full windows; requests with fewest windows left are served first, and a window that does not
    fit makes its request sit the call out instead of ending the call for everyone behind it."""
    from metaie.serve.batcher import MicroBatcher, _Job

    async def main():
        b = MicroBatcher(model, max_call_ms=100, max_tokens=5000, first_call_tokens=300)
        loop = asyncio.get_running_loop()
        long_job = _Job(model.plan([" ".join(GOOD * 300)], ["person"]), 0.5, False, loop.create_future())
        b._active.append(long_job)
        sizes = []
        for rate in (None, 2000.0, 20000.0, 1e9):
            b.tokens_per_s, long_job.next = rate, 0
            sizes.append((b.token_budget(), sum(len(long_job.plan.windows[i]) for _, i in b._pick())))
        b.tokens_per_s, long_job.next = 10.0, 0   # a budget under one window: the floor of two windows (64 tokens)
        short_jobs = [_Job(model.plan(["tom ."], LABELS), 0.5, False, loop.create_future()) for _ in range(3)]
        b._active += short_jobs
        picked = b._pick()
        for j in b._active:
            j.future.cancel()
        return sizes, picked, short_jobs, long_job

    sizes, picked, short_jobs, long_job = asyncio.run(main())
    assert [budget for budget, _ in sizes] == [300, 200, 2000, 5000]
    assert all(budget - 32 < used <= budget for budget, used in sizes), sizes  # windows of at most 32 tokens
    shorts = {id(j) for j in short_jobs}
    assert picked[0][0] is not long_job and {id(j) for j, _ in picked} >= shorts  # every short request advances
    assert sum(len(j.plan.windows[i]) for j, i in picked) <= 64 and any(j is long_job for j, _ in picked)
