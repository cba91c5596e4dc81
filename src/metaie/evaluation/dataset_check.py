"""Bringing your own dataset: check a folder before a long run, and draft its schema.yaml from its labels.

>>> sorted(Check.__dataclass_fields__)
['folder', 'problems', 'schema', 'splits', 'task']
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..datasets import resolve
from ..datasets.schemas import ENTITY_VIEW, task_schema
from ..errors import ConfigError, MetaIEError
from ..jsonl import atomic_open
from ..tasks.schema import data_labels, draft_schema
from ..tasks.structures import Example


@dataclass
class Check:
    """What ``metaie data check`` found: the task, per split its file and counts, the schema, the problems."""

    folder: str
    task: str
    splits: dict[str, dict] = field(default_factory=dict)
    schema: str = ""
    problems: list[str] = field(default_factory=list)


def mention_counts(examples: list[Example], task: str) -> dict[str, Counter]:
    """Mentions per label code, by kind (entity, relation, event, role, polarity), for the parts a task reads."""
    out: dict[str, Counter] = {}
    if task in ("ner", "re"):
        out["entity"] = Counter(e.type for x in examples for e in x.entities)
    if task == "re":
        out["relation"] = Counter(r.type for x in examples for r in x.relations)
    if task in ("ee", "srl"):
        out["event" if task == "ee" else "predicate"] = Counter(
            ev.type if task == "ee" else "predicate" for x in examples for ev in x.events)
        out["role"] = Counter(a.type for x in examples for ev in x.events for a in ev.arguments)
    if task == "absa":
        out["polarity"] = Counter(e.type for x in examples for e in x.entities)
    if task == "aste":
        out["polarity"] = Counter(t.polarity for x in examples for t in x.triplets)
    return out


def _task(spec_task: str, task: str | None, folder: Path) -> str:
    if task is None or task == spec_task:
        return spec_task
    if task == "ner" and spec_task in ENTITY_VIEW:
        return task
    raise ConfigError(f"--task {task}: {folder} is a {spec_task} dataset (only --task ner is accepted on "
                      f"{'/'.join(sorted(ENTITY_VIEW))} datasets, for their entities)")


def load_all(data: str | os.PathLike, root=None) -> tuple[dict[str, list[Example]], dict[str, str], dict[str, Any]]:
    """Every split that loads (split -> examples), the load error of each split that does not, and the reports
    of the readers that give one (split -> report)."""
    spec, folder = resolve(data, root)
    loaded, errors, reports = {}, {}, {}
    for split in spec.files:
        try:
            loaded[split], rep = spec.read_report(folder, split)
        except MetaIEError as e:
            errors[split] = str(e)
            continue
        if rep is not None:
            reports[split] = rep
    return loaded, errors, reports


def check_dataset(data: str | os.PathLike, task: str | None = None, root=None) -> Check:
    """Sniff a dataset, load every split, count sentences and mentions per label, and list the problems."""
    spec, folder = resolve(data, root)
    chk = Check(str(folder), _task(spec.task, task, folder))
    loaded, errors, reports = load_all(data, root)
    for split in spec.files:
        entry: dict = {"file": spec.files[split] or "(folder)"}
        if split in reports:  # what the reader repaired or dropped (JNLPBA standoff alignment, CASIE offsets)
            entry["loader"] = asdict(reports[split])
        if split in errors:
            chk.problems.append(f"{split}: {errors[split]}")
        else:
            exs = loaded[split]
            counts = mention_counts(exs, chk.task)
            entry.update(sentences=len(exs), mentions={k: dict(sorted(c.items())) for k, c in counts.items()},
                         empty=sum(1 for x in exs if not any(data_labels([x], chk.task).values())))
            if not exs:
                chk.problems.append(f"{split}: no sentences in {spec.files[split] or folder}")
        chk.splits[split] = entry
    if spec.few_shot_from not in spec.files:
        chk.problems.append(f"no {spec.few_shot_from} split: few-shot examples are sampled from it")
    if "test" not in spec.files:
        chk.problems.append("no test split: `metaie evaluate` and the benchmark score on it")
    _unseen(chk, loaded, spec.few_shot_from)
    try:
        s = task_schema(data, None, chk.task, root)
        chk.schema = s.source
        for split, exs in loaded.items():
            s.check_against(exs, where=f"{folder.name}/{split}")
    except ConfigError as e:
        chk.problems.append(f"schema: {e}")
    return chk


def _unseen(chk: Check, loaded: dict[str, list[Example]], train: str) -> None:
    """A label of a scored split that the few-shot split never uses cannot be learned from shots."""
    if train not in loaded:
        return
    have = data_labels(loaded[train], chk.task)
    for split, exs in loaded.items():
        for kind, used in data_labels(exs, chk.task).items():
            missing = sorted(used - have.get(kind, set()))
            if split != train and missing:
                chk.problems.append(f"{split}: {kind} label(s) {missing} never occur in {train}")


def format_check(chk: Check) -> str:
    """The check as lines of text."""
    lines = [f"dataset: {chk.folder}", f"task: {chk.task}"]
    for split, e in chk.splits.items():
        if "sentences" not in e:
            lines.append(f"{split}: {e['file']}: does not load")
            continue
        lines.append(f"{split}: {e['file']}: {e['sentences']} sentences, {e['empty']} without any mention")
        for kind, per in e["mentions"].items():
            lines.append(f"  {kind}: {sum(per.values())} mentions: "
                         + ", ".join(f"{k} {v}" for k, v in per.items()))
        if "loader" in e:
            lines.append("  loader: " + ", ".join(f"{k} {v}" for k, v in e["loader"].items()))
    lines.append(f"schema: {chk.schema or 'none usable'}")
    lines.append(f"problems: {len(chk.problems)}" + "".join(f"\n  - {p}" for p in chk.problems))
    return "\n".join(lines)


def init_schema(data: str | os.PathLike, task: str | None = None, force: bool = False, root=None) -> Path:
    """Write ``FOLDER/schema.yaml`` with every label code of the data and a first phrase for each."""
    spec, folder = resolve(data, root)
    t = _task(spec.task, task, folder)
    target = Path(folder) / "schema.yaml"
    if target.exists() and not force:
        raise ConfigError(f"{target} exists: edit it, or pass --force to overwrite it")
    loaded, errors, _ = load_all(data, root)
    if errors:
        split, err = next(iter(errors.items()))
        raise ConfigError(f"split {split!r} does not load, fix it first: {err}")
    d = draft_schema(t, [x for exs in loaded.values() for x in exs])
    with atomic_open(target, "w") as f:
        f.write(f"# {t.upper()} schema drafted by `metaie schema init` from the labels in {folder.name}/.\n"
                "# Edit the phrases (the query text the model is asked); keys are the dataset's own label codes.\n")
        yaml.safe_dump(d, f, sort_keys=False, allow_unicode=True)
    return target
