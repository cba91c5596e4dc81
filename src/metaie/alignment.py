"""Place answer strings in text; convert between token tags and character spans. No torch here."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .records import Span


def find_all(text: str, answer: str, ignore_case: bool = False) -> list[tuple[int, int]]:
    """Every non-overlapping occurrence of ``answer`` in ``text`` as (start, end).

    >>> find_all("a b a", "a")
    [(0, 1), (4, 5)]
    """
    if not answer:
        return []
    hay, needle = (text.casefold(), answer.casefold()) if ignore_case else (text, answer)
    if ignore_case and len(hay) != len(text):  # casefold changed lengths (e.g. 'ß'): fall back to regex
        return [(m.start(), m.end()) for m in re.finditer(re.escape(answer), text, flags=re.IGNORECASE)]
    out, i = [], hay.find(needle)
    while i != -1:
        out.append((i, i + len(needle)))
        i = hay.find(needle, i + len(needle))
    return out


def align_answer(text: str, answer: str) -> list[tuple[int, int]]:
    """Occurrences of an answer in a text: exact first, then case-insensitive, then whitespace-normalised.

    >>> align_answer("Tom met TOM.", "tom")
    [(0, 3), (8, 11)]
    >>> align_answer("New  York", "New York")
    [(0, 9)]
    """
    answer = answer.strip()
    if not answer:
        return []
    hits = find_all(text, answer)
    if hits:
        return hits
    hits = find_all(text, answer, ignore_case=True)
    if hits:
        return hits
    parts = answer.split()
    if len(parts) > 1:
        pattern = r"\s+".join(re.escape(p) for p in parts)
        return [(m.start(), m.end()) for m in re.finditer(pattern, text, flags=re.IGNORECASE)]
    return []


def word_offsets(text: str, words: Sequence[str]) -> list[tuple[int, int]] | None:
    """Character offsets of ``words`` found left to right in ``text``; None if a word is missing.

    >>> word_offsets("Tom , born", ["Tom", ",", "born"])
    [(0, 3), (4, 5), (6, 10)]
    """
    out, pos = [], 0
    for w in words:
        i = text.find(w, pos)
        if i < 0:
            return None
        out.append((i, i + len(w)))
        pos = i + len(w)
    return out


def join_words(words: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Join tokens with single spaces and return the text with each word's offsets.

    >>> join_words(["Tom", "runs", "."])
    ('Tom runs .', [(0, 3), (4, 8), (9, 10)])
    """
    offsets, pos = [], 0
    for w in words:
        offsets.append((pos, pos + len(w)))
        pos += len(w) + 1
    return " ".join(words), offsets


def bio_to_spans(tags: Sequence[str], offsets: Sequence[tuple[int, int]], text: str,
                 default_label: str = "") -> list[Span]:
    """Decode word-level BIO (or IOB1, or bare B/I/O) tags into character spans.

    A tag is ``B-x``, ``I-x``, ``O`` or a bare ``B``/``I``; an ``I`` that does not continue a span of
    the same label opens one (IOB1 and lenient IOB2).

    >>> bio_to_spans(["B-per", "I-per", "O", "B-loc"], [(0, 3), (4, 7), (8, 10), (11, 16)],
    ...              "Tom Lee in Paris")  # doctest: +NORMALIZE_WHITESPACE
    [Span(start=0, end=7, label='per', text='Tom Lee', score=None),
     Span(start=11, end=16, label='loc', text='Paris', score=None)]
    """
    spans: list[Span] = []
    cur: list = []  # [label, start, end]

    def close() -> None:
        if cur:
            spans.append(Span(cur[1], cur[2], cur[0], text[cur[1]:cur[2]]))
            cur.clear()

    for tag, (s, e) in zip(tags, offsets):
        tag = tag.strip()
        if tag in ("O", ""):
            close()
            continue
        prefix, _, lab = tag.partition("-")
        lab = lab or default_label
        prefix = prefix.upper()
        if prefix in ("B", "S", "U") or not cur or cur[0] != lab:
            close()
            cur.extend([lab, s, e])
        else:
            cur[2] = e
        if prefix in ("E", "S", "U"):
            close()
    close()
    return spans


def spans_to_bio(spans: Iterable[Span], offsets: Sequence[tuple[int, int]]) -> list[str]:
    """Tag each unit (word or token) overlapping a span: first ``B-label``, later ``I-label``.

    Units are given as character offsets; a unit overlapping no span is ``O``. Earlier spans win
    where spans overlap.

    >>> spans_to_bio([Span(0, 7, "per")], [(0, 3), (4, 7), (8, 10)])
    ['B-per', 'I-per', 'O']
    """
    tags = ["O"] * len(offsets)
    for sp in spans:
        first = True
        for i, (s, e) in enumerate(offsets):
            if e <= sp.start or s >= sp.end or s == e:
                continue
            if tags[i] != "O":
                first = False
                continue
            tags[i] = ("B-" if first else "I-") + sp.label
            first = False
    return tags
