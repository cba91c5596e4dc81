"""Zero-shot NER with each label asked in several phrasings, their token probabilities averaged (reported, not
asserted).

A meta-model's answer to an unseen label depends on its exact wording. This measures test-time label variants: the
label as given, its plural, and "<label> name"; each (variant, text) runs through the network once and the
per-token O/B/I probabilities of the chosen variants are averaged before the usual decoding. Every combination
and threshold is chosen on the dev splits of ``--dev`` (datasets the start point never saw, and not evaluated)
and reported on the CrossNER x5 + MIT x2 test sub-samples.

    METAIE_DATA=../shared/data python bench/label_variants.py models/fold-p-full --extend-ratio 0.5 \\
        --json results/zs-label-variants-fold-p.json
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numpy as np
from _data import (  # puts ../src first on the path
    LEAVE_OUT_DEV,
    ZERO_SHOT_TEST,
    model_from_args,
    print_test_table,
    setting_means,
)

from metaie.evaluation.evaluate import evaluate  # noqa: E402
from metaie.jsonl import write_json  # noqa: E402
from metaie.model.cached import CachedModel  # noqa: E402
from metaie.model.tagger import MetaIE  # noqa: E402
from metaie.records import Query  # noqa: E402


def plural(label: str) -> str:
    """A label's plural, on its last word.

    >>> [plural(x) for x in ("person", "city", "class", "musical artist", "metrics")]
    ['persons', 'cities', 'classes', 'musical artists', 'metrics']
    """
    if label.endswith("s") and not label.endswith("ss"):
        return label
    if label.endswith(("ss", "sh", "ch", "x", "z")):
        return label + "es"
    if label.endswith("y") and len(label) > 1 and label[-2] not in "aeiou":
        return label[:-1] + "ies"
    return label + "s"


VARIANTS: dict[str, Callable[[str], str]] = {"as given": lambda x: x, "plural": plural,
                                             "name": lambda x: f"{x} name"}


class VariantModel(CachedModel):
    """A ``CachedModel`` whose probabilities for a label are the mean over the ``use`` phrasings of it."""

    def __init__(self, model: MetaIE, batch_size: int = 64):
        super().__init__(model, batch_size)
        self.use: list[str] = ["as given"]

    def keys(self, q: Query) -> list[tuple[str, str]]:
        return [(VARIANTS[v](q.label), q.text) for v in self.use]

    def probs(self, q: Query) -> tuple[np.ndarray, list[tuple[int, int]]]:
        got = [self.cache[k] for k in self.keys(q)]
        arrs = [np.asarray(p) for p, _ in got]
        if any(x.shape != arrs[0].shape for x in arrs):  # the text split into other windows: the first alone
            return got[0]
        return np.mean(arrs, axis=0), got[0][1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--dev", default=",".join(LEAVE_OUT_DEV))
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--thresholds", default="0.3,0.4,0.5,0.6")
    a, model = model_from_args(ap)
    combos = [["as given"], ["plural"], ["name"], ["as given", "plural"], ["as given", "name"],
              ["as given", "plural", "name"]]
    ts = [float(x) for x in a.thresholds.split(",")]
    dev = a.dev.split(",")
    res: dict = {"dev": {}, "test": {}}
    t0 = time.time()
    for split, names in (("dev", dev), ("test", ZERO_SHOT_TEST)):
        for d in names:
            vm = VariantModel(model)
            row = {}
            for combo in combos:
                vm.use = combo
                for t in ts:
                    row[f"{'+'.join(combo)}@{t}"] = round(100 * evaluate(vm, d, split, threshold=t,
                                                                         limit=a.limit)["f1"], 2)
            res[split][d] = row
            best = {}
            for k, v in row.items():
                best[k.split("@")[0]] = max(v, best.get(k.split("@")[0], v))
            print(f"{split} {d} ({time.time() - t0:.0f} s): " + ", ".join(f"{c} {v}" for c, v in best.items()),
                  flush=True)
    keys = list(res["dev"][dev[0]])
    dev_mean, test_mean = setting_means(res["dev"], dev), setting_means(res["test"], ZERO_SHOT_TEST)
    chosen = {"+".join(c): max((k for k in keys if k.split("@")[0] == "+".join(c)), key=lambda k: dev_mean[k])
              for c in combos}
    print_test_table(["label phrasings (averaged)", "threshold (dev)", "leave-out dev"],
                     [([c, k.split("@")[1], dev_mean[k]], k) for c, k in chosen.items()], res["test"], test_mean)
    if a.json:
        write_json(a.json, {"model": a.model, "dev": dev, "limit": a.limit, "results": res, "dev_mean": dev_mean,
                            "test_mean": test_mean, "chosen": chosen})


if __name__ == "__main__":
    sys.exit(main())
