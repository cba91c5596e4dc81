"""Span F1 against the decoding threshold on a meta-model's own held-out queries (never a benchmark set).

The held-out queries are rebuilt from the mixture the model was trained on (same seed and MetaData defaults as
``metaie train``), scored once, and decoded at every threshold of the grid; the best one is what a zero-shot
start point may use without looking at any evaluated dataset.

    python bench/threshold_curve.py --model models/fold-zeroshot --mixture bench/mixtures/zeroshot-fold.yaml
"""
from __future__ import annotations

import argparse
import json
import random

from metaie.metrics import PRF
from metaie.model.tagger import MetaIE, query_spans
from metaie.sources.mixture import load_mixture
from metaie.training.args import MetaData
from metaie.training.meta import mix_queries


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--mixture", required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--grid", default="0.1,0.15,0.2,0.25,0.3,0.35,0.4,0.45,0.5,0.6")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    _, dev, _, _ = mix_queries(load_mixture(a.mixture), None, MetaData.sentences, a.seed, MetaData.dev_fraction,
                               MetaData.neg_ratio)
    if len(dev) > MetaData.max_dev_queries:
        dev = random.Random(a.seed).sample(dev, MetaData.max_dev_queries)
    model = MetaIE.from_pretrained(a.model)
    live = [q for q in dev if q.text.strip()]
    probs = model.query_probs([q.label for q in live], [q.text for q in live])
    rows = []
    for t in map(float, a.grid.split(",")):
        prf = PRF()
        for i, (q, (p, offs)) in enumerate(zip(live, probs)):
            pred = query_spans(q, p, offs, t, extend_ratio=model.config.extend_ratio)  # as the model decodes
            prf.add(gold=[(i, s.start, s.end) for s in q.spans], pred=[(i, s.start, s.end) for s in pred])
        s = prf.summary()
        rows.append({"threshold": t, "precision": round(s["precision"], 4), "recall": round(s["recall"], 4),
                     "f1": round(s["f1"], 4)})
        print(json.dumps(rows[-1]))
    best = max(rows, key=lambda r: r["f1"])
    print(json.dumps({"model": a.model, "held_out_queries": len(live), "best": best}))


if __name__ == "__main__":
    main()
