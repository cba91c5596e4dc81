"""Kill a distillation with SIGKILL mid-run, start it again: same set as an uninterrupted run."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]  # kills and resumes distill subprocesses

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _cmd(corpus: Path, out: Path, base_url: str) -> list[str]:
    return [sys.executable, "-m", "metaie", "distill", "--corpus", str(corpus), "--out", str(out),
            "--base-url", base_url, "--model", "fake", "--concurrency", "3", "--no-progress",
            "--retry-base", "0.01", "--negatives", "3"]


def _cached_sentences(db: Path) -> set[str]:
    import json
    con = sqlite3.connect(db)
    rows = con.execute("SELECT messages FROM responses").fetchall()
    con.close()
    return {json.loads(m)[-1]["content"].split("\n")[1] for (m,) in rows}


def test_sigkill_then_resume_equals_uninterrupted_run(fake_openai, corpus_file, tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC}
    fake_openai.latency = 0.05
    killed = tmp_path / "killed"
    proc = subprocess.Popen(_cmd(corpus_file, killed, fake_openai.base_url), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while sum(fake_openai.sentences.values()) < 10 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (killed / "distill.jsonl").exists()
    cached = _cached_sentences(killed / "cache.sqlite")
    assert 5 <= len(cached) < 30
    before = len(fake_openai.requests)

    subprocess.run(_cmd(corpus_file, killed, fake_openai.base_url), env=env, check=True, capture_output=True)
    resumed = [b["messages"][0]["content"].split("\n")[1] for b in fake_openai.requests[before:]]
    assert not cached & set(resumed)          # no paid call repeated for a cached sentence
    assert len(resumed) == len(set(resumed)) == 30 - len(cached)

    full = tmp_path / "full"
    subprocess.run(_cmd(corpus_file, full, fake_openai.base_url), env=env, check=True, capture_output=True)
    assert (killed / "distill.jsonl").read_bytes() == (full / "distill.jsonl").read_bytes()
    assert len((full / "distill.jsonl").read_text().splitlines()) == 30
