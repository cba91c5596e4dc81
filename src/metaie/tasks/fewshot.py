"""K-shot sampling per label (greedy: every label gets at least K mentions), seeded; and the seeded sub-sample of a
split that evaluation scores (``eval_sample``). No torch.

Labels are what the adapter counts: entity types (NER), relation types (RE), event types (EE),
predicates (SRL), polarities (ABSA, ASTE). Rarest labels are filled first, each from the examples
in one seeded shuffled order; an example brings all of its mentions with it.

>>> from metaie.tasks.schema import schema_from_dict
>>> from metaie.tasks.ner import NER
>>> from metaie.tasks.structures import Entity, Example
>>> exs = [Example(str(i), "Tom", [Entity(0, 3, "PER" if i % 2 else "LOC")]) for i in range(10)]
>>> shot = sample_k_shot(exs, NER(schema_from_dict({"task": "ner", "entities": {"PER": "p", "LOC": "l"}})), 2, seed=1)
>>> sorted(e.entities[0].type for e in shot)
['LOC', 'LOC', 'PER', 'PER']
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from ..errors import ConfigError
from .base import Adapter
from .structures import Example


def sample_k_shot(examples: Sequence[Example], adapter: Adapter, k: int, seed: int,
                  labels: Sequence[str] | None = None, take_all_short: bool = False) -> list[Example]:
    """A seeded greedy K-shot subset; ConfigError if some label has fewer than K mentions in ``examples``,
    unless ``take_all_short``: then such a label gets every mention it has (the benchmark's choice for tiny
    training sets such as CrossNER's 100 sentences; its run record lists those labels)."""
    if k < 1:
        raise ConfigError(f"--shots must be at least 1 (got {k}); use zero-shot evaluation for K=0")
    per_ex = [adapter.label_counts(ex) for ex in examples]
    total: Counter = sum(per_ex, Counter())
    wanted = list(labels) if labels is not None else sorted(total)
    short = {lab: total.get(lab, 0) for lab in wanted if total.get(lab, 0) < k}
    if short and not take_all_short:
        raise ConfigError(f"K={k} is larger than the data allows: label(s) {short} have fewer than {k} mentions "
                          f"in the {len(examples)} examples to sample from; lower --shots")
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    chosen: list[int] = []
    taken: set[int] = set()
    have: Counter = Counter()
    for lab in sorted(wanted, key=lambda x: (total[x], x)):
        for i in order:
            if have[lab] >= k:
                break
            if i in taken or not per_ex[i].get(lab):
                continue
            taken.add(i)
            chosen.append(i)
            have.update(per_ex[i])
    return [examples[i] for i in chosen]


def eval_sample(examples: list, limit: int | None, sample_seed: int = 0) -> list:
    """The examples ``evaluate`` scores: all of them, or a seeded random ``limit`` of them in split order.

    >>> eval_sample(list("abcdef"), 3) == eval_sample(list("abcdef"), 3), eval_sample(list("abc"), None)
    (True, ['a', 'b', 'c'])
    """
    if limit is None or limit >= len(examples):
        return list(examples)
    return [examples[i] for i in sorted(random.Random(sample_seed).sample(range(len(examples)), limit))]
