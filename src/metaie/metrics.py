"""Counting true/false positives and negatives over sets of hashable items; micro and per-label P/R/F1.

Items are compared strictly (exact equality), so a span item is e.g. ``(doc_id, start, end, label)``.

>>> c = PRF()
>>> c.add(gold=[(0, 0, 3, "per"), (0, 5, 9, "loc")], pred=[(0, 0, 3, "per"), (0, 5, 8, "loc")])
>>> (c.tp, c.fp, c.fn), round(c.f1, 3)
((1, 1, 1), 0.5)
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class PRF:
    """Accumulates tp/fp/fn, overall and per label (``label_of(item)``, default: the item's last field)."""

    label_of: Callable[[Hashable], str] | None = None
    tp: int = 0
    fp: int = 0
    fn: int = 0
    per_label: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))

    def _label(self, item: Hashable) -> str:
        if self.label_of is not None:
            return str(self.label_of(item))
        return str(item[-1]) if isinstance(item, tuple) and item else ""

    def add(self, gold: Iterable[Hashable], pred: Iterable[Hashable]) -> None:
        g, p = set(gold), set(pred)
        for item in g & p:
            self.tp += 1
            self.per_label[self._label(item)][0] += 1
        for item in p - g:
            self.fp += 1
            self.per_label[self._label(item)][1] += 1
        for item in g - p:
            self.fn += 1
            self.per_label[self._label(item)][2] += 1

    @property
    def precision(self) -> float:
        return _f1(self.tp, self.fp, self.fn)[0]

    @property
    def recall(self) -> float:
        return _f1(self.tp, self.fp, self.fn)[1]

    @property
    def f1(self) -> float:
        return _f1(self.tp, self.fp, self.fn)[2]

    def summary(self) -> dict:
        """Micro P/R/F1 and counts, plus the same per label."""
        p, r, f = _f1(self.tp, self.fp, self.fn)
        labels = {}
        for lab, (tp, fp, fn) in sorted(self.per_label.items()):
            lp, lr, lf = _f1(tp, fp, fn)
            labels[lab] = {"precision": lp, "recall": lr, "f1": lf, "tp": tp, "fp": fp, "fn": fn}
        return {"precision": p, "recall": r, "f1": f, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "per_label": labels}
