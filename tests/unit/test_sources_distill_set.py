"""Distillation JSONL: validation errors name file and line; de-duplication; sentence splitting; negatives."""
import os
from collections import Counter
from pathlib import Path

import pytest

from metaie.errors import DataFormatError
from metaie.records import Record, Span
from metaie.sources.distill_set import dedupe_by_text, load_records, save_records, split_records
from metaie.sources.sentences import split_record
from metaie.training.queries import build_queries

FIX = Path(__file__).parents[1] / "fixtures" / "core"


def test_load_and_roundtrip(tmp_path):
    recs = load_records(FIX / "distill.jsonl")
    assert len(recs) == 4 and recs[1].spans[2].text == "Acme Corp"
    out = tmp_path / "out.jsonl"
    save_records(out, recs)
    assert load_records(out) == recs


@pytest.mark.parametrize("line,msg", [
    ('{"text": "Tom"', "malformed JSON"),
    ('{"spans": []}', "missing field 'text'"),
    ('{"text": "Tom", "spans": [{"label": "p", "start": 0}]}', "missing field 'end'"),
    ('{"text": "Tom", "spans": [{"label": "p", "start": 0, "end": 9}]}', "outside the text"),
    ('{"text": "Tom", "spans": [{"label": "p", "start": 0, "end": 3, "text": "Bob"}]}', "differs from"),
    ('{"text": "Tom", "negatives": "x"}', "'negatives' must be a list"),
    ('[1, 2]', "expected a JSON object"),
])
def test_bad_lines(tmp_path, line, msg):
    f = tmp_path / "d.jsonl"
    f.write_text('{"text": "ok"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as e:
        load_records(f)
    assert str(e.value).startswith(f"{f}:3: ") and msg in str(e.value)


def test_empty_file(tmp_path):
    f = tmp_path / "e.jsonl"
    f.write_text("\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="no records"):
        load_records(f)


def test_dedupe_merges_whitespace_variants():
    a = Record("Tom met Bob.", [Span(0, 3, "person", "Tom")], ["city"])
    b = Record("Tom met Bob .", [Span(8, 11, "person", "Bob")], ["date", "person"])
    [m] = dedupe_by_text([a, b])
    assert [(s.text, s.label) for s in m.spans] == [("Tom", "person"), ("Bob", "person")]
    assert m.negatives == ["city", "date"]


def test_dedupe_merges_sources_as_sets():
    # a record already merged from two sources meets the same pair again (sentence split of merged passages)
    recs = [Record("Tom ran.", source="a"), Record("Tom ran.", source="b"), Record("Tom  ran.", source="a+b"),
            Record("Tom ran.", source="c+a")]
    [m] = dedupe_by_text(recs)
    assert m.source == "a+b+c"


def test_split_sentences_keeps_spans_and_makes_negatives():
    text = "Tom ran to Paris. Ann sat in New York."
    rec = Record(text, [Span(0, 3, "person", "Tom"), Span(29, 37, "city", "New York")], ["date"])
    s1, s2 = split_record(rec)
    assert (s1.text, [x.text for x in s1.spans], s1.negatives) == ("Tom ran to Paris.", ["Tom"], ["city", "date"])
    assert s2.text[s2.spans[0].start:s2.spans[0].end] == "New York" and s2.negatives == ["person", "date"]


def test_split_never_cuts_a_span():
    text = "He met Dr. Smith. Then left."
    rec = Record(text, [Span(7, 16, "person", "Dr. Smith")])
    parts = split_record(rec)
    assert sum(len(p.spans) for p in parts) == 1 and any(s.text == "Dr. Smith" for p in parts for s in p.spans)


def test_negatives_sampled_by_frequency():
    recs = [Record(f"t{i}", [Span(0, 1, "common")]) for i in range(50)] + [Record("x", [Span(0, 1, "rare")])]
    qs = build_queries(recs, neg_ratio=1.0, seed=0, label_freq=Counter({"common": 50, "rare": 1, "mid": 10}))
    negs = Counter(q.label for q in qs if not q.spans)
    assert sum(negs.values()) == len(recs)  # one negative per positive label
    assert negs["mid"] > negs["rare"] and "common" not in {q.label for q in qs[:100] if not q.spans and q.text == "t0"}


def test_split_records_seeded():
    recs = [Record(str(i)) for i in range(20)]
    tr, dev = split_records(recs, 0.25, seed=1)
    assert len(dev) == 5 and len(tr) == 15 and split_records(recs, 0.25, seed=1)[1] == dev


def test_training_queries_are_the_same_in_every_process():
    """Negative sampling must not follow string-hash order (PYTHONHASHSEED), or a resumed meta-training run
    would see other queries than the interrupted one and start afresh."""
    import subprocess
    import sys
    code = ("from metaie.records import Record, Span, count_labels\n"
            "from metaie.training.queries import build_queries\n"
            "labs = ['person', 'city', 'year', 'company', 'river', 'drug', 'team', 'award']\n"
            "recs = [Record(f'Tom met Ann {i} .', [Span(0, 3, labs[i % 8]), Span(8, 11, labs[(i * 3 + 1) % 8])])\n"
            "        for i in range(40)]\n"
            "qs = build_queries(recs, neg_ratio=2.0, seed=7, label_freq=count_labels(recs))\n"
            "print([(q.label, q.text) for q in qs])\n")
    import metaie
    src = str(Path(metaie.__file__).resolve().parents[1])  # the package under test, not an installed copy
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    outs = {subprocess.run([sys.executable, "-c", code], env={**env, "PYTHONHASHSEED": str(h)},
                           capture_output=True, text=True, check=True).stdout for h in (1, 2, 3)}
    assert len(outs) == 1 and "Tom met Ann" in outs.pop()
