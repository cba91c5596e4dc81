"""Distillation under injected faults, random latency (some past the client timeout), concurrency 8-32 and
a CPU-starved client: every sampled sentence ends as exactly one of a record, a rejected sentence or a
failure (with exit 3), and resumed runs end with the same set as a run without faults.

A heavier version (the issue's 300 sentences, subprocesses, SIGKILL and resume): bench/distill_faults.py.
"""
from __future__ import annotations

import json
import random
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

from metaie.cli.main import main
from metaie.distill.corpus import sample_sentences

# Many concurrent teacher calls with faults, beside a thread that hogs the GIL. Measured on a 2-core machine: 10 s
# while other processes kept both cores busy, 220 s with the cores idle (py-spy: the event loop waits in
# Thread.start for the openai client's worker threads); the suite's 300 s limit is for hangs, so it gets more room.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

N_SENTENCES, CONCURRENCY, MAX_ROUNDS = 40, (8, 32, 16), 8


@contextmanager
def starved_client():
    """A pure-Python busy thread holding the GIL in long slices: the client's event loop runs late."""
    stop = threading.Event()

    def burn() -> None:
        while not stop.is_set():
            sum(range(20_000))

    old = sys.getswitchinterval()
    sys.setswitchinterval(0.01)
    t = threading.Thread(target=burn, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(old)


def distill(base_url: str, corpus: Path, out: Path, *extra: str) -> int:
    """One ``metaie distill`` through the CLI entry point; its exit code."""
    argv = ["distill", "--corpus", str(corpus), "--out", str(out), "--base-url", base_url, "--model", "fake",
            "--no-progress", "--retry-base", "0.01", "--retry-max", "0.05", *extra]
    try:
        main(argv)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def outcome_ids(out: Path) -> tuple[list[str], list[str], list[str]]:
    """Sentence ids of the records, reject rows and failures a run wrote, read back from its files."""
    def ids(name: str) -> list[str]:
        return [json.loads(line)["id"] for line in (out / name).read_text().splitlines()]
    return ids("distill.jsonl"), ids("rejects.jsonl"), ids("failed.jsonl")


def assert_accounted(sampled: set[str], out: Path) -> list[str]:
    records, rejects, failed = outcome_ids(out)
    assert max(Counter(records + failed).values()) == 1          # no sentence twice
    rejected = set(rejects) - set(records) - set(failed)
    assert set(records) | rejected | set(failed) == sampled      # none absent, none extra
    return failed


def calm_resume(fake, corpus: Path, out: Path) -> int:
    """Resume a run with the faults and the latency off (what a user does after a bad spell of the teacher)."""
    every, latency = fake.every, fake.latency_range
    fake.every, fake.latency_range = {}, (0.0, 0.0)
    try:
        return distill(fake.base_url, corpus, out, "--concurrency", "4")
    finally:
        fake.every, fake.latency_range = every, latency


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("".join(f"Report {i} says Anna Smith met Bob Jones in Paris on day {i}.\n"
                            for i in range(N_SENTENCES)))
    return path


def test_faults_and_races_never_lose_a_sentence(fake_openai, corpus, tmp_path):
    sampled = {s.id for s in sample_sentences([corpus])}
    assert len(sampled) == N_SENTENCES
    assert distill(fake_openai.base_url, corpus, tmp_path / "clean", "--concurrency", "4") == 0
    reference = (tmp_path / "clean" / "distill.jsonl").read_bytes()

    fake_openai.every = {5: {"kind": "429", "retry_after": 0.05}, 7: {"kind": "500"}}
    fake_openai.latency_range = (0.0, 0.2)            # a quarter of the answers come after the 0.15 s timeout
    errors: Counter = Counter()
    with starved_client():
        for trial in range(len(CONCURRENCY)):
            fake_openai.rng = random.Random(100 + trial)
            out = tmp_path / f"run{trial}"
            args = ("--concurrency", str(CONCURRENCY[trial]), "--timeout", "0.15", "--max-attempts", "4")
            for _ in range(MAX_ROUNDS):                # resume until every sentence is answered
                code = distill(fake_openai.base_url, corpus, out, *args)
                failed = assert_accounted(sampled, out)
                assert code == (3 if failed else 0), (code, failed)
                errors.update(json.loads((out / "manifest.json").read_text())["usage"]["errors_by_kind"])
                if not failed:
                    break
            if failed:  # a machine slow enough keeps timing out: finish calmly, the set must still be the same
                code = calm_resume(fake_openai, corpus, out)
                assert code == 0 and not assert_accounted(sampled, out)
            assert (out / "distill.jsonl").read_bytes() == reference, f"trial {trial} differs"
    assert errors["rate_limit"] and errors["server"] and errors["timeout"], errors   # the faults happened
