"""Split passages into sentences, keeping spans with their sentence (pysbd, with character offsets)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..records import Record, Span


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace trimmed.

    >>> sentence_bounds("Tom ran. Ann sat.")
    [(0, 8), (9, 17)]
    """
    out = []
    for sp in _segmenter().segment(text):
        s, e = sp.start, sp.end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out or ([(0, len(text))] if text.strip() else [])


@dataclass
class SplitReport:
    passages: int = 0
    sentences: int = 0
    spans_kept: int = 0
    spans_crossing: int = 0  # spans over a sentence boundary: their sentences are merged, not lost


def split_record(rec: Record, report: SplitReport | None = None) -> list[Record]:
    """One record per sentence. Sentences joined by a span are merged so no span is cut.

    Labels of the passage absent from a sentence become that sentence's negatives, as do the passage's
    own negatives.
    """
    bounds = sentence_bounds(rec.text)
    merged: list[list[int]] = []
    for s, e in bounds:
        if merged and any(sp.start < merged[-1][1] and sp.end > s for sp in rec.spans):
            merged[-1][1] = e
            if report:
                report.spans_crossing += sum(1 for sp in rec.spans if sp.start < merged[-1][1] and sp.end > s
                                             and sp.start < s)
        else:
            merged.append([s, e])
    labels = rec.labels
    out = []
    for k, (s, e) in enumerate(merged):
        spans = [Span(sp.start - s, sp.end - s, sp.label, sp.text) for sp in rec.spans if sp.start >= s and sp.end <= e]
        present = {sp.label for sp in spans}
        negatives = [lab for lab in list(dict.fromkeys(labels + rec.negatives)) if lab not in present]
        out.append(Record(text=rec.text[s:e], spans=spans, negatives=negatives,
                          id=f"{rec.id}#{k}" if rec.id else "", source=rec.source))
    if report:
        report.passages += 1
        report.sentences += len(out)
        report.spans_kept += sum(len(r.spans) for r in out)
    return out


def split_into_sentences(records: Iterable[Record], report: SplitReport | None = None) -> list[Record]:
    """Split every record into sentence records."""
    return [s for r in records for s in split_record(r, report)]
