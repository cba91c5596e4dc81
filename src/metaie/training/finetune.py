"""Few-shot adaptation of a model to a task dataset (what ``metaie finetune`` runs).

>>> sorted(StartPoint.__dataclass_fields__)
['backbone', 'mode', 'model', 'name']
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..datasets import load_split, resolve
from ..datasets.schemas import task_schema
from ..jsonl import write_json
from ..tasks.base import training_queries
from ..tasks.fewshot import sample_k_shot
from ..tasks.registry import make_adapter
from ..tasks.schema import TaskSchema


@dataclass
class StartPoint:
    """Where fine-tuning starts: a metaie model directory (``model``) or a plain backbone (``backbone``)."""

    name: str
    model: str | None = None
    backbone: str | None = None
    mode: str = "per_label"           # for a backbone: per_label or packed (a model directory keeps its own mode)

    def load(self, max_length: int | None = None, stride: int | None = None, device: str | None = None,
             seed: int = 0):
        """The start model; ``max_length``/``stride`` set its windows (default: a model keeps its own, a backbone
        gets ``MetaConfig``'s)."""
        from ..model.tagger import MetaConfig, MetaIE
        if self.model:
            model = MetaIE.from_pretrained(self.model, device=device)
            model.config.max_length = max_length or model.config.max_length
            model.config.stride = model.config.stride if stride is None else stride
            return model
        return MetaIE.from_backbone(self.backbone, max_length=max_length or MetaConfig.max_length,
                                    stride=stride or MetaConfig.stride, device=device, seed=seed, mode=self.mode)


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
             take_all_short: bool = False, max_length: int | None = None, stride: int | None = None):
    """Sample K shots, build every stage's gold-conditioned queries, fine-tune; returns (model, FitResult, info)."""
    from collections import Counter

    from .trainer import fit
    s = task_schema(data, schema, task, root)
    shot = few_shot_set(data, s, shots, seed, root, take_all_short)
    adapter = make_adapter(s)
    mentions = sum((adapter.label_counts(ex) for ex in shot), Counter())
    queries = [q for ex in shot for q in training_queries(adapter, ex)]
    model = start.load(max_length, stride, device=device, seed=seed)
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
