"""A fine-tuned model's threshold: its task family's default against the one ``--tune-threshold dev`` chooses on
the dataset's own dev split, both scored on test (reported, not asserted).

For each DATASET=MODEL_DIR, the threshold is chosen as ``metaie finetune --tune-threshold dev`` chooses it
(``choose_threshold``: the best headline F1 of 0.2-0.8 on a seeded ``--dev-limit`` of the dev split), and the model
is scored on the seeded ``--test-limit`` test sample (the benchmark's) at that threshold and at its family's
(``tasks.registry.THRESHOLDS``). Token probabilities are computed once per (label, text) for every threshold.

    METAIE_DATA=../shared/data python bench/threshold_tuning.py conll04=models/ft-conll04 \\
        laptop14=models/ft-laptop14 aste_14lap=models/ft-aste_14lap wnut2017=models/ft-wnut2017 --extend-ratio 0.5
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from metaie.datasets.schemas import task_schema  # noqa: E402
from metaie.evaluation.evaluate import evaluate  # noqa: E402
from metaie.model.cached import CachedModel  # noqa: E402
from metaie.model.tagger import MetaIE  # noqa: E402
from metaie.tasks.registry import THRESHOLDS  # noqa: E402
from metaie.threads import set_threads  # noqa: E402
from metaie.training.finetune import choose_threshold  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", help="DATASET=MODEL_DIR: a fine-tuned model and its dataset")
    ap.add_argument("--dev-limit", type=int, default=300, help="as finetune's --tune-limit")
    ap.add_argument("--test-limit", type=int, default=200, help="seeded test sample (the benchmark's)")
    ap.add_argument("--extend-ratio", type=float, default=None, help="decode at this ratio (default: the model's)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    set_threads(a.threads)
    rows = []
    for run in a.runs:
        dataset, _, path = run.partition("=")
        if not path:
            ap.error(f"{run!r}: give DATASET=MODEL_DIR")
        model = MetaIE.from_pretrained(path, device="cpu")
        if a.extend_ratio is not None:
            model.config.extend_ratio = a.extend_ratio
        schema = task_schema(dataset, None, None, None)
        chosen, dev = choose_threshold(model, dataset, schema, "dev", limit=a.dev_limit)
        family = THRESHOLDS[schema.task]
        cached = CachedModel(model)
        test = {t: round(100 * evaluate(cached, dataset, "test", threshold=t, limit=a.test_limit)["f1"], 2)
                for t in sorted({family, chosen})}
        row = {"run": run, "task": schema.task, "family": family, "chosen": chosen,
               "dev": {t: round(100 * f, 2) for t, f in dev.items()}, "test_family": test[family],
               "test_chosen": test[chosen]}
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print("| run | task | family threshold: dev / test | dev-chosen: threshold, dev / test |")
    print("|---|---|---:|---:|")
    for r in rows:
        print(f"| {r['run']} | {r['task']} | {r['family']}: {r['dev'][str(r['family'])]:.1f} / {r['test_family']:.1f} "
              f"| {r['chosen']}: {r['dev'][str(r['chosen'])]:.1f} / {r['test_chosen']:.1f} |")
    print(f"mean test: family {statistics.mean(r['test_family'] for r in rows):.1f}, "
          f"dev-chosen {statistics.mean(r['test_chosen'] for r in rows):.1f}")
    if a.json:
        Path(a.json).write_text(json.dumps({"dev_limit": a.dev_limit, "test_limit": a.test_limit,
                                            "extend_ratio": a.extend_ratio, "runs": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
