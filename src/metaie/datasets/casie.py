"""CASIE raw annotation JSON (one file per article) -> sentence-level event Examples, with a
deterministic document-level split.

Split rule (CASIE has no official one): documents that parse and have content are ordered by
``info.date`` (YYYY_MM_DD; missing dates sort first) then by numeric file id; the oldest 80% are
``train``, the next 10% ``dev``, the newest 10% ``test`` (cut points ``int(0.8 n)``, ``int(0.9 n)``).
Event type = the event ``subtype`` (Databreach, Phishing, Ransom, DiscoverVulnerability,
PatchVulnerability); argument type = ``role.type``.

Offsets: a mention whose ``content[start:end]`` differs from its text is moved to the nearest
occurrence of its text within 100 characters, or dropped (counted in ``CasieReport``). Documents are
cut into sentences (never inside a mention); arguments in another sentence than their trigger are
dropped (counted).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..alignment import find_all
from ..errors import DataFormatError
from ..jsonl import read_text
from ..tasks.structures import Entity, Event, Example, merge_events
from .brat import sentences

SPLITS = ("train", "dev", "test")


@dataclass
class CasieReport:
    """Counts from loading CASIE: mentions moved to their text, dropped, cross-sentence arguments."""

    documents: dict[str, int] = field(default_factory=dict)
    mentions: int = 0
    moved: int = 0
    dropped: int = 0
    cross_sentence: int = 0


def _doc_key(path: Path, info: dict) -> tuple:
    stem = path.stem
    return (str(info.get("date") or "0000"), int(stem) if stem.isdigit() else 10**12, stem)


def document_split(folder: str | Path) -> dict[str, list[Path]]:
    """The deterministic document-level split: {"train": [...], "dev": [...], "test": [...]} of annotation paths.

    >>> document_split.__doc__.startswith("The deterministic")
    True
    """
    folder = Path(folder)
    ann = folder / "data" / "annotation" if (folder / "data" / "annotation").is_dir() else folder / "annotation"
    files = sorted(ann.glob("*.json"))
    if not files:
        raise DataFormatError("no CASIE annotation/*.json files", path=ann)
    keyed = []
    for p in files:
        try:
            d = json.loads(read_text(p))
        except json.JSONDecodeError:
            continue
        if isinstance(d, dict) and d.get("content"):
            keyed.append((_doc_key(p, d.get("info") or {}), p))
    keyed.sort()
    paths = [p for _, p in keyed]
    a, b = int(0.8 * len(paths)), int(0.9 * len(paths))
    return {"train": paths[:a], "dev": paths[a:b], "test": paths[b:]}


def _fix(content: str, start: int, end: int, text: str, report: CasieReport) -> tuple[int, int] | None:
    report.mentions += 1
    if content[start:end] == text:
        return start, end
    near = [(abs(s - start), s, e) for s, e in find_all(content, text) if abs(s - start) <= 100]
    if near:
        report.moved += 1
        _, s, e = min(near)
        return s, e
    report.dropped += 1
    return None


def read_casie_doc(path: Path, report: CasieReport) -> list[Example]:
    """One CASIE article as sentence Examples carrying their events."""
    try:
        d = json.loads(read_text(path))
        content = d["content"]
        raw_events = [ev for h in d.get("cyberevent", {}).get("hopper", []) for ev in h["events"]]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise DataFormatError(f"not a CASIE annotation file ({e!r})", path=path) from None
    events = []  # (trigger (s, e, type), [(s, e, role)])
    for ev in raw_events:
        n = ev["nugget"]
        t = _fix(content, n["startOffset"], n["endOffset"], n["text"], report)
        if t is None:
            continue
        args = []
        for a in ev.get("argument", []):
            span = _fix(content, a["startOffset"], a["endOffset"], a["text"], report)
            if span is not None:
                args.append((*span, a["role"]["type"]))
        events.append(((*t, ev.get("subtype") or ev["type"]), args))
    mentions = [(t0, t1, "", "") for (t0, t1, _), _ in events]
    mentions += [(s, e, "", "") for _, args in events for s, e, _ in args]
    out = []
    for k, (ss, se) in enumerate(sentences(content, mentions)):
        text = content[ss:se]
        evs = []
        for (ts, te, typ), args in events:
            if not (ss <= ts and te <= se):
                continue
            inside = [(s, e, r) for s, e, r in args if ss <= s and e <= se]
            report.cross_sentence += len(args) - len(inside)
            evs.append(Event(Entity(ts - ss, te - ss, typ, text[ts - ss:te - ss]),
                             tuple(sorted({Entity(s - ss, e - ss, r, text[s - ss:e - ss]) for s, e, r in inside}))))
        out.append(Example(f"casie:{path.stem}.{k}", text, events=merge_events(evs)))
    return out


def read_casie(folder: str | Path, split: str) -> tuple[list[Example], CasieReport]:
    """Sentence Examples of one split of the deterministic document split."""
    parts = document_split(folder)
    report = CasieReport(documents={s: len(p) for s, p in parts.items()})
    return [ex for p in parts[split] for ex in read_casie_doc(p, report)], report
