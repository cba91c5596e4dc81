"""SRL: predicates (or the gold ones), then "<predicate> <role>" or QA-SRL questions; scored on arguments
(predicate offsets + argument offsets + role), ``argument_id`` and ``predicate``."""
from __future__ import annotations

from collections import Counter

from .base import Ask, entity_at, unique
from .ee import EE
from .structures import Example


def predicates(x: Example) -> list[tuple]:
    return [(x.id, ev.trigger.start, ev.trigger.end, "predicate") for ev in x.events]


def arguments(x: Example) -> list[tuple]:
    return [(x.id, ev.trigger.start, ev.trigger.end, a.start, a.end, a.type) for ev in x.events for a in ev.arguments]


def argument_ids(x: Example) -> list[tuple]:
    return [(x.id, ev.trigger.start, ev.trigger.end, a.start, a.end, "argument")
            for ev in x.events for a in ev.arguments]


class SRL(EE):
    """Stage 1 predicates (or the gold ones when ``predicates: given``); stage 2 "<predicate> <role>" per role,
    or, with ``roles: questions`` (QA-SRL), each gold question of the predicate asked as is."""

    task = "srl"
    metrics = {"argument": arguments, "argument_id": argument_ids, "predicate": predicates}
    main = "argument"
    threshold = 0.8

    def _given(self) -> bool:
        return self.schema.predicates == "given"

    def _triggers(self, example, previous):
        if self._given():
            return sorted({ev.trigger for ev in example.events})
        return sorted({entity_at(example.text, o, "V")
                       for a, offs in previous if a.key[0] == "predicate" for o in offs})

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
            return unique([(ev.trigger.start, ev.trigger.end) for ev in example.events])
        return super().gold(example, ask)

    def label_counts(self, example):
        return Counter("V" for _ in example.events)
