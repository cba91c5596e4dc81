"""The HTTP server on the tiny model: endpoints, micro-batching, limits and bad input (in-process client)."""
from __future__ import annotations

import asyncio

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


def test_model_errors_answer_500_and_the_worker_survives(model):
    class Broken:
        config = model.config

        def __init__(self):
            self.calls = 0

        def extract_batch(self, texts, labels, **kw):
            self.calls += 1
            if self.calls == 1:
                raise RuntimeError("boom")
            return model.extract_batch(texts, labels, **kw)

    with TestClient(create_app(Broken()), raise_server_exceptions=False) as c:
        assert c.post("/extract", json={"text": TEXT, "labels": ["person"]}).status_code == 500
        assert c.post("/extract", json={"text": TEXT, "labels": ["person"]}).status_code == 200
