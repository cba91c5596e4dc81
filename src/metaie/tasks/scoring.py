"""Task scorers: strict micro/per-label P/R/F1 of predicted against gold ``Example`` lists.

Items compared (``doc`` = the example id):
NER ``(doc, start, end, type)``; RE strict ``(doc, head start, end, type, tail start, end, type, relation)``
and ``entity`` F1; EE ``trigger``/``trigger_id`` (labelled / unlabelled) and ``argument``/``argument_id``
(labelled with role / unlabelled, both keyed on the event type and argument offsets); SRL ``predicate``,
``argument`` (predicate offsets + argument offsets + role), ``argument_id``; ABSA ``aspect_polarity`` and
``aspect``; ASTE ``triplet`` plus ``aspect``, ``opinion``, ``pair``.

>>> from metaie.tasks.structures import Entity, Example
>>> g = [Example("1", "Tom in Paris", entities=[Entity(0, 3, "PER"), Entity(7, 12, "LOC")])]
>>> p = [Example("1", "Tom in Paris", entities=[Entity(0, 3, "PER"), Entity(7, 11, "LOC")])]
>>> r = score("ner", g, p)["entity"]
>>> (r["tp"], r["fp"], r["fn"]), round(r["f1"], 2)
((1, 1, 1), 0.5)
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ..errors import ConfigError
from ..metrics import PRF
from .structures import Example

Extract = Callable[[Example], Iterable[tuple]]


def _ents(x):
    return [(x.id, e.start, e.end, e.type) for e in x.entities]


def _rels(x):
    return [(x.id, *r.key) for r in x.relations]


def _trig(x):
    return [(x.id, ev.trigger.start, ev.trigger.end, ev.type) for ev in x.events]


def _trig_id(x):
    return [(x.id, ev.trigger.start, ev.trigger.end, "trigger") for ev in x.events]


def _args(x):
    return [(x.id, ev.type, a.start, a.end, a.type) for ev in x.events for a in ev.arguments]


def _args_id(x):
    return [(x.id, a.start, a.end, ev.type) for ev in x.events for a in ev.arguments]


def _srl_pred(x):
    return [(x.id, ev.trigger.start, ev.trigger.end, "predicate") for ev in x.events]


def _srl_args(x):
    return [(x.id, ev.trigger.start, ev.trigger.end, a.start, a.end, a.type) for ev in x.events for a in ev.arguments]


def _srl_args_id(x):
    return [(x.id, ev.trigger.start, ev.trigger.end, a.start, a.end, "argument")
            for ev in x.events for a in ev.arguments]


def _aspect(x):
    return [(x.id, e.start, e.end, "aspect") for e in x.entities]


def _trip(x):
    return [(x.id, *t.key) for t in x.triplets]


def _t_aspect(x):
    return [(x.id, t.aspect.start, t.aspect.end, "aspect") for t in x.triplets]


def _t_opinion(x):
    return [(x.id, t.opinion.start, t.opinion.end, "opinion") for t in x.triplets]


def _t_pair(x):
    return [(x.id, t.aspect.start, t.aspect.end, t.opinion.start, t.opinion.end, "pair") for t in x.triplets]


METRICS: dict[str, dict[str, Extract]] = {
    "ner": {"entity": _ents},
    "re": {"relation": _rels, "entity": _ents},
    "ee": {"trigger": _trig, "trigger_id": _trig_id, "argument": _args, "argument_id": _args_id},
    "srl": {"argument": _srl_args, "argument_id": _srl_args_id, "predicate": _srl_pred},
    "absa": {"aspect_polarity": _ents, "aspect": _aspect},
    "aste": {"triplet": _trip, "aspect": _t_aspect, "opinion": _t_opinion, "pair": _t_pair},
}
MAIN = {"ner": "entity", "re": "relation", "ee": "argument", "srl": "argument", "absa": "aspect_polarity",
        "aste": "triplet"}


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
