"""Turn distillation records into training queries, with negatives sampled by label frequency."""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from ..records import Query, Record, count_labels


def build_queries(records: Sequence[Record], neg_ratio: float = 1.0, seed: int = 42,
                  label_freq: Counter | None = None) -> list[Query]:
    """Positive queries for every labelled span set, plus "answer nothing" queries.

    Each record contributes its positive labels, the negatives it lists, and further absent labels
    sampled in proportion to their frequency in the set (UniversalNER's finding: negatives matter)
    until it has ``round(neg_ratio * positives)`` negatives.

    >>> from metaie.records import Span
    >>> r = [Record("Tom ran", [Span(0, 3, "person", "Tom")]), Record("Ann sat", [Span(0, 3, "name", "Ann")])]
    >>> [(q.label, len(q.spans)) for q in build_queries(r, neg_ratio=1.0, seed=0)]
    [('person', 1), ('name', 0), ('name', 1), ('person', 0)]
    """
    rng = random.Random(seed)
    freq = label_freq if label_freq is not None else count_labels(records)
    pool, weights = list(freq), [freq[k] for k in freq]
    out: list[Query] = []
    for r in records:
        qs = r.queries()
        out += qs
        positives = set(r.labels)
        have = {q.label for q in qs}
        need = round(neg_ratio * len(positives)) - (len(qs) - len(positives))
        tries = 0
        while need > 0 and pool and tries < 20 * (need + 1):
            tries += 1
            lab = rng.choices(pool, weights)[0]
            if lab in have:
                continue
            have.add(lab)
            out.append(Query(label=lab, text=r.text, spans=[]))
            need -= 1
    return out


def query_stats(queries: Sequence[Query]) -> dict:
    """Counts for manifests: queries, positive/negative queries, spans, distinct labels."""
    pos = sum(1 for q in queries if q.spans)
    return {"queries": len(queries), "positive_queries": pos, "negative_queries": len(queries) - pos,
            "spans": sum(len(q.spans) for q in queries), "labels": len({q.label for q in queries})}
