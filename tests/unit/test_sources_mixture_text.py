"""Meta-training sources: the weighted mixture, the YAML mixture file, and teacher-free records from raw text."""
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from metaie.errors import ConfigError, DataFormatError
from metaie.sources import SourceSpec, load_mixture, parse_source_arg
from metaie.sources.human import expand_names, transfer_datasets
from metaie.sources.text import TextOptions, extract_records, text_records
from metaie.training.meta import mix_queries

ROOT = Path(__file__).parents[2]
FIX = ROOT / "tests" / "fixtures" / "core"
PASSAGE = ("Tom was born in Paris in 1990 . Anna lives in London and works at Acme Corp . Bob met Anna on Monday "
           "in London . Later Tom visited Acme Corp in Paris with Bob and Mary , and Anna went to London .")


def test_parse_source_arg_weights_and_errors():
    assert parse_source_arg("bundled") == SourceSpec("bundled")
    assert parse_source_arg("text:corpus.txt@2") == SourceSpec("text:corpus.txt", 2.0)
    with pytest.raises(ConfigError, match="weight after '@' must be a number"):
        parse_source_arg("bundled@lots")
    with pytest.raises(ConfigError, match="'weight' must be a number > 0"):
        parse_source_arg("bundled@0")


def test_mixture_file_validated_with_key_named(tmp_path):
    p = tmp_path / "mix.yaml"
    p.write_text("sources:\n  - source: bundled\n    weight: 0.5\n  - human-except:mit\n"
                 "  - {source: text:x.txt, queries: 10, max_records: 5}\n")
    got = load_mixture(p)
    assert got == [SourceSpec("bundled", 0.5), SourceSpec("human-except:mit"),
                   SourceSpec("text:x.txt", queries=10, max_records=5)]
    assert [s.kind for s in got] == ["bundled", "human", "text"]
    p.write_text("sources:\n  - source: bundled\n    wieght: 2\n")
    with pytest.raises(ConfigError, match=r"source 1: unknown key\(s\) \['wieght'\]"):
        load_mixture(p)
    p.write_text("sources:\n  - weight: 2\n")
    with pytest.raises(ConfigError, match="source 1: missing 'source'"):
        load_mixture(p)


def test_leave_out_groups():
    assert expand_names("crossner") == ["crossner_ai", "crossner_literature", "crossner_music",
                                        "crossner_politics", "crossner_science"]
    kept = transfer_datasets("crossner,mit,rest14")
    assert not {"crossner_ai", "mit_movie", "mit_restaurant", "rest14", "aste_14res"} & set(kept)
    assert {"conll2003", "conll04", "laptop14"} <= set(kept)


def test_text_records_align_are_seeded_and_have_negatives(tmp_path):
    opts = TextOptions(per_passage=6, negatives=1.0, min_words=10, query_words=(3, 4), context_words=40)
    recs = extract_records([PASSAGE], seed=1, opts=opts)
    assert recs == extract_records([PASSAGE], seed=1, opts=opts)   # same every call (and process)
    pos = [r for r in recs if r.spans]
    neg = [r for r in recs if not r.spans]
    assert pos and neg and all(r.negatives for r in neg)
    for r in pos:
        label = r.labels[0]
        for s in r.spans:
            assert r.text[s.start:s.end] == s.text and s.text[0].isalnum() and s.text[-1].isalnum()
            # the span continues the label in the passage: "<label> <span>" occurs in the original text
            assert f"{label} {s.text}".lower() in PASSAGE.lower()


def test_text_source_reads_files_folders_and_cuckoo_words(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text(PASSAGE + "\n", encoding="utf-8")
    (tmp_path / "c" / "b.jsonl").write_text(json.dumps({"words": PASSAGE.split()}) + "\n"
                                            + json.dumps({"text": PASSAGE.replace("Tom", "Tim")}) + "\n")
    (tmp_path / "c" / "README.md").write_text("not a corpus")
    recs, info = text_records(tmp_path / "c", opts=TextOptions(min_words=10))
    assert info["passages_read"] == 3 and info["records"] == len(recs) > 0   # the words copy is a duplicate
    (tmp_path / "bad.jsonl").write_text('{"text": "ok ok"}\n[1, 2]\n')
    with pytest.raises(DataFormatError, match="bad.jsonl:2"):
        text_records(tmp_path / "bad.jsonl")


def test_mix_queries_weights_and_counts(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(PASSAGE.replace("Tom", n) for n in ("Tom", "Tim", "Ted", "Ned")) + "\n")
    one, _, _, info1 = mix_queries([str(FIX / "distill.jsonl")], None, True, 3, 0.0, 0.5)
    two, _, typed, info2 = mix_queries([f"{FIX / 'distill.jsonl'}@2", SourceSpec(f"text:{corpus}", queries=7)],
                                       None, True, 3, 0.0, 0.5)
    src = info2["sources"]
    assert src[0]["queries_used"] == 2 * len(one) == 2 * info1["sources"][0]["queries_available"]
    assert src[1]["kind"] == "text" and src[1]["queries_used"] == 7 and len(two) == 2 * len(one) + 7
    assert len(typed) == info1["sources"][0]["train_records"]   # text records don't name the model's labels


def test_clean_negatives_drops_a_label_whose_marked_text_is_there(tmp_path):
    """A sentence split from a passage takes the passage's other labels as negatives; with clean_negatives, a label
    is no negative of a text holding a string the source marks with that label elsewhere (nor sampled as one)."""
    from metaie.records import Record, Span
    from metaie.training.queries import build_queries, known_texts
    recs = [Record("Anna lives in London .", [Span(0, 4, "person", "Anna"), Span(14, 20, "city", "London")]),
            Record("Bob met Anna in Rome .", [Span(16, 20, "city", "Rome")], negatives=["person", "company"]),
            Record("Acme Corp hired Bob .", [Span(0, 9, "company", "Acme Corp")], negatives=["city"])]
    known = known_texts(recs)
    assert known == {"person": {"anna"}, "city": {"london", "rome"}, "company": {"acme corp"}}
    plain = {(q.text, q.label) for q in build_queries(recs, 0.0, 1) if not q.spans}
    assert ("Bob met Anna in Rome .", "person") in plain  # the annotator missed this Anna
    report: Counter = Counter()
    cleaned = build_queries(recs, 0.0, 1, known=known, report=report)
    negs = {(q.text, q.label) for q in cleaned if not q.spans}
    assert negs == plain - {("Bob met Anna in Rome .", "person")} and report["negatives_dropped"] == 1
    assert [q for q in cleaned if q.spans] == [q for q in build_queries(recs, 0.0, 1) if q.spans]  # positives kept
    for q in build_queries(recs * 20, 3.0, 2, known=known):  # nor is such a label sampled as a negative
        assert q.spans or not known.get(q.label, set()) & {w.lower() for w in q.text.split()}
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(r.to_dict()) + "\n" for r in recs))
    _, _, _, info = mix_queries([str(path)], None, False, 3, 0.0, 0.0, clean_negatives=True)
    assert info["sources"][0]["negatives_dropped"] == 1
    assert "negatives_dropped" not in mix_queries([str(path)], None, False, 3, 0.0, 0.0)[3]["sources"][0]


