"""Zero-shot F1 of a probability ensemble of meta-models (the mean of their O/B/I probabilities per token), on the
leave-out dev sets and the CrossNER x5 + MIT x2 test samples, at several thresholds (reported, not asserted).

The models must share a tokenizer (the same backbone), so that their tokens line up. Every overlap is kept (the
evaluation's default). docs/results.md, "Ensembles and weight interpolation":

    METAIE_DATA=../shared/data python bench/ensemble_zeroshot.py models/fold-p-seed42 models/fold-p-seed43 \\
        models/fold-p-seed44 --extend-ratio 0.5
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
from _data import LEAVE_OUT_DEV, ZERO_SHOT_TEST, setting_means  # puts ../src first on the path

from metaie.evaluation.evaluate import evaluate  # noqa: E402
from metaie.jsonl import write_json  # noqa: E402
from metaie.model.cached import CachedModel  # noqa: E402
from metaie.model.tagger import MetaIE  # noqa: E402
from metaie.threads import set_threads  # noqa: E402


class Ensemble:
    """``query_probs`` as the mean of several models' (their first model's offsets); everything else (config,
    thresholds) is the first model's."""

    def __init__(self, models: list[MetaIE]):
        self.models = models

    def __getattr__(self, name: str):
        return getattr(self.models[0], name)

    def query_probs(self, labels, texts, batch_size=64):
        outs = [m.query_probs(labels, texts, batch_size) for m in self.models]
        return [(np.mean([o[i][0] for o in outs], axis=0), outs[0][i][1]) for i in range(len(labels))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--thresholds", default="0.3,0.4,0.5,0.6")
    ap.add_argument("--extend-ratio", type=float, default=0.5)
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    set_threads(1)
    ts = [float(t) for t in a.thresholds.split(",")]
    cached = CachedModel(MetaIE.from_pretrained(a.models[0], device="cpu"))
    cached.model = Ensemble([MetaIE.from_pretrained(p, device="cpu") for p in a.models])  # type: ignore[assignment]
    cached.extend_ratio = a.extend_ratio
    res: dict = {}
    for split, names in (("dev", LEAVE_OUT_DEV), ("test", ZERO_SHOT_TEST)):
        for d in names:
            res[d] = {str(t): round(100 * evaluate(cached, d, split, threshold=t, limit=a.limit)["f1"], 2)
                      for t in ts}
            print(split, d, res[d], flush=True)
        res[f"{split}_mean"] = setting_means(res, names)
        print(split, "mean", res[f"{split}_mean"], flush=True)
    if a.json:
        write_json(a.json, {"models": a.models, "f1": res})


if __name__ == "__main__":
    sys.exit(main())
