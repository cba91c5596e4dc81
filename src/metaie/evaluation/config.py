"""The benchmark config, typed: every key, its type and its default live here (and only here).

``load_config(path)`` reads the YAML and checks it on load; each error names the file and the key::

    data_root: null                      # or a folder; else the usual data root
    datasets: [conll2003, conll04]       # names under the data root, or folders
    shots: [5]
    seeds: [1, 2, 3]
    start_points:                        # all on the same backbone
      vanilla: {backbone: null}          # null = the embedded MiniLM-L6
      vanilla_packed: {backbone: null, mode: packed}   # a backbone in packed mode (a model keeps its own)
      meta: {model: models/meta}
      human_schema: {model: "models/human-schema-{dataset}",   # {dataset} = the evaluated one (leave-one-out)
                     datasets: [conll2003, conll04]}             # optional: run this start point on these only
      mixed: {folds: {models/fold-a: [conll2003], models/fold-b: [conll04]}}   # leave-out folds
    train: {epochs: 10, batch_size: 8, lr: 5.0e-5}            # FinetuneArgs fields (TrainArgs's defaults; replay)
    test_limit: 300                      # seeded sub-sample of each test set (null = full; tables say so)
    threshold: 0.5                       # or per task family: {default: 0.5, re: 0.7} (families a run's task)
    sweep_thresholds: [0.3, 0.7]         # also score each run at these (choose a threshold on a dev split)
    extend_ratio: null                   # decode every run at this extend ratio (null: each model's metaie.json)
    split: test
    max_length: null                     # windows of backbone start points (null: MetaConfig's)
    stride: null
    zero_shot: {datasets: [crossner_ai, mit_movie], start_points: [meta]}   # no fine-tuning
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError


@dataclass(frozen=True)
class StartPointSpec:
    """Where a benchmark run's fine-tuning starts: one ``model``, a ``backbone`` or leave-out ``folds``."""

    name: str
    model: str | None = None
    backbone: str | None = None
    from_backbone: bool = False          # the config named ``backbone`` (null = the embedded MiniLM-L6)
    datasets: tuple[str, ...] | None = None
    folds: dict[str, tuple[str, ...]] | None = None
    mode: str | None = None              # per_label or packed, for a backbone (a model keeps its own)

    def model_for(self, dataset: str) -> str | None:
        """The model this start point uses for ``dataset``: its fold's, or its one ``model``."""
        for model, ds in (self.folds or {}).items():
            if Path(str(dataset)).name in ds or str(dataset) in ds:
                return model
        return self.model

    def serves(self, dataset: str) -> bool:
        if self.folds and self.model_for(dataset) is None:
            return False  # no fold serves this dataset
        return not self.datasets or str(dataset) in self.datasets

    def source(self, dataset: str) -> dict[str, Any]:
        """What a run records as its start point (compared when a finished run is reused)."""
        if self.folds:
            return {"model": self.model_for(dataset)}
        return {**({"model": self.model} if self.model is not None else {}),
                **({"backbone": self.backbone} if self.from_backbone else {}),
                **({"mode": self.mode} if self.mode is not None else {})}

    def describe(self) -> str:
        if self.folds:  # leave-out start points: which model served which dataset
            served = "; ".join(f"{m} for {', '.join(ds)}" for m, ds in self.folds.items())
            return f"leave-out folds ({served})"
        return f"model {self.model}" if self.model else f"backbone {self.backbone or 'embedded MiniLM-L6'}"


@dataclass(frozen=True)
class ZeroShotSpec:
    datasets: tuple[str, ...] = ()
    start_points: tuple[str, ...] = ()


