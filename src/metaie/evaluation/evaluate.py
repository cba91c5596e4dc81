"""Evaluation of a model on a task dataset split (what ``metaie evaluate`` runs)."""
from __future__ import annotations

import os
import random
import time

from ..datasets import load_split
from ..datasets.schemas import task_schema
from ..pipeline import Extractor
from ..tasks.registry import MAIN, make_adapter, score


def eval_sample(examples: list, limit: int | None, sample_seed: int = 0) -> list:
    """The examples ``evaluate`` scores: all of them, or a seeded random ``limit`` of them in split order.

    >>> eval_sample(list("abcdef"), 3) == eval_sample(list("abcdef"), 3), eval_sample(list("abc"), None)
    (True, ['a', 'b', 'c'])
    """
    if limit is None or limit >= len(examples):
        return list(examples)
    return [examples[i] for i in sorted(random.Random(sample_seed).sample(range(len(examples)), limit))]


def evaluate(model, data, split: str = "test", root=None, schema: str | os.PathLike | None = None,
             task: str | None = None, threshold: float = 0.5, limit: int | None = None, sample_seed: int = 0,
             batch_size: int = 64) -> dict:
    """Predict a split (optionally a seeded random sub-sample of ``limit`` examples) and score it."""
    s = task_schema(data, schema, task, root)
    full = load_split(data, split, root)
    n_all = len(full)
    gold = eval_sample(full, limit, sample_seed)
    adapter = make_adapter(s)
    t0 = time.time()
    pred = Extractor(model, schema=s, threshold=threshold, batch_size=batch_size).predict(gold)
    scores = score(s.task, [adapter.target(g) for g in gold], pred)
    return {"task": s.task, "main": MAIN[s.task], "f1": scores[MAIN[s.task]]["f1"], "metrics": scores,
            "examples": len(gold), "examples_in_split": n_all, "subsampled": len(gold) < n_all,
            "seconds": round(time.time() - t0, 2), "split": split, "data": str(data)}
