"""The few-shot benchmark: datasets x start points x K x seeds, each run cached, then tables and plots.

Config (YAML)::

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
    train: {epochs: 10, batch_size: 8, lr: 5.0e-5}            # metaie.training.TrainArgs fields
    test_limit: 300                      # seeded sub-sample of each test set (null = full; tables say so)
    threshold: 0.5
    zero_shot: {datasets: [crossner_ai, mit_movie], start_points: [meta]}   # no fine-tuning

Each finished run is ``<out>/runs/<dataset>__<start>__k<K>__s<seed>.json``; a re-run skips it.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, MetaIEError
from ..jsonl import read_json, write_json
from ..training.finetune import StartPoint, finetune
from .evaluate import evaluate
from .report import write_reports

KEYS = {"data_root", "datasets", "shots", "seeds", "start_points", "train", "test_limit", "threshold", "zero_shot",
        "split", "device", "max_length", "stride"}


def load_config(path: str | Path) -> dict[str, Any]:
    """Read and check a benchmark config."""
    p = Path(path)
    try:
        cfg = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"{p}: cannot read benchmark config ({e})") from None
    unknown = set(cfg) - KEYS
    if unknown:
        raise ConfigError(f"{p}: unknown key(s) {sorted(unknown)}; known: {sorted(KEYS)}")
    if not cfg.get("start_points"):
        raise ConfigError(f"{p}: 'start_points' must name at least one start point")
    from ..training import TrainArgs
    bad = set(cfg.get("train") or {}) - {f.name for f in fields(TrainArgs)}
    if bad:
        raise ConfigError(f"{p}: train: unknown TrainArgs field(s) {sorted(bad)}")
    for name, sp in cfg["start_points"].items():
        if not isinstance(sp, dict) or not ({"model", "backbone", "folds"} & set(sp)):
            raise ConfigError(f"{p}: start_points.{name} needs 'model: DIR', 'backbone: NAME|null' or "
                              "'folds: {DIR: [datasets]}'")
        extra = set(sp) - {"model", "backbone", "datasets", "folds", "mode"}
        if extra:
            raise ConfigError(f"{p}: start_points.{name}: unknown key(s) {sorted(extra)}; "
                              "known: model, backbone, datasets, folds, mode")
        if "folds" in sp:
            _check_folds(p, name, sp)
        missing = set(map(str, sp.get("datasets") or [])) - set(map(str, cfg.get("datasets") or []))
        if missing:
            raise ConfigError(f"{p}: start_points.{name}.datasets {sorted(missing)} are not in 'datasets'")
    cfg.setdefault("datasets", [])
    cfg.setdefault("shots", [5])
    cfg.setdefault("seeds", [1, 2, 3])
    cfg["_dir"] = str(p.parent)
    return cfg


def _check_folds(p: Path, name: str, sp: dict) -> None:
    """``folds`` maps each leave-out model to the datasets it serves (it never saw their training data)."""
    folds = sp["folds"]
    where = f"{p}: start_points.{name}.folds"
    if not isinstance(folds, dict) or not folds or not all(isinstance(v, list) for v in folds.values()):
        raise ConfigError(f"{where} must map model directories to lists of datasets")
    seen: dict[str, str] = {}
    for model, ds in folds.items():
        for d in map(str, ds):
            if d in seen:
                raise ConfigError(f"{where}: dataset {d!r} is served by both {seen[d]!r} and {model!r}")
            seen[d] = model
    if "model" in sp or "backbone" in sp:
        raise ConfigError(f"{where}: give 'folds' or 'model'/'backbone', not both")


def fold_model(sp: dict, dataset: str) -> str | None:
    """The model a start point uses for a dataset: its fold's (``folds``) or its one ``model``."""
    for model, ds in (sp.get("folds") or {}).items():
        if Path(str(dataset)).name in map(str, ds) or str(dataset) in map(str, ds):
            return model
    return sp.get("model")


def _start(cfg: dict, name: str, dataset: str) -> StartPoint:
    sp = cfg["start_points"][name]
    model = fold_model(sp, dataset)
    if model:
        model = model.format(dataset=Path(str(dataset)).name)
        if not Path(model).is_absolute() and not Path(model).exists():
            model = str(Path(cfg["_dir"]) / model) if (Path(cfg["_dir"]) / model).exists() else model
        if not Path(model).exists():
            raise ConfigError(f"start point {name!r}: model directory {model!r} does not exist "
                              "(train it first, or remove the start point from the config)")
    return StartPoint(name, model=model, backbone=sp.get("backbone"), mode=sp.get("mode", "per_label"))


