"""Few-shot sampling, fine-tuning, evaluation, the CLI and the benchmark runner end to end on the tiny model."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from metaie.cli.main import main
from metaie.datasets import load_split
from metaie.datasets.schemas import task_schema
from metaie.errors import ConfigError
from metaie.evaluation.evaluate import evaluate
from metaie.model.tagger import MetaIE
from metaie.pipeline import Extractor
from metaie.tasks.fewshot import sample_k_shot
from metaie.tasks.registry import THRESHOLDS, make_adapter
from metaie.training import TrainArgs
from metaie.training.finetune import TUNE_GRID, StartPoint, few_shot_set, finetune

pytestmark = [pytest.mark.slow]  # few-shot fine-tuning and benchmark runs

FIX = Path(__file__).parents[1] / "fixtures" / "tasks"
TINY_NER, TINY_RE = FIX / "tiny_ner", FIX / "tiny_re"


def test_fixture_text_in_tiny_vocab(assert_no_unk):
    for folder in (TINY_NER, TINY_RE):
        for ex in load_split(folder, "train"):
            assert_no_unk(ex.text)


def test_k_shot_sampling_is_seeded_and_covers_every_label():
    s = task_schema(TINY_RE, None, "re")
    a = few_shot_set(TINY_RE, s, 1, seed=3)
    assert [e.id for e in a] == [e.id for e in few_shot_set(TINY_RE, s, 1, seed=3)]
    counts = sum((make_adapter(s).label_counts(e) for e in a), start=__import__("collections").Counter())
    assert counts["Work_For"] >= 1 and counts["Live_In"] >= 1
    ids = {tuple(e.id for e in few_shot_set(TINY_RE, s, 1, seed=k)) for k in range(6)}
    assert len(ids) > 1  # different seeds, different sets
    with pytest.raises(ConfigError, match="K=4 is larger than the data allows"):
        few_shot_set(TINY_RE, s, 4, seed=1)
    # the benchmark's choice for tiny training sets: a label short of K mentions gets all it has
    pool = load_split(TINY_RE, "train")
    allc = sum((make_adapter(s).label_counts(e) for e in pool), start=__import__("collections").Counter())
    got = few_shot_set(TINY_RE, s, 4, seed=1, take_all_short=True)
    gotc = sum((make_adapter(s).label_counts(e) for e in got), start=__import__("collections").Counter())
    assert all(gotc[lab] >= min(4, allc[lab]) for lab in ("Work_For", "Live_In"))
    with pytest.raises(ConfigError, match="at least 1"):
        sample_k_shot([], make_adapter(s), 0, 1)


def test_extractor_returns_task_structures(tiny_tagger):
    ex = Extractor(tiny_tagger, task="re", schema=task_schema(TINY_RE, None, "re"), threshold=0.0)
    out = ex.extract("tom works at acme corp .")
    assert out.entities and all(out.text[e.start:e.end] == e.text for e in out.entities)
    assert all(r.head in out.entities for r in out.relations)
    with pytest.raises(ConfigError, match="does not match"):
        Extractor(tiny_tagger, task="ner", schema=task_schema(TINY_RE, None, "re"))


def test_finetune_then_evaluate(tiny_backbone, tmp_path):
    start = StartPoint("vanilla", backbone=str(tiny_backbone))
    model, res, info = finetune(start, TINY_RE, 1, 1, tmp_path / "m", TrainArgs(epochs=2, batch_size=4, progress=False))
    assert res.steps > 0 and info["queries"] > info["examples"] > 0
    assert (tmp_path / "m" / "finetune.json").exists()
    r = evaluate(model, TINY_RE, "test", limit=3)
    assert r["examples"] == 3 and r["subsampled"] and set(r["metrics"]) == {"relation", "entity"}
    assert 0.0 <= r["f1"] <= 1.0


def test_finetune_stores_the_threshold_its_model_decodes_at(tiny_backbone, tmp_path):
    """Its task family's by default, a given one, or the best on a dev split; the saved model decodes at it."""
    start, args = StartPoint("vanilla", backbone=str(tiny_backbone)), TrainArgs(epochs=1, batch_size=4, progress=False)
    finetune(start, TINY_RE, 1, 1, tmp_path / "fam", args)
    assert MetaIE.from_pretrained(tmp_path / "fam").config.threshold == THRESHOLDS["re"] == 0.4
    assert json.loads((tmp_path / "fam" / "finetune.json").read_text())["threshold"] == {"value": 0.4,
                                                                                          "from": "task family re"}
    finetune(start, TINY_RE, 1, 1, tmp_path / "given", args, threshold=0.65)
    assert MetaIE.from_pretrained(tmp_path / "given").config.threshold == 0.65
    model, _, info = finetune(start, TINY_RE, 1, 1, tmp_path / "dev", args, tune_split="dev", tune_limit=None)
    chosen, f1 = info["threshold"]["value"], info["threshold"]["f1"]
    assert chosen in TUNE_GRID and set(f1) == {str(t) for t in TUNE_GRID} and f1[str(chosen)] == max(f1.values())
    saved = MetaIE.from_pretrained(tmp_path / "dev")
    assert saved.config.threshold == chosen
    assert json.loads((tmp_path / "dev" / "manifest.json").read_text())["finetune"]["threshold"]["value"] == chosen
    r = evaluate(saved, TINY_RE, "dev")  # no threshold: the stored one, and the F1 the choice saw
    assert r["threshold"] == chosen and r["f1"] == pytest.approx(f1[str(chosen)])
    for kw, msg in [({"tune_split": "test"}, "would overstate"), ({"tune_split": "dev", "threshold": 0.5}, "not both"),
                    ({"threshold": 1.5}, r"in \[0, 1\]"), ({"tune_split": "nosuch"}, "no split 'nosuch'")]:
        with pytest.raises(ConfigError, match=msg):
            finetune(start, TINY_RE, 1, 1, tmp_path / "bad", args, **kw)
        assert not (tmp_path / "bad").exists()  # refused before training


