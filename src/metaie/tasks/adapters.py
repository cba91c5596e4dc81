"""Task adapters: an example becomes label-to-span queries stage by stage, and the answers become the task
structure again. No model here (``metaie.pipeline`` runs a model through an adapter).

Every adapter offers ``queries(example, stage, previous)`` -> ``[Ask]``, ``gold(example, ask)`` -> offsets,
``assemble(example, answers)`` -> ``Example`` and ``target(example)`` (the gold projected on the task), with
the invariant ``assemble(ex, run_gold(adapter, ex)) == target(ex)``.

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
from collections.abc import Sequence
from dataclasses import dataclass

from ..alignment import find_all
from ..records import Query, Span
from .schema import TaskSchema
from .structures import Entity, Event, Example, Relation, Triplet, merge_events

Offsets = tuple[int, int]


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


def _ent(text: str, off: Offsets, typ: str) -> Entity:
    return Entity(off[0], off[1], typ, text[off[0]:off[1]])


def _uniq(offs: Sequence[Offsets]) -> list[Offsets]:
    return sorted(set(offs))


class Adapter:
    """Common machinery; subclasses define the stages."""

    task = ""
    stages = 1

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
    >>> a = NER(schema_from_dict({"task": "ner", "entities": {"PER": "person", "LOC": "place"}}))
    >>> [(q.label, [s.text for s in q.spans]) for q in training_queries(a, Example("1", "Tom", [Entity(0, 3, "PER")]))]
    [('person', ['Tom']), ('place', [])]
    """
    out = []
    for ask, offs in run_gold(adapter, example):
        out.append(Query(ask.label, example.text, [Span(s, e, ask.label, example.text[s:e]) for s, e in offs]))
    return out


class NER(Adapter):
    """One query per entity type."""

    task = "ner"

    def queries(self, example, stage, previous):
        t = self.schema.template("entity")
        return [Ask(("entity", c), t.format(type=p)) for c, p in self.schema.entities.items()]

    def gold(self, example, ask):
        return _uniq([(e.start, e.end) for e in example.entities if e.type == ask.key[1]])

    def assemble(self, example, answers):
        ents = {_ent(example.text, o, a.key[1]) for a, offs in answers if a.key[0] == "entity" for o in offs}
        return Example(example.id, example.text, entities=sorted(ents))

    def target(self, example):
        return Example(example.id, example.text, entities=sorted(set(example.entities)))

    def label_counts(self, example):
        return Counter(e.type for e in example.entities)


class RE(NER):
    """Stage 1 entities by type; stage 2 "<head> <relation>" per found head and relation, answered by tails."""

    task = "re"
    stages = 2

    def _heads(self, rel: str, ents: list[Entity]) -> list[Entity]:
        allowed = self.schema.relations[rel].get("head")
        return [e for e in ents if not allowed or e.type in allowed]

    def queries(self, example, stage, previous):
        if stage == 0:
            return super().queries(example, stage, previous)
        ents = self.assemble(example, previous).entities
        t = self.schema.template("tail")
        return [Ask(("tail", h, r), t.format(head=self._name(example.text, h), relation=self.schema.relation_phrase(r)))
                for r in self.schema.relations for h in self._heads(r, ents)]

    def gold(self, example, ask):
        if ask.key[0] == "entity":
            return super().gold(example, ask)
        _, head, rel = ask.key
        return _uniq([(r.tail.start, r.tail.end) for r in example.relations if r.head == head and r.type == rel])

    def assemble(self, example, answers):
        out = super().assemble(example, answers)
        by_off: dict[Offsets, list[str]] = {}
        for e in out.entities:
            by_off.setdefault((e.start, e.end), []).append(e.type)
        rels = set()
        for ask, offs in answers:
            if ask.key[0] != "tail":
                continue
            _, head, rel = ask.key
            allowed = self.schema.relations[rel].get("tail")
            for o in offs:
                types = [t for t in by_off.get(o, []) if not allowed or t in allowed]
                if not types and allowed and len(allowed) == 1:
                    types = list(allowed)
                if types:
                    rels.add(Relation(head, _ent(example.text, o, sorted(types)[0]), rel))
        out.relations = sorted(rels)
        return out

    def target(self, example):
        return Example(example.id, example.text, entities=sorted(set(example.entities)),
                       relations=sorted(set(example.relations)))

    def label_counts(self, example):
        return Counter(r.type for r in example.relations)


