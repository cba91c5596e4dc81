"""Human-schema transfer data: task datasets' human-annotated training sets as label-to-span records.

The paper's multi-task transfer baseline meta-trains the same backbone on the union of the *other*
datasets' human annotations, so it learns label-to-span matching from human schemas instead of an LLM.
Each example becomes one record: the spans of every stage's gold-conditioned query (entity types,
"<head> <relation>", "<trigger> <role>", "<polarity> aspect", ...) under that query's label, and the
queries with no answer as negatives.

Sources for ``metaie train --data``: ``human:conll04,ade`` (these datasets) or ``human-except:conll2003``
(every public benchmark dataset but that one and those built from the same texts).

>>> transfer_datasets("rest14")[:3], "aste_14res" in transfer_datasets("rest14")
(['conll2003', 'wnut2017', 'jnlpba'], False)
"""
from __future__ import annotations

import os
from collections import Counter

from ..errors import ConfigError
from ..records import Record, Span

PUBLIC = ("conll2003", "wnut2017", "jnlpba", "mit_movie", "mit_restaurant", "crossner_ai", "crossner_literature",
          "crossner_music", "crossner_politics", "crossner_science", "conll04", "ade", "casie", "laptop14",
          "rest14", "aste_14lap", "aste_14res", "qasrl")
# datasets annotated on the same texts: leaving one out leaves the other out too
RELATED = {"laptop14": {"aste_14lap"}, "aste_14lap": {"laptop14"}, "rest14": {"aste_14res"},
           "aste_14res": {"rest14"}}
PREFIXES = ("human:", "human-except:")


GROUPS = {"crossner": tuple(d for d in PUBLIC if d.startswith("crossner_")), "mit": ("mit_movie", "mit_restaurant"),
          "absa": ("laptop14", "rest14", "aste_14lap", "aste_14res"), "all": PUBLIC}


def expand_names(names: str) -> list[str]:
    """Comma-separated dataset names with groups (``crossner``, ``mit``, ``absa``, ``all``) expanded.

    >>> expand_names("mit,conll04")
    ['mit_movie', 'mit_restaurant', 'conll04']
    """
    out: list[str] = []
    for n in (x.strip() for x in str(names).split(",")):
        if n:
            out += GROUPS.get(n, (n,))
    return list(dict.fromkeys(out))


def transfer_datasets(leave_out: str) -> list[str]:
    """The public datasets a leave-out human-schema model is trained on (``leave_out``: one name, or several
    comma-separated, groups allowed); datasets on the same texts are left out too."""
    drop: set[str] = set()
    for name in expand_names(leave_out):
        name = os.path.basename(name.rstrip("/"))
        if name.startswith("ade_fold"):
            name = "ade"
        drop |= {name} | RELATED.get(name, set())
    return [d for d in PUBLIC if d not in drop]


def parse_source(source: str) -> list[str] | None:
    """Dataset names of a ``human:...`` / ``human-except:...`` source; None when it is not one."""
    for p in PREFIXES:
        if source.startswith(p):
            rest = source[len(p):].strip()
            if not rest:
                raise ConfigError(f"--data {source!r}: name dataset(s) after {p!r}, e.g. {p}conll2003")
            if p == "human-except:":
                return transfer_datasets(rest)
            return expand_names(rest)
    return None


def example_record(adapter, example, source: str) -> Record:
    """One task example as a record holding every stage's gold queries (answers as spans, empties as negatives)."""
    from ..tasks.base import training_queries
    spans: list[Span] = []
    seen = set()
    negatives: list[str] = []
    for q in training_queries(adapter, example):
        if not q.spans:
            negatives.append(q.label)
        for s in q.spans:
            if s.key not in seen:
                seen.add(s.key)
                spans.append(s)
    pos = {s.label for s in spans}
    return Record(example.text, spans, [n for n in dict.fromkeys(negatives) if n not in pos],
                  id=f"{source}:{example.id}", source=source)


def human_records(datasets: list[str], root: str | os.PathLike | None = None, max_per_dataset: int | None = None,
                  seed: int = 42) -> tuple[list[Record], dict]:
    """Records from the few-shot pool split (the training split) of each dataset, with its shipped schema;
    ``max_per_dataset`` draws at most that many examples of each (seeded, in corpus order)."""
    import random

    from ..datasets import load_split, resolve
    from ..datasets.schemas import task_schema
    from ..tasks.registry import make_adapter
    records: list[Record] = []
    per: Counter = Counter()
    for d in datasets:
        spec, _ = resolve(d, root)
        adapter = make_adapter(task_schema(d, None, None, root))
        examples = list(load_split(d, spec.few_shot_from, root))
        if max_per_dataset is not None and len(examples) > max_per_dataset:
            keep = sorted(random.Random(f"{seed}:{d}").sample(range(len(examples)), max_per_dataset))
            examples = [examples[i] for i in keep]
        for ex in examples:
            records.append(example_record(adapter, ex, spec.name))
            per[spec.name] += 1
    return records, {"human_datasets": dict(per)}
