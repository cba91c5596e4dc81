"""Zero-shot with a generic mention detector as back-off: are the entities a model marks under no label found by
a label-free query, and can the label be read off the typed probabilities inside them?

Most zero-shot misses are entities marked under no label at all (docs/results.md, "Where zero-shot errs"). This
asks one more query per text, a generic label (``--generic``: "entity", "named entity", ...), decoded at
``--generic-thresholds``. A generic span that no typed prediction of the text overlaps goes to the label with the
highest mean ``1 - p(O)`` over its tokens, where that mean reaches ``--floor`` (0: the best label always). Every
setting (generic label x generic threshold x floor x typed threshold) is chosen on the leave-out dev sets, then
the test sets are scored at the chosen one and at the plain decoding (no back-off) dev chooses.

    METAIE_DATA=../shared/data python bench/generic_backoff.py models/fold-p-full --extend-ratio 0.5 \\
        --json results/zs-generic-backoff-fold-p.json
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence

import numpy as np
from _data import (  # puts ../src first on the path
    LEAVE_OUT_DEV,
    ZERO_SHOT_TEST,
    model_from_args,
    print_test_table,
    setting_means,
)

from metaie.evaluation.evaluate import evaluate  # noqa: E402
from metaie.jsonl import write_json  # noqa: E402
from metaie.model.cached import CachedModel  # noqa: E402
from metaie.model.tagger import MetaIE  # noqa: E402
from metaie.records import Query, Span  # noqa: E402

PLAIN = "plain"


def inside_mean(probs: np.ndarray, offsets: Sequence[tuple[int, int]], start: int, end: int) -> float:
    """Mean ``1 - p(O)`` over the tokens of ``[start, end)`` (0 where no token lies in it).

    >>> inside_mean(np.array([[.9, .1, 0], [.2, .7, .1], [.4, .1, .5]]), [(0, 2), (3, 5), (6, 8)], 3, 8)
    0.7
    """
    got = [1.0 - float(p[0]) for p, (s, e) in zip(probs, offsets) if s >= start and e <= end and e > s]
    return round(sum(got) / len(got), 6) if got else 0.0


class BackoffModel(CachedModel):
    """A ``CachedModel`` whose typed spans gain, per text, the generic detector's spans that none of them overlaps,
    each under the label likeliest inside it (where that reaches ``floor``)."""

    def __init__(self, model: MetaIE, batch_size: int = 64):
        super().__init__(model, batch_size)
        self.generic: str | None = None
        self.generic_threshold = 0.5
        self.floor = 0.0

    def predict_queries(self, queries: Sequence[Query], threshold: float | None = None,
                        batch_size: int | None = None, snap_words: bool = True) -> list[list[Span]]:
        out = super().predict_queries(queries, threshold, batch_size, snap_words)
        if self.generic is None:
            return out
        texts = list(dict.fromkeys(q.text for q in queries if q.text.strip()))
        gq = [Query(self.generic, t) for t in texts]
        generic = dict(zip(texts, super().predict_queries(gq, self.generic_threshold, batch_size, snap_words)))
        by_text: dict[str, list[int]] = {}
        for i, q in enumerate(queries):
            by_text.setdefault(q.text, []).append(i)
        for text, idx in by_text.items():
            taken = [(s.start, s.end) for i in idx for s in out[i]]
            for g in generic.get(text, []):
                if any(s < g.end and g.start < e for s, e in taken):
                    continue
                score, best = max((inside_mean(*self.probs(queries[i]), g.start, g.end), i) for i in idx)
                if score >= self.floor and score > 0:
                    out[best].append(Span(g.start, g.end, queries[best].label, g.text, score))
                    taken.append((g.start, g.end))
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--dev", default=",".join(LEAVE_OUT_DEV))
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--thresholds", default="0.3,0.4,0.5", help="typed thresholds")
    ap.add_argument("--generic", default="entity,named entity,proper noun,name")
    ap.add_argument("--generic-thresholds", default="0.3,0.5")
    ap.add_argument("--floors", default="0,0.05,0.1")
    a, model = model_from_args(ap)
    ts = [float(x) for x in a.thresholds.split(",")]
    settings = [(PLAIN, 0.0, 0.0)] + list(itertools.product(a.generic.split(","),
                                                             [float(x) for x in a.generic_thresholds.split(",")],
                                                             [float(x) for x in a.floors.split(",")]))
    dev = a.dev.split(",")
    res: dict = {"dev": {}, "test": {}}
    t0 = time.time()

    def key(s, t) -> str:
        return f"{s[0]}@{t}" if s[0] == PLAIN else f"{s[0]}|g{s[1]}|f{s[2]}@{t}"

    def score(split: str, d: str, which) -> dict:
        bm = BackoffModel(model)
        row = {}
        for s in which:
            bm.generic = None if s[0] == PLAIN else s[0]
            bm.generic_threshold, bm.floor = s[1], s[2]
            for t in ts:
                row[key(s, t)] = round(100 * evaluate(bm, d, split, threshold=t, limit=a.limit)["f1"], 2)
        return row

    for d in dev:
        res["dev"][d] = score("dev", d, settings)
        plain_best = max(v for k, v in res["dev"][d].items() if k.startswith(PLAIN))
        print(f"dev {d} ({time.time() - t0:.0f} s): plain {plain_best}, best {max(res['dev'][d].values())}",
              file=sys.stderr, flush=True)
    keys = list(res["dev"][dev[0]])
    dev_mean = setting_means(res["dev"], dev)
    plain = max((k for k in keys if k.startswith(PLAIN)), key=lambda k: dev_mean[k])
    best = max(keys, key=lambda k: dev_mean[k])
    chosen = [s for s in settings if any(key(s, t) in (plain, best) for t in ts)]
    for d in ZERO_SHOT_TEST:
        res["test"][d] = score("test", d, chosen)
        print(f"test {d} ({time.time() - t0:.0f} s): plain {res['test'][d][plain]}, chosen {res['test'][d][best]}",
              file=sys.stderr, flush=True)
    test_mean = setting_means(res["test"], ZERO_SHOT_TEST)
    print_test_table(["decoding (dev-chosen)", "leave-out dev"],
                     [([k, dev_mean[k]], k) for k in dict.fromkeys([plain, best])], res["test"], test_mean)
    top = sorted(keys, key=lambda k: -dev_mean[k])[:10]
    print("Best dev settings: " + ", ".join(f"{k} {dev_mean[k]}" for k in top))
    if a.json:
        write_json(a.json, {"model": a.model, "dev": dev, "limit": a.limit, "results": res, "dev_mean": dev_mean,
                            "test_mean": test_mean, "plain": plain, "chosen": best})


if __name__ == "__main__":
    sys.exit(main())
