"""Zero-shot NER F1 of meta-models at several thresholds, the threshold chosen on dev (reported, not asserted).

Each model's token probabilities are computed once per (label, text) and decoded at every threshold, through the
same ``evaluate`` (Extractor, scorer, seeded sub-sample) that ``metaie benchmark`` runs. The threshold of each
model (and, with ``--extend-ratios``, the decoding's extend ratio) is the one with the best mean F1 over the dev
sets of ``--dev`` (default: the CrossNER dev sets; MIT Movie and Restaurant have no dev split); test F1 is reported
at every setting, the chosen one marked. For a leave-out zero-shot start point, choose on datasets it did not see
and that are not evaluated, so that no CrossNER or MIT data is read before the test:
``--dev conll2003,wnut2017,jnlpba``.

    METAIE_DATA=../shared/data python bench/zeroshot_thresholds.py models/q12k-per_label models/q12k-packed \\
        --limit 200 --threads 1 --json results/zeroshot_thresholds.json
    METAIE_DATA=../shared/data python bench/zeroshot_thresholds.py models/fold-p-full --dev conll2003,wnut2017,jnlpba
"""
from __future__ import annotations

import argparse
import sys
import time

from _data import ZERO_SHOT_TEST, setting_means  # puts ../src first on the path

from metaie.evaluation.evaluate import evaluate  # noqa: E402
from metaie.jsonl import write_json  # noqa: E402
from metaie.model.cached import CachedModel  # noqa: E402
from metaie.model.tagger import MetaIE  # noqa: E402
from metaie.tasks.schema import OVERLAP  # noqa: E402
from metaie.threads import set_threads  # noqa: E402

DEV = ["crossner_ai", "crossner_literature", "crossner_music", "crossner_politics", "crossner_science"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--thresholds", default="0.2,0.3,0.4,0.5,0.6")
    ap.add_argument("--limit", type=int, default=200, help="seeded sub-sample of each split (as the benchmark's)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--json", default=None)
    ap.add_argument("--dev", default=",".join(DEV), help="datasets whose dev splits choose the threshold")
    ap.add_argument("--extend-ratios", default=None,
                    help="decode at each of these extend ratios too (default: each model's own); results are then "
                         "keyed THRESHOLDxRATIO")
    ap.add_argument("--overlap", default="schema",
                    help="comma list of 'schema' (what the dataset's schema says) and Extractor's overlap rules "
                         "among entity types (keep, likelier); with more than one, results are keyed "
                         "SETTING+RULE")
    a = ap.parse_args()
    dev = [d for d in a.dev.split(",") if d]
    set_threads(a.threads)
    ts = [float(x) for x in a.thresholds.split(",")]
    ratios = [float(x) for x in a.extend_ratios.split(",")] if a.extend_ratios else [None]
    modes = [m for m in a.overlap.split(",") if m]
    if set(modes) - {"schema", *OVERLAP}:
        ap.error(f"--overlap takes schema, {', '.join(OVERLAP)}")
    settings = {(str(t) if r is None else f"{t}x{r}") + (f"+{m}" if len(modes) > 1 else ""):
                (t, r, m) for m in modes for r in ratios for t in ts}
    out: dict = {"limit": a.limit, "thresholds": ts, "extend_ratios": ratios, "overlap": modes, "dev": dev,
                 "models": {}}
    for path in a.models:
        cached = CachedModel(MetaIE.from_pretrained(path, device="cpu"), a.batch_size)
        own = cached.model.config.extend_ratio
        res: dict = {"mode": cached.model.config.mode, "extend_ratio": own, "dev": {}, "test": {}, "seconds": {}}
        for split, names in (("dev", dev), ("test", ZERO_SHOT_TEST)):
            t0 = time.time()
            for d in names:
                res[split][d] = {}
                for key, (t, r, m) in settings.items():
                    cached.extend_ratio = own if r is None else r
                    rule = None if m == "schema" else m
                    f1 = evaluate(cached, d, split, threshold=t, limit=a.limit, overlap=rule)["f1"]
                    res[split][d][key] = round(100 * f1, 2)
                print(f"{path} {split} {d}: {res[split][d]}", file=sys.stderr, flush=True)
            res["seconds"][split] = round(time.time() - t0, 1)
        dev_mean, test_mean = setting_means(res["dev"], dev), setting_means(res["test"], ZERO_SHOT_TEST)
        best = max(settings, key=lambda k: (dev_mean[k], -abs(settings[k][0] - 0.5)))
        res.update(dev_mean=dev_mean, test_mean=test_mean, chosen=best, test_at_chosen=test_mean[best])
        out["models"][path] = res
    print("| model | mode | threshold (dev) | " + " | ".join(ZERO_SHOT_TEST) + " | average |")
    print("|---|---|---:|" + "---:|" * (len(ZERO_SHOT_TEST) + 1))
    for path, r in out["models"].items():
        t = r["chosen"]
        print(f"| {path} | {r['mode']} | {t} | " + " | ".join(f"{r['test'][d][t]:.1f}" for d in ZERO_SHOT_TEST)
              + f" | **{r['test_at_chosen']:.1f}** |")
    print("\nTest average at every threshold (dev average in brackets):")
    for path, r in out["models"].items():
        print(f"{path}: " + ", ".join(f"{k}: {r['test_mean'][k]:.1f} ({r['dev_mean'][k]:.1f})" for k in settings))
    if a.json:
        write_json(a.json, out)


if __name__ == "__main__":
    sys.exit(main())
