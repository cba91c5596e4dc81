"""Load test of ``metaie serve`` on loopback: N concurrent clients x M requests; requests/s, p50/p95 latency, errors.

Starts the server as a subprocess on a free 127.0.0.1 port, waits for /health, runs the clients
(bounded by --requests per client and --max-seconds in all), prints and optionally saves the figures.
With ``--long-clients K`` the same short-request load runs a second time while K more clients keep
sending long texts (``--long-chars`` characters, 2 labels) back to back, and the short requests'
p50/p95 are reported with and without them, side by side, with their ratio (head-of-line blocking).
``--src DIR`` runs the server from another source tree (e.g. an older checkout) for a before/after.

    python bench/serve_load.py --model tiny --clients 32 --requests 50
    python bench/serve_load.py --model default --clients 16 --requests 10
    python bench/serve_load.py --model tiny --clients 8 --requests 40 --long-clients 2 --long-chars 40000
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _data import conll_sentences

ROOT = Path(__file__).resolve().parents[1]


def build_model(kind: str, tmp: Path) -> str:
    """A model directory: a given path, the tiny test model ('tiny') or embedded MiniLM-L6 untrained ('default')."""
    if kind not in ("tiny", "default"):
        return kind
    from metaie.model.tagger import MetaIE
    if kind == "default":
        return str(MetaIE.from_backbone(device="cpu").save_pretrained(tmp / "default"))
    sys.path.insert(0, str(ROOT / "tests"))
    import torch
    from conftest import build_tokenizer
    from transformers import BertConfig, BertForTokenClassification
    torch.manual_seed(0)
    tok = build_tokenizer()
    cfg = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=2048, num_labels=3)
    BertForTokenClassification(cfg).save_pretrained(tmp / "tiny-bert")
    tok.save_pretrained(tmp / "tiny-bert")
    return str(MetaIE.from_backbone(str(tmp / "tiny-bert"), device="cpu").save_pretrained(tmp / "tiny"))


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


async def long_client(base: str, text: str, stop: asyncio.Event, lat: list, errors: list) -> None:
    """Send one long text with 2 labels again and again until ``stop`` is set."""
    async with httpx.AsyncClient(base_url=base, timeout=600) as c:
        while not stop.is_set():
            await timed_post(c, {"text": text, "labels": ["person", "location"]}, lat, errors)


async def timed_post(c, body: dict, lat: list, errors: list) -> None:
    """POST /extract once; its latency goes to ``lat``, a failure to ``errors``."""
    t = time.perf_counter()
    try:
        r = await c.post("/extract", json=body)
    except httpx.HTTPError as e:
        errors.append(type(e).__name__)
        return
    if r.status_code != 200:
        errors.append(f"HTTP {r.status_code}: {r.text[:100]}")
        return
    lat.append(time.perf_counter() - t)


def short_load(base: str, texts: list[str], labels: list[str], a, long_text: str | None) -> dict:
    """Run the short clients (and, with ``long_text``, the long clients beside them); their figures."""
    lat: list[float] = []
    errors: list[str] = []
    long_lat: list[float] = []
    start = time.perf_counter()
    deadline = start + a.max_seconds

    async def run_all():
        stop = asyncio.Event()
        longs = [asyncio.ensure_future(long_client(base, long_text, stop, long_lat, errors))
                 for _ in range(a.long_clients if long_text else 0)]
        if longs:
            await asyncio.sleep(1.0)  # the long requests are in the server before the short ones start
        await asyncio.gather(*(client(base, texts, labels, a.requests, deadline, lat, errors, i)
                               for i in range(a.clients)))
        stop.set()
        await asyncio.gather(*longs)
    asyncio.run(run_all())
    wall = time.perf_counter() - start
    res = {"completed": len(lat), "errors": len(errors), "error_kinds": sorted(set(errors))[:5],
           "seconds": round(wall, 2), "requests_per_s": round(len(lat) / wall, 1),
           "p50_ms": round(1000 * percentile(lat, 0.5), 1), "p95_ms": round(1000 * percentile(lat, 0.95), 1),
           "mean_ms": round(1000 * statistics.mean(lat), 1) if lat else None}
    if long_text:
        res.update(long_requests=len(long_lat), long_p50_ms=round(1000 * percentile(long_lat, 0.5), 1))
    return res


async def client(base: str, texts: list[str], labels: list[str], n: int, deadline: float, lat: list, errors: list,
                 cid: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        for i in range(n):
            if time.perf_counter() > deadline:
                return
            await timed_post(c, {"text": texts[(cid * n + i) % len(texts)], "labels": labels, "threshold": 0.5},
                             lat, errors)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="tiny", help="model directory, 'tiny' or 'default'")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--requests", type=int, default=50, help="requests per client")
    ap.add_argument("--labels", default="person,location,organization")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--long-clients", type=int, default=0, help="clients sending long texts in a second run")
    ap.add_argument("--long-chars", type=int, default=40_000, help="length of each long text")
    ap.add_argument("--src", default=str(ROOT / "src"), help="source tree the server runs from")
    ap.add_argument("--server-args", default="", help="extra options for metaie serve, e.g. '--max-batch-tokens 4096'")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    labels = a.labels.split(",")
    texts = conll_sentences(500)
    if a.model == "tiny":  # the tiny vocabulary knows only the fixture words
        texts = ["tom was born in paris in 1990 .", "anna lives in london and works at acme corp .",
                 "bob met mary on monday .", "google bought youtube for money ."]
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_model(a.model, Path(tmp))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cmd = [sys.executable, "-m", "metaie", "serve", "--model", model_dir, "--port", str(port),
               "--log-level", "warning", "--max-text-chars", str(max(100_000, a.long_chars))]
        cmd += (["--threads", str(a.threads)] if a.threads else []) + a.server_args.split()
        env = dict(os.environ, PYTHONPATH=a.src)
        proc = subprocess.Popen(cmd, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(base + "/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            httpx.post(base + "/extract", json={"text": texts[0], "labels": labels}, timeout=120)  # warm-up
            short = short_load(base, texts, labels, a, None)
            long_text = None
            if a.long_clients:
                long_text = " ".join(texts)
                while len(long_text) < a.long_chars:
                    long_text += " " + long_text
                long_text = long_text[:a.long_chars].rsplit(" ", 1)[0]
                with_long = short_load(base, texts, labels, a, long_text)
            health = httpx.get(base + "/health").json()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    res = {"model": a.model, "src": a.src, "clients": a.clients, "requests_per_client": a.requests,
           "labels": len(labels), **short,
           "server_batches": health["batches"], "mean_requests_per_batch": health["mean_jobs_per_batch"],
           "max_requests_per_batch": health["max_jobs_in_batch"]}
    if long_text:
        res["with_long_texts"] = {"long_clients": a.long_clients, "long_chars": len(long_text), **with_long}
        res["short_p95_ratio_with_long"] = round(with_long["p95_ms"] / short["p95_ms"], 1)
    print(json.dumps(res, indent=2))
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
