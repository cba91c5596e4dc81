"""ASTE: aspects, then "<aspect> <polarity> opinion" answered by opinions; scored on ``triplet`` plus
``aspect``, ``opinion`` and ``pair``."""
from __future__ import annotations

from collections import Counter

from .base import Adapter, Ask, entity_at, unique
from .structures import Example, Triplet


def triplets(x: Example) -> list[tuple]:
    return [(x.id, *t.key) for t in x.triplets]


def aspects(x: Example) -> list[tuple]:
    return [(x.id, t.aspect.start, t.aspect.end, "aspect") for t in x.triplets]


def opinions(x: Example) -> list[tuple]:
    return [(x.id, t.opinion.start, t.opinion.end, "opinion") for t in x.triplets]


def pairs(x: Example) -> list[tuple]:
    return [(x.id, t.aspect.start, t.aspect.end, t.opinion.start, t.opinion.end, "pair") for t in x.triplets]


class ASTE(Adapter):
    """Stage 1 aspects; stage 2 "<aspect> <polarity> opinion" per aspect and polarity, answered by opinions."""

    task = "aste"
    metrics = {"triplet": triplets, "aspect": aspects, "opinion": opinions, "pair": pairs}
    main = "triplet"
    threshold = 0.3
    stages = 2

    def queries(self, example, stage, previous):
        if stage == 0:
            return [Ask(("aspect",), self.schema.template("aspect_any"))]
        t = self.schema.template("opinion")
        aspects = sorted({entity_at(example.text, o, "aspect")
                          for a, offs in previous if a.key[0] == "aspect" for o in offs})
        return [Ask(("opinion", asp, c), t.format(aspect=self._name(example.text, asp), polarity=p))
                for asp in aspects for c, p in self.schema.polarities.items()]

    def gold(self, example, ask):
        if ask.key[0] == "aspect":
            return unique([(t.aspect.start, t.aspect.end) for t in example.triplets])
        _, asp, pol = ask.key
        return unique([(t.opinion.start, t.opinion.end) for t in example.triplets
                      if (t.aspect.start, t.aspect.end) == (asp.start, asp.end) and t.polarity == pol])

    def assemble(self, example, answers):
        trips = {Triplet(a.key[1], entity_at(example.text, o, "opinion"), a.key[2])
                 for a, offs in answers if a.key[0] == "opinion" for o in offs}
        return Example(example.id, example.text, triplets=sorted(trips))

    def target(self, example):
        return Example(example.id, example.text, triplets=sorted(set(example.triplets)))

    def label_counts(self, example):
        return Counter(t.polarity for t in example.triplets)