def test_thresholds_per_label_on_dev_from_finetune_and_tune_threshold(tiny_backbone, tmp_path, capsys):
    """--per-label stores each label's dev-chosen threshold where it beats the default; the saved model decodes
    at them and scores on dev what the choice saw. `metaie tune-threshold` does the same for a trained model."""
    start, args = StartPoint("vanilla", backbone=str(tiny_backbone)), TrainArgs(epochs=2, batch_size=4, progress=False)
    _, _, info = finetune(start, TINY_RE, 1, 1, tmp_path / "m", args, tune_split="dev", tune_limit=None,
                          per_label=True)
    rec = info["threshold"]
    per = rec["per_label"]
    assert per["f1_before"] == round(rec["f1"][str(rec["value"])], 6) <= per["f1_after"]
    assert per["labels_tuned"] and set(rec["labels"]) <= set(per["labels_tuned"])
    assert all(t in TUNE_GRID and t != rec["value"] for t in rec["labels"].values())
    saved = MetaIE.from_pretrained(tmp_path / "m")
    assert saved.config.label_thresholds == rec["labels"]
    assert evaluate(saved, TINY_RE, "dev")["f1"] == pytest.approx(per["f1_after"], abs=1e-6)
    with pytest.raises(ConfigError, match="chosen on a split"):
        finetune(start, TINY_RE, 1, 1, tmp_path / "bad", args, per_label=True)
    # the same choice for an existing model, from the command line: a tuned copy, the original untouched
    before = (tmp_path / "m" / "metaie.json").read_text()
    main(["tune-threshold", "-m", str(tmp_path / "m"), "--data", str(TINY_RE), "--per-label", "--limit", "0",
          "--out", str(tmp_path / "tuned")])
    out = capsys.readouterr().out
    assert f"default threshold {rec['value']}" in out and "per label" in out
    assert (tmp_path / "m" / "metaie.json").read_text() == before
    tuned = MetaIE.from_pretrained(tmp_path / "tuned")
    manifest = json.loads((tmp_path / "tuned" / "manifest.json").read_text())
    assert (tuned.config.threshold, tuned.config.label_thresholds) == (rec["value"], rec["labels"])
    assert manifest["thresholds"]["labels"] == rec["labels"] and "finetune" in manifest
    for argv, msg in [(["--split", "test"], "would overstate"), (["--split", "nosuch"], "no split 'nosuch'"),
                      (["-m", "metaie-minilm"], "give --out")]:
        with pytest.raises(SystemExit):
            main(["tune-threshold", "-m", str(tmp_path / "m"), "--data", str(TINY_RE), *argv])
        assert msg in capsys.readouterr().err
    assert (tmp_path / "m" / "metaie.json").read_text() == before
    # a model fine-tuned from one with labels' own thresholds starts without them (they were chosen for the other)
    cfg = json.loads((tmp_path / "tuned" / "metaie.json").read_text())
    (tmp_path / "tuned" / "metaie.json").write_text(json.dumps({**cfg, "label_thresholds": {"person": 0.9}}))
    finetune(StartPoint("tuned", model=str(tmp_path / "tuned")), TINY_RE, 1, 1, tmp_path / "again", args)
    assert MetaIE.from_pretrained(tmp_path / "again").config.label_thresholds == {}


