"""Read, validate and write distillation sets (the JSONL format documented in :mod:`metaie.records`)."""
from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import DataFormatError
from ..jsonl import read_jsonl, write_jsonl
from ..records import Record, Span


def record_from_dict(obj: dict[str, Any], path: str | Path | None = None, line: int | None = None) -> Record:
    """Validate one JSON object of a distillation set and build a :class:`Record`."""
    def bad(msg: str) -> DataFormatError:
        return DataFormatError(msg, path=path, line=line)

    text = obj.get("text")
    if not isinstance(text, str):
        raise bad("missing field 'text' (a string)")
    raw_spans = obj.get("spans", [])
    if not isinstance(raw_spans, list):
        raise bad("field 'spans' must be a list")
    spans = []
    for i, s in enumerate(raw_spans):
        if not isinstance(s, dict):
            raise bad(f"spans[{i}] must be an object with label, start, end")
        for key in ("label", "start", "end"):
            if key not in s:
                raise bad(f"spans[{i}] is missing field '{key}'")
        lab, start, end = s["label"], s["start"], s["end"]
        if not isinstance(lab, str) or not lab.strip():
            raise bad(f"spans[{i}].label must be a non-empty string")
        for key, v in (("start", start), ("end", end)):
            if not isinstance(v, int) or isinstance(v, bool):
                raise bad(f"spans[{i}].{key} must be an integer character offset, not {json.dumps(v)}")
        if not 0 <= start < end <= len(text):
            raise bad(f"spans[{i}] has offsets [{start}, {end}) outside the text of length {len(text)}")
        if "text" in s and s["text"] != text[start:end]:
            raise bad(f"spans[{i}].text {s['text']!r} differs from text[{start}:{end}] = {text[start:end]!r}")
        spans.append(Span(start, end, lab.strip(), text[start:end]))
    negatives = obj.get("negatives", [])
    if not isinstance(negatives, list) or not all(isinstance(x, str) for x in negatives):
        raise bad("field 'negatives' must be a list of strings")
    return Record(text=text, spans=spans, negatives=[n.strip() for n in negatives if n.strip()],
                  id=str(obj.get("id", "")), source=str(obj.get("source", "")))


def load_records(path: str | Path) -> list[Record]:
    """Load a distillation set; an invalid line raises :class:`DataFormatError` with file and line."""
    records = [record_from_dict(obj, path, n) for n, obj in read_jsonl(path)]
    if not records:
        raise DataFormatError("no records in file", path=path)
    return records


def save_records(path: str | Path, records: Iterable[Record]) -> int:
    """Write records atomically as JSONL; return the count."""
    return write_jsonl(path, (r.to_dict() for r in records))


def _nonspace(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if not ch.isspace()]


def _move_span(sp: Span, src: str, dst: str, src_pos: list[int], dst_pos: list[int]) -> Span | None:
    """Map a span between two texts equal up to whitespace, through their non-space characters."""
    import bisect
    k = bisect.bisect_left(src_pos, sp.start)
    j = bisect.bisect_left(src_pos, sp.end) - 1
    if k > j or j >= len(dst_pos):
        return None
    start, end = dst_pos[k], dst_pos[j] + 1
    return Span(start, end, sp.label, dst[start:end])


def dedupe_by_text(records: Iterable[Record]) -> list[Record]:
    """Merge records whose texts are equal up to whitespace: union of spans and negatives.

    The first record's text is kept; spans of later ones are mapped onto it. A label with a span is
    never a negative.

    >>> a = Record("end-of-life care", [Span(0, 11, "treatment", "end-of-life")])
    >>> b = Record("end - of - life care", [Span(16, 20, "service")], ["date"])
    >>> [(s.text, s.label) for s in dedupe_by_text([a, b])[0].spans]
    [('end-of-life', 'treatment'), ('care', 'service')]
    """
    by_key: dict[str, Record] = {}
    for r in records:
        key = "".join(r.text.split())
        if key not in by_key:
            by_key[key] = Record(text=r.text, spans=list(r.spans), negatives=list(r.negatives),
                                 id=r.id, source=r.source)
            continue
        m = by_key[key]
        spans = r.spans
        if r.text != m.text:
            src_pos, dst_pos = _nonspace(r.text), _nonspace(m.text)
            spans = [x for x in (_move_span(sp, r.text, m.text, src_pos, dst_pos) for sp in r.spans) if x]
        seen = {s.key for s in m.spans}
        m.spans += [s for s in spans if s.key not in seen]
        m.negatives += [n for n in r.negatives if n not in m.negatives]
        if r.source:  # sources are "+"-joined names; merge them as sets so repeats do not pile up
            have = [x for x in (m.source or "").split("+") if x]
            m.source = "+".join(have + [x for x in r.source.split("+") if x and x not in have])
    for m in by_key.values():
        pos = set(m.labels)
        m.negatives = [n for n in m.negatives if n not in pos]
    return list(by_key.values())


def split_records(records: Sequence[Record], dev_fraction: float, seed: int) -> tuple[list[Record], list[Record]]:
    """Seeded split into (train, held-out); held-out gets round(dev_fraction * n) records, at least 1 if n > 1."""
    if not 0 <= dev_fraction < 1:
        raise ValueError("dev_fraction must be in [0, 1)")
    idx = list(range(len(records)))
    random.Random(seed).shuffle(idx)
    n_dev = round(dev_fraction * len(records))
    if dev_fraction > 0 and n_dev == 0 and len(records) > 1:
        n_dev = 1
    dev = [records[i] for i in sorted(idx[:n_dev])]
    train = [records[i] for i in sorted(idx[n_dev:])]
    return train, dev
