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
from pathlib import Path

import _data  # noqa: F401  (puts ../src first on the path)

from metaie.records import Record, Span
from metaie.sources.bundled import build_bundled
from metaie.sources.distill_set import save_records


def swapped(rec: Record, pool: dict[str, list[str]], p: float, rng: random.Random) -> Record | None:
    """``rec`` with some of its non-overlapping spans' texts replaced by other names of the same label (None when
    nothing was replaced)."""
    spans = sorted(rec.spans, key=lambda s: (s.start, s.end))
    free = [s for i, s in enumerate(spans)
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
    keep = [s for s in spans if s in free or not any(
        s.start < e and st < s.end for st, e in change)]   # a nested span inside a replaced one goes
    out, pos, shift, moved = [], 0, 0, {}
    for st, e in sorted(change):
        out.append(rec.text[pos:st])
        moved[(st, e)] = (st + shift, st + shift + len(change[(st, e)]))
        out.append(change[(st, e)])
        shift += len(change[(st, e)]) - (e - st)
        pos = e
    out.append(rec.text[pos:])
    text = "".join(out)

    def at(i: int) -> int:  # a position of the old text in the new one (outside any replaced span)
        return i + sum(len(change[k]) - (k[1] - k[0]) for k in change if k[1] <= i)

    new_spans = []
    for s in keep:
        st, e = moved.get((s.start, s.end), (at(s.start), at(s.end)))
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
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    n = save_records(a.out, out)
    print(f"{n} swapped records of {len(records)} bundled sentences ({sum(len(x.spans) for x in out)} spans, "
          f"{len(pool)} labels) -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