def test_cli_finetune_evaluate_and_errors(tiny_backbone, tmp_path, capsys):
    out = tmp_path / "m"
    main(["finetune", "--backbone", str(tiny_backbone), "--task", "ner", "--data", str(TINY_NER), "--shots", "2",
          "--seed", "1", "--out", str(out), "--max-steps", "1", "--min-epochs", "2"])
    queries, steps = map(int, re.search(r"\((\d+) queries, (\d+) steps\)", capsys.readouterr().out).groups())
    assert steps == 2 * -(-queries // 8)  # two passes of batch 8 (more than the 1-step floor)
    main(["evaluate", "--model", str(out), "--task", "ner", "--data", str(TINY_NER), "--split", "test",
          "--json", str(tmp_path / "r.json")])
    text = capsys.readouterr().out
    assert "entity" in text and "F1=" in text and "at threshold 0.5" in text  # NER's stored default
    assert json.loads((tmp_path / "r.json").read_text())["examples"] == 3
    for argv, msg in [(["--data", str(TINY_NER), "--split", "dev"], "no split 'dev'"),
                      (["--data", str(FIX / "unknown")], "unknown dataset format"),
                      (["--data", str(TINY_NER), "--task", "re"], "does not match")]:
        with pytest.raises(SystemExit):
            main(["evaluate", "--model", str(out), *argv])
        assert msg in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["finetune", "--backbone", str(tiny_backbone), "--data", str(TINY_NER), "--shots", "9", "--out",
              str(tmp_path / "x")])
    assert "larger than the data allows" in capsys.readouterr().err


