"""Bringing your own dataset: `--task ner` on an RE set, the schema hint, `metaie schema init`, `metaie data check`."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from metaie.cli.main import main
from metaie.datasets.schemas import task_schema
from metaie.errors import ConfigError
from metaie.evaluation.evaluate import evaluate
from metaie.tasks.schema import shipped_dir

FIX = Path(__file__).parents[1] / "fixtures" / "tasks"
TINY_NER, TINY_RE = FIX / "tiny_ner", FIX / "tiny_re"
SENTS = "tom\tB-per\nlives\tO\nin\tO\nparis\tB-loc\n.\tO\n\nanna\tB-per\nworks\tO\nat\tO\nlondon\tB-loc\n.\tO\n\n"


def _own(tmp_path: Path, test: str = SENTS) -> Path:
    """A biomedical-style folder: train.tsv / devel.tsv / test.tsv, no schema.yaml."""
    d = tmp_path / "my_ner"
    d.mkdir()
    (d / "train.tsv").write_text(SENTS)
    (d / "devel.tsv").write_text(SENTS)
    (d / "test.tsv").write_text(test)
    return d


def test_task_ner_on_a_relation_dataset_scores_its_entities(tiny_tagger, tiny_backbone, tmp_path, capsys):
    """Before: '--task ner does not match the schema's task 're''."""
    s = task_schema(TINY_RE, None, "ner")
    assert s.task == "ner" and s.entities == {"Peop": "person", "Org": "organization", "Loc": "location"}
    r = evaluate(tiny_tagger, TINY_RE, "test", task="ner", threshold=0.0)
    assert r["task"] == "ner" and set(r["metrics"]) == {"entity"}
    gold = r["metrics"]["entity"]["tp"] + r["metrics"]["entity"]["fn"]
    assert gold == 10  # the test split's 10 entity mentions
    out = tmp_path / "m"
    main(["finetune", "--backbone", str(tiny_backbone), "--task", "ner", "--data", str(TINY_RE), "--shots", "1",
          "--out", str(out), "--max-steps", "1"])
    main(["evaluate", "--model", str(out), "--task", "ner", "--data", str(TINY_RE)])
    assert "ner " in capsys.readouterr().out
    with pytest.raises(ConfigError, match="does not match"):  # other views stay refused
        task_schema(TINY_RE, None, "ee")


def test_missing_schema_says_where_one_can_come_from(tmp_path):
    """Before: only 'pass --schema FILE.yaml'."""
    d = _own(tmp_path)
    with pytest.raises(ConfigError) as e:
        task_schema(d, None, None)
    msg = str(e.value)
    assert "schema.yaml in the dataset folder" in msg and "metaie schema init FOLDER" in msg
    assert str(shipped_dir()) in msg and (shipped_dir() / "conll2003.yaml").is_file()


def test_schema_init_writes_a_schema_the_data_checks_against(tiny_tagger, tmp_path, capsys):
    d = _own(tmp_path)
    main(["schema", "init", str(d)])
    assert "wrote" in capsys.readouterr().out
    written = yaml.safe_load((d / "schema.yaml").read_text())
    assert written == {"task": "ner", "entities": {"loc": "location", "per": "person"}}
    assert evaluate(tiny_tagger, d, "test")["task"] == "ner"  # the drafted schema is used as is
    with pytest.raises(SystemExit):
        main(["schema", "init", str(d)])
    err = capsys.readouterr().err
    assert "schema.yaml exists" in err and "--force" in err
    re_copy = tmp_path / "my_re"
    shutil.copytree(TINY_RE, re_copy)
    (re_copy / "schema.yaml").unlink()
    main(["schema", "init", str(re_copy)])
    rel = yaml.safe_load((re_copy / "schema.yaml").read_text())["relations"]
    assert rel["Work_For"] == {"phrase": "work for", "head": ["Peop"], "tail": ["Org"]}
    assert task_schema(re_copy, None, None).relations["Live_In"]["tail"] == ["Loc"]


def test_data_check_reports_counts_and_problems(tmp_path, capsys):
    main(["data", "check", str(TINY_NER)])
    out = capsys.readouterr().out
    assert "task: ner" in out and "train: train.txt: 6 sentences, 1 without any mention" in out
    assert "entity: 10 mentions: loc 5, per 5" in out and "problems: 0" in out
    bad = _own(tmp_path, test=SENTS + "rome\tB-city\n\n")
    (bad / "devel.tsv").write_text("tom\tB-per\nlives\n")
    with pytest.raises(SystemExit) as e:
        main(["data", "check", str(bad)])
    assert e.value.code == 1
    out, err = capsys.readouterr()
    assert "dev: devel.tsv: does not load" in out
    assert "devel.tsv:2:" in out  # the load error names file and line
    assert "test: entity label(s) ['city'] never occur in train" in out
    assert "schema: no schema 'my_ner'" in out and "problem(s) found" in err
    main(["data", "check", str(TINY_RE), "--task", "ner"])  # an RE set read for its entities
    out = capsys.readouterr().out
    assert "task: ner" in out and "relation:" not in out and "(entities, as NER)" in out
