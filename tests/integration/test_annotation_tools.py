"""Label Studio and doccano round trips: offsets intact (unicode included), tasks valid against the labelling
config (label-studio-sdk), several annotators, one-line errors naming the task, and the CLI end to end."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from metaie.errors import DataFormatError
from metaie.integrations import doccano, label_studio
from metaie.records import Span
from metaie.sources.distill_set import load_records

ROOT = Path(__file__).parents[2]

# code points vs UTF-16 differ after the emoji and the astral CJK character; accents and BMP CJK too.
TEXTS = [
    ("a", "Tom was born in Paris in 1990 .", [(0, 3, "person"), (16, 21, "city"), (25, 29, "date")]),
    ("b", "😀 José visited 東京 with 𠮷田 and Zoë 👩‍👩‍👧 in Kraków.",
     [(2, 6, "person"), (15, 17, "city"), (23, 25, "person"), (30, 33, "person"), (43, 49, "city")]),
]


def spans_of(text, triples, score=None):
    return [Span(s, e, lab, text[s:e], score) for s, e, lab in triples]


def test_fixture_offsets_are_what_they_say():
    assert [TEXTS[1][1][s:e] for s, e, _ in TEXTS[1][2]] == ["José", "東京", "𠮷田", "Zoë", "Kraków"]


@pytest.mark.parametrize("unit", ["utf16", "codepoint"])
def test_doccano_round_trip_keeps_offsets(tmp_path, unit):
    from metaie.jsonl import write_jsonl
    path = tmp_path / "doccano.jsonl"
    write_jsonl(path, doccano.lines(((rid, t, spans_of(t, tr), []) for rid, t, tr in TEXTS), offsets=unit))
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    if unit == "utf16":  # what a JavaScript tool counts: the emoji is two units, so José starts at 3
        assert lines[1]["label"][0] == [3, 7, "person"]
        js = TEXTS[1][1].encode("utf-16-le")
        assert all(js[2 * s:2 * e].decode("utf-16-le") == TEXTS[1][1][cs:ce]
                   for (s, e, _), (cs, ce, _) in zip(lines[1]["label"], TEXTS[1][2]))
    recs, rep = doccano.read_file(path, offsets=unit)
    assert rep["spans"] == 8
    for (rid, t, tr), r in zip(TEXTS, recs):
        assert r["id"] == rid and r["text"] == t
        assert [(s["start"], s["end"], s["label"]) for s in r["spans"]] == sorted(tr)


def test_doccano_relation_form_round_trip(tmp_path):
    t = "Tom works for Acme ."
    tom, acme = Span(0, 3, "person", "Tom"), Span(14, 18, "org", "Acme")
    line = doccano.to_line("7", t, [tom, acme], [(tom, acme, "works_for")])
    assert line["relations"] == [{"id": 0, "from_id": 0, "to_id": 1, "type": "works_for"}]
    rec = doccano.from_line(line, "x.jsonl", 1)
    assert rec["relations"] == [{"head": {"start": 0, "end": 3, "label": "person"},
                                 "tail": {"start": 14, "end": 18, "label": "org"}, "label": "works_for"}]


def test_doccano_bad_offsets_name_file_line_and_id(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps({"id": 41, "text": "Tom", "label": [[0, 3, "person"]]}) + "\n" +
                 json.dumps({"id": 42, "text": "Tom", "label": [[1, 9, "person"]]}) + "\n")
    with pytest.raises(DataFormatError, match=r"bad.jsonl:2: id 42: entity 0: offsets \[1, 9\)") as e:
        doccano.read_file(p)
    assert "\n" not in str(e.value)
    p.write_text(json.dumps({"id": 5, "text": "😀 x", "label": [[1, 3, "smile"]]}) + "\n")  # inside the pair
    with pytest.raises(DataFormatError, match="id 5: .*utf16"):
        doccano.read_file(p)


def ls_valid(li, task):
    """Task data and every prediction valid for the config (the SDK's validate_task cannot take predictions)."""
    return li.validate_task({"data": task["data"]}) and all(li.validate_prediction(p, return_errors=True) == []
                                                           for p in task["predictions"])


def ls_export(tasks, annotations_per_task):
    """A Label Studio JSON export as the server writes it: ids, and annotations beside the predictions."""
    out = []
    for i, (task, anns) in enumerate(zip(tasks, annotations_per_task), 1):
        out.append({"id": 100 + i, **task, "annotations": anns})
    return out


def ann_(result, aid=1, updated="2026-01-01T00:00:00Z", **kw):
    return {"id": aid, "completed_by": aid, "result": result, "was_cancelled": False, "ground_truth": False,
            "created_at": updated, "updated_at": updated, **kw}


def test_label_studio_tasks_validate_against_config_and_round_trip(tmp_path):
    LabelInterface = pytest.importorskip("label_studio_sdk.label_interface").LabelInterface
    labels = ["person", "city", "date"]
    tasks = [label_studio.make_task(rid, t, spans_of(t, tr, 0.75)) for rid, t, tr in TEXTS]
    li = LabelInterface(label_studio.labeling_config(labels, relations=["born_in"]))
    for task in tasks:
        assert ls_valid(li, task)
        assert task["predictions"][0]["score"] == 0.75
    # wrong label in a prediction is caught by the same validation (the check is not vacuous)
    broken = json.loads(json.dumps(tasks[0]))
    broken["predictions"][0]["result"][0]["value"]["labels"] = ["nope"]
    assert li.validate_prediction(broken["predictions"][0]) is False

    # the annotator accepts the predictions as they are: the export gives back the same code-point offsets
    export = ls_export(tasks, [[ann_(t["predictions"][0]["result"])] for t in tasks])
    p = tmp_path / "export.json"
    p.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    recs, rep = label_studio.read_export(p)
    assert rep["records"] == 2 and rep["spans"] == 8
    for (rid, _t, tr), r in zip(TEXTS, recs):
        assert r["id"] == rid and [(s["start"], s["end"], s["label"]) for s in r["spans"]] == sorted(tr)


def test_label_studio_reads_utf16_offsets_of_old_versions(tmp_path):
    t = TEXTS[1][1]
    region = {"id": "x", "from_name": "label", "to_name": "text", "type": "labels",
              "value": {"start": 16, "end": 18, "text": "東京", "labels": ["city"]}}  # UTF-16: 😀 counts 2
    p = tmp_path / "e.json"
    p.write_text(json.dumps(ls_export([{"data": {"text": t}}], [[ann_([region])]])), encoding="utf-8")
    (r,), _ = label_studio.read_export(p)
    assert r["spans"] == [{"label": "city", "start": 15, "end": 17, "text": "東京"}]


def test_label_studio_several_annotators_and_relations(tmp_path):
    t = "Tom works for Acme ."

    def reg(i, s, e, lab):
        return {"id": i, "from_name": "label", "to_name": "text", "type": "labels",
                "value": {"start": s, "end": e, "text": t[s:e], "labels": [lab]}}
    tom, acme, works = reg("a", 0, 3, "person"), reg("b", 14, 18, "org"), reg("c", 4, 9, "org")
    rel = {"from_id": "b", "to_id": "a", "type": "relation", "direction": "left", "labels": ["works_for"]}
    anns = [ann_([tom, acme, rel], 1, "2026-01-02"), ann_([tom, works], 2, "2026-01-03"),
            ann_([tom, acme], 3, "2026-01-01"), ann_([], 4, "2026-02-01", was_cancelled=True)]
    p = tmp_path / "e.json"
    p.write_text(json.dumps(ls_export([{"data": {"text": t}}] * 2, [anns, []])))
    (latest,), rep = label_studio.read_export(p)
    assert rep["unannotated"] == 1 and rep["multi_annotator"] == 1
    assert [s["text"] for s in latest["spans"]] == ["Tom", "works"]      # the last updated, cancelled ignored
    (major,), _ = label_studio.read_export(p, rule="majority")
    assert [s["text"] for s in major["spans"]] == ["Tom", "Acme"]        # 3/3 and 2/3; 'works' 1/3 dropped
    anns[0]["ground_truth"] = True
    p.write_text(json.dumps(ls_export([{"data": {"text": t}}], [anns])))
    (gt,), rep = label_studio.read_export(p)
    assert rep["relations"] == 1
    assert gt["relations"] == [{"head": {"start": 0, "end": 3, "label": "person"},     # 'left': to -> from
                                "tail": {"start": 14, "end": 18, "label": "org"}, "label": "works_for"}]


def test_label_studio_bad_region_names_task(tmp_path):
    region = {"id": "r0", "type": "labels", "value": {"start": 0, "end": 4, "text": "Anna", "labels": ["person"]}}
    p = tmp_path / "e.json"
    p.write_text(json.dumps([{"id": 77, "data": {"text": "Tom was here"}, "annotations": [ann_([region])]}]))
    with pytest.raises(DataFormatError, match=r"e.json: task 77: region 'r0' \[0, 4\) does not match") as e:
        label_studio.read_export(p)
    assert "\n" not in str(e.value)


def run(*args, check=True):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    p = subprocess.run([sys.executable, "-m", "metaie", *map(str, args)], capture_output=True, text=True,
                       env=env, timeout=240, check=False)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def test_cli_annotate_correct_import_for_training(tmp_path, tiny_tagger):
    model = tiny_tagger.save_pretrained(tmp_path / "m")
    texts = tmp_path / "texts.jsonl"
    texts.write_text("".join(json.dumps({"id": rid, "text": t}, ensure_ascii=False) + "\n" for rid, t, _ in TEXTS),
                     encoding="utf-8")
    tasks_path = tmp_path / "tasks.json"
    p = run("annotate", "--input", texts, "--labels", "person,city,date", "--model", model, "--threshold", 0.0,
            "--format", "label-studio", "--output", tasks_path, "--threads", 1)
    assert json.loads(p.stdout)["tasks"] == 2
    tasks = json.loads(tasks_path.read_text(encoding="utf-8"))
    config = tasks_path.with_suffix(".config.xml").read_text()
    LabelInterface = pytest.importorskip("label_studio_sdk.label_interface").LabelInterface
    li = LabelInterface(config)
    assert all(ls_valid(li, t) for t in tasks)
    assert sum(len(t["predictions"][0]["result"]) for t in tasks) > 0   # threshold 0: the random model marks text

    # the person corrects: the gold replaces the predictions; the export goes back through `metaie import`
    gold = [ann_([label_studio._region(i, s) for i, s in enumerate(spans_of(t, tr))]) for _, t, tr in TEXTS]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(ls_export(tasks, [[a] for a in gold]), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "corrected.jsonl"
    rep = json.loads(run("import", "label-studio", export, "--out", out).stdout)
    assert rep["records"] == 2
    recs = load_records(out)                                     # what `metaie train --data` reads
    assert [r.id for r in recs] == ["a", "b"]
    assert [[(s.start, s.end, s.label) for s in r.spans] for r in recs] == [sorted(tr) for _, _, tr in TEXTS]

    # and out again for doccano, and back
    dout = tmp_path / "d.jsonl"
    run("export-annotations", "--input", out, "--format", "doccano", "--output", dout)
    back = tmp_path / "back.jsonl"
    run("import-annotations", "doccano", dout, "--out", back)
    assert back.read_text(encoding="utf-8") == out.read_text(encoding="utf-8").replace('"label-studio"', '"doccano"')

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": 9, "data": {"txt": "x"}, "annotations": []}]))
    p = run("import", "label-studio", bad, "--out", tmp_path / "x.jsonl", check=False)
    assert p.returncode == 1 and p.stderr.strip().count("\n") == 0 and "task 9" in p.stderr
    assert not (tmp_path / "x.jsonl").exists()


class StubRE:
    """Answers CoNLL04 queries for one text: two entities and the 'works for' relation."""

    def predict_queries(self, queries, threshold=0.5, batch_size=64):
        ans = {"person": (0, 3), "organization": (14, 18), "Tom works for": (14, 18)}
        return [[Span(*ans[q.label], q.label, q.text[slice(*ans[q.label])], 0.8)] if q.label in ans else []
                for q in queries]


def test_task_shaped_pre_annotation_round_trips_relations(tmp_path):
    LabelInterface = pytest.importorskip("label_studio_sdk.label_interface").LabelInterface

    from metaie.integrations import annotate as ann
    items = [("t1", "Tom works for Acme .")]
    preds = ann.predict(StubRE(), [t for _, t in items], schema="conll04", task="re")
    span_labels, rel_labels = ann.tool_labels(preds, None, "conll04")
    assert span_labels == ["Loc", "Org", "Other", "Peop"] and "Work_For" in rel_labels
    out = tmp_path / "tasks.json"
    ann.write_for_tool("label-studio", out, items, preds, span_labels, rel_labels)
    config = out.with_suffix(".config.xml").read_text()
    assert '<Relation value="Work_For"/>' in config
    (task,) = json.loads(out.read_text())
    assert ls_valid(LabelInterface(config), task)
    rel = [r for r in task["predictions"][0]["result"] if r["type"] == "relation"]
    assert len(rel) == 1 and rel[0]["labels"] == ["Work_For"]
    p = tmp_path / "export.json"
    p.write_text(json.dumps(ls_export([task], [[ann_(task["predictions"][0]["result"])]])))
    (r,), rep = label_studio.read_export(p)
    assert rep["relations"] == 1 and r["relations"][0]["head"]["label"] == "Peop" and \
        r["relations"][0]["tail"] == {"start": 14, "end": 18, "label": "Org"}
    d = doccano.to_line("t1", items[0][1], *preds[0])
    assert doccano.from_line(d, "x", 1)["relations"] == r["relations"]


def test_spacy_factory_entry_point_names_the_factory():
    import importlib

    import tomllib
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["spacy_factories"]["metaie"]
    mod, _, attr = spec.partition(":")
    from metaie.integrations.spacy_component import make_metaie
    assert getattr(importlib.import_module(mod), attr) is make_metaie
