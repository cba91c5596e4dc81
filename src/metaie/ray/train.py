"""Meta-training on several workers with Ray Train (``metaie train --workers N``): ``TorchTrainer``, DDP over gloo
on CPU or NCCL on GPU, checkpoints through Ray Train.

The same :class:`~metaie.training.args.TrainArgs` and the same run as ``metaie train``: the driver prepares the
queries and the start model exactly as :func:`metaie.training.meta.meta_train` does; every worker encodes the
same windows and walks the same batches in the same order (``epoch_batches`` of the full set, fixed by seed and
epoch); worker ``r`` of ``N`` takes windows ``r, r+N, ...`` of each batch, and its loss is its tokens' summed
cross-entropy over the batch's token count, times ``N`` (DDP averages gradients), so a step's gradient is the
single-process one: the effective batch is ``--batch-size`` (times ``--grad-accum``), not ``N`` times it.
What differs is float summation order and, on a backbone with dropout, the masks drawn (each worker draws its
own); see the README for the measured gap.

Held-out F1 is scored by every worker on its share of the held-out queries, the counts summed. Checkpoints
(``last.pt``: weights, optimiser, schedule, counters, run identity; ``best.pt``) are reported to Ray Train every
``checkpoint_every`` steps and at each epoch's end, under ``<out>.ray/``. A worker lost mid-run is restarted by
Ray Train from the latest checkpoint (``max_failures``); a stopped run resumes when the same command runs again,
and refuses other settings. The driver writes the final model to ``<out>`` with its manifest.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..training.args import MetaData, TrainArgs
from ..training.meta import prepare_meta, record_cost
from ..training.resume import differences, run_identity
from ..training.trainer import FitResult
from .cluster import connect, require_ray

IDENTITY = "identity.json"


def storage_of(out: str | os.PathLike) -> Path:
    """Where Ray Train keeps the run's checkpoints: ``<out>.ray``."""
    return Path(str(out) + ".ray")


def meta_train_ray(data: Sequence[Any], out: str | os.PathLike, args: TrainArgs, workers: int = 2,
                   use_gpu: bool = False, address: str | None = None, max_failures: int = 2,
                   threads_per_worker: int | None = None, dev_fraction: float = MetaData.dev_fraction,
                   neg_ratio: float = MetaData.neg_ratio, max_dev_queries: int = MetaData.max_dev_queries,
                   **prepare: Any) -> FitResult:
    """``meta_train`` on ``workers`` Ray Train workers (see the module docstring); returns the same FitResult.

    ``prepare`` takes :func:`metaie.training.meta.prepare_meta`'s other keywords (backbone, init, max_records,
    max_length, stride, data_root, sentences, queries).
    """
    require_ray()
    if workers < 1:
        raise ConfigError(f"--workers must be >= 1, not {workers}")
    args.validate()
    t0 = time.time()
    model, train_q, dev_q, extra = prepare_meta(data, args, dev_fraction=dev_fraction, neg_ratio=neg_ratio,
                                                max_dev_queries=max_dev_queries, device="cpu", **prepare)
    if not train_q:
        raise ConfigError("no training queries: the training data is empty")
    identity = run_identity(args, model, train_q, dev_q or None)
    identity["workers"] = workers  # another worker count draws other dropout masks: another run
    storage = storage_of(out)
    _check_or_start(storage, identity, args.resume)

    ray = connect(address)
    from ray.train import CheckpointConfig, FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchConfig, TorchTrainer
    threads = threads_per_worker or args.threads or 1
    trainer = TorchTrainer(
        _worker_loop,
        train_loop_config={"model": ray.put(model), "train": ray.put(train_q), "dev": ray.put(dev_q),
                           "args": args, "identity": identity, "threads": threads},
        scaling_config=ScalingConfig(num_workers=workers, use_gpu=use_gpu, resources_per_worker={"CPU": threads}),
        torch_config=TorchConfig(backend="nccl" if use_gpu else "gloo"),
        run_config=RunConfig(name="train", storage_path=str(storage.resolve()),
                             checkpoint_config=CheckpointConfig(num_to_keep=2),
                             failure_config=FailureConfig(max_failures=max_failures)))
    result = trainer.fit()
    if result.checkpoint is None:
        raise ConfigError(f"the Ray Train run in {storage} ended without a checkpoint ({result.error})")
    with result.checkpoint.as_directory() as d:
        final = json.loads((Path(d) / "result.json").read_text(encoding="utf-8"))
        import torch
        model.model.load_state_dict(torch.load(Path(d) / "final.pt", map_location="cpu", weights_only=True))
    fit_result = FitResult(best_f1=final["best_f1"], history=final["history"], steps=final["steps"],
                           seconds=round(time.time() - t0, 2), train_windows=final["train_windows"],
                           examples_per_second=final["examples_per_second"],
                           resumed_from_step=final["resumed_from_step"])
    manifest = {"settings": args.to_dict(), "best_f1": fit_result.best_f1, "best_epoch": final["best_epoch"],
                "history": fit_result.history, "steps": fit_result.steps, "seconds": fit_result.seconds,
                "train_windows": fit_result.train_windows, "train_queries": len(train_q),
                "dev_queries": len(dev_q), "examples_per_second": fit_result.examples_per_second,
                "resumed_from_step": fit_result.resumed_from_step, "device": "cuda" if use_gpu else "cpu",
                "engine": {"name": "ray", "workers": workers, "threads_per_worker": threads,
                           "backend": "nccl" if use_gpu else "gloo", "restarts": final["restarts"]},
                **extra}
    model.save_pretrained(out, extra={"manifest.json": manifest})
    record_cost(Path(out), time.time() - t0)
    shutil.rmtree(storage, ignore_errors=True)
    return fit_result