def test_cli_finetune_replays_meta_training_queries(tiny_backbone, tmp_path, capsys):
    """--replay 1 mixes in as many queries of a meta-training source as the shots make, and doubles --max-steps."""
    distill = Path(__file__).parents[1] / "fixtures" / "core" / "distill.jsonl"
    runs = {}
    for name, extra in (("plain", []), ("replay", ["--replay", "1", "--replay-data", str(distill)])):
        main(["finetune", "--backbone", str(tiny_backbone), "--task", "ner", "--data", str(TINY_NER), "--shots", "1",
              "--seed", "1", "--out", str(tmp_path / name), "--max-steps", "6", "--min-epochs", "1", *extra])
        runs[name] = capsys.readouterr().out
    q = int(re.search(r"\((\d+) queries, 6 steps\)", runs["plain"]).group(1))
    assert f"({q} queries + {q} replayed, 12 steps)" in runs["replay"]
    info = json.loads((tmp_path / "replay" / "finetune.json").read_text())
    assert info["replay"] == {"data": str(distill), "ratio": 1.0, "queries": q} and "replay" not in \
        json.loads((tmp_path / "plain" / "finetune.json").read_text())
    with pytest.raises(SystemExit):
        main(["finetune", "--backbone", str(tiny_backbone), "--data", str(TINY_NER), "--out", str(tmp_path / "x"),
              "--replay", "1", "--replay-data", str(tmp_path / "missing.jsonl")])
    assert "missing.jsonl" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_benchmark_end_to_end_with_resume(tiny_backbone, tiny_tagger, tmp_path, capsys):
    meta = tmp_path / "meta"
    tiny_tagger.save_pretrained(meta)
    cfg = {"datasets": [str(TINY_NER), str(TINY_RE)], "shots": [1, 2], "seeds": [1, 2],
           "start_points": {"vanilla": {"backbone": str(tiny_backbone)}, "meta": {"model": str(meta)}},
           "train": {"epochs": 1, "batch_size": 4}, "test_limit": 3,
           "zero_shot": {"datasets": [str(TINY_NER)], "start_points": ["meta"]}}
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = tmp_path / "res"
    main(["benchmark", "--config", str(path), "--out", str(out)])
    runs = sorted((out / "runs").glob("*.json"))
    assert len(runs) == 2 * 2 * 2 * 2 + 1
    md = (out / "results.md").read_text()
    assert "K = 1 shots" in md and "Zero-shot" in md and "sub-sampled" in md and "±" in md
    assert (out / "f1_vs_k_tiny_ner.png").stat().st_size > 1000 and (out / "runs.csv").exists()
    assert len((out / "summary.csv").read_text().strip().splitlines()) == 1 + 2 * 2 * 2 + 1
    capsys.readouterr()
    stamp = {p.name: p.stat().st_mtime_ns for p in runs}
    (out / "runs" / "tiny_re__meta__k2__s2.json").unlink()  # resume: only the missing run is redone
    main(["benchmark", "--config", str(path), "--out", str(out)])
    log = capsys.readouterr().out
    assert log.count("cached") == 16 and log.count("done") == 1
    assert all(p.stat().st_mtime_ns == stamp[p.name] for p in runs if p.name != "tiny_re__meta__k2__s2.json")


def test_benchmark_config_errors(tmp_path):
    p = tmp_path / "b.yaml"
    p.write_text("datasets: [x]\nstart_points: {meta: {model: /no/such/dir}}\nshots: [1]\nseeds: [1]\n")
    from metaie.evaluation.benchmark import run_benchmark
    with pytest.raises(ConfigError, match="does not exist"):
        run_benchmark(p, tmp_path / "o", log=lambda s: None)
    p.write_text(f"datasets: [{TINY_NER}, /no/such/data]\nstart_points: {{v: {{backbone: null}}}}\nshots: [1]\n"
                 "seeds: [1]\ntest_limit: 1\ntrain: {max_steps: 1}\n")
    logged = []
    with pytest.raises(ConfigError, match="1 run\\(s\\) failed") as e:  # the good run is done and reported
        run_benchmark(p, tmp_path / "o", log=logged.append)
    assert "/no/such/data" in str(e.value) and any(x.startswith("done    tiny_ner") for x in logged)
    assert (tmp_path / "o" / "results.md").exists()
    p.write_text("datasets: [x]\nstart_points: {meta: {model: m}}\ntrain: {epoch: 1}\n")
    with pytest.raises(ConfigError, match="unknown FinetuneArgs"):
        run_benchmark(p, tmp_path / "o", log=lambda s: None)


