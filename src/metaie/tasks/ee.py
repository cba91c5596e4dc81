"""EE: triggers per event type, then "<trigger> <role>" answered by arguments; scored on triggers
(labelled ``trigger`` and unlabelled ``trigger_id``) and arguments (``argument`` with role, ``argument_id``)."""
from __future__ import annotations

from collections import Counter

from .base import Adapter, Answers, Ask, entity_at, unique
from .structures import Entity, Event, Example, merge_events


def triggers(x: Example) -> list[tuple]:
    return [(x.id, ev.trigger.start, ev.trigger.end, ev.type) for ev in x.events]


def trigger_ids(x: Example) -> list[tuple]:
    return [(x.id, ev.trigger.start, ev.trigger.end, "trigger") for ev in x.events]


def arguments(x: Example) -> list[tuple]:
    return [(x.id, ev.type, a.start, a.end, a.type) for ev in x.events for a in ev.arguments]


def argument_ids(x: Example) -> list[tuple]:
    return [(x.id, a.start, a.end, ev.type) for ev in x.events for a in ev.arguments]


class EE(Adapter):
    """Stage 1 triggers per event type; stage 2 "<trigger> <role>" per found trigger and role of its type."""

    task = "ee"
    metrics = {"trigger": triggers, "trigger_id": trigger_ids, "argument": arguments, "argument_id": argument_ids}
    main = "argument"
    threshold = 0.3
    stages = 2

    def _triggers(self, example: Example, previous: Answers) -> list[Entity]:
        return sorted({entity_at(example.text, o, a.key[1])
                       for a, offs in previous if a.key[0] == "trigger" for o in offs})

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
            return unique([(ev.trigger.start, ev.trigger.end) for ev in example.events if ev.type == ask.key[1]])
        _, trig, role = ask.key
        return unique([(a.start, a.end) for ev in example.events if ev.trigger == trig
                      for a in ev.arguments if a.type == role])

    def assemble(self, example, answers):
        events = [Event(t) for t in self._triggers(example, answers)]
        for ask, offs in answers:
            if ask.key[0] == "argument":
                events.append(Event(ask.key[1], tuple(entity_at(example.text, o, ask.key[2]) for o in offs)))
        return Example(example.id, example.text, events=merge_events(events))

    def target(self, example):
        return Example(example.id, example.text, events=merge_events(example.events))

    def label_counts(self, example):
        return Counter(ev.type for ev in example.events)
