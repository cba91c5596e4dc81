"""Label normalisation, statistics and bias controls (per-label caps, frequency-sampled negatives).

>>> normalise_label("  Place_of  BIRTH: ")
'place of birth'
"""
from __future__ import annotations

import bisect
import itertools
import random
import re
from collections import Counter
from collections.abc import Iterable

from ..records import Record, Span, count_labels

_WS = re.compile(r"\s+")


def normalise_label(label: str, keep_case: bool = False) -> str:
    """Collapse spacing and underscores, strip edge punctuation, lower-case unless ``keep_case``."""
    label = _WS.sub(" ", label.replace("_", " ")).strip(" \t:;,.-*#\"'`")
    return label if keep_case else label.lower()


def label_length_distribution(labels: Iterable[str]) -> Counter:
    """How many distinct labels have 1, 2, 3 ... words.

    >>> sorted(label_length_distribution(["person", "place of birth"]).items())
    [(1, 1), (3, 1)]
    """
    return Counter(len(lab.split()) for lab in set(labels))


def cap_per_label(records: list[Record], cap: int) -> int:
    """Keep at most ``cap`` spans per label (first come, in record order); return how many were dropped."""
    if cap <= 0:
        return 0
    seen: Counter = Counter()
    dropped = 0
    for r in records:
        kept: list[Span] = []
        for s in r.spans:
            if seen[s.label] < cap:
                kept.append(s)
                seen[s.label] += 1
            else:
                dropped += 1
        r.spans = kept
    return dropped


def add_negatives(records: list[Record], k: int, seed: int) -> None:
    """Give each record up to ``k`` labels absent from it, drawn in proportion to label frequency.

    Each record's draw is seeded by (seed, record id), so it does not depend on record order.

    >>> rs = [Record("Tom", [Span(0, 3, "person")], id="a"), Record("Paris", [Span(0, 5, "city")], id="b")]
    >>> add_negatives(rs, 2, seed=1); [r.negatives for r in rs]
    [['city'], ['person']]
    """
    if k <= 0:
        return
    freq = count_labels(records, per="span")
    labels = sorted(freq)
    if not labels:
        return
    cum = list(itertools.accumulate(freq[lab] for lab in labels))
    for r in records:
        rng = random.Random(f"{seed}:{r.id or r.text}")
        present = set(r.labels)
        available = len(labels) - len(present & set(labels))
        want = min(k, available)
        chosen: list[str] = []
        tries = 0
        while len(chosen) < want and tries < 20 * k:
            tries += 1
            lab = labels[bisect.bisect_right(cum, rng.random() * cum[-1])]
            if lab not in present and lab not in chosen:
                chosen.append(lab)
        r.negatives = chosen
