"""The benchmark runner with a fake, slow run: two workers on one --out, end-of-run counts, the report tables."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from metaie.errors import ConfigError
from metaie.evaluation import benchmark
from metaie.evaluation.benchmark import run_benchmark
from metaie.evaluation.report import markdown, summarise

pytestmark = [pytest.mark.slow]  # benchmark worker processes

SRC = Path(__file__).parents[2] / "src"


def fake_row(r: dict, f1: float = 0.5, task: str = "ner", metric: str = "entity", settings=None) -> dict:
    """A finished run's row as run_one returns it, without fine-tuning or evaluating anything."""
    return {**r, "task": task, "metric": metric, "f1": f1, "precision": f1, "recall": f1, "test_examples": 2,
            "test_in_split": 2, "subsampled": False, "eval_seconds": 0.0, "fit": {}, "metrics": {},
            "settings": settings}


def _config(tmp_path: Path) -> Path:
    cfg = {"datasets": ["d1", "d2"], "shots": [1], "seeds": [1, 2, 3], "start_points": {"meta": {"backbone": None}},
           "zero_shot": {"datasets": ["d1"], "start_points": ["meta"]}}
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


WORKER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from metaie.evaluation import benchmark

    name, config, out, sync = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])

    def slow_fake_run(cfg, r):
        key = benchmark.run_key(r)
        with open(sync / "calls.log", "a") as f:
            f.write(f"{name} {key}\\n")
        if name == "A" and key == "d1__meta__k1__s1":   # A holds its first run until the test releases it
            (sync / "a_started").touch()
            t0 = time.time()
            while not (sync / "release").exists() and time.time() - t0 < 120:
                time.sleep(0.05)
        time.sleep(0.05)
        s = benchmark.run_settings(cfg, r)
        return {**r, "task": "ner", "metric": "entity", "f1": 0.5, "precision": 0.5, "recall": 0.5,
                "test_examples": 2, "test_in_split": 2, "subsampled": False, "eval_seconds": 0.0, "fit": {},
                "metrics": {}, "settings": s}

    benchmark.run_one = slow_fake_run
    benchmark.run_benchmark(config, out)
