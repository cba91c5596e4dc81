"""A threshold per stage for the multi-stage tasks (RE, EE, ASTE), chosen on dev (reported, not asserted).

Every stage of a K-shot run decodes at one threshold. Stage 1 (RE's entities, EE's triggers, ASTE's aspects)
only feeds stage 2's queries, and its misses cannot be recovered later, so it may want a lower threshold than
the stage that gives the answers. For each dataset and seed this fine-tunes exactly as a benchmark run does (the
start model, K, seed, budget and lr of ``bench/cpu/ftlr/``'s configs; the same seeded few-shot sample), then
scores the seeded dev sub-sample at every (stage-1, stage-2) pair of ``--grid`` from one ``CachedModel`` (each
(label, text) runs once), and once more with stage 1 replaced by gold (the oracle: what stage 2 alone loses).
The diagonal (one threshold for both stages) is the benchmark's own figure and the check that the runs match it.

    METAIE_DATA=../shared/data python bench/stage_thresholds.py models/fold-p-full --data conll04,aste_14lap \\
        --extend-ratio 0.5 --threads 1 --json results/stage-thresholds-fold-p.json
"""
from __future__ import annotations

import argparse
import itertools
import statistics
from dataclasses import asdict

import _data  # noqa: F401  (puts ../src first on the path)

from metaie.datasets import load_split  # noqa: E402
from metaie.datasets.schemas import task_schema  # noqa: E402
from metaie.jsonl import write_json  # noqa: E402
from metaie.model.cached import CachedModel  # noqa: E402
from metaie.pipeline import Extractor  # noqa: E402
from metaie.records import Query  # noqa: E402
from metaie.tasks.fewshot import eval_sample  # noqa: E402
from metaie.tasks.registry import MAIN, score  # noqa: E402
from metaie.threads import set_threads  # noqa: E402
from metaie.training import TrainArgs  # noqa: E402
from metaie.training.args import FinetuneArgs  # noqa: E402
from metaie.training.finetune import StartPoint, finetune  # noqa: E402


class PerStage:
    """A model whose every ``predict_queries`` call decodes at the next stage's threshold (``Extractor`` asks
    each stage's queries in one call, stage 1 first): one instance per ``predict``."""

    def __init__(self, cached: CachedModel, thresholds: tuple[float, ...]):
        self.cached, self.thresholds, self.stage = cached, thresholds, 0

    def predict_queries(self, queries, threshold=None, batch_size=None):
        t = self.thresholds[min(self.stage, len(self.thresholds) - 1)]
        self.stage += 1
        return self.cached.predict_queries(queries, threshold=t, batch_size=batch_size)


