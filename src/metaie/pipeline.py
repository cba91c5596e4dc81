"""The one place that wires a task adapter to a model: stage by stage, batched over many texts.

>>> Extractor.__doc__.splitlines()[0]
'Task-shaped extraction: ``Extractor(model, task="re", schema="conll04").extract(text)``.'
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .errors import ConfigError
from .model.decoding import resolve_overlaps
from .records import Query, overlap_rule
from .tasks.base import Answers
from .tasks.registry import make_adapter, score
from .tasks.schema import TaskSchema, load_schema
from .tasks.structures import Example


class Extractor:
    """Task-shaped extraction: ``Extractor(model, task="re", schema="conll04").extract(text)``.

    ``schema`` is a shipped schema name, a YAML path, or a TaskSchema; ``model`` anything with
    ``predict_queries(queries, threshold, batch_size)`` (a ``MetaIE``). Results are ``Example`` objects with
    entities / relations / events / triplets in character offsets. Each stage asks all its queries in one call,
    so a packed model (:mod:`metaie.model.packed`) reads each text once per stage with all its labels (an RE
    head's relation phrases together), and texts that ask the same labels share windows.

    Where the task's labels exclude one another (an entity has one type: ``Adapter.exclusive``), ``overlap``
    (default: the schema's) says what becomes of overlapping spans that answer different labels of one stage:
    ``keep`` them all (the default), or keep the ``likelier`` (``MetaIE.extract``'s rule, the paper's). Zero-shot,
    the rule costs F1 where a schema has general and finer types: "person" outscores CrossNER's "writer" on the
    same name (docs/results.md, "Overlapping entity types", session 16).
    """

    def __init__(self, model, task: str | None = None, schema: str | Path | TaskSchema | None = None,
                 threshold: float | None = None, batch_size: int = 64, overlap: str | None = None):
        if schema is None:
            raise ConfigError("Extractor needs a schema: a shipped name (e.g. 'conll04') or a YAML file")
        self.schema = schema if isinstance(schema, TaskSchema) else load_schema(schema)
        if task is not None and task != self.schema.task:
            raise ConfigError(f"task {task!r} does not match the schema's task {self.schema.task!r}")
        self.model, self.threshold, self.batch_size = model, threshold, batch_size
        self.overlap = overlap_rule(overlap, default=self.schema.overlap)
        self.adapter = make_adapter(self.schema)

    def predict(self, examples: Sequence[Example]) -> list[Example]:
        """Run every stage for all examples at once (gold structures in ``examples`` are not used,
        except gold predicates when the schema says ``predicates: given``)."""
        answers: list[Answers] = [[] for _ in examples]
        for stage in range(self.adapter.stages):
            asks = [(i, a) for i, ex in enumerate(examples) for a in self.adapter.queries(ex, stage, answers[i])]
            if not asks:
                continue
            preds = self.model.predict_queries([Query(a.label, examples[i].text) for i, a in asks],
                                               threshold=self.threshold, batch_size=self.batch_size)
            got: list[list[tuple]] = [[] for _ in examples]
            for (i, a), spans in zip(asks, preds):
                got[i].append((a, spans))
            if self.overlap != "keep":
                got = self._exclusive(got)
            for i, pairs in enumerate(got):
                answers[i] += [(a, sorted({(s.start, s.end) for s in spans})) for a, spans in pairs]
        return [self.adapter.assemble(ex, ans) for ex, ans in zip(examples, answers)]

    def _exclusive(self, got: list[list[tuple]]) -> list[list[tuple]]:
        """One stage's (ask, spans) per text, with overlaps among the spans of mutually exclusive asks resolved."""
        out = []
        for pairs in got:
            keys = [self.adapter.exclusive(a) for a, _ in pairs]
            groups: dict = {}   # exclusive group -> its spans
            for key, (_, spans) in zip(keys, pairs):
                if key is not None:
                    groups.setdefault(key, []).extend(spans)
            kept = {id(s) for spans in groups.values() for s in resolve_overlaps(spans)}
            out.append([(a, spans if key is None else [s for s in spans if id(s) in kept])
                        for key, (a, spans) in zip(keys, pairs)])
        return out

    def score(self, gold: Sequence[Example]) -> dict[str, dict]:
        """Predict ``gold``'s texts and score them against it: every metric of the task (``tasks.registry.score``)."""
        return score(self.schema.task, [self.adapter.target(g) for g in gold], self.predict(gold))

    def extract(self, text: str) -> Example:
        """Extract from one text."""
        return self.predict([Example("0", text)])[0]

    def extract_batch(self, texts: Sequence[str]) -> list[Example]:
        """Extract from many texts."""
        return self.predict([Example(str(i), t) for i, t in enumerate(texts)])
