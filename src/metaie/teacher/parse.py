"""Turn a teacher's free text into (label, answer) pairs and align answers to the sentence. No torch.

>>> p = parse_answer("Sure! Here you go:\\n1. **Person**: Tom\\n- location: \\"Paris\\"\\nHope this helps.")
>>> p.pairs
[('Person', 'Tom'), ('location', 'Paris')]
>>> spans, rejects = align_pairs("Tom was born in Paris.", p.pairs)
>>> [(s.label, s.text) for s in spans]
[('Person', 'Tom'), ('location', 'Paris')]
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..alignment import align_answer
from ..records import Span

_BULLET = re.compile(r"^\s*(?:[-*•+–—·>]+|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)](?=\s))\s*")
_EMPH = re.compile(r"(\*\*|__|`)")
_QUOTES = "\"'“”‘’`"
_LABEL_KEYS = ("label", "type", "entity_type", "category", "key", "name", "attribute")
_ANSWER_KEYS = ("span", "answer", "value", "text", "entity", "spans", "answers", "values", "mention")
_TUPLE = re.compile(r"\(\s*([\"'])(.+?)\1\s*,\s*([\"'])(.+?)\3\s*\)")
_SPLIT_LEVELS = (re.compile(r"\s*;\s*"), re.compile(r"\s*,\s*"), re.compile(r"\s+(?:and|&)\s+", re.I))


@dataclass
class Parsed:
    """Pairs read from one answer, and the non-empty lines that could not be read as pairs."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    bad_lines: list[str] = field(default_factory=list)


def _clean(s: str) -> str:
    s = _EMPH.sub("", s).strip()
    while len(s) >= 2 and s[0] in _QUOTES and s[-1] in _QUOTES:
        s = s[1:-1].strip()
    return s


def _values(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return [str(v)]
    if isinstance(v, (list, tuple)):
        return [x for item in v for x in _values(item)]
    return []


def _from_structure(obj: Any, fmt: str) -> list[tuple[str, str]] | None:
    """Pairs from a decoded JSON / Python-literal answer, or None if the shape is unknown."""
    pairs: list[tuple[str, str]] = []
    if isinstance(obj, dict):
        if any(k in obj for k in _LABEL_KEYS) and any(k in obj for k in _ANSWER_KEYS):
            obj = [obj]
        else:
            return [(str(k), a) for k, v in obj.items() for a in _values(v)]
    if not isinstance(obj, (list, tuple)):
        return None
    for item in obj:
        if isinstance(item, dict):
            lab = next((item[k] for k in _LABEL_KEYS if k in item), None)
            ans = next((item[k] for k in _ANSWER_KEYS if k in item), None)
            if lab is None and len(item) == 1:
                (lab, ans), = item.items()
            if lab is None or ans is None:
                return None
            pairs += [(str(lab), a) for a in _values(ans)]
        elif isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(x, str) for x in item):
            a, b = item
            pairs.append((b, a) if fmt == "entity-type" else (a, b))
        elif isinstance(item, str) and ":" in item:
            lab, _, ans = item.partition(":")
            pairs.append((lab, ans))
        else:
            return None
    return pairs


def _try_structured(text: str, fmt: str) -> list[tuple[str, str]] | None:
    starts = [i for i, ch in enumerate(text) if ch in "[{"][:20]
    for i in starts:
        close = "]" if text[i] == "[" else "}"
        j = text.rfind(close)
        while j > i:
            chunk = text[i:j + 1]
            for loader in (json.loads, ast.literal_eval):
                try:
                    obj = loader(chunk)
                except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                    continue
                pairs = _from_structure(obj, fmt)
                if pairs is not None:
                    return pairs
            j = text.rfind(close, i, j)
    return None