def test_human_schema_records_hold_every_stage(tmp_path):
    from metaie.sources.human import example_record, human_records, parse_source, transfer_datasets
    recs, info = human_records([str(TINY_RE)])
    gold = load_split(TINY_RE, "train")
    assert len(recs) == len(gold) and info["human_datasets"] == {"tiny_re": len(gold)}
    s = task_schema(TINY_RE, None, "re")
    ex = next(e for e in gold if e.relations)
    rec = example_record(make_adapter(s), ex, "tiny_re")
    rel = ex.relations[0]
    tail_label = s.template("tail").format(head=ex.text[rel.head.start:rel.head.end],
                                           relation=s.relations[rel.type]["phrase"])
    # the stage-2 query "<head> <relation>" is a label of the record, answered by the tail
    assert (rel.tail.start, rel.tail.end) in {(x.start, x.end) for x in rec.spans if x.label == tail_label}
    assert not set(rec.negatives) & set(rec.labels)
    assert parse_source("human-except:rest14") == transfer_datasets("rest14") and "rest14" not in parse_source(
        "human-except:rest14") and "aste_14res" not in parse_source("human-except:rest14")
    assert parse_source("human:a, b") == ["a", "b"] and parse_source("bundled") is None
    with pytest.raises(ConfigError, match="name dataset"):
        parse_source("human:")


def test_meta_train_on_human_schema_matched_queries(tiny_backbone, tmp_path, capsys):
    """A human-schema start point trained to exactly as many queries as another model, then benchmarked."""
    a = tmp_path / "a"
    main(["train", "--data", f"human:{TINY_NER}", "--out", str(a), "--backbone", str(tiny_backbone),
          "--epochs", "1", "--batch-size", "4", "--queries", "30", "--max-length", "32", "--stride", "8"])
    man = json.loads((a / "manifest.json").read_text())
    assert man["train_queries"]["queries"] == 30 and man["query_sampling"]["sampled"] == 30
    b = tmp_path / "human-schema-tiny_ner"
    main(["train", "--data", f"human:{TINY_RE}", "--out", str(b), "--backbone", str(tiny_backbone),
          "--epochs", "1", "--batch-size", "4", "--match-queries", str(a), "--max-length", "32", "--stride", "8"])
    assert json.loads((b / "manifest.json").read_text())["train_queries"]["queries"] == 30
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["train", "--data", f"human:{TINY_RE}", "--out", str(tmp_path / "c"), "--match-queries",
              str(tmp_path / "nothing")])
    assert "pass --queries N instead" in capsys.readouterr().err
    cfg = {"datasets": [str(TINY_NER), str(TINY_RE)], "shots": [1], "seeds": [1],
           "start_points": {"vanilla": {"backbone": str(tiny_backbone)},
                            "human": {"model": str(tmp_path / "human-schema-{dataset}"), "datasets": [str(TINY_NER)]}},
           "train": {"max_steps": 3, "batch_size": 4}, "test_limit": 2}
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump(cfg))
    main(["benchmark", "--config", str(path), "--out", str(tmp_path / "res")])
    names = sorted(p.name for p in (tmp_path / "res" / "runs").glob("*.json"))
    assert names == ["tiny_ner__human__k1__s1.json", "tiny_ner__vanilla__k1__s1.json", "tiny_re__vanilla__k1__s1.json"]
    row = json.loads((tmp_path / "res" / "runs" / "tiny_ner__human__k1__s1.json").read_text())
    assert row["fit"]["steps"] == 3
    assert "max_steps" in (tmp_path / "res" / "results.md").read_text()
    (tmp_path / "res" / "results.md").unlink()
    main(["benchmark", "--report", "--out", str(tmp_path / "res")])  # tables from finished runs, nothing re-run
    assert "tiny_ner" in (tmp_path / "res" / "results.md").read_text()
    with pytest.raises(SystemExit):
        main(["benchmark", "--report", "--out", str(tmp_path / "empty")])
    assert "no finished runs" in capsys.readouterr().err
    cfg["start_points"]["human"]["datasets"] = ["elsewhere"]
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(SystemExit):
        main(["benchmark", "--config", str(path), "--out", str(tmp_path / "res")])
    assert "are not in 'datasets'" in capsys.readouterr().err


