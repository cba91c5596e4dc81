"""Time one quick-benchmark run (K=5 fine-tune + sub-sampled evaluation) on the embedded MiniLM, and
extrapolate bench/quick.yaml. Prints numbers; asserts nothing. Usage: python bench/task_timing.py [dataset]"""
from __future__ import annotations

import sys
import time

from metaie.evaluation.evaluate import evaluate
from metaie.training import TrainArgs
from metaie.training.finetune import StartPoint, finetune


def main(dataset: str = "conll04", limit: int = 200) -> None:
    t0 = time.time()
    model, res, info = finetune(StartPoint("vanilla"), dataset, 5, 1, None,
                                TrainArgs(epochs=10, batch_size=8, progress=False))
    t1 = time.time()
    ev = evaluate(model, dataset, "test", limit=limit)
    t2 = time.time()
    print(f"{dataset}: {info['examples']} shots, {info['queries']} train queries, fit {t1 - t0:.1f}s; "
          f"eval {ev['examples']} examples {t2 - t1:.1f}s; F1={ev['f1']:.4f}")
    runs = 18 * 2 * 3
    print(f"bench/quick.yaml: {runs} fine-tuned runs + 7 zero-shot; at this rate ~{runs * (t2 - t0) / 3600:.1f} h")


if __name__ == "__main__":
    main(*sys.argv[1:2])
