"""Benchmark (reported, not asserted): extraction queries/s against the raw forward pass; training examples/s.

    python bench/core_speed.py [--model models/meta] [--texts 500] [--labels 4] [--repeats 3]

Extraction is timed end to end (encoding, batching, forward, window merging, decoding, overlap rule)
and compared with the model's forward pass alone over the very same padded batches, measured in the
same run; the ratio shows the overhead of everything around the model. Medians over repeats.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import torch


def sentences(n: int) -> list[str]:
    from metaie.sources.bundled import build_bundled
    recs, _ = build_bundled(sentences=True)
    texts = [r.text for r in recs if 40 <= len(r.text) <= 300]
    return texts[:n]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None, help="metaie model dir (default: fresh head on the embedded backbone)")
    ap.add_argument("--texts", type=int, default=500)
    ap.add_argument("--labels", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--train-steps", type=int, default=10)
    ap.add_argument("--json", default=None, help="also write the figures to this file")
    a = ap.parse_args()

    from metaie.model.tagger import MetaIE, collate
    from metaie.records import Query, Span
    from metaie.training import TrainArgs, fit

    torch.set_num_threads(torch.get_num_threads())
    m = MetaIE.from_pretrained(a.model) if a.model else MetaIE.from_backbone(max_length=128, stride=32)
    labels = ["person", "location", "organization", "date", "number", "event", "product", "concept"][:a.labels]
    texts = sentences(a.texts)
    n_queries = len(texts) * len(labels)

    e2e, raw = [], []
    for _ in range(a.repeats):
        t = time.perf_counter()
        m.extract_batch(texts, labels, batch_size=a.batch_size)
        e2e.append(time.perf_counter() - t)
        # the same padded batches, forward pass only
        windows = m.encode([lab for _ in texts for lab in labels], [t for t in texts for _ in labels])
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        batches = [collate([windows[i] for i in order[k:k + a.batch_size]], m.pad_id)
                   for k in range(0, len(order), a.batch_size)]
        t = time.perf_counter()
        with torch.inference_mode():
            for b in batches:
                m.model(**b)
        raw.append(time.perf_counter() - t)
    qps, raw_qps = n_queries / statistics.median(e2e), n_queries / statistics.median(raw)

    # training throughput: fixed number of steps on positive queries from the same texts
    qs = [Query(labels[0], t, [Span(0, min(5, len(t)), labels[0], t[:5])]) for t in texts]
    m2 = MetaIE.from_backbone(max_length=128, stride=32)
    bs = 32
    args = TrainArgs(epochs=1, batch_size=bs, progress=False, eval_each_epoch=False)
    r = fit(m2, qs[: bs * a.train_steps], None, args)
    avg_tokens = statistics.mean(len(w) for w in windows)
    out = {"texts": len(texts), "labels": len(labels), "queries": n_queries, "threads": torch.get_num_threads(),
           "mean_window_tokens": round(avg_tokens, 1),
           "extract_queries_per_s": round(qps, 1), "raw_forward_queries_per_s": round(raw_qps, 1),
           "extract_to_raw_ratio": round(qps / raw_qps, 3),
           "train_examples_per_s": r.examples_per_second, "train_batch_size": bs, "train_steps": r.steps}
    print(json.dumps(out, indent=2))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
