"""Per-dataset task schemas: verbalisers (label code -> query phrase) and stage templates, from YAML.

Shipped schemas live in ``metaie/resources/tasks/<dataset>.yaml``; a user passes a path to their own
(copy one and edit it). Keys by task::

    task: ner | re | ee | srl | absa | aste
    entities:  {PER: person, ...}                                  # ner, re
    relations: {Work_For: {phrase: works for, head: [Peop], tail: [Org]}}   # re (head/tail optional)
    events:    {Databreach: {phrase: data breach, roles: [Attacker, ...]}}  # ee (roles optional)
    roles:     {Attacker: attacker, ...}                            # ee, srl ("questions" for QA-SRL)
    polarities: {POS: positive, NEG: negative, NEU: neutral}        # absa, aste
    predicate: predicate                                            # srl stage-1 query; predicates: given|predict
    overlap: keep            # ner, re: overlapping entities of different types: keep | likelier
    templates: {entity: "{type}", tail: "{head} {relation}", trigger: "{event}", argument: "{trigger} {role}",
                aspect: "{polarity} aspect", opinion: "{aspect} {polarity} opinion",
                repeated: "{text} ({n})"}

>>> s = load_schema("conll04")
>>> s.task, s.entities["Peop"], s.template("tail").format(head="Tom", relation="works for")
('re', 'person', 'Tom works for')
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from ..records import OVERLAP as OVERLAP  # the task schema's overlap setting takes these
from .structures import Example

TASKS = ("ner", "re", "ee", "srl", "absa", "aste")
# What Extractor does with overlapping spans that answer mutually exclusive labels (an entity has one type): keep
# them all, or keep the likelier (MetaIE.extract's rule): records.OVERLAP. docs/results.md, "Overlapping entity
# types" (session 16).
DEFAULT_TEMPLATES = {"entity": "{type}", "tail": "{head} {relation}", "trigger": "{event}",
                     "argument": "{trigger} {role}", "aspect": "{polarity} aspect",
                     "aspect_any": "aspect", "opinion": "{aspect} {polarity} opinion",
                     "repeated": "{text} ({n})"}


@dataclass
class TaskSchema:
    """What to ask for one dataset: label codes mapped to natural-language query phrases, and templates."""

    task: str
    entities: dict[str, str] = field(default_factory=dict)
    relations: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, str] | str = field(default_factory=dict)
    polarities: dict[str, str] = field(default_factory=dict)
    predicate: str = "predicate"
    predicates: str = "predict"
    templates: dict[str, str] = field(default_factory=dict)
    overlap: str = "keep"   # overlapping entities of different types: keep | likelier (OVERLAP)
    source: str = ""

    def template(self, name: str) -> str:
        return self.templates.get(name, DEFAULT_TEMPLATES[name])

    def relation_phrase(self, code: str) -> str:
        return str(self.relations[code].get("phrase", code))

    def event_phrase(self, code: str) -> str:
        return str(self.events[code].get("phrase", code))

    def role_phrase(self, code: str) -> str:
        return code if self.roles == "questions" else self.roles.get(code, code)  # type: ignore[union-attr]

    def roles_of(self, event_type: str) -> list[str]:
        own = (self.events.get(event_type) or {}).get("roles")
        return list(own) if own else (list(self.roles) if isinstance(self.roles, dict) else [])

    def labels(self) -> dict[str, set[str]]:
        """The label codes this schema verbalises, by kind (entity, relation, event, role, polarity)."""
        return {"entity": set(self.entities), "relation": set(self.relations), "event": set(self.events),
                "role": set(self.roles) if isinstance(self.roles, dict) else set(),
                "polarity": set(self.polarities)}

    def check_against(self, examples: list[Example], where: str = "the data") -> None:
        """Raise ConfigError if the schema names a label absent from ``examples`` or misses one they use."""
        seen = data_labels(examples, self.task)
        mine = self.labels()
        for kind, used in seen.items():
            if kind == "role" and self.roles == "questions":
                continue
            extra, missing = mine[kind] - used, used - mine[kind]
            if extra:
                raise ConfigError(f"{self.source or 'schema'}: {kind} label(s) {sorted(extra)} in the verbaliser are "
                                  f"not present in {where} (which has {sorted(used)}); fix the schema file")
            if missing:
                raise ConfigError(f"{self.source or 'schema'}: {kind} label(s) {sorted(missing)} of {where} have no "
                                  f"verbaliser entry; add them to the schema file")


def data_labels(examples: list[Example], task: str) -> dict[str, set[str]]:
    """Label codes a set of examples uses, by kind, for the parts of the data the task reads."""
    out: dict[str, set[str]] = {}
    if task in ("ner", "re"):
        out["entity"] = {e.type for x in examples for e in x.entities}
    if task == "re":
        out["relation"] = {r.type for x in examples for r in x.relations}
    if task == "ee":
        out["event"] = {ev.type for x in examples for ev in x.events}
    if task in ("ee", "srl"):
        out["role"] = {a.type for x in examples for ev in x.events for a in ev.arguments}
    if task == "absa":
        out["polarity"] = {e.type for x in examples for e in x.entities}
    if task == "aste":
        out["polarity"] = {t.polarity for x in examples for t in x.triplets}
    return out


COMMON_PHRASES = {"PER": "person", "PERSON": "person", "PEOP": "person", "LOC": "location", "ORG": "organization",
                  "MISC": "miscellaneous", "GPE": "geopolitical entity", "FAC": "facility", "POS": "positive",
                  "NEG": "negative", "NEU": "neutral"}


def phrase_of(code: str) -> str:
    """A first query phrase for a label code, for the user to edit.

    >>> [phrase_of(c) for c in ("PER", "Work_For", "cell_line", "DiscoverVulnerability", "B-x")]
    ['person', 'work for', 'cell line', 'discover vulnerability', 'b x']
    """
    import re
    if code.upper() in COMMON_PHRASES:
        return COMMON_PHRASES[code.upper()]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", code)
    return " ".join(re.split(r"[\s_\-./]+", words)).strip().lower() or code


def draft_schema(task: str, examples: list[Example]) -> dict[str, Any]:
    """A schema mapping for ``task`` holding every label code the examples use, each with a first phrase.

    >>> from metaie.tasks.structures import Entity
    >>> draft_schema("ner", [Example("1", "Tom", entities=[Entity(0, 3, "PER")])])
    {'task': 'ner', 'entities': {'PER': 'person'}}
    """
    if task not in TASKS:
        raise ConfigError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    used = data_labels(examples, task)
    d: dict[str, Any] = {"task": task}
    if "entity" in used:
        d["entities"] = {c: phrase_of(c) for c in sorted(used["entity"])}
    if task == "re":
        rels = [r for x in examples for r in x.relations]
        d["relations"] = {t: {"phrase": phrase_of(t), "head": sorted({r.head.type for r in rels if r.type == t}),
                              "tail": sorted({r.tail.type for r in rels if r.type == t})}
                          for t in sorted(used["relation"])}
    if task == "ee":
        d["events"] = {t: {"phrase": phrase_of(t), "roles": sorted({a.type for x in examples for ev in x.events
                                                                     if ev.type == t for a in ev.arguments})}
                       for t in sorted(used["event"])}
    if "role" in used:
        d["roles"] = {c: phrase_of(c) for c in sorted(used["role"])}
    if "polarity" in used:
        d["polarities"] = {c: phrase_of(c) for c in sorted(used["polarity"])}
    return d


def schema_from_dict(d: dict[str, Any], source: str = "") -> TaskSchema:
    """Build and validate a schema from its YAML mapping."""
    if not isinstance(d, dict) or d.get("task") not in TASKS:
        raise ConfigError(f"{source or 'schema'}: 'task' must be one of {', '.join(TASKS)}")
    known = set(TaskSchema.__dataclass_fields__) - {"source"}
    unknown = set(d) - known
    if unknown:
        raise ConfigError(f"{source or 'schema'}: unknown key(s) {sorted(unknown)}; known: {sorted(known)}")
    d = dict(d)
    d["relations"] = {k: (v if isinstance(v, dict) else {"phrase": v}) for k, v in (d.get("relations") or {}).items()}
    d["events"] = {k: (v if isinstance(v, dict) else {"phrase": v}) for k, v in (d.get("events") or {}).items()}
    bad = set(d.get("templates") or {}) - set(DEFAULT_TEMPLATES)
    if bad:
        raise ConfigError(f"{source or 'schema'}: unknown template(s) {sorted(bad)}; "
                          f"known: {sorted(DEFAULT_TEMPLATES)}")
    if d.get("overlap", "keep") not in OVERLAP:
        raise ConfigError(f"{source or 'schema'}: 'overlap' must be one of {', '.join(OVERLAP)}, not {d['overlap']!r}")
    return TaskSchema(**{k: v for k, v in d.items() if v is not None}, source=source)


def schema_path(name: str) -> Path | None:
    """Path of a shipped schema by dataset name, or None."""
    import re
    name = re.sub(r"_fold\d+$", "", name)  # ade_fold3 -> ade
    p = resources.files("metaie") / "resources" / "tasks" / f"{name}.yaml"
    return Path(str(p)) if p.is_file() else None


def shipped_dir() -> Path:
    """The folder of the shipped schemas, on disk."""
    return Path(str(resources.files("metaie") / "resources" / "tasks"))


def load_schema(name_or_path: str | os.PathLike) -> TaskSchema:
    """A shipped schema by dataset name, or a user's YAML file."""
    p = Path(name_or_path)
    if not p.is_file():
        shipped = schema_path(str(name_or_path))
        if shipped is None:
            raise ConfigError(f"no schema {str(name_or_path)!r}: pass --schema FILE.yaml, or put a schema.yaml in "
                              "the dataset folder (`metaie schema init FOLDER` writes one from the labels in the "
                              f"data); the shipped examples are in {shipped_dir()}")
        p = shipped
    try:
        d = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{p}: not valid YAML ({e})") from None
    return schema_from_dict(d, source=str(p))
