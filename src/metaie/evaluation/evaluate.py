"""Evaluation of a model on a task dataset split (what ``metaie evaluate`` runs)."""
from __future__ import annotations

import os
import time

from ..datasets import load_split
from ..datasets.schemas import task_schema
from ..pipeline import Extractor
from ..tasks.fewshot import eval_sample
from ..tasks.registry import MAIN


def evaluate(model, data, split: str = "test", root=None, schema: str | os.PathLike | None = None,
             task: str | None = None, threshold: float | None = None, limit: int | None = None, sample_seed: int = 0,
             batch_size: int = 64, overlap: str | None = None) -> dict:
    """Predict a split (optionally a seeded random sub-sample of ``limit`` examples) and score it, at
    ``threshold`` (None: the model's own default); ``overlap`` as ``Extractor``'s (None: the schema's)."""
    s = task_schema(data, schema, task, root)
    full = load_split(data, split, root)
    n_all = len(full)
    gold = eval_sample(full, limit, sample_seed)
    t0 = time.time()
    scores = Extractor(model, schema=s, threshold=threshold, batch_size=batch_size,
                       overlap=overlap).score(gold)
    return {"task": s.task, "main": MAIN[s.task], "f1": scores[MAIN[s.task]]["f1"], "metrics": scores,
            "examples": len(gold), "examples_in_split": n_all, "subsampled": len(gold) < n_all,
            "seconds": round(time.time() - t0, 2), "split": split, "data": str(data),
            "threshold": model.threshold_or_default(threshold)}
