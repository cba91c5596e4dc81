"""Label Studio round trip: tasks with metaie's spans as *predictions* (plus the matching labelling config),
and a Label Studio JSON export read back into records with the annotators' corrections.

Offsets: Label Studio records code-point offsets (``value.start``/``end``, as Python counts) and the selected
``value.text``; versions before the frontend fix counted UTF-16 units, so on import a region whose
``value.text`` does not match the code-point slice is read again as UTF-16 before it is refused.

>>> cfg = labeling_config(["person", "city"], relations=["lives_in"])
>>> '<Label value="city"/>' in cfg and '<Relation value="lives_in"/>' in cfg
True
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from ..errors import ConfigError, DataFormatError
from ..jsonl import read_json
from ..records import Span
from .offsets import from_utf16
from .records import Relation, record_dict

FROM_NAME, TO_NAME, RULES = "label", "text", ("latest", "majority")


def labeling_config(labels: Sequence[str], relations: Sequence[str] = (), text_field: str = "text") -> str:
    """The labelling config XML: one ``Labels`` control over a ``Text`` object, ``Relations`` when given."""
    if not labels:
        raise ConfigError("the labelling config needs at least one label (--labels)")
    rel = ""
    if relations:
        rel = "  <Relations>\n" + "".join(f"    <Relation value={quoteattr(r)}/>\n" for r in relations) + \
              "  </Relations>\n"
    labs = "".join(f"    <Label value={quoteattr(lab)}/>\n" for lab in labels)
    return (f"<View>\n{rel}  <Labels name=\"{FROM_NAME}\" toName=\"{TO_NAME}\">\n{labs}  </Labels>\n"
            f"  <Text name=\"{TO_NAME}\" value=\"${text_field}\"/>\n</View>\n")


def _region(i: int, s: Span) -> dict[str, Any]:
    out: dict[str, Any] = {"id": f"r{i}", "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels",
           "value": {"start": s.start, "end": s.end, "text": s.text, "labels": [s.label]}}
    if s.score is not None:
        out["score"] = round(float(s.score), 4)
    return out


def make_task(rid: str, text: str, spans: Sequence[Span], relations: Sequence[Relation] = (),
              model_version: str = "metaie", text_field: str = "text") -> dict[str, Any]:
    """One Label Studio task: the text in ``data`` (with ``metaie_id``) and one prediction holding the spans
    (code-point offsets, a score each and their mean) and the relations between them."""
    spans = [Span(s.start, s.end, s.label, text[s.start:s.end], s.score) for s in spans]
    ids = {s.key: f"r{i}" for i, s in enumerate(spans)}
    result = [_region(i, s) for i, s in enumerate(spans)]
    for h, t, lab in relations:
        if h.key in ids and t.key in ids:
            result.append({"from_id": ids[h.key], "to_id": ids[t.key], "type": "relation", "direction": "right",
                           "labels": [lab]})
    scores = [s.score for s in spans if s.score is not None]
    pred = {"model_version": model_version, "score": round(sum(scores) / len(scores), 4) if scores else 0.0,
            "result": result}
    return {"data": {text_field: text, "metaie_id": rid}, "predictions": [pred]}


# ------------------------------------------------------------------------------------------------ import
def _pick(anns: list[dict[str, Any]]) -> dict[str, Any]:
    """The rule for several annotators under ``latest``: a ground-truth annotation wins, else the most
    recently updated (then created, then highest id)."""
    return max(anns, key=lambda a: (bool(a.get("ground_truth")), str(a.get("updated_at") or ""),
                                    str(a.get("created_at") or ""), str(a.get("id", ""))))


def _span_of(r: dict[str, Any], text: str, bad) -> Span:
    v = r.get("value")
    if not isinstance(v, dict):
        raise bad(f"region {r.get('id')!r} has no 'value' object")
    start, end, labs = v.get("start"), v.get("end"), v.get("labels")
    if not (isinstance(start, int) and isinstance(end, int)):
        raise bad(f"region {r.get('id')!r} has non-integer offsets {start!r}, {end!r} (a Text object is needed, "
                  "not HyperText)")
    if not isinstance(labs, list) or len(labs) != 1 or not isinstance(labs[0], str):
        raise bad(f"region {r.get('id')!r} must carry exactly one label, has {labs!r}")
    want = v.get("text")
    cands: list[tuple[int | None, int | None]] = [(start, end)]
    if want is not None:
        cands.append((from_utf16(text, start), from_utf16(text, end)))
    for s, e in cands:
        if s is not None and e is not None and 0 <= s < e <= len(text) and (want is None or text[s:e] == want):
            return Span(s, e, labs[0], text[s:e])
    raise bad(f"region {r.get('id')!r} [{start}, {end}) does not match its text {want!r} in the task text "
              f"(of length {len(text)})")


def _parse(result: object, text: str, bad) -> tuple[list[Span], list[Relation]]:
    if not isinstance(result, list):
        raise bad("annotation 'result' must be a list")
    regions: dict[str, Span] = {}
    spans, rels = [], []
    for r in result:
        if isinstance(r, dict) and r.get("type") == "labels":
            sp = _span_of(r, text, bad)
            regions[str(r.get("id"))] = sp
            spans.append(sp)
    for r in result:
        if isinstance(r, dict) and r.get("type") == "relation":
            a, b = regions.get(str(r.get("from_id"))), regions.get(str(r.get("to_id")))
            if a is None or b is None:
                raise bad(f"relation {r.get('from_id')!r} -> {r.get('to_id')!r} names a region that is not there")
            for lab in r.get("labels") or ["related"]:
                d = r.get("direction", "right")
                rels += [(b, a, lab)] if d == "left" else [(a, b, lab)] + ([(b, a, lab)] if d == "bi" else [])
    return spans, rels


def _majority(parsed: list[tuple[list[Span], list[Relation]]]) -> tuple[list[Span], list[Relation]]:
    """Spans and relations that more than half of the annotations hold."""
    from collections import Counter
    need = len(parsed) / 2
    sc = Counter(k for sp, _ in parsed for k in dict.fromkeys(sp))
    rc = Counter(k for _, rl in parsed for k in dict.fromkeys(rl))
    return [s for s, n in sc.items() if n > need], [r for r, n in rc.items() if n > need]


def read_export(path: str | Path, rule: str = "latest", text_field: str = "text",
                ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Records (dicts, with ``relations``) from a Label Studio JSON export, and a report of counts.

    Only ``annotations`` are read, never ``predictions``; cancelled (skipped) annotations are ignored and a
    task with none left is counted as unannotated. Several annotators: ``rule="latest"`` keeps one annotation
    (see :func:`_pick`), ``rule="majority"`` keeps what more than half of them marked. Errors name the task id.
    """
    if rule not in RULES:
        raise ConfigError(f"--annotators must be one of {', '.join(RULES)}, not {rule!r}")
    data = read_json(path)
    if not isinstance(data, list):
        raise DataFormatError("expected a Label Studio JSON export (a list of tasks)", path=path)
    out, rep = [], {"tasks": len(data), "records": 0, "unannotated": 0, "multi_annotator": 0, "spans": 0,
                    "relations": 0}
    for n, task in enumerate(data):
        tid = task.get("id", f"#{n}") if isinstance(task, dict) else f"#{n}"

        def bad(msg: str, tid=tid) -> DataFormatError:
            return DataFormatError(f"task {tid}: {msg}", path=path)
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise bad("not a Label Studio task (no 'data' object)")
        text = task["data"].get(text_field)
        if not isinstance(text, str):
            raise bad(f"data has no string field {text_field!r} (set --text-field)")
        anns = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
        if not anns:
            rep["unannotated"] += 1
            continue
        rep["multi_annotator"] += len(anns) > 1
        if rule == "latest":
            spans, rels = _parse(_pick(anns).get("result"), text, bad)
        else:
            spans, rels = _majority([_parse(a.get("result"), text, bad) for a in anns])
        rid = str(task["data"].get("metaie_id", tid))
        out.append(record_dict(rid, text, spans, rels, source="label-studio"))
        rep["records"] += 1
        rep["spans"] += len(out[-1]["spans"])
        rep["relations"] += len(out[-1].get("relations", []))
    return out, rep


def labels_in(records: Iterable[dict[str, Any]]) -> list[str]:
    """Every span label of some records, first-seen order."""
    return list(dict.fromkeys(s["label"] for r in records for s in r["spans"]))