@dataclass(frozen=True)
class BenchmarkConfig:
    """A benchmark: datasets x start points x K x seeds (and zero-shot runs), with the settings every run shares."""

    start_points: dict[str, StartPointSpec]
    datasets: tuple[str, ...] = ()
    shots: tuple[int, ...] = (5,)
    seeds: tuple[int, ...] = (1, 2, 3)
    train: dict[str, Any] = field(default_factory=dict)   # FinetuneArgs fields the config sets (checked on load)
    test_limit: int | None = None
    threshold: float = 0.5
    task_thresholds: dict[str, float] = field(default_factory=dict)   # per task family, over ``threshold``
    sweep_thresholds: tuple[float, ...] = ()
    extend_ratio: float | None = None     # decoding's extend ratio for every run (None: each model's own)
    split: str = "test"
    max_length: int | None = None
    stride: int | None = None
    data_root: str | None = None
    device: str | None = None
    zero_shot: ZeroShotSpec = ZeroShotSpec()
    directory: str = "."                  # the config file's folder (relative model paths resolve from it)

    def threshold_for(self, task: str | None) -> float:
        """The decoding threshold of a run on a dataset of this task family."""
        return self.task_thresholds.get(task or "", self.threshold)

    def settings(self, task: str | None = None) -> dict[str, Any]:
        """The settings a run's result depends on (recorded in every run file), for a dataset of ``task``."""
        return {"test_limit": self.test_limit, "threshold": self.threshold_for(task), "split": self.split,
                "max_length": self.max_length, "stride": self.stride,
                **({"sweep_thresholds": list(self.sweep_thresholds)} if self.sweep_thresholds else {}),
                **({"extend_ratio": self.extend_ratio} if self.extend_ratio is not None else {})}

    def describe_threshold(self) -> str:
        if not self.task_thresholds:
            return f"threshold {self.threshold}"
        return "threshold " + ", ".join(f"{t} {v}" for t, v in sorted(self.task_thresholds.items())) + \
            f", other tasks {self.threshold}"


_KEYS = ({f.name for f in fields(BenchmarkConfig)} - {"directory", "task_thresholds"})


class _Loader(yaml.SafeLoader):
    """YAML as PyYAML reads it, except that ``5e-5`` (no dot: YAML 1.1 reads it as text) is the number."""


