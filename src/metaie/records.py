"""Core data structures: spans as half-open character offsets, distillation records. No torch here.

A distillation set is JSONL, one record per text::

    {"id": "pile-12", "text": "Tom was born in Paris.",
     "spans": [{"label": "person", "start": 0, "end": 3, "text": "Tom"},
               {"label": "location", "start": 16, "end": 21, "text": "Paris"}],
     "negatives": ["date"],
     "source": "pilener_391_bio"}

``spans[*].text`` is optional and, when present, must equal ``text[start:end]``. ``negatives`` lists
labels known to have no span in the text (they become "answer nothing" queries).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError

# What becomes of overlapping spans that answer different labels of one text: keep them all, or keep the likelier
# (the paper's rule). One name everywhere: ``MetaIE.extract``, the task pipeline, the CLI, the server, spaCy, Ray.
OVERLAP = ("keep", "likelier")


@dataclass(frozen=True, order=True)
class Span:
    """A labelled span ``text[start:end]`` of a text (half-open character offsets).

    >>> s = Span(0, 3, "person", "Tom", 0.97)
    >>> s.to_dict()
    {'start': 0, 'end': 3, 'label': 'person', 'text': 'Tom', 'score': 0.97}
    """

    start: int
    end: int
    label: str
    text: str = ""
    score: float | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end, "label": self.label, "text": self.text}
        if self.score is not None:
            d["score"] = round(float(self.score), 4)
        return d

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.start, self.end, self.label)


@dataclass
class Record:
    """One text of a distillation set with its labelled spans and known-absent labels."""

    text: str
    spans: list[Span] = field(default_factory=list)
    negatives: list[str] = field(default_factory=list)
    id: str = ""
    source: str = ""

    @property
    def labels(self) -> list[str]:
        """Labels with at least one span, in first-seen order."""
        return list(dict.fromkeys(s.label for s in self.spans))

    def queries(self) -> list[Query]:
        """All (label, gold spans) queries of this record: positives first, then negatives."""
        out = [Query(label=lab, text=self.text, spans=[s for s in self.spans if s.label == lab])
               for lab in self.labels]
        pos = set(self.labels)
        out += [Query(label=lab, text=self.text, spans=[]) for lab in dict.fromkeys(self.negatives) if lab not in pos]
        return out

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.id:
            d["id"] = self.id
        d["text"] = self.text
        d["spans"] = [{"label": s.label, "start": s.start, "end": s.end, "text": self.text[s.start:s.end]}
                      for s in sorted(self.spans)]
        d["negatives"] = list(self.negatives)
        if self.source:
            d["source"] = self.source
        return d


@dataclass
class Query:
    """A label-to-span query: which spans of ``text`` answer ``label``? ``spans`` holds gold answers if known."""

    label: str
    text: str
    spans: list[Span] = field(default_factory=list)


def count_labels(records: Iterable[Record], per: str = "record") -> Counter:
    """The package's label counter: records mentioning each label (``per="record"``) or spans of it (``"span"``).

    Labels come in first-seen order, the same in every process (negative sampling relies on it).

    >>> rs = [Record("Tom and Ann", [Span(0, 3, "person"), Span(8, 11, "person")])]
    >>> count_labels(rs), count_labels(rs, per="span")
    (Counter({'person': 1}), Counter({'person': 2}))
    """
    if per == "record":
        return Counter(lab for r in records for lab in r.labels)
    if per == "span":
        return Counter(s.label for r in records for s in r.spans)
    raise ValueError(f"per must be 'record' or 'span', not {per!r}")


def rule_of_bool(allow_overlap: bool) -> str:
    """The rule the older ``allow_overlap`` bool meant: True keeps every span, False the likelier of overlapping
    spans of different labels.

    >>> rule_of_bool(True), rule_of_bool(False)
    ('keep', 'likelier')
    """
    return "keep" if allow_overlap else "likelier"


def overlap_rule(overlap: str | bool | None = None, allow_overlap: bool | None = None,
                 default: str = "likelier") -> str:
    """The overlap rule a call asks for: ``overlap`` (one of ``OVERLAP``), else the older ``allow_overlap`` bool it
    replaces (True = keep, False = likelier; still accepted, with a DeprecationWarning, as is a bool ``overlap``),
    else ``default``.

    >>> overlap_rule("keep"), overlap_rule(None), overlap_rule(None, default="keep")
    ('keep', 'likelier', 'keep')
    """
    import warnings

    if isinstance(overlap, bool):
        warnings.warn("overlap takes 'keep' or 'likelier'; a bool is read as keep (True) or likelier (False)",
                      DeprecationWarning, stacklevel=3)
        overlap = rule_of_bool(overlap)
    if allow_overlap is not None:
        warnings.warn("allow_overlap is replaced by overlap='keep' | 'likelier'", DeprecationWarning, stacklevel=3)
        old = rule_of_bool(allow_overlap)
        if overlap is not None and overlap != old:
            raise ConfigError(f"overlap={overlap!r} and allow_overlap={allow_overlap} disagree; give overlap only")
        overlap = old
    rule = default if overlap is None else overlap
    if rule not in OVERLAP:
        raise ConfigError(f"overlap must be one of {', '.join(OVERLAP)}, not {rule!r}")
    return rule
