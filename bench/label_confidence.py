"""Does a label's best threshold follow the model's confidence in it? Per label of each dataset's dev split: the
mean of the top tenth of its per-sentence maximum span score, beside the threshold ``bench/label_thresholds.py``
chose for it on the same split (its own, or the dev-chosen default); Spearman's rank correlation over all labels
(reported, not asserted).

docs/results.md, "Thresholds per label, chosen on dev" (session 17):

    METAIE_DATA=../shared/data python bench/label_confidence.py models/fold-p-full --extend-ratio 0.5 \\
        --chosen results/label-thresholds-fold-p.json,results/label-thresholds-fold-p-leaveout.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402

from metaie.evaluation.evaluate import evaluate  # noqa: E402
from metaie.model.cached import CachedModel  # noqa: E402
from metaie.model.tagger import MetaIE  # noqa: E402
from metaie.threads import set_threads  # noqa: E402


def ranks(x: list[float]) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    r = np.empty(len(x))
    r[order] = np.arange(len(x))
    for v in set(x):  # ties share their mean rank
        idx = [i for i, y in enumerate(x) if y == v]
        r[idx] = r[idx].mean()
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--chosen", required=True, help="comma list of bench/label_thresholds.py JSON files")
    ap.add_argument("--extend-ratio", type=float, default=None)
    ap.add_argument("--limit", type=int, default=300, help="the dev sub-sample the thresholds were chosen on")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    set_threads(a.threads)
    model = MetaIE.from_pretrained(a.model, device="cpu")
    if a.extend_ratio is not None:
        model.config.extend_ratio = a.extend_ratio
    conf, best = [], []
    for f in a.chosen.split(","):
        for d, r in json.loads(Path(f).read_text(encoding="utf-8"))["datasets"].items():
            cached = CachedModel(model)
            evaluate(cached, d, "dev", limit=a.limit)  # fills the cache with every label's probabilities
            tops: dict[str, list[float]] = {}
            for (label, _), (p, _) in cached.cache.items():
                if len(p):
                    tops.setdefault(label, []).append(float((1 - p[:, 0]).max()))
            for label, v in sorted(tops.items()):
                v.sort(reverse=True)
                c = float(np.mean(v[:max(1, len(v) // 10)]))
                t = r["label_thresholds"].get(label, r["dev_chosen"])
                conf.append(c)
                best.append(t)
                print(f"{d:22s} {label:24s} confidence {c:.2f}  threshold {t}", flush=True)
    rho = float(np.corrcoef(ranks(conf), ranks(best))[0, 1])
    print(f"{len(conf)} labels: Spearman's rho between confidence and chosen threshold = {rho:.2f}")


if __name__ == "__main__":
    sys.exit(main())