def test_benchmark_run_claims(tmp_path):
    """Two processes on one results folder: a live claim is skipped, a dead one's stale lock is taken over."""
    import os
    import subprocess
    import sys

    from metaie.evaluation.benchmark import _claim
    lock = tmp_path / "r.lock"
    assert _claim(lock) and lock.read_text() == str(os.getpid())
    assert not _claim(lock)  # held by a live process (this one)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock.write_text(dead.stdout.strip())
    assert _claim(lock) and lock.read_text() == str(os.getpid())


def test_benchmark_refuses_runs_made_with_other_settings(tiny_backbone, tmp_path):
    """A cached run is reused only under the settings it was made with; pacing fields (threads) do not count."""
    from metaie.evaluation.benchmark import run_benchmark
    cfg = {"datasets": [str(TINY_NER)], "shots": [1], "seeds": [1], "test_limit": 2,
           "start_points": {"vanilla": {"backbone": str(tiny_backbone)}},
           "train": {"max_steps": 2, "batch_size": 4, "threads": 1}}
    path, out = tmp_path / "b.yaml", tmp_path / "res"
    path.write_text(yaml.safe_dump(cfg))
    run_benchmark(path, out, log=lambda s: None)
    run = out / "runs" / "tiny_ner__vanilla__k1__s1.json"
    assert json.loads(run.read_text())["settings"]["train"] == {"max_steps": 2, "batch_size": 4}
    cfg["train"]["threads"] = 2
    path.write_text(yaml.safe_dump(cfg))
    logged = []
    run_benchmark(path, out, log=logged.append)
    assert logged[0].startswith("cached")
    cfg["train"]["max_steps"] = 3
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match="other settings") as e:
        run_benchmark(path, out, log=lambda s: None)
    assert str(run) in str(e.value) and "max_steps" in str(e.value)


def test_benchmark_set_overrides_a_setting_for_runs_and_reports(tiny_backbone, tmp_path, capsys):
    """``--set`` runs a config with one setting changed (no near-copy file): the runs record it, the report names
    the command-line way to get it again, ``--report`` reads the same overrides, and a resume without them is
    refused as other settings."""
    cfg = {"datasets": [str(TINY_NER)], "shots": [1], "seeds": [1], "test_limit": 2,
           "start_points": {"vanilla": {"backbone": str(tiny_backbone)}},
           "train": {"max_steps": 2, "batch_size": 4, "threads": 1}}
    path, out = tmp_path / "b.yaml", tmp_path / "res"
    path.write_text(yaml.safe_dump(cfg))
    main(["benchmark", "--config", str(path), "--out", str(out), "--set", "train.max_steps=3",
          "--set", "train.lr=5e-5"])
    run = json.loads((out / "runs" / "tiny_ner__vanilla__k1__s1.json").read_text())
    assert run["settings"]["train"] == {"max_steps": 3, "batch_size": 4, "lr": 5e-5}
    assert run["fit"]["steps"] == 3
    md = (out / "results.md").read_text()
    assert f"1 of them planned by `{path} --set train.max_steps=3 --set train.lr=5e-5`" in md
    assert "different settings" not in md
    main(["benchmark", "--report", "--config", str(path), "--out", str(out), "--set", "train.max_steps=3",
          "--set", "train.lr=5e-5"])
    assert "different settings" not in (out / "results.md").read_text()
    main(["benchmark", "--report", "--config", str(path), "--out", str(out)])  # the file alone: max_steps 2
    assert "1 run(s) were made with different settings" in (out / "results.md").read_text()
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["benchmark", "--config", str(path), "--out", str(out)])
    assert "'max_steps': 3, 'lr': 5e-05}, config {'batch_size': 4, 'max_steps': 2}" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["benchmark", "--config", str(path), "--out", str(out), "--set", "train.lr"])
    assert "--set 'train.lr': expected KEY=VALUE" in capsys.readouterr().err