def _check_or_start(storage: Path, identity: dict, resume: bool) -> None:
    """Refuse to resume another run's checkpoints; start afresh with ``resume=False`` or no earlier run."""
    path = storage / IDENTITY
    if storage.exists() and not resume:
        shutil.rmtree(storage)
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        diff = differences(old, identity)
        if old.get("workers") != identity["workers"]:
            diff.append(f"--workers {old.get('workers')} (now {identity['workers']})")
        if diff:
            raise ConfigError(f"cannot resume the interrupted run in {storage}: it was started with "
                              f"{'; '.join(diff)}. Run it with the same settings to resume, or pass --no-resume "
                              "to start afresh")
        return
    storage.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(identity, indent=2), encoding="utf-8")


def _worker_loop(config: dict) -> None:
    """One Ray Train worker: the fit loop of ``metaie.training.trainer`` with the batch split across workers."""
    import ray
    import torch

    from ..threads import set_threads
    from ..training.trainer import seed_everything
    set_threads(config["threads"])
    args: TrainArgs = config["args"]
    seed_everything(args.seed)
    model = ray.get(config["model"])
    run = _DDPRun(model, ray.get(config["train"]), ray.get(config["dev"]) or None, args, config["identity"])
    resumed = run.resume()
    t_train = time.time()
    while run.state["epoch"] < run.epochs and run.state["step"] < run.total_steps:
        run.epoch(_quiet)
        entry = run.end_epoch(run.score)
        if run.rank == 0:
            print(f"epoch {entry['epoch']}: step {entry['step']}, loss {entry['loss']:.4f}"
                  + (f", held-out F1 {entry['dev']['f1']:.4f}" if entry.get("dev") else ""), flush=True)
    train_seconds = time.time() - t_train
    seen = torch.tensor([float(run.seen)])
    torch.distributed.all_reduce(seen)
    run.restore_best()
    s = run.state
    final = {"best_f1": s["best_f1"], "best_epoch": s["best_epoch"], "history": s["history"], "steps": s["step"],
             "train_windows": len(run.windows), "resumed_from_step": resumed, "restarts": s.get("restarts", 0),
             "examples_per_second": round(float(seen) / train_seconds, 2) if train_seconds > 0 else 0.0}
    run.report({"final": True}, files={"final.pt": {k: v.detach().cpu() for k, v in run.net.state_dict().items()},
                                       "result.json": final})


def _quiet(event: dict) -> None:
    """Workers show no progress bar (rank 0 prints a line per epoch)."""


