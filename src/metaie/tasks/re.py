"""RE: entities by type, then "<head> <relation>" answered by tails; scored strict on
``(doc, head start, end, type, tail start, end, type, relation)`` and on entities."""
from __future__ import annotations

from collections import Counter

from .base import Ask, Offsets, entity_at, unique
from .ner import NER, entities
from .structures import Entity, Example, Relation


def relations(x: Example) -> list[tuple]:
    return [(x.id, *r.key) for r in x.relations]


class RE(NER):
    """Stage 1 entities by type; stage 2 "<head> <relation>" per found head and relation, answered by tails."""

    task = "re"
    metrics = {"relation": relations, "entity": entities}
    main = "relation"
    threshold = 0.4
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
        return unique([(r.tail.start, r.tail.end) for r in example.relations if r.head == head and r.type == rel])

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
                    rels.add(Relation(head, entity_at(example.text, o, sorted(types)[0]), rel))
        out.relations = sorted(rels)
        return out

    def target(self, example):
        return Example(example.id, example.text, entities=sorted(set(example.entities)),
                       relations=sorted(set(example.relations)))

    def label_counts(self, example):
        return Counter(r.type for r in example.relations)