def test_benchmark_thresholds_per_family_and_sweep(tiny_tagger, tmp_path, capsys):
    """Each run decodes at its task family's threshold, scores every swept threshold too (the run's own one
    among them, equal to its headline F1), and results.md shows the sweep per dataset and per family."""
    meta = tiny_tagger.save_pretrained(tmp_path / "meta")
    cfg = {"datasets": [str(TINY_NER), str(TINY_RE)], "shots": [0], "seeds": [1], "test_limit": 3,
           "start_points": {"meta": {"model": str(meta)}}, "threshold": {"default": 0.5, "re": 0.2},
           "sweep_thresholds": [0.1, 0.9]}
    path, out = tmp_path / "b.yaml", tmp_path / "res"
    path.write_text(yaml.safe_dump(cfg))
    main(["benchmark", "--config", str(path), "--out", str(out)])
    runs = {p.name.split("__")[0]: json.loads(p.read_text()) for p in (out / "runs").glob("*.json")}
    assert runs["tiny_re"]["settings"]["threshold"] == 0.2 and runs["tiny_ner"]["settings"]["threshold"] == 0.5
    for r in runs.values():
        own = f"{r['settings']['threshold']:g}"
        assert sorted(r["by_threshold"]) == sorted({"0.1", "0.9", own})
        assert r["by_threshold"][own]["f1"] == r["f1"]
    # the sweep decodes cached probabilities: each threshold scores as a fresh evaluation at it does
    fresh = MetaIE.from_pretrained(meta)
    for name, data in (("tiny_ner", TINY_NER), ("tiny_re", TINY_RE)):
        for t in (0.1, 0.9):
            ev = evaluate(fresh, data, "test", threshold=t, limit=3)["metrics"][runs[name]["metric"]]
            assert runs[name]["by_threshold"][f"{t:g}"] == {k: ev[k] for k in ("f1", "precision", "recall")}
    # a lower threshold never finds fewer spans: recall at 0.1 is at least recall at 0.9
    assert all(r["by_threshold"]["0.1"]["recall"] >= r["by_threshold"]["0.9"]["recall"] for r in runs.values())
    md = (out / "results.md").read_text()
    assert "Threshold sweep" in md and "| **re (1 dataset)** |" in md and "threshold re 0.2, other tasks 0.5" in md
    assert "different settings" not in md  # each run holds its family's threshold: what the config gives it
    capsys.readouterr()
    main(["benchmark", "--config", str(path), "--out", str(out)])  # resumes: the same settings per family
    assert capsys.readouterr().out.count("cached") == 2
    cfg["threshold"] = {"re": 0.3}  # RE runs were decoded at 0.2: refused, by file and setting
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(SystemExit):
        main(["benchmark", "--config", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert "tiny_re__meta__k0__s1.json: threshold: run 0.2, config 0.3" in err and "tiny_ner" not in err


def test_benchmark_extend_ratio_overrides_the_models_and_is_a_run_setting(tiny_tagger, tmp_path, capsys):
    """`extend_ratio` in the config decodes every run at that ratio (recorded in the run and its settings);
    absent, each model decodes at its own; a cached run made at another ratio is refused."""
    meta = tiny_tagger.save_pretrained(tmp_path / "meta")
    cfg = {"datasets": [str(TINY_NER)], "shots": [0], "seeds": [1], "test_limit": 3,
           "start_points": {"meta": {"model": str(meta)}}}
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump(cfg))
    main(["benchmark", "--config", str(path), "--out", str(tmp_path / "own")])
    own = json.loads(next((tmp_path / "own" / "runs").glob("*.json")).read_text())
    assert own["extend_ratio"] == tiny_tagger.config.extend_ratio and "extend_ratio" not in own["settings"]
    cfg["extend_ratio"] = 1.0
    path.write_text(yaml.safe_dump(cfg))
    main(["benchmark", "--config", str(path), "--out", str(tmp_path / "set")])
    run = json.loads(next((tmp_path / "set" / "runs").glob("*.json")).read_text())
    assert run["extend_ratio"] == 1.0 and run["settings"]["extend_ratio"] == 1.0
    cfg["extend_ratio"] = 0.25
    path.write_text(yaml.safe_dump(cfg))
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["benchmark", "--config", str(path), "--out", str(tmp_path / "set")])
    assert "extend_ratio: run 1.0, config 0.25" in capsys.readouterr().err


