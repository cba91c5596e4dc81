"""The task schema of a dataset: an explicit file, the dataset's own ``schema.yaml``, or the shipped one of its name."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import ConfigError
from ..tasks.schema import TaskSchema, load_schema
from .registry import resolve

ENTITY_VIEW = {"re", "ee"}  # tasks whose datasets carry entity annotations: ``--task ner`` scores those


def task_schema(data: str | os.PathLike, schema: str | os.PathLike | None, task: str | None,
                root: str | os.PathLike | None = None) -> TaskSchema:
    """The schema for a dataset: an explicit file, else the shipped one named like the dataset.

    ``task="ner"`` on a relation (or event) dataset reads its entity annotations as NER, with the entity
    verbalisers of its schema (or an NER ``--schema``).
    """
    spec, folder = resolve(data, root)
    if schema is None:  # a user's folder may carry its own schema.yaml; else the shipped one of that name
        own = Path(folder) / "schema.yaml"
        schema = own if own.is_file() else (spec.name if spec.folder else Path(folder).name)
    s = load_schema(schema)
    if task == "ner" and spec.task in ENTITY_VIEW:
        return entity_schema(s, spec.name)
    if task is not None and task != s.task:
        raise ConfigError(f"--task {task} does not match the schema's task {s.task!r} ({s.source}); "
                          f"pass --schema for a {task} schema")
    if spec.task != s.task:
        raise ConfigError(f"dataset {spec.name!r} is a {spec.task} dataset but the schema is for {s.task}")
    return s


def entity_schema(s: TaskSchema, dataset: str) -> TaskSchema:
    """The NER view of a relation/event schema: its entity verbalisers and entity template."""
    if s.task == "ner":
        return s
    if not s.entities:
        raise ConfigError(f"--task ner on {dataset!r}: its schema {s.source} has no 'entities' verbalisers; "
                          "pass --schema FILE.yaml with 'task: ner' and 'entities: {CODE: phrase}'")
    return TaskSchema("ner", entities=dict(s.entities), templates={"entity": s.template("entity")},
                      source=f"{s.source} (entities, as NER)")
