"""K-shot fine-tuning with and without replay of meta-training queries, scored on dev (reported, not asserted).

Each (dataset, seed): the K-shot queries (``metaie finetune``'s sampling), a step budget of
``max(150, ceil(10 * queries / 8))`` batches of 8 at lr 1.5e-4 (the K=5 benchmark's), and ``--ratio`` times as many
queries of ``--replay-data`` (``training.finetune.replay_queries``) mixed in. ``--steps more`` grows the budget by
the same factor (what ``metaie finetune --replay`` does), ``same`` keeps it, ``double`` doubles it (with ratio 0: the
control, more steps and no replay). Each fine-tuned model is scored on ``--limit`` seeded examples of the dev split
at its task family's threshold, decoded with extend ratio 0.5 (docs/results.md, "Replay during fine-tuning"):

    METAIE_DATA=../shared/data python bench/replay_dev.py models/fold-p-seed43 --ratio 0 --steps more
    METAIE_DATA=../shared/data python bench/replay_dev.py models/fold-p-seed43 --ratio 1 --steps more
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from metaie.datasets.schemas import task_schema  # noqa: E402
from metaie.evaluation.evaluate import evaluate  # noqa: E402
from metaie.tasks.base import training_queries  # noqa: E402
from metaie.tasks.registry import THRESHOLDS, make_adapter  # noqa: E402
from metaie.threads import set_threads  # noqa: E402
from metaie.training.args import TrainArgs  # noqa: E402
from metaie.training.finetune import StartPoint, few_shot_set, replay_queries  # noqa: E402
from metaie.training.trainer import fit  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="the start point (a metaie model directory)")
    ap.add_argument("--data", default="conll04,laptop14,aste_14lap,wnut2017")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--shots", type=int, default=5)
    ap.add_argument("--ratio", type=float, default=1.0, help="replayed queries per few-shot query")
    ap.add_argument("--replay-data", default="bundled")
    ap.add_argument("--steps", choices=("more", "same", "double"), default="more")
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    set_threads(1)
    res: dict[str, float] = {}
    for seed in map(int, a.seeds.split(",")):
        for d in a.data.split(","):
            s = task_schema(d, None, None, None)
            q = [x for ex in few_shot_set(d, s, a.shots, seed) for x in training_queries(make_adapter(s), ex)]
            base = max(150, math.ceil(10 * len(q) / 8))
            extra = replay_queries(a.replay_data, int(a.ratio * len(q)), seed) if a.ratio > 0 else []
            steps = {"same": base, "more": round(base * (1 + a.ratio)), "double": 2 * base}[a.steps]
            m = StartPoint("start", model=a.model).load(seed=seed)
            m.config.extend_ratio = 0.5
            fit(m, q + extra, None, TrainArgs(max_steps=steps, batch_size=8, lr=1.5e-4, threads=1, seed=seed,
                                              progress=False, eval_each_epoch=False))
            f1 = evaluate(m, d, "dev", threshold=THRESHOLDS[s.task], limit=a.limit)["f1"]
            res[f"{d}/{seed}"] = round(100 * f1, 2)
            print(a.steps, a.ratio, d, seed, steps, len(q), len(extra), res[f"{d}/{seed}"], flush=True)
    print(f"mean ({a.steps}, ratio {a.ratio}): {statistics.mean(res.values()):.2f}")
    if a.json:
        Path(a.json).write_text(json.dumps({"args": vars(a), "dev_f1": res}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
