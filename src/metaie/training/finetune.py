"""Few-shot adaptation of a model to a task dataset (what ``metaie finetune`` runs).

>>> sorted(StartPoint.__dataclass_fields__)
['backbone', 'mode', 'model', 'name']
"""
from __future__ import annotations

import functools
import os
import random
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..datasets import load_split, resolve
from ..datasets.schemas import task_schema
from ..errors import ConfigError
from ..jsonl import read_json, write_json
from ..records import Query
from ..tasks.base import training_queries
from ..tasks.fewshot import eval_sample, sample_k_shot
from ..tasks.registry import MAIN, THRESHOLDS, make_adapter
from ..tasks.schema import TaskSchema


@dataclass
class StartPoint:
    """Where fine-tuning starts: a metaie model directory (``model``) or a plain backbone (``backbone``)."""

    name: str
    model: str | None = None
    backbone: str | None = None
    mode: str = "per_label"           # for a backbone: per_label or packed (a model directory keeps its own mode)

    def load(self, max_length: int | None = None, stride: int | None = None, device: str | None = None,
             seed: int = 0):
        """The start model; ``max_length``/``stride`` set its windows (default: a model keeps its own, a backbone
        gets ``MetaConfig``'s)."""
        from ..model.tagger import MetaConfig, MetaIE
        if self.model:
            model = MetaIE.from_pretrained(self.model, device=device)
            model.config.max_length = max_length or model.config.max_length
            model.config.stride = model.config.stride if stride is None else stride
            return model
        return MetaIE.from_backbone(self.backbone, max_length=max_length or MetaConfig.max_length,
                                    stride=stride or MetaConfig.stride, device=device, seed=seed, mode=self.mode)


def few_shot_set(data, schema: TaskSchema, shots: int, seed: int, root=None, take_all_short: bool = False):
    """The K-shot examples of a dataset's few-shot split, schema checked against that split."""
    spec, _ = resolve(data, root)
    pool = load_split(data, spec.few_shot_from, root)
    schema.check_against(pool, where=f"{spec.name}/{spec.few_shot_from}")
    return sample_k_shot(pool, make_adapter(schema), shots, seed, labels=shot_labels(schema),
                         take_all_short=take_all_short)


def shot_labels(schema: TaskSchema) -> list[str] | None:
    """The labels K counts mentions of (None: every label the adapter counts, e.g. SRL predicates)."""
    labels = {"ner": "entity", "re": "relation", "ee": "event", "absa": "polarity", "aste": "polarity"}
    return sorted(schema.labels()[labels[schema.task]]) if schema.task in labels else None


def replay_queries(source: str, n: int, seed: int, root=None) -> list[Query]:
    """``n`` meta-training queries (positive and negative, as ``metaie train`` builds them) of ``source``, any
    ``metaie train --data`` source, a seeded sample: what few-shot fine-tuning mixes in so that the start point's
    general label-to-span skill is not overwritten by a handful of examples (docs/results.md, session 16)."""
    pool = _replay_pool(source, None if root is None else str(root))
    if not pool:
        raise ConfigError(f"replay source {source!r} holds no training queries")
    return random.Random(seed).sample(pool, min(n, len(pool)))


@functools.lru_cache(maxsize=2)   # a benchmark fine-tunes many runs in one process from one source
def _replay_pool(source: str, root: str | None) -> list[Query]:
    from .args import MetaData
    from .meta import mix_queries
    d = MetaData()
    return mix_queries([source], root, True, 42, d.dev_fraction, d.neg_ratio)[0]


TUNE_GRID = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def choose_threshold(model, data, schema: TaskSchema, split: str, root=None, limit: int | None = 300,
                     grid: tuple[float, ...] = TUNE_GRID, cached=None) -> tuple[float, dict[str, float]]:
    """The threshold of ``grid`` with the best headline F1 on (a seeded ``limit`` of) ``split``; ties go to the
    one nearest 0.5. Returns it and the F1 at each threshold. ``cached``: a ``CachedModel`` of ``model`` to share
    network passes with another choice on the same split."""
    from ..model.cached import CachedModel
    from ..pipeline import Extractor
    gold = eval_sample(load_split(data, split, root), limit)
    cached = cached or CachedModel(model)  # a query asked at several thresholds runs the network once
    f1 = {str(t): Extractor(cached, schema=schema, threshold=t).score(gold)[MAIN[schema.task]]["f1"] for t in grid}
    best = max(grid, key=lambda t: (round(f1[str(t)], 6), -abs(t - 0.5)))
    return best, f1


