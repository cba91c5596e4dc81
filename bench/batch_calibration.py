"""Zero-shot NER with each label's threshold calibrated on unlabelled text (reported, not asserted).

A meta-model is less sure of a label it never met: its probabilities for that label stay low everywhere, and most
of its zero-shot misses are entities it marks under no label at all (docs/results.md, "Where zero-shot errs").
This measures one remedy that needs no labelled data: for each label, take the ``q``-quantile over a set of
unlabelled texts of the label's peak probability per text (``1 - p(O)`` at its most likely token), and decode the
label at ``min(threshold, max(floor, alpha * peak))``: a label the model is unsure of everywhere is decoded lower.

Two sources of unlabelled text are compared: the texts being extracted from (``batch``: each evaluated split's
own sub-sample, transductive, labels unread) and a fixed general corpus (``reference``: sentences of the data
root's WikiText-2 validation file). Every setting is chosen on the dev splits of ``--dev`` (datasets the start
point never saw, and not evaluated) and reported on the CrossNER x5 + MIT x2 test sub-samples; each (label, text)
runs through the network once (``CachedModel``).

    METAIE_DATA=../shared/data python bench/batch_calibration.py models/fold-p-full --extend-ratio 0.5 \\
        --json results/zs-calibration-fold-p.json
"""
from __future__ import annotations

import argparse
import random
import sys
import time

import numpy as np
from _data import (  # puts ../src first on the path
    LEAVE_OUT_DEV,
    ZERO_SHOT_TEST,
    model_from_args,
    print_test_table,
    setting_means,
)

from metaie.datasets.root import data_root  # noqa: E402
from metaie.evaluation.evaluate import evaluate  # noqa: E402
from metaie.jsonl import write_json  # noqa: E402
from metaie.model.cached import CachedModel  # noqa: E402
from metaie.model.decoding import O  # noqa: E402
from metaie.records import Query  # noqa: E402


def peaks(cached: CachedModel) -> dict[str, list[float]]:
    """Each label's peak ``1 - p(O)`` in every text of the cache."""
    out: dict[str, list[float]] = {}
    for (label, _text), (probs, _offs) in cached.cache.items():
        p = np.asarray(probs)
        out.setdefault(label, []).append(float((1.0 - p[:, O]).max()) if len(p) else 0.0)
    return out


def calibrated(peak: dict[str, list[float]], t: float, q: float, alpha: float, floor: float) -> dict[str, float]:
    return {lab: round(min(t, max(floor, alpha * float(np.quantile(v, q)))), 4) for lab, v in peak.items()}


def reference_texts(n: int, seed: int = 0) -> list[str]:
    lines = (data_root() / "web_text_samples" / "wikitext2_tokenized" / "valid.txt").read_text(encoding="utf-8")
    sents = [s.strip() + "." for line in lines.splitlines() if line.strip() and not line.strip().startswith("=")
             for s in line.split(" . ") if 8 <= len(s.split()) <= 40]
    random.Random(seed).shuffle(sents)
    return sents[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--dev", default=",".join(LEAVE_OUT_DEV))
    ap.add_argument("--dev-limit", type=int, default=200)
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--thresholds", default="0.3,0.4,0.5")
    ap.add_argument("--quantiles", default="0.9,0.98,1.0")
    ap.add_argument("--alphas", default="0.4,0.5,0.6,0.7,0.8")
    ap.add_argument("--floor", type=float, default=0.1)
    ap.add_argument("--reference", type=int, default=300, help="reference sentences (WikiText-2 valid)")
    a, model = model_from_args(ap)
    ts = [float(x) for x in a.thresholds.split(",")]
    grid = [("none", t, 1.0, 0.0) for t in ts] + [
        (src, t, q, al) for src in ("batch", "reference") for t in ts
        for q in (float(x) for x in a.quantiles.split(","))
        for al in (float(x) for x in a.alphas.split(","))]
    ref = reference_texts(a.reference)
    ref_model = CachedModel(model)
    dev = a.dev.split(",")
    res: dict = {"dev": {}, "test": {}}
    t0 = time.time()
    for split, names, limit in (("dev", dev, a.dev_limit), ("test", ZERO_SHOT_TEST, a.limit)):
        for d in names:
            cached = CachedModel(model)
            model.config.label_thresholds = {}
            evaluate(cached, d, split, threshold=0.5, limit=limit)    # every (label, text) of the sample, once
            labels = sorted({lab for lab, _ in cached.cache})
            ref_model.predict_queries([Query(lab, txt) for lab in labels for txt in ref], threshold=0.5)
            peak = {"batch": peaks(cached),
                    "reference": {k: v for k, v in peaks(ref_model).items() if k in labels}}
            row = {}
            for src, t, q, al in grid:
                model.config.threshold = t
                model.config.label_thresholds = {} if src == "none" else calibrated(peak[src], t, q, al, a.floor)
                row[f"{src}:{t}:{q}:{al}"] = round(100 * evaluate(cached, d, split, limit=limit)["f1"], 2)
            res[split][d] = row
            base = max(v for k, v in row.items() if k.startswith("none"))
            best = max(row.items(), key=lambda kv: kv[1])
            print(f"{split} {d}: best none {base}, best overall {best} ({time.time() - t0:.0f} s)", flush=True)
    keys = list(res["dev"][dev[0]])
    dev_mean, test_mean = setting_means(res["dev"], dev), setting_means(res["test"], ZERO_SHOT_TEST)
    chosen = {src: max((k for k in keys if k.startswith(src + ":")), key=lambda k: dev_mean[k])
              for src in ("none", "batch", "reference")}
    print_test_table(["calibration", "chosen on dev (threshold : quantile : alpha)", "leave-out dev"],
                     [([src, k.split(":", 1)[1], dev_mean[k]], k) for src, k in chosen.items()], res["test"], test_mean)
    if a.json:
        write_json(a.json, {"model": a.model, "dev": dev, "dev_limit": a.dev_limit, "limit": a.limit,
                            "floor": a.floor, "reference": a.reference, "results": res, "dev_mean": dev_mean,
                            "test_mean": test_mean, "chosen": chosen})


if __name__ == "__main__":
    sys.exit(main())
