"""NER: one query per entity type; scored on ``(doc, start, end, type)``."""
from __future__ import annotations

from collections import Counter

from .base import Adapter, Ask, entity_at, unique
from .structures import Example


def entities(x: Example) -> list[tuple]:
    return [(x.id, e.start, e.end, e.type) for e in x.entities]


class NER(Adapter):
    """One query per entity type."""

    task = "ner"
    metrics = {"entity": entities}
    main = "entity"
    threshold = 0.5

    def queries(self, example, stage, previous):
        t = self.schema.template("entity")
        return [Ask(("entity", c), t.format(type=p)) for c, p in self.schema.entities.items()]

    def gold(self, example, ask):
        return unique([(e.start, e.end) for e in example.entities if e.type == ask.key[1]])

    def assemble(self, example, answers):
        ents = {entity_at(example.text, o, a.key[1]) for a, offs in answers if a.key[0] == "entity" for o in offs}
        return Example(example.id, example.text, entities=sorted(ents))

    def target(self, example):
        return Example(example.id, example.text, entities=sorted(set(example.entities)))

    def exclusive(self, ask):
        """Entity types exclude one another (what is done about it: the schema's ``overlap``)."""
        return "entity" if ask.key[0] == "entity" else None

    def label_counts(self, example):
        return Counter(e.type for e in example.entities)