def choose_label_thresholds(model, data, schema: TaskSchema, split: str, root=None, limit: int | None = 300,
                            grid: tuple[float, ...] = TUNE_GRID, min_texts: int | None = None, passes: int = 2,
                            cached=None) -> tuple[dict[str, float], dict]:
    """A threshold per label, chosen on ``split`` (a seeded ``limit`` of it): coordinate ascent from the model's
    default (``config.threshold``), ``passes`` rounds over the labels (most asked first), each label moved to the
    value of ``grid`` with the best headline F1 while the others hold theirs. A label keeps its value unless
    another scores strictly higher (ties: the value nearest it), and only labels asked of at least ``min_texts``
    texts (default: 20, or half the split's examples where fewer) are tuned: a multi-stage task's one-off
    queries ("<head> works for") keep the default. Returns the
    labels whose threshold differs from the default, and a record (F1 before and after, labels tuned). The
    model's own ``label_thresholds`` are left as they were. ``cached`` as ``choose_threshold``'s."""
    from collections import Counter

    from ..model.cached import CachedModel
    from ..pipeline import Extractor
    gold = eval_sample(load_split(data, split, root), limit)
    cached = cached or CachedModel(model)  # each (label, text) runs the network once, at however many thresholds
    base, saved = model.config.threshold, model.config.label_thresholds
    chosen: dict[str, float] = {}

    def f1(trial: dict[str, float]) -> float:
        model.config.label_thresholds = trial
        return round(Extractor(cached, schema=schema).score(gold)[MAIN[schema.task]]["f1"], 6)

    try:
        before = best = f1({})
        asked = Counter(label for label, _ in cached.cache)
        least = min(20, max(2, len(gold) // 2)) if min_texts is None else min_texts
        labels = [lab for lab, n in asked.most_common() if n >= least]
        for _ in range(passes):
            moved = False
            for lab in labels:
                cur = chosen.get(lab, base)
                score, _, t = max((f1({**chosen, lab: t}), -abs(t - cur), t) for t in grid)
                if score > best:
                    best, moved = score, True
                    chosen[lab] = t
            if not moved:
                break
    finally:
        model.config.label_thresholds = saved
    chosen = {lab: t for lab, t in chosen.items() if t != base}
    return chosen, {"f1_before": before, "f1_after": best, "labels_tuned": labels}


def tune_on_split(model, data, schema: TaskSchema, split: str, root=None, limit: int | None = 300,
                  per_label: bool = False, source: str | None = None) -> dict:
    """Set ``model``'s default threshold (``choose_threshold``) and, with ``per_label``, its labels' own
    (``choose_label_thresholds``; else none) on ``split``, sharing one set of network passes; returns the record
    that ``finetune.json`` and manifests keep."""
    from ..model.cached import CachedModel
    cached = CachedModel(model)
    model.config.label_thresholds = {}
    chosen, by = choose_threshold(model, data, schema, split, root, limit, cached=cached)
    model.config.threshold = chosen
    record: dict = {"value": chosen, "from": f"{split} split{source or ''} ({limit or 'all'} examples)", "f1": by}
    if per_label:
        own, rec = choose_label_thresholds(model, data, schema, split, root, limit, cached=cached)
        model.config.label_thresholds = own
        record.update(labels=own, per_label=rec)
    return record


def finetune(start: StartPoint, data, shots: int, seed: int, out: str | os.PathLike | None, train_args,
             root=None, schema: str | os.PathLike | None = None, task: str | None = None, device=None,
             take_all_short: bool = False, max_length: int | None = None, stride: int | None = None,
             threshold: float | None = None, tune_split: str | None = None, tune_limit: int | None = 300,
             per_label: bool = False):
    """Sample K shots, build every stage's gold-conditioned queries, fine-tune; returns (model, FitResult, info).

    The model stores the threshold it decodes at by default (``metaie.json``): ``threshold`` if given, else the
    one with the best F1 on ``tune_split`` of the data (a seeded ``tune_limit`` of it) if given, else its task
    family's (``tasks.registry.THRESHOLDS``, chosen on the benchmark's dev splits); with ``per_label`` the
    labels then get thresholds of their own on that split too (``choose_label_thresholds``). ``train_args.replay`` (a
    ``FinetuneArgs``) mixes in that many meta-training queries per few-shot query, and grows ``max_steps`` by the
    same factor.
    """
    if threshold is not None and tune_split is not None:
        raise ConfigError("give a threshold or a split to choose one on, not both")
    if per_label and tune_split is None:
        raise ConfigError("thresholds per label are chosen on a split: give one to choose them on "
                          "(--tune-threshold dev)")
    if tune_split == "test":
        raise ConfigError("a threshold chosen on the test split would overstate the model's test score: choose it "
                          "on a dev split (--tune-threshold dev) or give --threshold")
    from collections import Counter

    from .trainer import fit
    s = task_schema(data, schema, task, root)
    shot = few_shot_set(data, s, shots, seed, root, take_all_short)
    adapter = make_adapter(s)
    mentions = sum((adapter.label_counts(ex) for ex in shot), Counter())
    queries = [q for ex in shot for q in training_queries(adapter, ex)]
    ratio, replay_data = getattr(train_args, "replay", 0.0), getattr(train_args, "replay_data", "bundled")
    extra = replay_queries(replay_data, round(ratio * len(queries)), seed, root) if ratio and queries else []
    if extra and train_args.max_steps:
        train_args = replace(train_args, max_steps=round(train_args.max_steps * (1 + len(extra) / len(queries))))
    model = start.load(max_length, stride, device=device, seed=seed)
    model.config.task = s.task
    model.config.threshold = THRESHOLDS[s.task] if threshold is None else threshold
    model.config.label_thresholds = {}  # a start point's were chosen for it, not for the model this makes
    model.config.check()  # a threshold outside [0, 1] is refused here, before any training
    train_args.seed = seed
    info = {"data": str(data), "task": s.task, "schema": s.source, "shots": shots, "seed": seed,
            "start": start.name, "examples": len(shot), "queries": len(queries),
            "positive_queries": sum(1 for q in queries if q.spans),
            "labels_under_k": {lab: mentions[lab] for lab in (shot_labels(s) or sorted(mentions))
                               if mentions[lab] < shots}}
    if extra:
        info["replay"] = {"data": replay_data, "ratio": ratio, "queries": len(extra)}
    if tune_split is not None:
        load_split(data, tune_split, root)  # a missing split fails here, before any training
    info["threshold"] = {"value": model.config.threshold,
                         "from": "argument" if threshold is not None else f"task family {s.task}"}
    result = fit(model, queries + extra, None, train_args, out_dir=out, manifest_extra={"finetune": info})
    if tune_split is not None:
        info["threshold"] = tune_on_split(model, data, s, tune_split, root, tune_limit, per_label)
        if out is not None:  # the saved model's metaie.json and manifest gain the choice
            from ..model.hub import CONFIG_NAME
            write_json(Path(out) / CONFIG_NAME, asdict(model.config))
            manifest = read_json(Path(out) / "manifest.json")
            manifest["finetune"]["threshold"] = info["threshold"]
            write_json(Path(out) / "manifest.json", manifest)
    if out is not None:
        write_json(Path(out) / "finetune.json", {**info, "steps": result.steps, "seconds": round(result.seconds, 2)})
    return model, result, info


def tune_thresholds(model_dir: str | os.PathLike, data, split: str = "dev", out: str | os.PathLike | None = None,
                    root=None, schema: str | os.PathLike | None = None, task: str | None = None,
                    limit: int | None = 300, per_label: bool = False, device=None) -> dict:
    """Choose an existing model's default threshold (and with ``per_label`` each label's) on ``split`` of a
    dataset, and save the model with them: into ``out`` (a copy; replaced whole if it exists), or in place
    where ``out`` is None and the model is a local directory. The choice goes into ``metaie.json`` (what
    every way of extracting decodes at where a call names no threshold) and ``manifest.json``; returned too.
    Labels' own thresholds the model had are cleared first (they were chosen beside its old default)."""
    import shutil
    import tempfile

    from ..jsonl import replace_dir
    from ..model.hub import CONFIG_NAME, resolve_model
    from ..model.tagger import MetaIE
    if split == "test":
        raise ConfigError("thresholds chosen on the test split would overstate the model's test score: choose "
                          "them on a dev split (--split dev)")
    if out is None and not Path(model_dir).is_dir():
        raise ConfigError(f"{model_dir} is not a local model directory: give --out DIR for the tuned copy")
    src = resolve_model(model_dir)
    s = task_schema(data, schema, task, root)
    load_split(data, split, root)  # a missing split fails here, naming it
    model = MetaIE.from_pretrained(src, device=device)
    record = tune_on_split(model, data, s, split, root, limit, per_label, source=f" of {data}")
    target = Path(out) if out is not None else src
    if target.resolve() != src.resolve():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        shutil.copytree(src, tmp, dirs_exist_ok=True)
    else:
        tmp = target
    write_json(tmp / CONFIG_NAME, asdict(model.config))
    mpath = tmp / "manifest.json"
    manifest = read_json(mpath) if mpath.exists() else {}
    manifest["thresholds"] = record
    write_json(mpath, manifest)
    if tmp != target:
        replace_dir(tmp, target)
    return record
