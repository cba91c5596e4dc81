"""The few-shot benchmark: datasets x start points x K x seeds, each run cached, then tables and plots.

The config (YAML) is typed and checked on load: see ``metaie.evaluation.config``. Each finished run is
``<out>/runs/<dataset>__<start>__k<K>__s<seed>.json``; a re-run skips it.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import ConfigError, MetaIEError
from ..jsonl import read_json, write_json
from ..model.cached import CachedModel
from ..sources.human import RELATED
from ..training.finetune import StartPoint, finetune
from .config import BenchmarkConfig, load_config
from .evaluate import evaluate
from .report import write_reports

__all__ = ["BenchmarkConfig", "check_leave_out", "finished_runs", "load_config", "plan", "report_only",
           "run_benchmark", "run_key", "run_one", "run_settings", "seen_datasets"]


def _start(cfg: BenchmarkConfig, name: str, dataset: str) -> StartPoint:
    sp = cfg.start_points[name]
    model = sp.model_for(dataset)
    if model:
        model = model.format(dataset=Path(str(dataset)).name)
        here = Path(cfg.directory) / model
        if not Path(model).is_absolute() and not Path(model).exists() and here.exists():
            model = str(here)
        if not Path(model).exists():
            raise ConfigError(f"start point {name!r}: model directory {model!r} does not exist "
                              "(train it first, or remove the start point from the config)")
    return StartPoint(name, model=model, backbone=sp.backbone, mode=sp.mode or "per_label")


def seen_datasets(model: str | Path, _depth: int = 0) -> set[str]:
    """The public datasets whose training annotations a meta-model saw, as its ``manifest.json`` records them
    (every ``human`` source's datasets, and those of the model it was initialised from, when that is a folder)."""
    p = Path(model) / "manifest.json"
    if not p.is_file() or _depth > 8:
        return set()
    try:
        m = read_json(p)
    except MetaIEError:
        return set()
    data = m.get("data") if isinstance(m.get("data"), dict) else {}
    seen = {str(d) for detail in (data.get("details") or {}).values() if isinstance(detail, dict)
            for d in (detail.get("human_datasets") or {})}
    init = m.get("init")
    if isinstance(init, str) and Path(init).is_dir() and Path(init).resolve() != Path(model).resolve():
        seen |= seen_datasets(init, _depth + 1)
    return seen


def check_leave_out(cfg: BenchmarkConfig, where: str | Path = "config") -> None:
    """Refuse a ``folds:`` start point whose model saw the training data of a dataset it serves, or of a dataset
    on the same texts (laptop14 / aste_14lap, rest14 / aste_14res): its scores would not be leave-out figures."""
    bad = []
    for name, sp in cfg.start_points.items():
        for served in (sp.folds or {}).values():
            try:
                path = _start(cfg, name, served[0]).model
            except ConfigError:  # not trained yet: its runs fail on their own, with that message
                continue
            seen = seen_datasets(path) if path else set()
            for ds in (Path(str(d)).name for d in served):
                if leaked := seen & ({ds} | RELATED.get(ds, set())):
                    bad.append(f"{path} serves {ds} but saw {', '.join(sorted(leaked))}'s training data")
    if bad:
        raise ConfigError(f"{where}: leave-out start point(s) are not leave-out (per their manifest.json): "
                          + "; ".join(bad) + "; train the fold without them (human-except:...) or move the dataset "
                          "to another fold")


def plan(cfg: BenchmarkConfig) -> list[dict]:
    """Every run of a config, few-shot first then zero-shot."""
    runs = [{"dataset": d, "start": s, "k": k, "seed": seed}
            for d in cfg.datasets for s, sp in cfg.start_points.items() if sp.serves(d)
            for k in cfg.shots for seed in cfg.seeds]
    runs += [{"dataset": d, "start": s, "k": 0, "seed": 0}
             for d in cfg.zero_shot.datasets for s in cfg.zero_shot.start_points]
    return runs


def run_key(r: dict) -> str:
    return f"{Path(r['dataset']).name}__{r['start']}__k{r['k']}__s{r['seed']}"


# train fields that only pace a run
_NOT_RESULT = {"threads", "progress", "resume", "eval_batch_size", "checkpoint_every"}
# what a run file written before a setting had a typed default holds for it
_DEFAULTS = {"threshold": 0.5, "split": "test"}


def _task(cfg: BenchmarkConfig, dataset: str) -> str | None:
    """A dataset's task family, where the config sets per-family thresholds (None where it cannot be read:
    the run itself then fails with the reason)."""
    if not cfg.task_thresholds:
        return None
    from ..datasets.schemas import task_schema
    try:
        return task_schema(dataset, None, None, cfg.data_root).task
    except MetaIEError:
        return None


def run_settings(cfg: BenchmarkConfig, r: dict) -> dict:
    """What a run's result depends on besides its key: the config's settings and the start point's source."""
    train = {k: v for k, v in cfg.train.items() if k not in _NOT_RESULT} if r["k"] > 0 else None
    return {"train": train, **cfg.settings(_task(cfg, r["dataset"])),
            "start_point": cfg.start_points[r["start"]].source(r["dataset"])}


def _stale(cached: dict, want: dict) -> list[str]:
    """The settings where a cached run differs from the config (runs written before settings were kept: none;
    a setting a run file left null held its default then)."""
    have = cached.get("settings")
    if have is None:
        return []
    have = {**have, **{k: v for k, v in _DEFAULTS.items() if have.get(k) is None}}
    return [f"{k}: run {have.get(k)!r}, config {want.get(k)!r}" for k in want if have.get(k) != want.get(k)]


def run_one(cfg: BenchmarkConfig, r: dict) -> dict:
    """Fine-tune (unless K=0) and evaluate one run; returns its result row."""
    from ..training import TrainArgs
    from ..training.args import FinetuneArgs
    sp = _start(cfg, r["start"], r["dataset"])
    windows: dict[str, Any] = {"max_length": cfg.max_length, "stride": cfg.stride}
    fit_info: dict = {}
    if r["k"] > 0:
        # FinetuneArgs for its replay fields, on TrainArgs's defaults (what configs have always been read with)
        args = FinetuneArgs(**{**asdict(TrainArgs()), "progress": False, **cfg.train})
        model, res, info = finetune(sp, r["dataset"], r["k"], r["seed"], None, args, root=cfg.data_root,
                                    device=cfg.device, take_all_short=True, **windows)
        fit_info = {**info, "train_seconds": round(res.seconds, 2), "steps": res.steps}
    else:
        model = sp.load(device=cfg.device, **windows)
    if cfg.extend_ratio is not None:  # the config's decoding over the model's own (fine-tuning is unchanged)
        model.config.extend_ratio = cfg.extend_ratio
    threshold = cfg.threshold_for(_task(cfg, r["dataset"]))
    # a sweep decodes the same (label, text) pairs at every threshold: the network runs once for all of them
    scorer = CachedModel(model) if cfg.sweep_thresholds else model
    ev = evaluate(scorer, r["dataset"], cfg.split, root=cfg.data_root, threshold=threshold, limit=cfg.test_limit)
    m = ev["metrics"][ev["main"]]
    sweep = {}
    for t in sorted({*cfg.sweep_thresholds, threshold}) if cfg.sweep_thresholds else ():
        mt = m if t == threshold else evaluate(scorer, r["dataset"], cfg.split, root=cfg.data_root, threshold=t,
                                               limit=cfg.test_limit)["metrics"][ev["main"]]
        sweep[f"{t:g}"] = {"f1": mt["f1"], "precision": mt["precision"], "recall": mt["recall"]}
    return {**r, **({"by_threshold": sweep} if sweep else {}), "task": ev["task"], "metric": ev["main"],
            "f1": m["f1"], "precision": m["precision"],
            "recall": m["recall"], "test_examples": ev["examples"], "test_in_split": ev["examples_in_split"],
            "subsampled": ev["subsampled"], "eval_seconds": ev["seconds"], "fit": fit_info, "metrics": ev["metrics"],
            "extend_ratio": model.config.extend_ratio, "settings": run_settings(cfg, r)}


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


def run_benchmark(config: str | Path, out: str | Path, log: Callable[[str], None] = print,
                  overrides: Sequence[str] = ()) -> list[dict]:
    """Run (or resume) every run of a config; write CSVs, a Markdown table and plots under ``out``.

    Several processes started on the same config and ``out`` share the work: each run is claimed with a
    lock file, a process skips runs another live process holds, and the reports cover every finished run.
    ``overrides`` are ``KEY=VALUE`` settings over the config file's (see ``load_config``).
    """
    cfg = load_config(config, overrides)
    config = _named(config, overrides)
    out = Path(out)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    runs = plan(cfg)
    check_leave_out(cfg, config)
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
        write_reports(every, out, cfg, config=str(config), planned=_planned(cfg, every),
                      differing=_differing(cfg, every))
    if failed:
        raise ConfigError(f"{len(failed)} run(s) failed (the others are done and reported):\n  " + "\n  ".join(failed))
    return rows


def _run_claimed(cfg: BenchmarkConfig, r: dict, path: Path, done: dict, log: Callable[[str], None]) -> None:
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


def _named(config: str | Path, overrides: Sequence[str]) -> str:
    """How reports name a config read with overrides: the command-line way to get it again."""
    return " ".join([str(config), *(f"--set {o}" for o in overrides)])


def finished_runs(out: str | Path) -> list[dict]:
    """Every finished run under ``out/runs``, whatever config planned it."""
    return [read_json(p) for p in sorted((Path(out) / "runs").glob("*.json"))]


def report_only(out: str | Path, cfg_path: str | Path | None = None, overrides: Sequence[str] = ()) -> list[dict]:
    """Write the reports from every finished run under ``out/runs`` (e.g. several configs' runs together)."""
    rows = finished_runs(out)
    if not rows:
        raise ConfigError(f"{Path(out) / 'runs'}: no finished runs to report")
    if overrides and not cfg_path:
        raise ConfigError("--set needs --config: it changes that config's settings")
    cfg = load_config(cfg_path, overrides) if cfg_path else None
    cfg_path = _named(cfg_path, overrides) if cfg_path else None
    write_reports(rows, Path(out), cfg, config=str(cfg_path) if cfg_path else None,
                  planned=_planned(cfg, rows) if cfg else None, differing=_differing(cfg, rows) if cfg else None)
    return rows


def _differing(cfg: BenchmarkConfig, rows: list[dict]) -> list[str]:
    """The finished runs whose settings are not the ones ``cfg`` gives a run of their dataset and start point
    (start points it does not have included). Folds and per-family thresholds legitimately vary between runs."""
    bad = []
    for r in rows:
        try:
            differs = r["start"] not in cfg.start_points or bool(_stale(r, run_settings(cfg, r)))
        except MetaIEError:  # a dataset the config cannot resolve
            differs = True
        if differs:
            bad.append(run_key(r))
    return bad


def _planned(cfg: BenchmarkConfig, rows: list[dict]) -> int:
    """How many of the finished runs ``rows`` the config plans."""
    return len({run_key(r) for r in plan(cfg)} & {run_key(r) for r in rows})


