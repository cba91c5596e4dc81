"""Benchmark (reported, not asserted): task F1 of torch vs ONNX fp32 vs ONNX int8 on a real held-out set.

    python bench/onnx_task_quality.py --model models/meta --onnx models/meta-onnx --data conll2003 \
        --limit 500 --threads 1 [--out bench/results/onnx_task_quality.json]

Every backend answers the same seeded test sub-sample through the task pipeline (zero-shot NER by default)
in one run, so the F1 change of int8 against fp32 and the speed ratios are measured side by side.
"""
from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="trained metaie model directory (torch)")
    ap.add_argument("--onnx", required=True, help="its `metaie export --quantize int8` directory")
    ap.add_argument("--data", default="conll2003")
    ap.add_argument("--split", default="test")
    ap.add_argument("--limit", type=int, default=500)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()

    import torch

    from metaie.evaluation.evaluate import evaluate
    from metaie.model.tagger import MetaIE

    torch.set_num_threads(a.threads)
    models = {"torch": lambda: MetaIE.from_pretrained(a.model, device="cpu", threads=a.threads),
              "onnx_fp32": lambda: MetaIE.from_pretrained(a.onnx, backend="onnx", variant="fp32", threads=a.threads),
              "onnx_int8": lambda: MetaIE.from_pretrained(a.onnx, backend="onnx", variant="int8", threads=a.threads)}
    rows = {}
    for name, load in models.items():
        m = load()
        t = time.perf_counter()
        ev = evaluate(m, a.data, a.split, limit=a.limit)
        main_m = ev["metrics"][ev["main"]]
        rows[name] = {"f1": round(main_m["f1"] * 100, 2), "precision": round(main_m["precision"] * 100, 2),
                      "recall": round(main_m["recall"] * 100, 2), "seconds": round(time.perf_counter() - t, 1),
                      "examples": ev["examples"]}
        print(name, json.dumps(rows[name]), flush=True)
    base = rows["onnx_fp32"]
    summary = {"data": a.data, "split": a.split, "limit": a.limit, "threads": a.threads, "backends": rows,
               "int8_minus_fp32_f1": round(rows["onnx_int8"]["f1"] - base["f1"], 2),
               "speedup_vs_torch": {k: round(rows["torch"]["seconds"] / v["seconds"], 2) for k, v in rows.items()}}
    print(json.dumps(summary, indent=2))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