def test_hard_negatives_come_from_the_labels_near_the_records_own(tmp_path, tiny_backbone):
    """With hard=1.0 a record's sampled negatives are its labels' neighbours while some are left, then drawn by
    frequency as before; hard=0 samples exactly as without neighbours."""
    from metaie.records import Record, Span
    from metaie.training.queries import build_queries, label_neighbours
    recs = [Record("tom met anna .", [Span(0, 3, "person", "tom")]),
            Record("paris is a city .", [Span(0, 5, "city", "paris")]),
            Record("acme corp sells phones .", [Span(0, 9, "company", "acme corp")]),
            Record("aspirin causes headache .", [Span(0, 7, "drug", "aspirin")])] * 5
    near = {"person": ["name", "company"], "city": ["country"]}
    negs: dict[str, list[str]] = {}
    for q in build_queries(recs, 2.0, 1, hard=1.0, neighbours=near):
        if not q.spans:
            negs.setdefault(q.text, []).append(q.label)
    assert sorted(negs["tom met anna ."]) == ["company"] * 5 + ["name"] * 5  # both neighbours, for each copy
    assert negs["paris is a city ."].count("country") == 5 and len(negs["paris is a city ."]) == 10  # + 1 drawn
    assert build_queries(recs, 2.0, 1, hard=0.0, neighbours=near) == build_queries(recs, 2.0, 1)
    # neighbours by the backbone's label embeddings: within the band, never the label itself
    labels = ["person", "city", "company", "country", "drug"]
    every = label_neighbours(labels, str(tiny_backbone), band=(-1.0, 1.0))
    assert all(sorted(v) == sorted(set(labels) - {k}) for k, v in every.items()) and set(every) == set(labels)
    assert label_neighbours(labels, str(tiny_backbone), band=(1.5, 2.0)) == {}
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(r.to_dict()) + "\n" for r in recs))
    info = mix_queries([str(path)], None, False, 3, 0.0, 1.0, hard_negatives=0.5, encoder=str(tiny_backbone))[3]
    assert "labels_with_neighbours" in info["sources"][0]
    with pytest.raises(ConfigError, match="need an encoder"):
        mix_queries([str(path)], None, False, 3, 0.0, 1.0, hard_negatives=0.5)


def test_train_cli_with_mixture_records_sources(tmp_path, tiny_backbone):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(PASSAGE.replace("Tom", n) for n in ("Tom", "Tim", "Ted")) + "\n")
    mix = tmp_path / "mix.yaml"
    mix.write_text(f"sources:\n  - source: {FIX / 'distill.jsonl'}\n    weight: 2\n"
                   f"  - source: text:{corpus}\n    queries: 5\n")
    out = tmp_path / "m"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), HF_HUB_OFFLINE="1")
    p = subprocess.run([sys.executable, "-m", "metaie", "train", "--mixture", str(mix), "--out", str(out),
                        "--backbone", str(tiny_backbone), "--epochs", "1", "--batch-size", "4", "--max-length", "32",
                        "--stride", "8", "--dev-fraction", "0", "--threads", "1", "--clean-negatives",
                        "--hard-negatives", "0.5"],
                       capture_output=True, text=True, env=env, timeout=240)
    assert p.returncode == 0, p.stderr
    m = json.loads((out / "manifest.json").read_text())
    kinds = [(s["kind"], s["weight"], s["queries_used"]) for s in m["data"]["sources"]]
    assert kinds[0][:2] == ("jsonl", 2) and kinds[1] == ("text", 1.0, 5)
    assert m["train_queries"]["queries"] == kinds[0][2] + 5
    assert m["clean_negatives"] is True and "negatives_dropped" in m["data"]["sources"][0]
    assert m["hard_negatives"] == 0.5 and "labels_with_neighbours" in m["data"]["sources"][0]
    assert "negatives_dropped" not in m["data"]["sources"][1]  # a teacher-free text source has no typed labels
