"""Write a distillation set of the bundled sentences with mentions swapped for other mentions of the same label
(mention replacement, Dai and Adel 2020, "An Analysis of Simple Data Augmentation for Named Entity Recognition").

Each bundled sentence with spans gets one copy in which each span, with probability ``--p``, is replaced by the
text of a random other span of the same label from the whole set; the other spans move with the text and the
absent labels stay absent. A teacher-free way to show a meta-model each label with more names in more contexts, so
that it leans on the context and the label rather than on names it has met. Overlapping or nested spans are kept
as they are (only a sentence's non-overlapping spans are swapped). The output is an ordinary distillation set, a
mixture source like any other (``bench/mixtures/fold-p-mention-swap.yaml``):

    METAIE_DATA=../shared/data python bench/mention_replacement.py --out models/data/mention-swap.jsonl
"""
from __future__ import annotations

import argparse
import random
import sys

import _data  # noqa: F401  (puts ../src first on the path)

from metaie.records import Record, Span
from metaie.sources.bundled import build_bundled
from metaie.sources.distill_set import save_records


def swapped(rec: Record, pool: dict[str, list[str]], p: float, rng: random.Random) -> Record | None:
    """``rec`` with some of its non-overlapping spans' texts replaced by other names of the same label (None when
    nothing was replaced)."""
    spans = sorted(rec.spans, key=lambda s: (s.start, s.end))
    free = [s for s in spans
            if all(o is s or o.end <= s.start or o.start >= s.end for o in spans)]
    change = {}
    for s in free:
        names = pool.get(s.label, [])
        if len(names) > 1 and rng.random() < p:
            new = rng.choice(names)
            if new != rec.text[s.start:s.end]:
                change[(s.start, s.end)] = new
    if not change:
        return None
    out, pos = [], 0
    for st, e in sorted(change):
        out += [rec.text[pos:st], change[(st, e)]]
        pos = e
    text = "".join(out) + rec.text[pos:]

    def at(i: int) -> int:  # where a position of the old text, outside any replaced span, stands in the new one
        return i + sum(len(new) - (e - st) for (st, e), new in change.items() if e <= i)

    new_spans = []
    for s in spans:  # a replaced span overlaps no other, so every span either is replaced whole or moves whole
        st = at(s.start)
        e = st + len(change[(s.start, s.end)]) if (s.start, s.end) in change else at(s.end)
        new_spans.append(Span(st, e, s.label, text[st:e]))
    return Record(text, new_spans, list(rec.negatives), id=f"{rec.id}-swap", source="mention-swap")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--p", type=float, default=0.7, help="chance that each non-overlapping span is replaced")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    records, rep = build_bundled(seed=42)
    pool: dict[str, list[str]] = {}
    for r in records:
        for s in r.spans:
            pool.setdefault(s.label, []).append(r.text[s.start:s.end])
    pool = {k: sorted(set(v)) for k, v in pool.items()}
    rng = random.Random(a.seed)
    out = [x for r in records if r.spans for x in [swapped(r, pool, a.p, rng)] if x is not None]
    for x in out:
        assert all(x.text[s.start:s.end] == s.text for s in x.spans)
    n = save_records(a.out, out)  # atomically, its folder made
    print(f"{n} swapped records of {len(records)} bundled sentences ({sum(len(x.spans) for x in out)} spans, "
          f"{len(pool)} labels) -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