def oracle_f1(cached: CachedModel, schema, gold: list, threshold: float) -> float:
    """The main F1 with stage 1's answers taken from gold, the later stages predicted at ``threshold``."""
    ex = Extractor(cached, schema=schema, threshold=threshold)
    adapter = ex.adapter
    answers = [[(a, adapter.gold(g, a)) for a in adapter.queries(g, 0, [])] for g in gold]
    for stage in range(1, adapter.stages):
        asks = [(i, a) for i, g in enumerate(gold) for a in adapter.queries(g, stage, answers[i])]
        preds = cached.predict_queries([Query(a.label, gold[i].text) for i, a in asks], threshold=threshold)
        got: list[list[tuple]] = [[] for _ in gold]
        for (i, a), spans in zip(asks, preds):
            got[i].append((a, spans))
        got = ex._exclusive(got) if ex.overlap != "keep" else got
        for i, pairs in enumerate(got):
            answers[i] += [(a, sorted({(s.start, s.end) for s in spans})) for a, spans in pairs]
    pred = [adapter.assemble(g, ans) for g, ans in zip(gold, answers)]
    return score(schema.task, [adapter.target(g) for g in gold], pred)[MAIN[schema.task]]["f1"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="the start point (a leave-out fold that never saw --data)")
    ap.add_argument("--data", required=True, help="comma list of multi-stage datasets with a dev split")
    ap.add_argument("--shots", type=int, default=5)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--lr", type=float, default=5e-5, help="the K=5 benchmark's for RE and ASTE (session 23)")
    ap.add_argument("--max-steps", type=int, default=150)
    ap.add_argument("--min-epochs", type=float, default=10)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--split", default="dev")
    ap.add_argument("--limit", type=int, default=200, help="seeded sub-sample (the benchmark's test_limit)")
    ap.add_argument("--grid", default="0.2,0.3,0.4,0.5,0.6,0.7")
    ap.add_argument("--extend-ratio", type=float, default=0.5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    if a.split == "test":
        raise SystemExit("--split test: thresholds are chosen on dev")
    set_threads(a.threads)
    grid = [float(x) for x in a.grid.split(",")]
    train = {"max_steps": a.max_steps, "min_epochs": a.min_epochs, "batch_size": a.batch_size, "lr": a.lr,
             "threads": a.threads}
    out: dict = {"model": a.model, "train": train, "grid": grid, "split": a.split, "limit": a.limit, "datasets": {}}
    for d in a.data.split(","):
        schema = task_schema(d, None, None, None)
        gold = eval_sample(load_split(d, a.split), a.limit, 0)
        per_seed = []
        for seed in map(int, a.seeds.split(",")):
            args = FinetuneArgs(**{**asdict(TrainArgs()), "progress": False, **train})
            model, res, _ = finetune(StartPoint("meta", model=a.model), d, a.shots, seed, None, args,
                                     take_all_short=True)
            model.config.extend_ratio = a.extend_ratio
            cached = CachedModel(model)
            pairs = {}
            for t1, t2 in itertools.product(grid, grid):
                runner = PerStage(cached, (t1, t2))
                ex = Extractor(runner, schema=schema)
                pred = ex.predict(gold)
                pairs[f"{t1:g}/{t2:g}"] = score(schema.task, [ex.adapter.target(g) for g in gold],
                                                pred)[MAIN[schema.task]]["f1"]
            oracle = {f"{t:g}": oracle_f1(cached, schema, gold, t) for t in grid}
            per_seed.append({"seed": seed, "steps": res.steps, "pairs": pairs, "oracle": oracle})
            best = max(pairs, key=pairs.get)
            print(f"{d} seed {seed}: best pair {best} {100 * pairs[best]:.1f}; diagonal "
                  + " ".join(f"{t:g}:{100 * pairs[f'{t:g}/{t:g}']:.1f}" for t in grid), flush=True)
        mean = {k: round(100 * statistics.mean(s["pairs"][k] for s in per_seed), 2) for k in per_seed[0]["pairs"]}
        oracle = {k: round(100 * statistics.mean(s["oracle"][k] for s in per_seed), 2) for k in per_seed[0]["oracle"]}
        diag = {f"{t:g}": mean[f"{t:g}/{t:g}"] for t in grid}
        out["datasets"][d] = {"seeds": per_seed, "mean": mean, "diagonal": diag, "oracle_stage1": oracle}
        print(f"\n{d} ({schema.task}, {a.split} {len(gold)} examples, mean of {len(per_seed)} seeds): rows stage 1, "
              "columns stage 2")
        print("| stage 1 \\ stage 2 | " + " | ".join(f"{t:g}" for t in grid) + " |")
        print("|---|" + "---:|" * len(grid))
        for t1 in grid:
            print(f"| {t1:g} | " + " | ".join(f"{mean[f'{t1:g}/{t2:g}']:.1f}" for t2 in grid) + " |")
        print("| gold stage 1 | " + " | ".join(f"{oracle[f'{t:g}']:.1f}" for t in grid) + " |")
        b = max(mean, key=mean.get)
        bd = max(diag, key=diag.get)
        print(f"best pair {b}: {mean[b]:.1f}; best single threshold {bd}: {diag[bd]:.1f}\n", flush=True)
        if a.json:
            write_json(a.json, out)


if __name__ == "__main__":
    main()