def plan(cfg: dict) -> list[dict]:
    """Every run of a config, few-shot first then zero-shot."""
    def on(s: str, d) -> bool:
        sp = cfg["start_points"][s]
        if sp.get("folds") and fold_model(sp, d) is None:
            return False  # no fold serves this dataset
        only = sp.get("datasets")
        return not only or str(d) in map(str, only)

    runs = [{"dataset": str(d), "start": s, "k": k, "seed": seed}
            for d in cfg["datasets"] for s in cfg["start_points"] if on(s, d)
            for k in cfg["shots"] for seed in cfg["seeds"]]
    zs = cfg.get("zero_shot") or {}
    for d in zs.get("datasets", []):
        for s in zs.get("start_points", []):
            if s not in cfg["start_points"]:
                raise ConfigError(f"zero_shot.start_points: {s!r} is not in start_points")
            runs.append({"dataset": str(d), "start": s, "k": 0, "seed": 0})
    return runs


def run_key(r: dict) -> str:
    return f"{Path(r['dataset']).name}__{r['start']}__k{r['k']}__s{r['seed']}"


SETTINGS = ("test_limit", "threshold", "split", "max_length", "stride")
# train fields that only pace a run
_NOT_RESULT = {"threads", "progress", "resume", "eval_batch_size", "checkpoint_every"}


def run_settings(cfg: dict, r: dict) -> dict:
    """What a run's result depends on besides its key: the config's settings and the start point's source."""
    sp = cfg["start_points"][r["start"]]
    train = {k: v for k, v in (cfg.get("train") or {}).items() if k not in _NOT_RESULT} if r["k"] > 0 else None
    return {"train": train, **{k: cfg.get(k) for k in SETTINGS},
            "start_point": ({"model": fold_model(sp, r["dataset"])} if "folds" in sp else
                            {k: sp.get(k) for k in ("model", "backbone", "mode") if k in sp})}


def _stale(cached: dict, want: dict) -> list[str]:
    """The settings where a cached run differs from the config (runs written before settings were kept: none)."""
    have = cached.get("settings")
    if have is None:
        return []
    return [f"{k}: run {have.get(k)!r}, config {want.get(k)!r}" for k in want if have.get(k) != want.get(k)]


def run_one(cfg: dict, r: dict) -> dict:
    """Fine-tune (unless K=0) and evaluate one run; returns its result row."""
    from ..training import TrainArgs
    sp = _start(cfg, r["start"], r["dataset"])
    root = cfg.get("data_root")
    fit_info: dict = {}
    if r["k"] > 0:
        args = TrainArgs(**{"progress": False, **(cfg.get("train") or {})})
        model, res, info = finetune(sp, r["dataset"], r["k"], r["seed"], None, args, root=root,
                                    device=cfg.get("device"), take_all_short=True)
        fit_info = {**info, "train_seconds": round(res.seconds, 2), "steps": res.steps}
    else:
        model = sp.load(device=cfg.get("device"))
    ev = evaluate(model, r["dataset"], cfg.get("split", "test"), root=root, threshold=cfg.get("threshold", 0.5),
                  limit=cfg.get("test_limit"))
    m = ev["metrics"][ev["main"]]
    return {**r, "task": ev["task"], "metric": ev["main"], "f1": m["f1"], "precision": m["precision"],
            "recall": m["recall"], "test_examples": ev["examples"], "test_in_split": ev["examples_in_split"],
            "subsampled": ev["subsampled"], "eval_seconds": ev["seconds"], "fit": fit_info, "metrics": ev["metrics"],
            "settings": run_settings(cfg, r)}


