"""The correct-and-retrain loop at tiny scale: rounds through real Label Studio files, fine-tuning on the
corrections, held-out scores that match the saved models, resume, and refusal of other settings."""
import json

import pytest

from metaie.errors import ConfigError
from metaie.integrations import label_studio
from metaie.integrations.loop import run_loop, span_prf
from metaie.records import Record, Span
from metaie.training import TrainArgs


def rec(rid, text, *spans):
    return Record(text, [Span(text.index(w), text.index(w) + len(w), lab, w) for w, lab in spans], id=rid)


POOL = [rec("p1", "Tom was born in Paris .", ("Tom", "person"), ("Paris", "city")),
        rec("p2", "Anna lives in London .", ("Anna", "person"), ("London", "city")),
        rec("p3", "Mary went to Madrid .", ("Mary", "person"), ("Madrid", "city")),
        rec("p4", "John is a doctor from Rome .", ("John", "person"), ("Rome", "city"))]
HELD = [rec("h1", "Peter visited Berlin .", ("Peter", "person"), ("Berlin", "city")),
        rec("h2", "Bob met Smith in Tokyo .", ("Bob", "person"), ("Smith", "person"), ("Tokyo", "city"))]
LABELS = ["person", "city"]


def args():
    return TrainArgs(max_steps=3, batch_size=2, lr=1e-3, threads=1, progress=False, eval_each_epoch=False,
                     warmup_ratio=0.0, seed=3)


def test_loop_rounds_resume_and_refuse(tmp_path, tiny_tagger):
    from metaie import MetaIE
    start = str(tiny_tagger.save_pretrained(tmp_path / "start"))
    work = tmp_path / "loop"
    rows = run_loop(start, POOL, HELD, LABELS, [1, 3], args(), work, threshold=0.3, log=lambda s: None)
    assert [r["k"] for r in rows] == [0, 1, 3] and "edits_per_text" in rows[2]

    # round 2's export holds the person's corrections of tasks 1..3, read back to exactly the gold
    recs, rep = label_studio.read_export(work / "export-2.json")
    assert rep["unannotated"] == 1 and [r["id"] for r in recs] == ["p1", "p2", "p3"]
    assert [[(s["start"], s["end"], s["label"]) for s in r["spans"]] for r in recs] == \
        [sorted(s.key for s in g.spans) for g in POOL[:3]]

    # each round's score is the saved model's, and fine-tuning changed the weights
    for row, mdir in ((rows[1], work / "model-k1"), (rows[2], work / "model-k3")):
        m = MetaIE.from_pretrained(mdir)
        pred = m.extract_batch([h.text for h in HELD], LABELS, threshold=0.3)
        got = span_prf([[(s.label, s.start, s.end) for s in p] for p in pred],
                       [[(s.label, s.start, s.end) for s in h.spans] for h in HELD])
        assert got["f1"] == row["f1"] and got["tp"] == row["tp"]
    w0 = tiny_tagger.model.classifier.weight
    assert not (MetaIE.from_pretrained(work / "model-k3").model.classifier.weight == w0).all()

    stamp = (work / "model-k3" / "model.safetensors").stat().st_mtime_ns
    again = run_loop(start, POOL, HELD, LABELS, [1, 3], args(), work, threshold=0.3, log=lambda s: None)
    assert again == rows and (work / "model-k3" / "model.safetensors").stat().st_mtime_ns == stamp
    with pytest.raises(ConfigError, match="other settings \\(ks\\)"):
        run_loop(start, POOL, HELD, LABELS, [1, 2], args(), work, threshold=0.3, log=lambda s: None)
    assert json.loads((work / "loop.json").read_text())["rows"] == rows