""")


def test_two_workers_on_one_out_perform_each_run_once(tmp_path):
    """Before: a worker listed the finished runs once at start, so after its slow first run it re-ran every run
    the other worker had finished (and released) meanwhile."""
    config, out, sync = _config(tmp_path), tmp_path / "res", tmp_path / "sync"
    sync.mkdir()
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, str(script)]
    a = subprocess.Popen([*cmd, "A", str(config), str(out), str(sync)], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        t0 = time.time()
        while not (sync / "a_started").exists():
            assert a.poll() is None and time.time() - t0 < 120, a.stdout.read() if a.poll() is not None else "slow"
            time.sleep(0.05)
        b = subprocess.run([*cmd, "B", str(config), str(out), str(sync)], check=False, env=env,
                           capture_output=True, text=True, timeout=300)
        assert b.returncode == 0, b.stderr
    finally:
        (sync / "release").touch()
        a_out = a.communicate(timeout=300)[0]
    assert a.returncode == 0, a_out
    calls = Counter(line.split()[1] for line in (sync / "calls.log").read_text().splitlines())
    keys = [benchmark.run_key(r) for r in benchmark.plan(benchmark.load_config(config))]
    assert calls == Counter(keys)  # every run performed exactly once, by one worker or the other
    assert "1 run(s) still running in another process (d1__meta__k1__s1)" in b.stdout
    assert a_out.count("(finished by another process)") == len(keys) - 1
    assert "7 run(s)" in (out / "results.md").read_text()


def test_end_of_run_counts_failures_apart_from_runs_held_elsewhere(tmp_path, monkeypatch):
    """Before: 'N run(s) still running in another process' counted failed runs too."""
    config, out = _config(tmp_path), tmp_path / "res"
    (out / "runs").mkdir(parents=True)
    (out / "runs" / "d1__meta__k1__s1.lock").write_text(str(os.getpid()))  # held by a live process

    def fake(cfg, r):
        if benchmark.run_key(r) in ("d1__meta__k1__s2", "d2__meta__k1__s1"):
            raise ConfigError(f"bad data {r['dataset']}")
        return fake_row(r, settings=benchmark.run_settings(cfg, r))
    monkeypatch.setattr(benchmark, "run_one", fake)
    logged: list[str] = []
    with pytest.raises(ConfigError, match=r"2 run\(s\) failed") as e:
        run_benchmark(config, out, log=logged.append)
    assert "d1__meta__k1__s2: bad data d1" in str(e.value) and "d2__meta__k1__s1: bad data d2" in str(e.value)
    assert "1 run(s) still running in another process (d1__meta__k1__s1); that process's reports will cover them" \
        in logged


def test_report_covers_every_finished_run_of_the_folder(tmp_path, monkeypatch):
    """Before: results.md held only the runs the last config planned, with no word on the others."""
    config, out = _config(tmp_path), tmp_path / "res"
    (out / "runs").mkdir(parents=True)
    other = fake_row({"dataset": "rest14", "start": "meta", "k": 5, "seed": 1}, 0.3, "absa", "aspect_polarity",
                     settings={"threshold": 0.3})
    (out / "runs" / "rest14__meta__k5__s1.json").write_text(json.dumps(other))  # from another config
    monkeypatch.setattr(benchmark, "run_one", lambda cfg, r: fake_row(r, settings=benchmark.run_settings(cfg, r)))
    run_benchmark(config, out, log=lambda s: None)
    md = (out / "results.md").read_text()
    assert "| rest14 | absa | aspect_polarity |" in md and "| d1 | ner | entity |" in md
    assert f"8 run(s), 7 of them planned by `{config}`" in md
    assert "1 run(s) were made with different settings than" in md and "rest14__meta__k5__s1" in md
    (out / "runs" / "rest14__meta__k5__s1.json").unlink()
    benchmark.report_only(out, config)
    assert "different settings" not in (out / "results.md").read_text()


def test_tables_name_the_metric_round_sd_once_and_omit_sd_for_one_run():
    rows = [fake_row({"dataset": "conll04", "start": "meta", "k": 5, "seed": s}, f, "re", "relation")
            for s, f in ((1, 0.5), (2, 0.500693))]  # sd 0.049: rounded twice (0.05 -> '0.1') it read 0.1
    rows.append(fake_row({"dataset": "aste_14lap", "start": "meta", "k": 5, "seed": 1}, 0.176, "aste", "triplet"))
    md = markdown(summarise(rows))
    assert "| dataset | task | metric | test | meta |" in md
    assert "| conll04 | re | relation | 2 | 50.0 ± 0.0 (n=2) |" in md
    assert "| aste_14lap | aste | triplet | 2 | 17.6 (n=1) |" in md
    assert "± 0.0 (n=1)" not in md
    # Before: a dev-split benchmark's table headed its sample column "test"
    assert "| dataset | task | metric | dev | meta |" in markdown(summarise(rows), split="dev")


PUBLISHED = ["crossner_ai", "crossner_literature", "crossner_music", "crossner_politics", "crossner_science",
             "mit_movie", "mit_restaurant"]


def _zs(names, task="ner", metric="entity", f1=0.3):
    return [fake_row({"dataset": d, "start": "meta", "k": 0, "seed": 0}, f1, task, metric) for d in names]


def test_zero_shot_footer_never_averages_across_tasks_and_cites_published_figures_only_on_their_datasets():
    """Before: an NER set and an ABSA set were averaged together, under the published UniNER/GLiNER averages."""
    md = markdown(summarise(_zs(["conll2003"], f1=0.4) + _zs(["rest14"], "absa", "aspect_polarity", 0.0)))
    assert "Average" not in md and "UniNER" not in md
    md = markdown(summarise(_zs(PUBLISHED[:6]) + _zs(["conll2003"])))  # 7 NER sets, but not the published 7
    assert "Average of meta over 7 ner datasets (entity F1): 30.0" in md and "UniNER" not in md
    md = markdown(summarise(_zs(PUBLISHED) + _zs(["rest14", "laptop14"], "absa", "aspect_polarity", 0.1)))
    assert "Average of meta over 7 ner datasets (entity F1): 30.0" in md
    assert "Average of meta over 2 absa datasets (aspect_polarity F1): 10.0" in md
    assert "Published on the same 7 NER test sets (full), for context: UniNER-7B 53.4" in md
    assert "over 9" not in md