_Loader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*\.?[0-9_]*[eE][-+]?[0-9]+$"),
                              list("-+0123456789"))


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506  (a SafeLoader subclass)


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> BenchmarkConfig:
    """Read and check a benchmark config; every error names the file and the key.

    ``overrides`` are ``KEY=VALUE`` settings over the file's (``--set`` on the command line): a dotted key
    reaches into a mapping (``train.lr=5e-5``, ``threshold.ner=0.7``) and the value is read as YAML, so
    ``seeds=[1,2]`` is a list. They are checked like the file's own keys.
    """
    p = Path(path)
    try:
        raw = _yaml(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ConfigError(f"{p}: cannot read benchmark config ({e})") from None
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: expected a mapping of settings, found a {type(raw).__name__}")
    for item in overrides:
        _override(raw, item)
    unknown = set(raw) - _KEYS
    if unknown:
        raise ConfigError(f"{p}: unknown key(s) {sorted(map(str, unknown))}; known: {sorted(_KEYS)}")
    c = _Checker(p)
    datasets = c.names(raw, "datasets", ())
    sps = raw.get("start_points")
    if not isinstance(sps, dict) or not sps:
        raise ConfigError(f"{p}: 'start_points' must name at least one start point")
    start_points = {str(n): _start_point(c, str(n), sp, datasets) for n, sp in sps.items()}
    zs = raw.get("zero_shot") or {}
    if not isinstance(zs, dict) or set(zs) - {"datasets", "start_points"}:
        raise ConfigError(f"{p}: zero_shot must be a mapping with 'datasets' and 'start_points'")
    zero = ZeroShotSpec(c.names(zs, "datasets", (), "zero_shot."), c.names(zs, "start_points", (), "zero_shot."))
    for s in zero.start_points:
        if s not in start_points:
            raise ConfigError(f"{p}: zero_shot.start_points: {s!r} is not in start_points")
    return BenchmarkConfig(
        start_points=start_points, datasets=datasets,
        shots=c.ints(raw, "shots", (5,), low=0), seeds=c.ints(raw, "seeds", (1, 2, 3), low=None),
        train=_train(c, raw.get("train")), test_limit=c.opt_int(raw, "test_limit"),
        **_thresholds(c, raw), extend_ratio=c.opt_ratio(raw, "extend_ratio"), split=c.text(raw, "split", "test"),
        max_length=c.opt_int(raw, "max_length"), stride=c.opt_int(raw, "stride", low=0),
        data_root=c.opt_text(raw, "data_root"), device=c.opt_text(raw, "device"), zero_shot=zero,
        directory=str(p.parent))


def _override(raw: dict, item: str) -> None:
    """Apply one ``KEY=VALUE`` override to the raw settings (a dotted key reaches into mappings)."""
    key, eq, text = item.partition("=")
    parts = key.strip().split(".")
    if not eq or not all(parts):
        raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. train.lr=5e-5 or threshold.ner=0.7")
    try:
        value = _yaml(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"--set {item!r}: the value is not YAML ({e})") from None
    node = raw
    for i, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            if part == "threshold" and isinstance(child, int | float) and i == 0:
                child = node[part] = {"default": child}  # a single threshold grows per-family ones
            else:
                raise ConfigError(f"--set {item!r}: {'.'.join(parts[:i + 1])} is not a mapping (it is {child!r})")
        node = child
    node[parts[-1]] = value


class _Checker:
    """Typed reads of one YAML mapping's keys, each failure a ConfigError naming file and key."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, want: str, got: Any) -> ConfigError:
        return ConfigError(f"{self.path}: {key} must be {want} (found {got!r})")

    def names(self, d: dict, key: str, default: tuple, where: str = "") -> tuple[str, ...]:
        v = d.get(key)
        if v is None:
            return default
        if not isinstance(v, list) or not all(isinstance(x, str | int) and not isinstance(x, bool) for x in v):
            raise self.fail(where + key, "a list of names", v)
        return tuple(map(str, v))

    def ints(self, d: dict, key: str, default: tuple, low: int | None) -> tuple[int, ...]:
        v = d.get(key)
        if v is None:
            return default
        if (not isinstance(v, list) or not v or not all(type(x) is int for x in v)
                or (low is not None and min(v) < low)):
            raise self.fail(key, "a non-empty list of integers" + (f" >= {low}" if low is not None else ""), v)
        return tuple(v)

    def opt_int(self, d: dict, key: str, low: int = 1) -> int | None:
        v = d.get(key)
        if v is not None and (type(v) is not int or v < low):
            raise self.fail(key, f"an integer >= {low} or null", v)
        return v

    def number(self, d: dict, key: str, default: float, where: str = "") -> float:
        v = d.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v < 1:
            raise self.fail(where + str(key), "a number between 0 and 1", v)
        return float(v)

    def opt_ratio(self, d: dict, key: str) -> float | None:
        v = d.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 1:
            raise self.fail(key, "a number in (0, 1] or null", v)
        return float(v)

    def text(self, d: dict, key: str, default: str) -> str:
        v = d.get(key, default)
        if not isinstance(v, str) or not v:
            raise self.fail(key, "a non-empty string", v)
        return v

    def opt_text(self, d: dict, key: str) -> str | None:
        v = d.get(key)
        if v is not None and not isinstance(v, str):
            raise self.fail(key, "a string or null", v)
        return v


def _thresholds(c: _Checker, raw: dict) -> dict[str, Any]:
    """``threshold`` (a number, or task family -> number with an optional ``default``) and ``sweep_thresholds``."""
    from ..tasks.registry import MAIN
    t = raw.get("threshold")
    per: dict[str, float] = {}
    if isinstance(t, dict):
        bad = set(map(str, t)) - set(MAIN) - {"default"}
        if bad:
            raise ConfigError(f"{c.path}: threshold: unknown task famil(ies) {sorted(bad)}; "
                              f"known: default, {', '.join(sorted(MAIN))}")
        per = {str(k): c.number(t, k, 0.5, where="threshold.") for k in t if k != "default"}
        default = c.number(t, "default", 0.5, where="threshold.")
    else:
        default = c.number(raw, "threshold", 0.5)
    sweep = raw.get("sweep_thresholds")
    if sweep is not None and (not isinstance(sweep, list) or not sweep or not all(
            isinstance(x, int | float) and not isinstance(x, bool) and 0 < x < 1 for x in sweep)):
        raise c.fail("sweep_thresholds", "a non-empty list of numbers between 0 and 1", sweep)
    return {"threshold": default, "task_thresholds": per,
            "sweep_thresholds": tuple(sorted({float(x) for x in sweep or ()}))}


def _start_point(c: _Checker, name: str, sp: Any, datasets: tuple[str, ...]) -> StartPointSpec:
    where = f"start_points.{name}"
    if not isinstance(sp, dict) or not ({"model", "backbone", "folds"} & set(sp)):
        raise ConfigError(f"{c.path}: {where} needs 'model: DIR', 'backbone: NAME|null' or "
                          "'folds: {DIR: [datasets]}'")
    extra = set(sp) - {"model", "backbone", "datasets", "folds", "mode"}
    if extra:
        raise ConfigError(f"{c.path}: {where}: unknown key(s) {sorted(map(str, extra))}; "
                          "known: model, backbone, datasets, folds, mode")
    if sp.get("mode") not in (None, "per_label", "packed"):
        raise c.fail(f"{where}.mode", "per_label or packed", sp.get("mode"))
    only = c.names(sp, "datasets", (), where + ".") or None
    missing = set(only or ()) - set(datasets)
    if missing:
        raise ConfigError(f"{c.path}: {where}.datasets {sorted(missing)} are not in 'datasets'")
    folds = _folds(c, where, sp) if "folds" in sp else None
    return StartPointSpec(name, model=c.opt_text(sp, "model"), backbone=c.opt_text(sp, "backbone"),
                          from_backbone="backbone" in sp, datasets=only, folds=folds, mode=sp.get("mode"))


def _folds(c: _Checker, where: str, sp: dict) -> dict[str, tuple[str, ...]]:
    """``folds`` maps each leave-out model to the datasets it serves (it never saw their training data)."""
    folds = sp["folds"]
    where = f"{c.path}: {where}.folds"
    if not isinstance(folds, dict) or not folds or not all(isinstance(v, list) for v in folds.values()):
        raise ConfigError(f"{where} must map model directories to lists of datasets")
    if "model" in sp or "backbone" in sp:
        raise ConfigError(f"{where}: give 'folds' or 'model'/'backbone', not both")
    seen: dict[str, str] = {}
    for model, ds in folds.items():
        for d in map(str, ds):
            if d in seen:
                raise ConfigError(f"{where}: dataset {d!r} is served by both {seen[d]!r} and {model!r}")
            seen[d] = str(model)
    return {str(m): tuple(map(str, ds)) for m, ds in folds.items()}


def _train(c: _Checker, train: Any) -> dict[str, Any]:
    """The fine-tuning settings: TrainArgs fields, checked by building a TrainArgs from them."""
    if train is None:
        return {}
    if not isinstance(train, dict):
        raise c.fail("train", "a mapping of FinetuneArgs fields", train)
    from ..training.args import FinetuneArgs
    known = {f.name for f in fields(FinetuneArgs)}
    bad = set(train) - known
    if bad:
        raise ConfigError(f"{c.path}: train: unknown FinetuneArgs field(s) {sorted(map(str, bad))}")
    try:
        FinetuneArgs(**train).validate()
    except (TypeError, ValueError, ConfigError) as e:
        raise ConfigError(f"{c.path}: train: {e}") from None
    return dict(train)
