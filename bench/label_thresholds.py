"""Thresholds per label chosen on a dev split (``metaie tune-threshold --per-label``) against one threshold
chosen on the same split, scored on test (reported, not asserted).

For each model and dataset: test F1 at the model's own default, at the default chosen on dev
(``choose_threshold``) and with each label's own on top (``choose_label_thresholds``), both chosen on the same
seeded dev sub-sample. One ``CachedModel`` serves every choice and score, so each (label, text) runs once.

docs/results.md, "Thresholds per label, chosen on dev" (session 17):

    METAIE_DATA=../shared/data python bench/label_thresholds.py models/fold-p-full \\
        --data crossner_ai,crossner_literature,crossner_music,crossner_politics,crossner_science --extend-ratio 0.5 \\
        --json results/label-thresholds-fold-p.json
"""
from __future__ import annotations

import argparse
import statistics
import sys

from _data import model_from_args  # puts ../src first on the path

from metaie.datasets.schemas import task_schema  # noqa: E402
from metaie.evaluation.evaluate import evaluate  # noqa: E402
from metaie.jsonl import write_json  # noqa: E402
from metaie.model.cached import CachedModel  # noqa: E402
from metaie.training.finetune import choose_label_thresholds, choose_threshold  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--data", required=True, help="comma list of datasets with dev and test splits")
    ap.add_argument("--dev-limit", type=int, default=300, help="seeded dev sub-sample the choices are made on")
    ap.add_argument("--limit", type=int, default=200, help="seeded test sub-sample (as the benchmark's)")
    a, model = model_from_args(ap)
    own = model.config.threshold
    rows: dict = {}
    for d in a.data.split(","):
        s = task_schema(d, None, None, None)
        model.config.threshold, model.config.label_thresholds = own, {}
        cached = CachedModel(model)

        def test(cached: CachedModel = cached, d: str = d) -> float:
            return round(100 * evaluate(cached, d, "test", limit=a.limit)["f1"], 2)
        at_own = test()
        t, by = choose_threshold(model, d, s, "dev", None, a.dev_limit, cached=cached)
        model.config.threshold = t
        at_dev = test()
        labels, rec = choose_label_thresholds(model, d, s, "dev", None, a.dev_limit, cached=cached)
        model.config.label_thresholds = labels
        per_label = test()
        rows[d] = {"own": own, "test_own": at_own, "dev_chosen": t, "dev_f1": round(100 * by[str(t)], 2),
                   "test_dev_chosen": at_dev, "label_thresholds": labels,
                   "dev_f1_per_label": round(100 * rec["f1_after"], 2), "test_per_label": per_label}
        print(d, rows[d], flush=True)
    mean = {k: round(statistics.mean(r[k] for r in rows.values()), 2)
            for k in ("test_own", "test_dev_chosen", "test_per_label")}
    print("| dataset | test at own default | dev-chosen default: dev / test | per label: dev / test |")
    print("|---|---:|---:|---:|")
    for d, r in rows.items():
        print(f"| {d} | {r['test_own']} ({r['own']}) | {r['dev_f1']} / {r['test_dev_chosen']} ({r['dev_chosen']}) "
              f"| {r['dev_f1_per_label']} / **{r['test_per_label']}** ({len(r['label_thresholds'])} own) |")
    print(f"| mean | {mean['test_own']} | {mean['test_dev_chosen']} | **{mean['test_per_label']}** |")
    if a.json:
        write_json(a.json, {"model": a.model, "dev_limit": a.dev_limit, "limit": a.limit,
                                            "datasets": rows, "mean": mean})


if __name__ == "__main__":
    sys.exit(main())
