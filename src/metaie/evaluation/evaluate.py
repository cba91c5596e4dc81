"""Evaluation of a model on a task dataset split (what ``metaie evaluate`` runs)."""
from __future__ import annotations

import os
import random
import time

from ..datasets import load_split
from ..datasets.schemas import task_schema
from ..pipeline import Extractor
from ..tasks.registry import MAIN, make_adapter, score


def evaluate(model, data, split: str = "test", root=None, schema: str | os.PathLike | None = None,
             task: str | None = None, threshold: float = 0.5, limit: int | None = None, sample_seed: int = 0,
             batch_size: int = 64) -> dict:
    """Predict a split (optionally a seeded random sub-sample of ``limit`` examples) and score it."""
    s = task_schema(data, schema, task, root)
    gold = load_split(data, split, root)
    n_all = len(gold)
    if limit is not None and limit < n_all:
        idx = sorted(random.Random(sample_seed).sample(range(n_all), limit))
        gold = [gold[i] for i in idx]
    adapter = make_adapter(s)
    t0 = time.time()
    pred = Extractor(model, schema=s, threshold=threshold, batch_size=batch_size).predict(gold)
    scores = score(s.task, [adapter.target(g) for g in gold], pred)
    return {"task": s.task, "main": MAIN[s.task], "f1": scores[MAIN[s.task]]["f1"], "metrics": scores,
            "examples": len(gold), "examples_in_split": n_all, "subsampled": len(gold) < n_all,
            "seconds": round(time.time() - t0, 2), "split": split, "data": str(data)}
