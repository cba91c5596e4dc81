"""Thresholds per label: the config, what decodes at which threshold, and the choice on a dev split."""
from __future__ import annotations

import re

import numpy as np
import pytest

from metaie.datasets.schemas import task_schema
from metaie.errors import ConfigError
from metaie.evaluation.evaluate import evaluate
from metaie.model.tagger import MetaConfig, MetaIE
from metaie.training.finetune import choose_label_thresholds, choose_threshold

TEXT = "tom was born in paris in 1990 ."


def test_config_checks_label_thresholds():
    assert MetaConfig(label_thresholds={"person": 0.7}).check().label_thresholds == {"person": 0.7}
    for bad in ({"person": 1.5}, {"person": "high"}, {"person": True}, ["person"]):
        with pytest.raises(ConfigError, match="label_thresholds"):
            MetaConfig(label_thresholds=bad).check()


def test_a_label_decodes_at_its_own_threshold_unless_the_call_names_one(tiny_tagger, tmp_path):
    m = tiny_tagger
    m.config.threshold, m.config.label_thresholds = 1.0, {"person": 0.0}  # 1.0: no token reaches it; 0.0: all do
    assert (m.label_threshold("person"), m.label_threshold("date"), m.label_threshold("person", 0.3)) == (0.0, 1.0, 0.3)
    spans = m.extract(TEXT, ["person", "date"], overlap="keep")
    assert spans and {s.label for s in spans} == {"person"}
    assert m.extract(TEXT, ["person", "date"], threshold=1.0) == []   # a call's threshold is every label's
    assert {s.label for s in m.extract(TEXT, ["person", "date"], threshold=0.0, overlap="keep")} == \
        {"person", "date"}
    m.save_pretrained(tmp_path / "m")
    again = MetaIE.from_pretrained(tmp_path / "m")
    assert again.config.label_thresholds == {"person": 0.0}
    assert again.extract(TEXT, ["person", "date"], overlap="keep") == spans


class Scripted:
    """A MetaIE whose network is replaced by scripted probabilities per (label, word); decoding, caching,
    the task pipeline and the scorer are the real ones."""

    threshold_or_default = MetaIE.threshold_or_default
    label_threshold = MetaIE.label_threshold
    predict_queries = MetaIE.predict_queries

    def __init__(self, inside: dict[tuple[str, str], float]):
        self.config = MetaConfig(extend_ratio=1.0)
        self.inside = inside

    def query_probs(self, labels, texts, batch_size=64):
        out = []
        for lab, text in zip(labels, texts):
            offs = [(w.start(), w.end()) for w in re.finditer(r"\S+", text)]
            p = [self.inside.get((lab, text[s:e]), 0.02) for s, e in offs]
            out.append((np.array([[1 - q, q, 0.0] for q in p]), offs))
        return out


def test_each_label_gets_the_threshold_that_scores_best_on_dev(tmp_path):
    """Persons score 0.75 and one city 0.55 as a person; cities score 0.35 as locations. One threshold cannot
    take the locations without the spurious person; a threshold per label can."""
    data = tmp_path / "ner"
    data.mkdir()
    (data / "schema.yaml").write_text("task: ner\nentities: {per: person, loc: location}\n")
    rows = [("tom", "per", "paris", "loc"), ("anna", "per", "rome", "loc"), ("bob", "per", "oslo", "loc")]
    text = "\n\n".join(f"{p}\tB-{pt}\nlives\tO\nin\tO\n{c}\tB-{ct}\n.\tO" for p, pt, c, ct in rows) + "\n"
    for split in ("train", "dev", "test"):
        (data / f"{split}.txt").write_text(text)
    inside = {("person", p): 0.75 for p, *_ in rows} | {("location", c): 0.35 for *_, c, _ in rows}
    inside[("person", "paris")] = 0.55
    model = Scripted(inside)
    s = task_schema(data, None, None)
    t, by = choose_threshold(model, data, s, "dev", limit=None)
    assert t == 0.3 and by["0.3"] == pytest.approx(12 / 13)  # all six right, paris a spurious person
    model.config.threshold = t
    own, rec = choose_label_thresholds(model, data, s, "dev", limit=None)
    # 0.6 and 0.7 both drop paris (0.6 is nearer the default); location keeps the default
    assert own == {"person": 0.6} and rec["f1_after"] == 1.0 and rec["f1_before"] == round(by["0.3"], 6)
    assert sorted(rec["labels_tuned"]) == ["location", "person"] and model.config.label_thresholds == {}
    model.config.label_thresholds = own
    assert evaluate(model, data, "test")["f1"] == 1.0
    model.config.threshold = 0.5   # from 0.5 both move: person to 0.6, location to 0.3 (the nearest that work)
    model.config.label_thresholds = {}
    assert choose_label_thresholds(model, data, s, "dev", limit=None)[0] == {"person": 0.6, "location": 0.3}