class EE(Adapter):
    """Stage 1 triggers per event type; stage 2 "<trigger> <role>" per found trigger and role of its type."""

    task = "ee"
    stages = 2

    def _triggers(self, example: Example, previous: Answers) -> list[Entity]:
        return sorted({_ent(example.text, o, a.key[1]) for a, offs in previous if a.key[0] == "trigger" for o in offs})

    def queries(self, example, stage, previous):
        if stage == 0:
            t = self.schema.template("trigger")
            return [Ask(("trigger", c), t.format(event=self.schema.event_phrase(c))) for c in self.schema.events]
        t = self.schema.template("argument")
        return [Ask(("argument", trig, r), t.format(trigger=self._name(example.text, trig),
                                                    role=self.schema.role_phrase(r)))
                for trig in self._triggers(example, previous) for r in self.schema.roles_of(trig.type)]

    def gold(self, example, ask):
        if ask.key[0] == "trigger":
            return _uniq([(ev.trigger.start, ev.trigger.end) for ev in example.events if ev.type == ask.key[1]])
        _, trig, role = ask.key
        return _uniq([(a.start, a.end) for ev in example.events if ev.trigger == trig
                      for a in ev.arguments if a.type == role])

    def assemble(self, example, answers):
        events = [Event(t) for t in self._triggers(example, answers)]
        for ask, offs in answers:
            if ask.key[0] == "argument":
                events.append(Event(ask.key[1], tuple(_ent(example.text, o, ask.key[2]) for o in offs)))
        return Example(example.id, example.text, events=merge_events(events))

    def target(self, example):
        return Example(example.id, example.text, events=merge_events(example.events))

    def label_counts(self, example):
        return Counter(ev.type for ev in example.events)


class SRL(EE):
    """Stage 1 predicates (or the gold ones when ``predicates: given``); stage 2 "<predicate> <role>" per role,
    or, with ``roles: questions`` (QA-SRL), each gold question of the predicate asked as is."""

    task = "srl"

    def _given(self) -> bool:
        return self.schema.predicates == "given"

    def _triggers(self, example, previous):
        if self._given():
            return sorted({ev.trigger for ev in example.events})
        return sorted({_ent(example.text, o, "V") for a, offs in previous if a.key[0] == "predicate" for o in offs})

    def queries(self, example, stage, previous):
        if stage == 0:
            return [] if self._given() else [Ask(("predicate",), self.schema.predicate)]
        t = self.schema.template("argument")
        out = []
        for p in self._triggers(example, previous):
            if self.schema.roles == "questions":
                roles = sorted({a.type for ev in example.events if ev.trigger == p for a in ev.arguments})
            else:
                roles = list(self.schema.roles)
            out += [Ask(("argument", p, r), t.format(trigger=self._name(example.text, p),
                                                     role=self.schema.role_phrase(r))) for r in roles]
        return out

    def gold(self, example, ask):
        if ask.key[0] == "predicate":
            return _uniq([(ev.trigger.start, ev.trigger.end) for ev in example.events])
        return super().gold(example, ask)

    def label_counts(self, example):
        return Counter("V" for _ in example.events)


class ABSA(Adapter):
    """One query per polarity ("positive aspect"); aspects are entities typed by polarity code."""

    task = "absa"

    def queries(self, example, stage, previous):
        t = self.schema.template("aspect")
        return [Ask(("aspect", c), t.format(polarity=p)) for c, p in self.schema.polarities.items()]

    def gold(self, example, ask):
        return _uniq([(e.start, e.end) for e in example.entities if e.type == ask.key[1]])

    def assemble(self, example, answers):
        ents = {_ent(example.text, o, a.key[1]) for a, offs in answers for o in offs}
        return Example(example.id, example.text, entities=sorted(ents))

    def target(self, example):
        return Example(example.id, example.text, entities=sorted(set(example.entities)))

    def label_counts(self, example):
        return Counter(e.type for e in example.entities)


class ASTE(Adapter):
    """Stage 1 aspects; stage 2 "<aspect> <polarity> opinion" per aspect and polarity, answered by opinions."""

    task = "aste"
    stages = 2

    def queries(self, example, stage, previous):
        if stage == 0:
            return [Ask(("aspect",), self.schema.template("aspect_any"))]
        t = self.schema.template("opinion")
        aspects = sorted({_ent(example.text, o, "aspect")
                          for a, offs in previous if a.key[0] == "aspect" for o in offs})
        return [Ask(("opinion", asp, c), t.format(aspect=self._name(example.text, asp), polarity=p))
                for asp in aspects for c, p in self.schema.polarities.items()]

    def gold(self, example, ask):
        if ask.key[0] == "aspect":
            return _uniq([(t.aspect.start, t.aspect.end) for t in example.triplets])
        _, asp, pol = ask.key
        return _uniq([(t.opinion.start, t.opinion.end) for t in example.triplets
                      if (t.aspect.start, t.aspect.end) == (asp.start, asp.end) and t.polarity == pol])

    def assemble(self, example, answers):
        trips = {Triplet(a.key[1], _ent(example.text, o, "opinion"), a.key[2])
                 for a, offs in answers if a.key[0] == "opinion" for o in offs}
        return Example(example.id, example.text, triplets=sorted(trips))

    def target(self, example):
        return Example(example.id, example.text, triplets=sorted(set(example.triplets)))

    def label_counts(self, example):
        return Counter(t.polarity for t in example.triplets)


ADAPTERS = {"ner": NER, "re": RE, "ee": EE, "srl": SRL, "absa": ABSA, "aste": ASTE}


def make_adapter(schema: TaskSchema) -> Adapter:
    """The adapter for a schema's task."""
    return ADAPTERS[schema.task](schema)