def parse_answer(text: str, answer_format: str = "label-span", max_label_words: int = 8,
                 primer: str = "") -> Parsed:
    """Read (label, answer) pairs from an LLM answer.

    Handles bullets, numbering, bold, quotes, JSON (lists of objects, objects of label -> answer(s),
    lists of pairs), Python tuple lists (``[("Tom", "person")]`` for ``entity-type``), repeated labels and
    chatter around the list. Multi-answer strings are kept whole here (see :func:`align_pairs`).

    >>> parse_answer('[{"label": "person", "span": "Tom"}, {"label": "city", "span": ["Paris", "Rome"]}]').pairs
    [('person', 'Tom'), ('city', 'Paris'), ('city', 'Rome')]
    >>> parse_answer('[("Tom", "person")]', "entity-type").pairs
    [('person', 'Tom')]
    """
    text = "\n".join(ln for ln in text.replace("\r", "").split("\n") if not ln.strip().startswith("```"))
    out = Parsed()
    structured = _try_structured(text, answer_format)
    if structured is not None:
        out.pairs = [(_clean(a), _clean(b)) for a, b in structured if _clean(a) and _clean(b)]
        return out
    if answer_format == "entity-type":
        found = _TUPLE.findall(text)
        if found:
            out.pairs = [(_clean(t), _clean(e)) for _, e, _, t in found]
            return out
    primer_head = primer.split("(")[0].strip().lower()
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or (primer_head and line.lower().startswith(primer_head)):
            continue
        body = _BULLET.sub("", line, count=1)
        sep = re.search(r"\s*(?::|->|=>)\s*", body)
        if answer_format == "entity-type" and not sep:
            m = re.match(r"^(.+?)\s*\(([^()]+)\)\s*$", body)  # "Tom (person)"
            if m:
                out.pairs.append((_clean(m.group(2)), _clean(m.group(1))))
                continue
        if not sep:
            out.bad_lines.append(line)
            continue
        left, right = _clean(body[:sep.start()]), _clean(body[sep.end():])
        if answer_format == "entity-type" and re.search(r"\s*(?:->|=>)\s*", body[sep.start():sep.end()]):
            left, right = right, left
        left = left.strip("<>[]()").strip()
        if not left or not right or len(left.split()) > max_label_words or left.lower() in ("label", "span") \
                or right.lower() in ("<span>", "none", "n/a"):
            out.bad_lines.append(line)
            continue
        if right.startswith("[") and right.endswith("]"):
            try:
                vals = _values(json.loads(right))
            except ValueError:
                vals = [right]
            out.pairs += [(left, _clean(v)) for v in vals if _clean(v)]
        else:
            out.pairs.append((left, right))
    return out


def _align_one(sentence: str, answer: str) -> list[tuple[int, int]]:
    hits = align_answer(sentence, answer)
    if not hits:
        trimmed = answer.strip().rstrip(".!?;,").strip().strip(_QUOTES)
        if trimmed and trimmed != answer:
            hits = align_answer(sentence, trimmed)
    return hits


def _align_split(sentence: str, answer: str, level: int) -> tuple[list[tuple[int, int]], list[str]]:
    """Whole answer first; only if it is not in the sentence, split on ';', then ',', then 'and'."""
    hits = _align_one(sentence, answer)
    if hits or level >= len(_SPLIT_LEVELS):
        return hits, ([] if hits else [answer])
    parts = [p for p in _SPLIT_LEVELS[level].split(answer) if p.strip()]
    if len(parts) == 1:
        return _align_split(sentence, answer, level + 1)
    found, missed = [], []
    for p in parts:
        h, m = _align_split(sentence, p, level + 1)
        found += h
        missed += m
    return found, missed


def align_pairs(sentence: str, pairs: list[tuple[str, str]]) -> tuple[list[Span], list[tuple[str, str]]]:
    """Spans for every occurrence of every answer, and the (label, answer) parts not found in the sentence.

    Same-label spans that overlap keep the longest; exact duplicates are merged.

    >>> spans, missed = align_pairs("Tom met Bob, then Ann at Johnson and Johnson.",
    ...                             [("person", "Tom, Bob and Ann"), ("company", "Johnson and Johnson"), ("x", "Zed")])
    >>> [(s.label, s.text) for s in spans], missed
    ([('person', 'Tom'), ('person', 'Bob'), ('person', 'Ann'), ('company', 'Johnson and Johnson')], [('x', 'Zed')])
    """
    cands: list[Span] = []
    missed: list[tuple[str, str]] = []
    for label, answer in pairs:
        hits, miss = _align_split(sentence, answer, 0)
        cands += [Span(s, e, label, sentence[s:e]) for s, e in hits]
        missed += [(label, m) for m in miss]
    kept: list[Span] = []
    for sp in sorted(cands, key=lambda s: (-(s.end - s.start), s.start)):
        if not any(k.label == sp.label and k.overlaps(sp) for k in kept):
            kept.append(sp)
    order = {sp.key: i for i, sp in reversed(list(enumerate(cands)))}
    return sorted(kept, key=lambda s: order[s.key]), missed
