"""doccano JSONL round trip: ``{"text", "label": [[start, end, "LABEL"], ...]}`` for sequence labelling, or
``{"text", "entities": [{"id", "label", "start_offset", "end_offset"}], "relations": [{"from_id", "to_id",
"type"}]}`` for relation projects.

Offsets: doccano counts JavaScript string indices, i.e. UTF-16 code units (an emoji is 2), unless the project
counts grapheme clusters; ``offsets="utf16"`` (the default) converts to and from metaie's code points, and
``offsets="codepoint"`` writes and reads them unchanged.

>>> line = to_line("1", "😀 Tom", [Span(2, 5, "person", "Tom")])
>>> line["label"]
[[3, 6, 'person']]
>>> [(s["start"], s["text"]) for s in from_line(line, "x.jsonl", 1)["spans"]]
[(2, 'Tom')]
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataFormatError
from ..jsonl import read_jsonl
from ..records import Span
from .offsets import UNITS, decode_offset, encode_offset
from .records import Relation, record_dict


def _check_unit(offsets: str) -> None:
    if offsets not in UNITS:
        raise ConfigError(f"--offsets must be one of {', '.join(UNITS)}, not {offsets!r}")


def to_line(rid: str, text: str, spans: Sequence[Span], relations: Sequence[Relation] = (),
            offsets: str = "utf16") -> dict[str, Any]:
    """One doccano JSONL object; the relation-project form when there are relations."""
    _check_unit(offsets)

    def enc(x: int) -> int:
        return encode_offset(text, x, offsets)
    if not relations:
        return {"id": rid, "text": text, "label": [[enc(s.start), enc(s.end), s.label] for s in spans]}
    ids = {s.key: i for i, s in enumerate(spans)}
    ents = [{"id": i, "label": s.label, "start_offset": enc(s.start), "end_offset": enc(s.end)}
            for i, s in enumerate(spans)]
    rels = [{"id": k, "from_id": ids[h.key], "to_id": ids[t.key], "type": lab}
            for k, (h, t, lab) in enumerate(relations) if h.key in ids and t.key in ids]
    return {"id": rid, "text": text, "entities": ents, "relations": rels}


def _triples(obj: dict[str, Any], bad) -> list[tuple[Any, int, int, str]]:
    """(entity id, start, end, label) in file units from either doccano form."""
    if "entities" in obj:
        ents = obj["entities"]
        if not isinstance(ents, list):
            raise bad("'entities' must be a list")
        out = []
        for i, e in enumerate(ents):
            if not isinstance(e, dict) or not {"label", "start_offset", "end_offset"} <= set(e):
                raise bad(f"entities[{i}] needs label, start_offset and end_offset")
            out.append((e.get("id", i), e["start_offset"], e["end_offset"], e["label"]))
        return out
    labs = obj.get("label", obj.get("labels", []))
    if not isinstance(labs, list):
        raise bad("'label' must be a list of [start, end, label]")
    out = []
    for i, x in enumerate(labs):
        if not isinstance(x, list) or len(x) != 3:
            raise bad(f"label[{i}] must be [start, end, label], got {x!r}")
        out.append((i, x[0], x[1], x[2]))
    return out


def from_line(obj: dict[str, Any], path: str | Path, line: int, offsets: str = "utf16") -> dict[str, Any]:
    """One doccano object as a record dict; bad content raises naming the file, line and id."""
    rid = obj.get("id", obj.get("doc_id"))

    def bad(msg: str) -> DataFormatError:
        return DataFormatError(f"id {rid}: {msg}" if rid is not None else msg, path=path, line=line)
    text = obj.get("text")
    if not isinstance(text, str):
        raise bad("missing field 'text' (a string)")
    by_id: dict[Any, Span] = {}
    for eid, s, e, lab in _triples(obj, bad):
        if not (isinstance(s, int) and isinstance(e, int)) or not isinstance(lab, str) or not lab.strip():
            raise bad(f"entity {eid!r}: expected integer offsets and a label, got {s!r}, {e!r}, {lab!r}")
        cs, ce = decode_offset(text, s, offsets), decode_offset(text, e, offsets)
        if cs is None or ce is None or not 0 <= cs < ce <= len(text):
            raise bad(f"entity {eid!r}: offsets [{s}, {e}) ({offsets}) do not fit the text of length {len(text)}"
                      + ("" if offsets == "codepoint" else " (try --offsets codepoint)"))
        by_id[eid] = Span(cs, ce, lab.strip(), text[cs:ce])
    rels: list[Relation] = []
    for i, r in enumerate(obj.get("relations") or []):
        if not isinstance(r, dict) or r.get("from_id") not in by_id or r.get("to_id") not in by_id:
            raise bad(f"relations[{i}] must name two entity ids of this line")
        rels.append((by_id[r["from_id"]], by_id[r["to_id"]], str(r.get("type", "related"))))
    return record_dict(str(rid if rid is not None else line), text, by_id.values(), rels, source="doccano")


def read_file(path: str | Path, offsets: str = "utf16") -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Records from a doccano JSONL export, and counts."""
    _check_unit(offsets)
    out = [from_line(obj, path, n, offsets) for n, obj in read_jsonl(path)]
    if not out:
        raise DataFormatError("no lines in file", path=path)
    rep = {"records": len(out), "spans": sum(len(r["spans"]) for r in out),
           "relations": sum(len(r.get("relations", [])) for r in out)}
    return out, rep


def lines(items: Iterable[tuple[str, str, Sequence[Span], Sequence[Relation]]], offsets: str = "utf16"
          ) -> Iterable[dict[str, Any]]:
    """doccano objects for (id, text, spans, relations) items."""
    for rid, text, spans, rels in items:
        yield to_line(rid, text, spans, rels, offsets)