def _make_ddp_run():
    """The DDP subclass of the trainer's run, built on first use (the trainer imports torch)."""
    import ray.train
    import ray.train.torch
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F

    from ..model.encoding import IGNORE
    from ..model.tagger import collate
    from ..training.trainer import _Run, span_f1, step_seed

    class DDPRun(_Run):
        def __init__(self, model, train, dev, args: TrainArgs, identity: dict):
            device = ray.train.torch.get_device()
            model.runner.device = device
            model.model.to(device)
            super().__init__(model, train, dev, args, None)
            self.identity = identity
            self.rank, self.world = dist.get_rank(), dist.get_world_size()
            ids = [device.index] if device.type == "cuda" else None
            self.ddp = torch.nn.parallel.DistributedDataParallel(self.net, device_ids=ids)
            self.tokens = [sum(1 for t in (w.labels or []) if t != IGNORE) for w in self.windows]

        def resume(self) -> int:
            ck = ray.train.get_checkpoint()
            if ck is None:
                return 0
            with ck.as_directory() as d:
                last = torch.load(Path(d) / "last.pt", map_location="cpu", weights_only=True)
                if (Path(d) / "best.pt").exists():
                    self.best_in_memory = torch.load(Path(d) / "best.pt", map_location="cpu", weights_only=True)
            diff = differences(last["identity"], self.identity)
            if diff:  # the driver checks first; this guards a storage folder edited by hand
                raise ConfigError(f"the checkpoint was written by another run ({'; '.join(diff)})")
            self.net.load_state_dict(last["model"])
            self.optim.load_state_dict(last["optim"])
            self.sched.load_state_dict(last["sched"])
            self.state = last["state"]
            self.state["restarts"] = self.state.get("restarts", 0) + 1
            if self.rank == 0:
                print(f"resuming from step {self.state['step']} of {self.total_steps}", flush=True)
            return int(self.state["step"])

        def _step(self, group: list[list[int]]) -> None:
            n_in_group = sum(len(b) for b in group)
            torch.manual_seed(step_seed(self.args.seed, self.state["step"]))
            ema = self.state["loss_ema"]
            for j, b in enumerate(group):
                mine = b[self.rank::self.world]
                weight = 0.0 if not mine else 1.0
                mine = mine or b[:1]  # a worker with no window still joins the gradient all-reduce, at weight 0
                batch = {k: v.to(self.device) for k, v in
                         collate([self.windows[i] for i in mine], self.model.pad_id, True).items()}
                labels = batch.pop("labels")
                sync = self.ddp.no_sync() if j < len(group) - 1 else contextlib.nullcontext()
                with sync:
                    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.bf16):
                        logits = self.ddp(**batch).logits
                    summed = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1),
                                             ignore_index=IGNORE, reduction="sum") * weight
                    n_tokens = max(1, sum(self.tokens[i] for i in b))
                    (summed / n_tokens * (len(b) / n_in_group) * self.world).backward()
                total = summed.detach().reshape(1)
                dist.all_reduce(total)
                lv = float(total) / n_tokens  # the batch's mean loss, as one process computes it
                ema = lv if ema is None else 0.9 * ema + 0.1 * lv
            self._apply(ema, sum(len(b[self.rank::self.world]) for b in group))

        def score(self, model, dev, threshold: float, batch_size: int) -> dict:
            """Span P/R/F1 over every worker's share of the held-out queries (counts summed)."""
            part = span_f1(model, dev[self.rank::self.world], threshold, batch_size) if dev[self.rank::self.world] \
                else {"tp": 0, "fp": 0, "fn": 0}
            counts = torch.tensor([float(part["tp"]), float(part["fp"]), float(part["fn"])])
            dist.all_reduce(counts)
            tp, fp, fn = (int(x) for x in counts.tolist())
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "fp": fp,
                    "fn": fn}

        def checkpoint(self) -> None:
            files: dict[str, Any] = {"last.pt": {"model": self.net.state_dict(), "optim": self.optim.state_dict(),
                                                 "sched": self.sched.state_dict(), "state": self.state,
                                                 "identity": self.identity}}
            if self.best_in_memory is not None:
                files["best.pt"] = self.best_in_memory
            self.report({"step": self.state["step"], "epoch": self.state["epoch"]}, files)

        def report(self, metrics: dict, files: dict[str, Any]) -> None:
            """Every worker reports (Ray Train waits for all); rank 0 attaches the checkpoint files."""
            if self.rank != 0:
                ray.train.report(metrics)
                return
            with tempfile.TemporaryDirectory() as d:
                for name, obj in files.items():
                    if name.endswith(".json"):
                        (Path(d) / name).write_text(json.dumps(obj), encoding="utf-8")
                    else:
                        torch.save(obj, Path(d) / name)
                ray.train.report(metrics, checkpoint=ray.train.Checkpoint.from_directory(d))

    return DDPRun


def _DDPRun(*a: Any, **k: Any):  # noqa: N802 - a class built on first use
    return _make_ddp_run()(*a, **k)
