"""Issue 17 as a user ran it: ``metaie distill`` subprocesses against a loopback server that answers every
5th request with 429 (Retry-After: 1) and every 7th with 500, several times, some runs killed with SIGKILL
and resumed, optionally with busy processes starving the machine.

For each run: exit code, records / rejected / failed read back from the files, whether every sampled
sentence is exactly one of them, whether the exit code says so (3 iff failed.jsonl is non-empty), and
whether the set, resumed until complete, equals the first complete one. Measures only; asserts nothing.
Usage: ``python bench/distill_faults.py [--runs 12] [--sentences 300] [--kill-every 2] [--hogs 2]``.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from fake_openai import FakeOpenAI  # noqa: E402

from metaie.distill.corpus import sample_sentences  # noqa: E402


def _burn() -> None:
    while True:
        sum(range(100_000))


def _ids(out: Path, name: str) -> list[str]:
    return [json.loads(line)["id"] for line in (out / name).read_text().splitlines()]


def _distill(corpus: Path, out: Path, url: str, a: argparse.Namespace, kill_after: float | None) -> int | None:
    """One subprocess run; with ``kill_after`` it is killed with SIGKILL after that many seconds."""
    cmd = [sys.executable, "-m", "metaie", "distill", "--corpus", str(corpus), "--out", str(out), "--base-url", url,
           "--model", "fake-llm", "--no-progress", "--concurrency", str(a.concurrency), "--timeout", str(a.timeout)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


def one_run(k: int, corpus: Path, sampled: set[str], url: str, work: Path, a: argparse.Namespace) -> dict:
    out = work / f"run{k}"
    killed = bool(a.kill_every) and k % a.kill_every == a.kill_every - 1
    t0 = time.perf_counter()
    code = _distill(corpus, out, url, a, random.Random(k).uniform(2, 6) if killed else None)
    rounds, first = 1, None
    while True:
        if code is not None:
            records, rejects, failed = (_ids(out, n) for n in ("distill.jsonl", "rejects.jsonl", "failed.jsonl"))
            rejected = set(rejects) - set(records) - set(failed)
            ok = (len(records) + len(failed) == len(set(records) | set(failed))
                  and set(records) | rejected | set(failed) == sampled)
            first = first or {"exit": code, "records": len(records), "rejected": len(rejected),
                              "failed": len(failed), "accounted": ok, "exit_ok": code == (3 if failed else 0)}
            if not failed:
                break
        if rounds >= 10:
            break
        code, rounds = _distill(corpus, out, url, a, None), rounds + 1
    return {"run": k, "killed": killed, **(first or {}), "rounds": rounds,
            "seconds": round(time.perf_counter() - t0, 1), "set": (out / "distill.jsonl").read_bytes()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=12)
    ap.add_argument("--sentences", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=60.0, help="client timeout (--timeout of metaie distill)")
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--max-latency", type=float, default=None, help="random latency in [0, this] instead")
    ap.add_argument("--kill-every", type=int, default=2, help="kill every n-th run with SIGKILL, then resume")
    ap.add_argument("--hogs", type=int, default=0, help="busy processes starving the machine")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="distill-faults-"))
    corpus = work / "corpus.txt"
    corpus.write_text("".join(f"Paragraph {i}: Anna Smith met Bob Jones in Paris on day {i} of the visit.\n"
                              for i in range(a.sentences)))
    sampled = {s.id for s in sample_sentences([corpus])}
    hogs = [multiprocessing.Process(target=_burn, daemon=True) for _ in range(a.hogs)]
    for h in hogs:
        h.start()
    rows = []
    try:
        with FakeOpenAI(latency=a.latency) as srv:
            srv.every = {5: {"kind": "429", "retry_after": 1}, 7: {"kind": "500"}}
            if a.max_latency:
                srv.latency_range = (0.0, a.max_latency)
            for k in range(a.runs):
                rows.append(one_run(k, corpus, sampled, srv.base_url, work, a))
                print(json.dumps({key: v for key, v in rows[-1].items() if key != "set"}), flush=True)
    finally:
        for h in hogs:
            h.terminate()
    sets = {r["set"] for r in rows}
    print(f"\n{len(sampled)} sentences, {a.runs} runs ({sum(r['killed'] for r in rows)} killed and resumed), "
          f"concurrency {a.concurrency}, {a.hogs} busy processes")
    print("| runs with failures | accounting broken | wrong exit code | distinct finished sets |\n"
          "|---:|---:|---:|---:|")
    print(f"| {sum(r['failed'] > 0 for r in rows)} | {sum(not r['accounted'] for r in rows)} | "
          f"{sum(not r['exit_ok'] for r in rows)} | {len(sets)} |")


if __name__ == "__main__":
    main()
