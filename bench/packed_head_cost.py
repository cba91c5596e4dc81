"""The packed network's CPU time with its cosine (token, label) score against a raw dot product (reported, not
asserted): the same fresh packed model, the same windows, ``torch.nn.functional.normalize`` swapped for the
identity for the dot product, interleaved rounds, medians. Only the network (``window_probs``) is timed: decoding
depends on how many candidates a head passes, which a fresh head does not say.

    python bench/packed_head_cost.py --labels 16,64 --rounds 5
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import torch  # noqa: E402

from metaie.model.tagger import MetaIE  # noqa: E402
from metaie.threads import set_threads  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", default="16,64")
    ap.add_argument("--texts", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    set_threads(a.threads)
    m = MetaIE.from_backbone(mode="packed", max_length=96)
    texts = [f"Sentence {i} says Barack Obama visited Paris with Angela Merkel in 2015 for talks ."
             for i in range(a.texts)]
    real = torch.nn.functional.normalize
    for n in map(int, a.labels.split(",")):
        labels = [f"type {i} thing" for i in range(n)]
        windows = m.encode([lab for _ in texts for lab in labels], [t for t in texts for _ in labels])
        times: dict[str, list[float]] = {"cosine": [], "dot": []}
        try:
            for _ in range(a.rounds):
                for name in times:
                    torch.nn.functional.normalize = real if name == "cosine" else (lambda x, dim=-1: x)
                    t = time.process_time()
                    m.window_probs(windows)
                    times[name].append(time.process_time() - t)
        finally:
            torch.nn.functional.normalize = real
        print(f"{n} labels, {a.texts} texts: network CPU seconds, median of {a.rounds}: "
              + ", ".join(f"{k} {statistics.median(v):.3f}" for k, v in times.items()))


if __name__ == "__main__":
    main()
