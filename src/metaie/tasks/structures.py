"""Task structures every loader produces and every adapter assembles: char-offset entities, relations,
events (also SRL frames), aspect-sentiment triplets, bundled in one ``Example``. No torch here.

>>> t = "Tom works for Acme ."
>>> tom, acme = Entity(0, 3, "Peop", "Tom"), Entity(14, 18, "Org", "Acme")
>>> ex = Example("s1", t, entities=[tom, acme], relations=[Relation(tom, acme, "Work_For")])
>>> ex.relations[0].key
(0, 3, 'Peop', 14, 18, 'Org', 'Work_For')
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True, order=True)
class Entity:
    """A typed span ``text[start:end]`` (half-open char offsets); ``type`` is the dataset's own label code.

    The same class holds an event trigger (type = event type), an argument (type = role), an aspect
    (type = polarity in ABSA) or an opinion term.
    """

    start: int
    end: int
    type: str
    text: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.start, self.end, self.type)

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "type": self.type, "text": self.text}


@dataclass(frozen=True, order=True)
class Relation:
    """A directed typed relation between two entities."""

    head: Entity
    tail: Entity
    type: str

    @property
    def key(self) -> tuple:
        return (*self.head.key, *self.tail.key, self.type)

    def to_dict(self) -> dict[str, Any]:
        return {"head": self.head.to_dict(), "tail": self.tail.to_dict(), "type": self.type}


@dataclass(frozen=True, order=True)
class Event:
    """An event (trigger typed by event type) or an SRL frame (predicate), with role-typed arguments."""

    trigger: Entity
    arguments: tuple[Entity, ...] = ()

    @property
    def type(self) -> str:
        return self.trigger.type

    def to_dict(self) -> dict[str, Any]:
        return {"trigger": self.trigger.to_dict(), "type": self.type,
                "arguments": [{"role": a.type, **a.to_dict()} for a in self.arguments]}


@dataclass(frozen=True, order=True)
class Triplet:
    """An aspect-sentiment triplet: aspect term, opinion term, polarity code (e.g. POS)."""

    aspect: Entity
    opinion: Entity
    polarity: str

    @property
    def key(self) -> tuple:
        return (self.aspect.start, self.aspect.end, self.opinion.start, self.opinion.end, self.polarity)

    def to_dict(self) -> dict[str, Any]:
        return {"aspect": self.aspect.to_dict(), "opinion": self.opinion.to_dict(), "polarity": self.polarity}


@dataclass
class Example:
    """One text with whatever gold (or predicted) structures its task has; offsets index ``text``."""

    id: str
    text: str
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    triplets: list[Triplet] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "text": self.text}
        for name in ("entities", "relations", "events", "triplets"):
            items = getattr(self, name)
            if items:
                d[name] = [x.to_dict() for x in items]
        return d

    def with_only(self, *fields: str) -> Example:
        """A copy keeping only the named structure fields (the rest emptied)."""
        empty: dict[str, Any] = {n: [] for n in ("entities", "relations", "events", "triplets") if n not in fields}
        return replace(self, **empty)


def entity(text: str, start: int, end: int, type_: str) -> Entity:
    """An Entity whose ``text`` is filled from ``text``.

    >>> entity("Tom runs", 0, 3, "PER")
    Entity(start=0, end=3, type='PER', text='Tom')
    """
    return Entity(start, end, type_, text[start:end])


def merge_events(events: list[Event]) -> list[Event]:
    """Events with the same trigger (offsets and type) merged into one, arguments deduplicated and sorted.

    >>> t = Entity(0, 3, "Attack", "hit")
    >>> merge_events([Event(t, (Entity(4, 5, "Victim", "x"),)), Event(t, ())])  # doctest: +NORMALIZE_WHITESPACE
    [Event(trigger=Entity(start=0, end=3, type='Attack', text='hit'),
           arguments=(Entity(start=4, end=5, type='Victim', text='x'),))]
    """
    by: dict[tuple, set[Entity]] = {}
    trig: dict[tuple, Entity] = {}
    for ev in events:
        by.setdefault(ev.trigger.key, set()).update(ev.arguments)
        trig.setdefault(ev.trigger.key, ev.trigger)
    return [Event(trig[k], tuple(sorted(by[k]))) for k in sorted(by)]
