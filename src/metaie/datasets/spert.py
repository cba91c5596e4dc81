"""SpERT JSON (CoNLL04, ADE) and the OneIE / DyGIE++ JSON used for ACE2005 -> Examples.

SpERT: a JSON list of ``{"tokens": [...], "entities": [{"type", "start", "end"}], "relations":
[{"type", "head", "tail"}]}`` with end-exclusive token spans and entity indices.

>>> import json, tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "d.json"
>>> _ = p.write_text(json.dumps([{"tokens": ["Tom", "works", "for", "Acme"],
...     "entities": [{"type": "Peop", "start": 0, "end": 1}, {"type": "Org", "start": 3, "end": 4}],
...     "relations": [{"type": "Work_For", "head": 0, "tail": 1}]}]))
>>> [(r.head.text, r.type, r.tail.text) for r in read_spert(p)[0].relations]
[('Tom', 'Work_For', 'Acme')]
"""
from __future__ import annotations

from pathlib import Path

from ..alignment import join_words
from ..errors import DataFormatError
from ..jsonl import read_json, read_json_items
from ..tasks.structures import Entity, Event, Example, Relation


def _span(text: str, offsets: list[tuple[int, int]], s: int, e: int, typ: str, path: Path, where: int) -> Entity:
    if not 0 <= s < e <= len(offsets):
        raise DataFormatError(f"token span [{s}, {e}) outside the sentence of {len(offsets)} tokens",
                              path=path, line=where)
    a, b = offsets[s][0], offsets[e - 1][1]
    return Entity(a, b, str(typ), text[a:b])


def read_spert(path: str | Path, prefix: str = "") -> list[Example]:
    """Read a SpERT JSON file (``line`` in errors is the 1-based item number)."""
    path = Path(path)
    data = read_json(path)
    if not isinstance(data, list):
        raise DataFormatError("expected a JSON list of {tokens, entities, relations}", path=path)
    out = []
    for i, item in enumerate(data):
        try:
            text, offsets = join_words(item["tokens"])
            ents = [_span(text, offsets, e["start"], e["end"], e["type"], path, i + 1) for e in item["entities"]]
            rels = [Relation(ents[r["head"]], ents[r["tail"]], r["type"]) for r in item.get("relations", [])]
        except (KeyError, IndexError, TypeError) as e:
            raise DataFormatError(f"item {i + 1} is not SpERT JSON ({e!r})", path=path, line=i + 1) from None
        oid = item.get("orig_id", i)
        out.append(Example(f"{prefix}{oid}", text, entities=sorted(set(ents)), relations=sorted(set(rels))))
    return out


def read_oneie(path: str | Path) -> list[Example]:
    """OneIE sentence JSON lines (``entity_mentions``, ``relation_mentions``, ``event_mentions``)."""
    path = Path(path)
    out = []
    for i, (n, row) in enumerate(read_json_items(path), 1):
        n = n or i
        try:
            text, offs = join_words(row["tokens"])
            by_id = {m["id"]: _span(text, offs, m["start"], m["end"], m["entity_type"], path, n)
                     for m in row.get("entity_mentions", [])}
            rels = []
            for r in row.get("relation_mentions", []):
                args = sorted(r["arguments"], key=lambda a: a["role"])
                rels.append(Relation(by_id[args[0]["entity_id"]], by_id[args[1]["entity_id"]], r["relation_type"]))
            events = []
            for ev in row.get("event_mentions", []):
                t = ev["trigger"]
                trig = _span(text, offs, t["start"], t["end"], ev["event_type"], path, n)
                roles = tuple(sorted({Entity(by_id[a["entity_id"]].start, by_id[a["entity_id"]].end, a["role"],
                                             by_id[a["entity_id"]].text) for a in ev.get("arguments", [])}))
                events.append(Event(trig, roles))
        except (KeyError, IndexError, TypeError) as e:
            raise DataFormatError(f"not OneIE JSON ({e!r})", path=path, line=n) from None
        out.append(Example(str(row.get("sent_id", n)), text, entities=sorted(set(by_id.values())),
                           relations=sorted(set(rels)), events=sorted(events)))
    return out


def read_dygie(path: str | Path) -> list[Example]:
    """DyGIE++ document JSON lines (``sentences``, ``ner``, ``relations``, ``events``; inclusive doc-level
    token ids)."""
    path = Path(path)
    out = []
    for i, (n, doc) in enumerate(read_json_items(path), 1):
        n = n or i
        try:
            base = 0
            for k, toks in enumerate(doc["sentences"]):
                text, offs = join_words(toks)

                def ent(s: int, e: int, typ: str) -> Entity:
                    return _span(text, offs, s - base, e - base + 1, typ, path, n)  # noqa: B023 - used in this pass
                ents = [ent(s, e, t) for s, e, t in doc.get("ner", [[]] * len(doc["sentences"]))[k]]
                rels = [Relation(_find(ents, ent(a, b, "")), _find(ents, ent(c, d, "")), t)
                        for a, b, c, d, t in doc.get("relations", [[]] * len(doc["sentences"]))[k]]
                events = []
                for ev in doc.get("events", [[]] * len(doc["sentences"]))[k]:
                    (ti, etype), args = ev[0], ev[1:]
                    events.append(Event(ent(ti, ti, etype), tuple(sorted({ent(s, e, r) for s, e, r in args}))))
                out.append(Example(f"{doc.get('doc_key', n)}.{k}", text, entities=sorted(set(ents)),
                                   relations=sorted(set(rels)), events=sorted(events)))
                base += len(toks)
        except (KeyError, IndexError, TypeError, ValueError) as e:
            raise DataFormatError(f"not DyGIE JSON ({e!r})", path=path, line=n) from None
    return out


def _find(ents: list[Entity], probe: Entity) -> Entity:
    for e in ents:
        if (e.start, e.end) == (probe.start, probe.end):
            return e
    return probe
