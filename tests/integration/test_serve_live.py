"""A real ``metaie serve`` process on loopback with the tiny model: HTTP end to end, and the web page in chromium."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.server]  # a real uvicorn server in a subprocess

SRC = str(Path(__file__).resolve().parents[2] / "src")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TEXT = "tom was born in paris in 1990 ."
OWN_THRESHOLD = 0.35


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_backbone, tmp_path_factory):
    from metaie.model.tagger import MetaIE
    model = MetaIE.from_backbone(str(tiny_backbone), max_length=32, stride=8, device="cpu")
    model.config.threshold = OWN_THRESHOLD  # the threshold it serves when a request names none
    model_dir = model.save_pretrained(tmp_path_factory.mktemp("serve") / "tiny")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log = open(tmp_path_factory.mktemp("log") / "server.log", "w+")  # noqa: SIM115 - the server's log, closed at teardown
    proc = subprocess.Popen([sys.executable, "-m", "metaie", "serve", "--model", str(model_dir), "--port", str(port),
                             "--threads", "1", "--max-body-bytes", "200000", "--log-level", "warning"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"server exited with {proc.returncode}: {log.read()[-2000:]}")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("server did not answer /health within 90 s")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_real_http_extract_concurrent_and_oversized(server):
    payload = {"text": TEXT, "labels": ["person", "location"], "threshold": 0.0}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: httpx.post(server + "/extract", json=payload, timeout=30), range(24)))
    assert all(r.status_code == 200 for r in answers)
    first = answers[0].json()["results"][0]["spans"]
    assert first and all(r.json()["results"][0]["spans"] == first for r in answers)
    assert all(TEXT[s["start"]:s["end"]] == s["text"] for s in first)
    big = httpx.post(server + "/extract", json={"text": "x" * 10_000_000, "labels": ["person"]}, timeout=60)
    assert big.status_code == 413 and "--max-body-bytes" in big.json()["error"]

    def chunks():  # no Content-Length: the limit is enforced while the body streams in
        for _ in range(40):
            yield b" " * 10_000
    streamed = httpx.post(server + "/extract", content=chunks(), headers={"content-type": "application/json"},
                          timeout=30)
    assert streamed.status_code == 413
    bad = httpx.post(server + "/extract", content=b'{"text": "caf\xe9"}', headers={"content-type": "application/json"})
    assert bad.status_code == 400 and "UTF-8" in bad.json()["error"]
    health = httpx.get(server + "/health").json()
    assert health["status"] == "ok" and health["jobs"] >= 24
    assert httpx.post(server + "/extract", json=payload, timeout=30).status_code == 200


def test_hostile_client_gets_422_and_keeps_its_connection_while_others_are_served(server):
    """A lone surrogate once gave its batch-mates plain-text 500s and its sender a dropped connection."""
    good = {"text": TEXT, "labels": ["person", "location"], "threshold": 0.0}
    with httpx.Client(base_url=server, timeout=30) as hostile, ThreadPoolExecutor(8) as pool:
        others = [pool.submit(httpx.post, server + "/extract", json=good, timeout=30) for _ in range(16)]
        for _ in range(5):
            r = hostile.post("/extract", content=b'{"text": "tom \\ud800", "labels": ["person"]}',
                             headers={"content-type": "application/json"})
            assert r.status_code == 422 and "text holds a lone surrogate" in r.json()["error"]
            assert hostile.post("/extract", json=good).status_code == 200  # same keep-alive connection
        assert all(f.result().status_code == 200 for f in others)


def test_web_page_highlights_spans_in_chromium(server):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.goto(server + "/", timeout=30_000)
            page.wait_for_function("document.getElementById('model-info').textContent.startsWith('Model:')",
                                   timeout=30_000)
            assert float(page.input_value("#threshold")) == OWN_THRESHOLD  # the model's own, from /info
            page.fill("#text", TEXT)
            page.fill("#labels", "person, location")
            page.fill("#threshold", "0")
            page.click("#run")
            page.wait_for_selector("#result mark.ent", timeout=30_000)
            marks = page.locator("#result mark.ent")
            assert marks.count() > 0
            labels = {marks.nth(i).get_attribute("data-label") for i in range(marks.count())}
            assert labels <= {"person", "location"}
            assert float(marks.first.get_attribute("data-score")) >= 0.0
            assert page.inner_text("#result").replace("\n", "").startswith(TEXT.split()[0])
            assert "span" in page.inner_text("#status")
            # A request the server refuses shows its message instead of spans.
            page.fill("#labels", ",".join(f"l{i}" for i in range(40)))
            page.click("#run")
            page.wait_for_selector("#status.error", timeout=30_000)
            assert "limit is 32" in page.inner_text("#status")
        finally:
            browser.close()