def _claim(lock: Path) -> bool:
    """Take a run for this process (a lock file holding its pid); a lock left by a dead process is taken over."""
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(lock.read_text() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _alive(pid):
                return False
            lock.unlink(missing_ok=True)  # stale: its process is gone
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return True
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_benchmark(config: str | Path, out: str | Path, log: Callable[[str], None] = print) -> list[dict]:
    """Run (or resume) every run of a config; write CSVs, a Markdown table and plots under ``out``.

    Several processes started on the same config and ``out`` share the work: each run is claimed with a
    lock file, a process skips runs another live process holds, and the reports cover every finished run.
    """
    cfg = load_config(config)
    out = Path(out)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    runs = plan(cfg)
    done = {run_key(r): read_json(p) for r in runs if (p := out / "runs" / f"{run_key(r)}.json").exists()}
    stale = [f"{out / 'runs' / key}.json: " + "; ".join(diff) for r in runs if (key := run_key(r)) in done
             and (diff := _stale(done[key], run_settings(cfg, r)))]
    if stale:  # a finished run made with other settings is not this config's result: say so before any work
        raise ConfigError(f"{len(stale)} finished run(s) under {out} were made with other settings than {config}; "
                          "use another --out, or delete these run files to redo them:\n  " + "\n  ".join(stale))
    busy, failed = [], []
    from ..progress import progress_bar
    with progress_bar("{task.description}", transient=True) as prog:
        bar = prog.add_task("benchmark", total=len(runs))
        for r in runs:
            key = run_key(r)
            path = out / "runs" / f"{key}.json"
            lock = path.with_suffix(".lock")
            if key in done:
                log(f"cached  {key}  F1={done[key]['f1']:.4f}")
            elif not _claim(lock):
                busy.append(key)
                log(f"busy    {key}  (another process is running it)")
            else:
                try:
                    prog.update(bar, description=key)
                    _run_claimed(cfg, r, path, done, log)
                except MetaIEError as e:  # one run's bad input (config or data) does not stop the others
                    failed.append(f"{key}: {e}")
                    log(f"failed  {key}  {e}")
                finally:
                    lock.unlink(missing_ok=True)
            prog.advance(bar)
    for key in busy:  # finished meanwhile by the process that held it?
        if (p := out / "runs" / f"{key}.json").exists():
            done[key] = read_json(p)
    still = [key for key in busy if key not in done]
    if still:
        log(f"{len(still)} run(s) still running in another process ({', '.join(still)}); "
            "that process's reports will cover them")
    rows = [done[run_key(r)] for r in runs if run_key(r) in done]
    if rows:
        every = finished_runs(out)
        write_reports(every, out, cfg, config=str(config), planned=_planned(cfg, every))
    if failed:
        raise ConfigError(f"{len(failed)} run(s) failed (the others are done and reported):\n  " + "\n  ".join(failed))
    return rows


def _run_claimed(cfg: dict, r: dict, path: Path, done: dict, log: Callable[[str], None]) -> None:
    """Run a claimed run, unless another process finished it after this one listed the finished runs."""
    key = run_key(r)
    if path.exists():  # finished and released by another process since this one started
        row = read_json(path)
        diff = _stale(row, run_settings(cfg, r))
        if diff:
            raise ConfigError(f"{path} was just written by another process with other settings: " + "; ".join(diff))
        done[key] = row
        log(f"cached  {key}  F1={row['f1']:.4f}  (finished by another process)")
        return
    row = run_one(cfg, r)
    write_json(path, row)
    done[key] = row
    log(f"done    {key}  F1={row['f1']:.4f}  ({row['eval_seconds']}s eval)")


def finished_runs(out: str | Path) -> list[dict]:
    """Every finished run under ``out/runs``, whatever config planned it."""
    return [read_json(p) for p in sorted((Path(out) / "runs").glob("*.json"))]


def report_only(out: str | Path, cfg_path: str | Path | None = None) -> list[dict]:
    """Write the reports from every finished run under ``out/runs`` (e.g. several configs' runs together)."""
    rows = finished_runs(out)
    if not rows:
        raise ConfigError(f"{Path(out) / 'runs'}: no finished runs to report")
    cfg = load_config(cfg_path) if cfg_path else None
    write_reports(rows, Path(out), cfg, config=str(cfg_path) if cfg_path else None,
                  planned=_planned(cfg, rows) if cfg else None)
    return rows


def _planned(cfg: dict, rows: list[dict]) -> int:
    """How many of the finished runs ``rows`` the config plans."""
    return len({run_key(r) for r in plan(cfg)} & {run_key(r) for r in rows})