def _two_folds(tmp_path, a, b):
    """A benchmark config (written to b.yaml) whose `mixed` start point is fold a for tiny_ner, fold b for tiny_re."""
    cfg = {"datasets": [str(TINY_NER), str(TINY_RE)], "shots": [1], "seeds": [1],
           "start_points": {"mixed": {"folds": {str(a): ["tiny_ner"], str(b): ["tiny_re"]}}},
           "train": {"max_steps": 1, "batch_size": 4}, "test_limit": 2}
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return cfg, path, tmp_path / "res"


def test_benchmark_leave_out_folds(tiny_tagger, tmp_path):
    """A start point of leave-out folds: each dataset is served by the fold model that never saw it, and the
    report says which fold served which dataset."""
    a, b = tiny_tagger.save_pretrained(tmp_path / "fold-a"), tiny_tagger.save_pretrained(tmp_path / "fold-b")
    cfg, path, out = _two_folds(tmp_path, a, b)
    main(["benchmark", "--config", str(path), "--out", str(out)])
    used = {p.name.split("__")[0]: json.loads(p.read_text())["settings"]["start_point"]["model"]
            for p in (out / "runs").glob("*.json")}
    assert used == {"tiny_ner": str(a), "tiny_re": str(b)}
    md = (out / "results.md").read_text()
    assert f"leave-out folds ({a} for tiny_ner; {b} for tiny_re)" in md
    assert "different settings" not in md  # before: two fold models read as runs made with different settings
    cfg["start_points"]["mixed"]["folds"][str(b)] = ["tiny_re", "tiny_ner"]
    path.write_text(yaml.safe_dump(cfg))
    from metaie.evaluation.benchmark import load_config
    with pytest.raises(ConfigError, match="'tiny_ner' is served by both"):
        load_config(path)


def test_benchmark_refuses_a_fold_that_saw_its_dataset(tiny_tagger, tmp_path, monkeypatch):
    """A fold model whose manifest lists the served dataset among its human sources (itself or through the model
    it was initialised from), or a dataset on the same texts, is refused before any run: it is not leave-out."""
    from metaie.evaluation import benchmark
    a, b = tiny_tagger.save_pretrained(tmp_path / "fold-a"), tiny_tagger.save_pretrained(tmp_path / "fold-b")
    base = tmp_path / "base"
    base.mkdir()

    def manifest(folder, seen, init=None):
        data = {"details": {"human-except:x": {"human_datasets": {d: 5 for d in seen}}}}
        (Path(folder) / "manifest.json").write_text(json.dumps({"data": data, "init": init}))

    manifest(a, ["tiny_re"])                       # fold-a saw tiny_re, and serves tiny_ner: fine
    manifest(base, ["tiny_re"])
    manifest(b, [], init=str(base))                # fold-b was initialised from a model that saw tiny_re
    assert benchmark.seen_datasets(b) == {"tiny_re"} and benchmark.seen_datasets(tmp_path / "none") == set()
    cfg, path, out = _two_folds(tmp_path, a, b)
    with pytest.raises(ConfigError, match=rf"{re.escape(str(b))} serves tiny_re but saw tiny_re's training data"):
        benchmark.run_benchmark(path, out, log=lambda s: None)
    assert not list((out / "runs").glob("*.json"))
    manifest(b, [])
    monkeypatch.setattr(benchmark, "RELATED", {"tiny_ner": {"tiny_re"}})  # as laptop14 / aste_14lap
    with pytest.raises(ConfigError, match="serves tiny_ner but saw tiny_re's"):
        benchmark.run_benchmark(path, out, log=lambda s: None)
    monkeypatch.setattr(benchmark, "RELATED", {})
    manifest(base, [])
    cfg["start_points"]["plain"] = {"model": str(a)}  # not a leave-out start point: not checked
    path.write_text(yaml.safe_dump(cfg))
    assert benchmark.check_leave_out(benchmark.load_config(path)) is None
