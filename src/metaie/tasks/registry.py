"""The tasks by name: their adapters (``make_adapter``) and their scorers (``score``): strict micro/per-label
P/R/F1 of predicted against gold ``Example`` lists, each task's items defined in its module
(``doc`` = the example id; see ``metrics`` of NER, RE, EE, SRL, ABSA, ASTE).

>>> from metaie.tasks.structures import Entity, Example
>>> g = [Example("1", "Tom in Paris", entities=[Entity(0, 3, "PER"), Entity(7, 12, "LOC")])]
>>> p = [Example("1", "Tom in Paris", entities=[Entity(0, 3, "PER"), Entity(7, 11, "LOC")])]
>>> r = score("ner", g, p)["entity"]
>>> (r["tp"], r["fp"], r["fn"]), round(r["f1"], 2)
((1, 1, 1), 0.5)
"""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import ConfigError
from ..metrics import PRF
from .absa import ABSA
from .aste import ASTE
from .base import Adapter, Extract
from .ee import EE
from .ner import NER
from .re import RE
from .schema import TaskSchema
from .srl import SRL
from .structures import Example

ADAPTERS: dict[str, type[Adapter]] = {"ner": NER, "re": RE, "ee": EE, "srl": SRL, "absa": ABSA, "aste": ASTE}
METRICS: dict[str, dict[str, Extract]] = {task: cls.metrics for task, cls in ADAPTERS.items()}
MAIN: dict[str, str] = {task: cls.main for task, cls in ADAPTERS.items()}
THRESHOLDS: dict[str, float] = {task: cls.threshold for task, cls in ADAPTERS.items()}  # a fine-tuned model's default


def make_adapter(schema: TaskSchema) -> Adapter:
    """The adapter for a schema's task."""
    return ADAPTERS[schema.task](schema)


def score(task: str, gold: Sequence[Example], pred: Sequence[Example]) -> dict[str, dict]:
    """Every metric of a task: {name: PRF.summary()}; the headline one is ``MAIN[task]``."""
    if task not in METRICS:
        raise ConfigError(f"unknown task {task!r}; known: {', '.join(METRICS)}")
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold examples but {len(pred)} predictions")
    out = {}
    for name, fn in METRICS[task].items():
        c = PRF()
        for i, (g, p) in enumerate(zip(gold, pred)):  # position, not id, keys items: ids may repeat
            c.add(gold=[(i, *t) for t in fn(g)], pred=[(i, *t) for t in fn(p)])
        out[name] = c.summary()
    return out
