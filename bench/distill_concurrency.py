"""Distillation throughput against the loopback fake OpenAI server with a fixed latency.

Reports requests per second at each concurrency as a share of the ideal (concurrency / latency).
Measures only; asserts nothing. Usage: ``python bench/distill_concurrency.py [--latency 0.2]``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from fake_openai import FakeOpenAI  # noqa: E402

from metaie.distill.accounting import Usage  # noqa: E402
from metaie.distill.runner import Job, query_all  # noqa: E402
from metaie.teacher.cache import ResponseCache, cache_key  # noqa: E402
from metaie.teacher.openai_backend import OpenAITeacher  # noqa: E402
from metaie.teacher.prompts import load_template  # noqa: E402


def one(srv: FakeOpenAI, concurrency: int, n: int, tag: str) -> dict:
    teacher = OpenAITeacher("bench", base_url=srv.base_url, concurrency=concurrency, timeout=30)
    tpl = load_template("metaie-v1")
    jobs = []
    for i in range(n):
        msgs = tpl.render(f"Tom Smith number {i} visited Paris in run {tag}.")
        jobs.append(Job(f"s{i}", msgs, cache_key("openai", "bench", teacher.params(), tpl.version, msgs)))
    usage = Usage()
    t0 = time.perf_counter()
    asyncio.run(query_all(jobs, teacher, ResponseCache(":memory:"), usage, concurrency=concurrency))
    secs = time.perf_counter() - t0
    ideal = concurrency / srv.latency
    return {"concurrency": concurrency, "requests": usage.responses, "seconds": round(secs, 3),
            "req_per_s": round(usage.responses / secs, 2), "ideal_req_per_s": round(ideal, 2),
            "share_of_ideal": round(usage.responses / secs / ideal, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--settings", default="1:24,8:96,32:192", help="concurrency:requests,...")
    a = ap.parse_args()
    rows = []
    with FakeOpenAI(latency=a.latency) as srv:
        for k, spec in enumerate(a.settings.split(",")):
            c, n = (int(x) for x in spec.split(":"))
            rows.append(one(srv, c, n, str(k)))
            print(json.dumps(rows[-1]), flush=True)
    print("\n| concurrency | requests | req/s | ideal req/s | share of ideal |\n|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['concurrency']} | {r['requests']} | {r['req_per_s']} | {r['ideal_req_per_s']} | "
              f"{r['share_of_ideal']:.0%} |")


if __name__ == "__main__":
    main()
