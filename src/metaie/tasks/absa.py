"""ABSA: one query per polarity ("positive aspect"); aspects are entities typed by polarity code; scored on
``aspect_polarity`` and ``aspect``."""
from __future__ import annotations

from collections import Counter

from .base import Adapter, Ask, entity_at, unique
from .ner import entities
from .structures import Example


def aspects(x: Example) -> list[tuple]:
    return [(x.id, e.start, e.end, "aspect") for e in x.entities]


class ABSA(Adapter):
    """One query per polarity ("positive aspect"); aspects are entities typed by polarity code."""

    task = "absa"
    metrics = {"aspect_polarity": entities, "aspect": aspects}
    main = "aspect_polarity"
    threshold = 0.3

    def queries(self, example, stage, previous):
        t = self.schema.template("aspect")
        return [Ask(("aspect", c), t.format(polarity=p)) for c, p in self.schema.polarities.items()]

    def gold(self, example, ask):
        return unique([(e.start, e.end) for e in example.entities if e.type == ask.key[1]])

    def assemble(self, example, answers):
        ents = {entity_at(example.text, o, a.key[1]) for a, offs in answers for o in offs}
        return Example(example.id, example.text, entities=sorted(ents))

    def target(self, example):
        return Example(example.id, example.text, entities=sorted(set(example.entities)))

    def label_counts(self, example):
        return Counter(e.type for e in example.entities)
