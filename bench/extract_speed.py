"""Extraction throughput on this machine: naive, batched torch, ONNX fp32, ONNX int8, against the raw forward pass.

Same texts (CoNLL-2003 test sentences) and labels for every backend; each figure is the median of
``--repeats`` runs, reported as queries ((text, label) pairs) per second and as a ratio to the batched
raw forward pass of the same model (model calls only, inputs pre-tokenised and pre-padded) measured in
the same run. Then throughput against the number of labels (1, 4, 16, 64).

    python bench/extract_speed.py --sentences 1000 --threads 2 --out bench/results/extract_speed.json
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from _data import conll_sentences

from metaie.model.onnx_export import export_onnx
from metaie.model.tagger import MetaIE, collate

LABELS4 = ["person", "location", "organization", "date"]
MANY = ["person", "location", "organization", "date", "event", "product", "nationality", "sport", "team", "city",
        "country", "time", "money", "percentage", "language", "award"]


def timed(fn, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def raw_forward_seconds(model: MetaIE, texts, labels, batch_size: int, repeats: int) -> float:
    """Model calls only: windows encoded, sorted by length and padded beforehand."""
    windows = model.encode([lab for _ in texts for lab in labels], [t for t in texts for _ in labels])
    windows.sort(key=len)
    batches = [collate(windows[k:k + batch_size], model.pad_id) for k in range(0, len(windows), batch_size)]
    return timed(lambda: [model.runner(b) for b in batches], repeats)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="metaie model directory (default: embedded MiniLM-L6 with an untrained head)")
    ap.add_argument("--sentences", type=int, default=1000)
    ap.add_argument("--naive-pairs", type=int, default=200, help="pairs timed one at a time (it is slow)")
    ap.add_argument("--scaling-texts", type=int, default=100, help="texts for the labels-count sweep")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=None, help="write the figures as JSON here")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    model = MetaIE.from_pretrained(a.model, device="cpu") if a.model else MetaIE.from_backbone(device="cpu")
    texts = conll_sentences(a.sentences)
    labels = LABELS4
    n_queries = len(texts) * len(labels)
    print(f"{len(texts)} sentences x {len(labels)} labels = {n_queries} queries; torch threads "
          f"{torch.get_num_threads()}; backbone {model.config.backbone}", flush=True)

    results: dict = {"sentences": len(texts), "labels": len(labels), "queries": n_queries,
                     "threads": torch.get_num_threads(), "backbone": model.config.backbone, "repeats": a.repeats}
    raw = raw_forward_seconds(model, texts, labels, a.batch_size, a.repeats)
    results["raw_forward_qps"] = n_queries / raw
    print(f"raw forward (torch, batched, pre-tokenised): {n_queries / raw:9.1f} queries/s", flush=True)

    pairs = [(t, lab) for t in texts for lab in labels][:a.naive_pairs]
    naive = timed(lambda: [model.extract(t, [lab]) for t, lab in pairs], max(1, a.repeats - 2))
    rows = {"naive (one pair per call)": len(pairs) / naive}
    batched = timed(lambda: model.extract_batch(texts, labels, batch_size=a.batch_size), a.repeats)
    rows["batched torch"] = n_queries / batched

    with tempfile.TemporaryDirectory() as tmp:
        export_onnx(model, Path(tmp) / "onnx", quantize="int8")
        for variant in ("fp32", "int8"):
            om = MetaIE.from_pretrained(Path(tmp) / "onnx", backend="onnx", variant=variant, threads=a.threads)
            om.extract_batch(texts[:50], labels)  # warm-up
            sec = timed(lambda: om.extract_batch(texts, labels, batch_size=a.batch_size), a.repeats)  # noqa: B023
            rows[f"ONNX {variant}"] = n_queries / sec
    results["backends"] = {}
    for name, qps in rows.items():
        results["backends"][name] = {"qps": qps, "ratio_to_raw_forward": qps / results["raw_forward_qps"]}
        print(f"{name:28s} {qps:9.1f} queries/s   {qps / results['raw_forward_qps']:.2f}x raw forward", flush=True)

    sweep_texts = texts[:a.scaling_texts]
    results["labels_sweep"] = {}
    for k in (1, 4, 16, 64):
        labs = (MANY * 4)[:k] if k <= len(MANY) else [f"{MANY[i % len(MANY)]} {i // len(MANY)}" for i in range(k)]
        sec = timed(lambda: model.extract_batch(sweep_texts, labs, batch_size=a.batch_size),  # noqa: B023
                    max(1, a.repeats - 1))
        q = len(sweep_texts) * k
        results["labels_sweep"][k] = {"qps": q / sec, "texts_per_s": len(sweep_texts) / sec, "seconds": sec}
        print(f"{k:3d} labels x {len(sweep_texts)} texts: {q / sec:9.1f} queries/s, {len(sweep_texts) / sec:8.1f} "
              f"texts/s", flush=True)
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
