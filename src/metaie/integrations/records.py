"""The record an annotation tool's file becomes: a distillation-set record (what ``metaie train`` reads) with
an optional ``relations`` list between its spans, which readers of plain records ignore.

>>> tom, acme = Span(0, 3, "person", "Tom"), Span(14, 18, "org", "Acme")
>>> d = record_dict("7", "Tom works for Acme", [tom, acme], [(tom, acme, "works_for")], source="doccano")
>>> d["relations"][0]["label"], [s["text"] for s in d["spans"]]
('works_for', ['Tom', 'Acme'])
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..records import Record, Span

Relation = tuple[Span, Span, str]  # (head, tail, label)


def _ref(s: Span) -> dict[str, Any]:
    return {"start": s.start, "end": s.end, "label": s.label}


def record_dict(rid: str, text: str, spans: Iterable[Span], relations: Sequence[Relation] = (),
                source: str = "") -> dict[str, Any]:
    """A distillation-set record as a dict, spans de-duplicated, plus ``relations`` when there are any."""
    uniq = list(dict.fromkeys(Span(s.start, s.end, s.label, text[s.start:s.end]) for s in spans))
    d = Record(text=text, spans=uniq, id=rid, source=source).to_dict()
    if relations:
        d["relations"] = [{"head": _ref(h), "tail": _ref(t), "label": lab}
                          for h, t, lab in dict.fromkeys(relations)]
    return d


def relations_of(obj: dict[str, Any]) -> list[Relation]:
    """The relations of a record dict written by :func:`record_dict` (spans rebuilt from the text)."""
    text = obj["text"]

    def span(r: dict[str, Any]) -> Span:
        return Span(r["start"], r["end"], r["label"], text[r["start"]:r["end"]])
    return [(span(r["head"]), span(r["tail"]), r["label"]) for r in obj.get("relations", [])]


def example_parts(example) -> tuple[list[Span], list[Relation]]:
    """Spans and relations of a task-shaped result (:class:`metaie.pipeline.Extractor` output): entities,
    event triggers and arguments, aspects and opinions become spans; relations, event roles and triplets
    become relations."""
    t = example.text

    def sp(e) -> Span:
        return Span(e.start, e.end, e.type, t[e.start:e.end])
    spans = [sp(e) for e in example.entities]
    rels: list[Relation] = [(sp(r.head), sp(r.tail), r.type) for r in example.relations]
    for ev in example.events:
        spans.append(sp(ev.trigger))
        for a in ev.arguments:
            spans.append(sp(a))
            rels.append((sp(ev.trigger), sp(a), a.type))
    for tr in example.triplets:
        asp, op = Span(tr.aspect.start, tr.aspect.end, "aspect", tr.aspect.text), \
            Span(tr.opinion.start, tr.opinion.end, "opinion", tr.opinion.text)
        spans += [asp, op]
        rels.append((asp, op, tr.polarity))
    return list(dict.fromkeys(spans)), list(dict.fromkeys(rels))


def records_for_tool(path) -> tuple[list[tuple[str, str]], list[tuple[list[Span], list[Relation]]]]:
    """(id, text) items and (spans, relations) of a records JSONL file, validated like a distillation set."""
    from ..jsonl import read_jsonl
    from ..sources.distill_set import record_from_dict
    items, parts = [], []
    for n, obj in read_jsonl(path):
        rec = record_from_dict(obj, path, n)
        items.append((rec.id or str(n), rec.text))
        parts.append((list(rec.spans), relations_of(obj)))
    return items, parts
