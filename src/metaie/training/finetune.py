"""Few-shot adaptation and evaluation of a model on a task dataset (what ``metaie finetune`` / ``evaluate`` run).

>>> sorted(StartPoint.__dataclass_fields__)
['backbone', 'model', 'name']
"""
from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

from ..data import load_split, resolve
from ..errors import ConfigError
from ..jsonl import write_json
from ..pipeline import Extractor
from ..tasks.adapters import make_adapter, training_queries
from ..tasks.fewshot import sample_k_shot
from ..tasks.schema import TaskSchema, load_schema
from .tasks import MAIN, score


@dataclass
class StartPoint:
    """Where fine-tuning starts: a metaie model directory (``model``) or a plain backbone (``backbone``)."""

    name: str
    model: str | None = None
    backbone: str | None = None

    def load(self, max_length: int = 256, stride: int = 64, device: str | None = None, seed: int = 0):
        from ..model.tagger import MetaIE
        if self.model:
            return MetaIE.from_pretrained(self.model, device=device)
        return MetaIE.from_backbone(self.backbone, max_length=max_length, stride=stride, device=device, seed=seed)


ENTITY_VIEW = {"re", "ee"}  # tasks whose datasets carry entity annotations: ``--task ner`` scores those


def task_schema(data: str | os.PathLike, schema: str | os.PathLike | None, task: str | None,
                root: str | os.PathLike | None = None) -> TaskSchema:
    """The schema for a dataset: an explicit file, else the shipped one named like the dataset.

    ``task="ner"`` on a relation (or event) dataset reads its entity annotations as NER, with the entity
    verbalisers of its schema (or an NER ``--schema``).
    """
    spec, folder = resolve(data, root)
    if schema is None:  # a user's folder may carry its own schema.yaml; else the shipped one of that name
        own = Path(folder) / "schema.yaml"
        schema = own if own.is_file() else (spec.name if spec.folder else Path(folder).name)
    s = load_schema(schema)
    if task == "ner" and spec.task in ENTITY_VIEW:
        return entity_schema(s, spec.name)
    if task is not None and task != s.task:
        raise ConfigError(f"--task {task} does not match the schema's task {s.task!r} ({s.source}); "
                          f"pass --schema for a {task} schema")
    if spec.task != s.task:
        raise ConfigError(f"dataset {spec.name!r} is a {spec.task} dataset but the schema is for {s.task}")
    return s


def entity_schema(s: TaskSchema, dataset: str) -> TaskSchema:
    """The NER view of a relation/event schema: its entity verbalisers and entity template."""
    if s.task == "ner":
        return s
    if not s.entities:
        raise ConfigError(f"--task ner on {dataset!r}: its schema {s.source} has no 'entities' verbalisers; "
                          "pass --schema FILE.yaml with 'task: ner' and 'entities: {CODE: phrase}'")
    return TaskSchema("ner", entities=dict(s.entities), templates={"entity": s.template("entity")},
                      source=f"{s.source} (entities, as NER)")


def few_shot_set(data, schema: TaskSchema, shots: int, seed: int, root=None, take_all_short: bool = False):
    """The K-shot examples of a dataset's few-shot split, schema checked against that split."""
    spec, _ = resolve(data, root)
    pool = load_split(data, spec.few_shot_from, root)
    schema.check_against(pool, where=f"{spec.name}/{spec.few_shot_from}")
    return sample_k_shot(pool, make_adapter(schema), shots, seed, labels=shot_labels(schema),
                         take_all_short=take_all_short)


def shot_labels(schema: TaskSchema) -> list[str] | None:
    """The labels K counts mentions of (None: every label the adapter counts, e.g. SRL predicates)."""
    labels = {"ner": "entity", "re": "relation", "ee": "event", "absa": "polarity", "aste": "polarity"}
    return sorted(schema.labels()[labels[schema.task]]) if schema.task in labels else None


def finetune(start: StartPoint, data, shots: int, seed: int, out: str | os.PathLike | None, train_args,
             root=None, schema: str | os.PathLike | None = None, task: str | None = None, device=None,
             take_all_short: bool = False):
    """Sample K shots, build every stage's gold-conditioned queries, fine-tune; returns (model, FitResult, info)."""
    from collections import Counter

    from ..training import fit
    s = task_schema(data, schema, task, root)
    shot = few_shot_set(data, s, shots, seed, root, take_all_short)
    adapter = make_adapter(s)
    mentions = sum((adapter.label_counts(ex) for ex in shot), Counter())
    queries = [q for ex in shot for q in training_queries(adapter, ex)]
    model = start.load(device=device, seed=seed)
    model.config.task = s.task
    train_args.seed = seed
    info = {"data": str(data), "task": s.task, "schema": s.source, "shots": shots, "seed": seed,
            "start": start.name, "examples": len(shot), "queries": len(queries),
            "positive_queries": sum(1 for q in queries if q.spans),
            "labels_under_k": {lab: mentions[lab] for lab in (shot_labels(s) or sorted(mentions))
                               if mentions[lab] < shots}}
    result = fit(model, queries, None, train_args, out_dir=out, manifest_extra={"finetune": info})
    if out is not None:
        write_json(Path(out) / "finetune.json", {**info, "steps": result.steps, "seconds": round(result.seconds, 2)})
    return model, result, info


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
