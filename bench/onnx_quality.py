"""Span F1 of a trained meta-model under torch, ONNX fp32 and ONNX int8 on held-out Pile-NER passages.

Each passage is asked for its gold labels plus ``--negatives`` labels drawn (seeded) from the other
labels of the set; micro span F1 over (passage, start, end, label) with metaie's PRF scorer.

    python bench/onnx_quality.py --model models/meta --records 300 --threads 1 --out bench/results/onnx_quality.json
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from _data import pilener_passages

from metaie.evaluation.metrics import PRF
from metaie.model.onnx_backend import OnnxMetaIE
from metaie.model.onnx_export import export_onnx
from metaie.model.tagger import MetaIE


def score(model, passages, label_lists, threshold: float) -> tuple[PRF, float]:
    t = time.perf_counter()
    preds = model.extract_batch([p[0] for p in passages], label_lists, threshold=threshold)
    seconds = time.perf_counter() - t
    prf = PRF()
    for i, ((_, gold), pred) in enumerate(zip(passages, preds)):
        prf.add(gold={(i, s.start, s.end, s.label) for s in gold}, pred={(i, s.start, s.end, s.label) for s in pred})
    return prf, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="trained metaie model directory (torch)")
    ap.add_argument("--records", type=int, default=300)
    ap.add_argument("--offset", type=int, default=0, help="first dev passage used")
    ap.add_argument("--negatives", type=int, default=3)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=None, help="CPU threads (1 is fastest on a busy machine)")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    if a.threads:
        import torch
        torch.set_num_threads(a.threads)
    passages = pilener_passages(a.records, a.offset)
    all_labels = sorted({s.label for _, g in passages for s in g})
    rng = random.Random(a.seed)
    label_lists = []
    for _, gold in passages:
        own = sorted({s.label for s in gold})
        others = [x for x in all_labels if x not in own]
        label_lists.append(own + rng.sample(others, min(a.negatives, len(others))))
    torch_model = MetaIE.from_pretrained(a.model, device="cpu")
    res = {"model": a.model, "passages": len(passages), "queries": sum(map(len, label_lists)),
           "gold_spans": sum(len(g) for _, g in passages), "threshold": a.threshold}
    prf, sec = score(torch_model, passages, label_lists, a.threshold)
    res["torch"] = {"f1": prf.f1, "precision": prf.precision, "recall": prf.recall, "seconds": sec}
    with tempfile.TemporaryDirectory() as tmp:
        out = export_onnx(torch_model, Path(tmp) / "onnx", quantize="int8")
        for variant in ("fp32", "int8"):
            prf, sec = score(OnnxMetaIE.from_pretrained(out, variant=variant, threads=a.threads), passages, label_lists, a.threshold)
            res[f"onnx_{variant}"] = {"f1": prf.f1, "precision": prf.precision, "recall": prf.recall, "seconds": sec}
    res["int8_minus_fp32_f1"] = res["onnx_int8"]["f1"] - res["onnx_fp32"]["f1"]
    print(json.dumps(res, indent=2))
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
