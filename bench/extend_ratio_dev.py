"""Dev F1 of models (zero-shot or fine-tuned) at several thresholds x decoding extend ratios (reported, not asserted).

Each model's token probabilities are computed once per (label, text) (``metaie.model.cached.CachedModel``) and decoded
at every setting through the same ``evaluate`` that ``metaie evaluate`` runs, on the dev split of the dataset
named beside it. Used to choose ``extend_ratio`` for fine-tuned models (docs/results.md, "Decoding with
hysteresis"):

    for d in conll04 laptop14 aste_14lap wnut2017; do
      metaie finetune --model models/fold-p-seed43 --data $d --shots 5 --seed 1 --out models/ft-$d --threads 1
    done
    METAIE_DATA=../shared/data python bench/extend_ratio_dev.py conll04=models/ft-conll04 \\
        laptop14=models/ft-laptop14 aste_14lap=models/ft-aste_14lap wnut2017=models/ft-wnut2017 --limit 300
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


from metaie.evaluation.evaluate import evaluate  # noqa: E402
from metaie.model.cached import CachedModel  # noqa: E402
from metaie.model.tagger import MetaIE  # noqa: E402
from metaie.threads import set_threads  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", help="DATASET=MODEL_DIR: a model and the dataset whose dev split scores it")
    ap.add_argument("--thresholds", default="0.3,0.4,0.5")
    ap.add_argument("--extend-ratios", default="1.0,0.75,0.5")
    ap.add_argument("--limit", type=int, default=300, help="seeded sub-sample of each dev split")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    set_threads(a.threads)
    ts = [float(x) for x in a.thresholds.split(",")]
    rs = [float(x) for x in a.extend_ratios.split(",")]
    out: dict = {"limit": a.limit, "runs": {}}
    for run in a.runs:
        dataset, _, path = run.partition("=")
        if not path:
            ap.error(f"{run!r}: give DATASET=MODEL_DIR")
        cached = CachedModel(MetaIE.from_pretrained(path, device="cpu"), 64)
        scores = {}
        for t in ts:
            for r in rs:
                cached.extend_ratio = r
                scores[f"{t}x{r}"] = round(100 * evaluate(cached, dataset, "dev", threshold=t, limit=a.limit)["f1"], 2)
        out["runs"][run] = scores
        print(f"{run}: {scores}", file=sys.stderr, flush=True)
    print("| run | " + " | ".join(f"{t} x {r}" for t in ts for r in rs) + " |")
    print("|---|" + "---:|" * (len(ts) * len(rs)))
    for run, scores in out["runs"].items():
        print(f"| {run} | " + " | ".join(f"{v:.1f}" for v in scores.values()) + " |")
    means = {k: round(statistics.mean(s[k] for s in out["runs"].values()), 2) for k in next(iter(out["runs"].values()))}
    print("| **mean** | " + " | ".join(f"**{v:.1f}**" for v in means.values()) + " |")
    out["mean"] = means
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
