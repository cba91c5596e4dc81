"""What every task adapter shares: an example becomes label-to-span queries stage by stage, and the answers
become the task structure again. No model here (``metaie.pipeline`` runs a model through an adapter).

Every adapter offers ``queries(example, stage, previous)`` -> ``[Ask]``, ``gold(example, ask)`` -> offsets,
``assemble(example, answers)`` -> ``Example`` and ``target(example)`` (the gold projected on the task), with
the invariant ``assemble(ex, run_gold(adapter, ex)) == target(ex)``; and ``metrics`` (what its scorer compares,
``main`` the headline one). Each task keeps adapter and scorer together in its module (``tasks/ner.py``, ...);
``tasks/registry.py`` names them.

>>> from metaie.tasks.ner import NER
>>> from metaie.tasks.schema import schema_from_dict
>>> from metaie.tasks.structures import Entity, Example
>>> a = NER(schema_from_dict({"task": "ner", "entities": {"PER": "person"}}))
>>> ex = Example("1", "Tom met Tom", entities=[Entity(0, 3, "PER", "Tom"), Entity(8, 11, "PER", "Tom")])
>>> [q.label for q in a.queries(ex, 0, [])]
['person']
>>> a.assemble(ex, run_gold(a, ex)) == a.target(ex)
True
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..alignment import find_all
from ..records import Query, Span
from .schema import TaskSchema
from .structures import Entity, Example

Offsets = tuple[int, int]
Extract = Callable[[Example], Iterable[tuple]]   # an example -> the items a metric compares


@dataclass(frozen=True)
class Ask:
    """One query with its meaning: ``key`` says what is asked (e.g. ("tail", head, "Work_For")), ``label`` how."""

    key: tuple
    label: str


Answers = list[tuple[Ask, list[Offsets]]]


def mention(text: str, ent: Entity, template: str) -> str:
    """How a found span is named inside a later query: its text, with an ordinal if it occurs more than once.

    >>> mention("Tom met Tom", Entity(8, 11, "PER", "Tom"), "{text} ({n})")
    'Tom (2)'
    """
    surface = text[ent.start:ent.end]
    occ = [s for s, _ in find_all(text, surface)]
    if len(occ) > 1 and ent.start in occ:
        return template.format(text=surface, n=occ.index(ent.start) + 1)
    return surface


def entity_at(text: str, off: Offsets, typ: str) -> Entity:
    return Entity(off[0], off[1], typ, text[off[0]:off[1]])


def unique(offs: Sequence[Offsets]) -> list[Offsets]:
    return sorted(set(offs))


class Adapter:
    """Common machinery; subclasses define the stages."""

    task = ""
    stages = 1
    metrics: dict[str, Extract] = {}   # name -> items compared (strict micro P/R/F1)
    main = ""                           # the headline metric
    # the decoding threshold a fine-tuned model of this task stores as its default: chosen per task family on the
    # dev splits of the K=5 leave-out benchmark (docs/results.md, "The K=5 benchmark under the hysteresis decoding")
    threshold = 0.5

    def __init__(self, schema: TaskSchema):
        self.schema = schema

    def queries(self, example: Example, stage: int, previous: Answers) -> list[Ask]:
        raise NotImplementedError

    def gold(self, example: Example, ask: Ask) -> list[Offsets]:
        raise NotImplementedError

    def assemble(self, example: Example, answers: Answers) -> Example:
        raise NotImplementedError

    def target(self, example: Example) -> Example:
        raise NotImplementedError

    def label_counts(self, example: Example) -> Counter:
        """Mentions per label code, for K-shot sampling."""
        raise NotImplementedError

    def exclusive(self, ask: Ask) -> object:
        """A key shared by the asks whose answers exclude one another (overlapping spans of different labels
        among them: the more probable is kept, in ``metaie.pipeline``), or None where answers may overlap."""
        return None

    def _name(self, text: str, ent: Entity) -> str:
        return mention(text, ent, self.schema.template("repeated"))


def run_gold(adapter: Adapter, example: Example) -> Answers:
    """All stages answered with the gold answers (what a perfect model would say)."""
    answers: Answers = []
    for stage in range(adapter.stages):
        answers += [(a, adapter.gold(example, a)) for a in adapter.queries(example, stage, answers)]
    return answers


def training_queries(adapter: Adapter, example: Example) -> list[Query]:
    """Gold-conditioned queries of every stage with their gold spans (empty = a negative query).

    >>> from metaie.tasks.schema import schema_from_dict
    >>> from metaie.tasks.ner import NER
    >>> a = NER(schema_from_dict({"task": "ner", "entities": {"PER": "person", "LOC": "place"}}))
    >>> [(q.label, [s.text for s in q.spans]) for q in training_queries(a, Example("1", "Tom", [Entity(0, 3, "PER")]))]
    [('person', ['Tom']), ('place', [])]
    """
    out = []
    for ask, offs in run_gold(adapter, example):
        out.append(Query(ask.label, example.text, [Span(s, e, ask.label, example.text[s:e]) for s, e in offs]))
    return out


