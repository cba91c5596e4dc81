"""The fit loop: AdamW, warm-up + schedule, gradient accumulation, held-out F1, best checkpoint, resume.

Resumable state lives in ``<out>.work/`` (``last.pt`` plus the best weights so far); it is removed
when the run finishes and the final model is written to ``<out>``.
"""
from __future__ import annotations

import math
import os
import random
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError
from ..metrics import PRF
from ..records import Query
from ..threads import set_threads
from .args import TrainArgs
from .resume import load_state, run_identity, save_state


@dataclass
class FitResult:
    """What a run did: best held-out F1 (None without held-out data), per-epoch history, steps, seconds."""

    best_f1: float | None
    history: list[dict] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    train_windows: int = 0
    examples_per_second: float = 0.0
    resumed_from_step: int = 0


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (every device)."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def span_f1(model, queries: Sequence[Query], threshold: float = 0.5, batch_size: int = 64) -> dict:
    """Strict span-level micro P/R/F1 of ``model`` on queries with gold spans (negatives included)."""
    preds = model.predict_queries(queries, threshold=threshold, batch_size=batch_size)
    prf = PRF()
    for i, (q, p) in enumerate(zip(queries, preds)):
        prf.add(gold=[(i, s.start, s.end, q.label) for s in q.spans], pred=[(i, s.start, s.end, q.label) for s in p])
    s = prf.summary()
    s.pop("per_label")
    return s


def epoch_batches(lengths: Sequence[int], batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """Shuffled batches of similar length (sorted within chunks of 50 batches), fixed by (seed, epoch).

    >>> sorted(i for b in epoch_batches([5, 3, 9, 1], 2, seed=0, epoch=0) for i in b)
    [0, 1, 2, 3]
    """
    rng = random.Random(seed * 1000003 + epoch)
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    chunk = batch_size * 50
    batches = []
    for k in range(0, len(idx), chunk):
        part = sorted(idx[k:k + chunk], key=lambda i: lengths[i])
        batches += [part[j:j + batch_size] for j in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def step_seed(seed: int, step: int) -> int:
    """The seed of optimiser step ``step``'s randomness (dropout): a resumed run draws what an uninterrupted
    one draws, wherever it was interrupted.

    >>> step_seed(42, 0) != step_seed(42, 1) != step_seed(43, 0)
    True
    """
    return (seed * 1_000_003 + step) % (2**63)


Scorer = Callable[[Any, Sequence[Query], float, int], dict]
"""(model, held-out queries, threshold, batch size) -> metrics with ``f1``: how an epoch is scored."""
ProgressFn = Callable[[dict], None]
"""Receives fit's events: ``start`` (total, step), ``step`` (step, loss, epoch, epochs), ``epoch`` (the history
entry), ``stop``."""


def fit(model, train: Sequence[Query], dev: Sequence[Query] | None, args: TrainArgs,
        out_dir: str | os.PathLike | None = None, manifest_extra: dict | None = None, scorer: Scorer = span_f1,
        progress: ProgressFn | None = None) -> FitResult:
    """Train ``model`` (a :class:`~metaie.model.tagger.MetaIE`) in place on label-to-span queries.

    With ``dev``, ``scorer`` (span F1) is measured after each epoch and the model ends at its best epoch. With
    ``out_dir``, the run is resumable (state in ``<out_dir>.work``) and the final model is saved there.
    ``progress`` receives the run's events (default: a rich bar when ``args.progress``).
    """
    args.validate()
    set_threads(args.threads)  # None: the process's setting (a command's --threads, else every core)
    seed_everything(args.seed)
    t0 = time.time()
    run = _Run(model, train, dev, args, out_dir)
    resumed_from = run.resume()
    report = progress or (_Progress() if args.progress else _quiet)
    report({"event": "start", "total": run.total_steps, "step": run.state["step"]})
    t_train = time.time()
    try:
        while run.state["epoch"] < run.epochs and run.state["step"] < run.total_steps:
            run.epoch(report)
            report({"event": "epoch", **run.end_epoch(scorer)})
    except KeyboardInterrupt:
        run.checkpoint()
        report({"event": "stop"})
        raise
    report({"event": "stop"})
    train_seconds = time.time() - t_train
    run.restore_best()
    result = FitResult(best_f1=run.state["best_f1"], history=run.state["history"], steps=run.state["step"],
                       seconds=round(time.time() - t0, 2), train_windows=len(run.windows),
                       examples_per_second=round(run.seen / train_seconds, 2) if train_seconds > 0 else 0.0,
                       resumed_from_step=resumed_from)
    if out_dir is not None:
        run.save(out_dir, result, manifest_extra)
    return result


def _quiet(event: dict) -> None:
    """The progress callback of a run with ``progress=False``."""


def plan_steps(n_windows: int, args: TrainArgs) -> tuple[int, int, int]:
    """(steps per epoch, total optimiser steps, epochs) of a run over ``n_windows`` windows.

    >>> plan_steps(10, TrainArgs(batch_size=4, epochs=2))
    (3, 6, 2)
    >>> plan_steps(10, TrainArgs(batch_size=4, max_steps=2, min_epochs=1.5))
    (3, 5, 2)
    """
    steps_per_epoch = math.ceil(math.ceil(n_windows / args.batch_size) / args.grad_accum)
    total = args.max_steps or steps_per_epoch * args.epochs
    if args.min_epochs:
        total = max(total, math.ceil(args.min_epochs * steps_per_epoch))
    return steps_per_epoch, total, math.ceil(total / steps_per_epoch)


_NO_DECAY = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight")


_LAYER = re.compile(r"\.layers?\.(\d+)\.")


def layer_depth(name: str) -> int | None:
    """A parameter's depth in the encoder: 0 for the embeddings, i + 1 for layer i, None outside (the head).

    >>> [layer_depth(n) for n in ("bert.embeddings.word_embeddings.weight", "bert.encoder.layer.5.output.dense.bias",
    ...                           "classifier.weight")]
    [0, 6, None]
    """
    m = _LAYER.search(name)
    if m:
        return int(m.group(1)) + 1
    return 0 if "embeddings" in name else None


def layer_decayed(groups: list[dict[str, Any]], named: list[tuple[str, Any]], lr: float, decay: float
                  ) -> list[dict[str, Any]]:
    """``groups`` split by encoder depth, each at its group's rate times ``decay ** (top - depth)`` (the top layer
    learns at the full rate, each one below at ``decay`` times the one above, the head at its group's rate)."""
    depth = {id(p): layer_depth(n) for n, p in named}
    top = max((d for d in depth.values() if d is not None), default=0)
    out: list[dict[str, Any]] = []
    for g in groups:
        by: dict[int | None, list] = {}
        for p in g["params"]:
            by.setdefault(depth[id(p)], []).append(p)
        for d, params in sorted(by.items(), key=lambda kv: -1 if kv[0] is None else kv[0]):
            rate = g.get("lr", lr) * (1.0 if d is None else decay ** (top - d))
            out.append({**g, "params": params, "lr": rate})
    return out


class _Run:
    """One fit in progress: windows, optimiser, schedule, counters, and the folder its resumable state lives in."""

    def __init__(self, model, train: Sequence[Query], dev: Sequence[Query] | None, args: TrainArgs,
                 out_dir: str | os.PathLike | None):
        """Set up: encode the queries, plan the steps, build AdamW and the schedule, name the work folder."""
        from transformers import get_scheduler
        self.model, self.net, self.device, self.args = model, model.model, model.device, args
        self.train, self.dev = train, dev
        self.bf16 = self.device.type == "cuda" and torch.cuda.is_bf16_supported()
        # per-label: one query's windows each; packed: packs of a text's queries, drawn afresh each epoch
        self.windows = model.training_windows(train, seed=args.seed)
        self.windows_epoch = 0
        if not self.windows:
            raise ConfigError("no training queries: the training data is empty")
        self.lengths = [len(w) for w in self.windows]
        _, self.total_steps, self.epochs = plan_steps(len(self.windows), args)
        named = list(self.net.named_parameters())
        groups: list[dict[str, Any]] = [{"params": [p for n, p in named if not any(k in n for k in _NO_DECAY)],
                   "weight_decay": args.weight_decay},
                  {"params": [p for n, p in named if any(k in n for k in _NO_DECAY)], "weight_decay": 0.0}]
        scale = float(getattr(model, "head_lr_scale", 1.0))
        if scale != 1.0:  # packed mode: the new scoring head (outside the encoder) learns faster
            encoder = {id(p) for n, p in named if n.startswith("encoder.")}
            groups = [{**g, "params": [p for p in g["params"] if (id(p) in encoder) == in_encoder],
                       "lr": args.lr if in_encoder else args.lr * scale}
                      for in_encoder in (True, False) for g in groups]
        if args.layer_decay != 1.0:
            groups = layer_decayed(groups, named, args.lr, args.layer_decay)
        self.optim = torch.optim.AdamW(groups, lr=args.lr)
        warmup = int(args.warmup_ratio * self.total_steps)
        self.sched = get_scheduler(args.schedule, self.optim, num_warmup_steps=warmup,
                                   num_training_steps=self.total_steps)
        self.work = Path(str(out_dir) + ".work") if out_dir is not None else None
        self.state: dict[str, Any] = {"epoch": 0, "batch": 0, "step": 0, "history": [], "best_f1": None,
                                      "best_epoch": None, "loss_ema": None}
        self.identity = run_identity(args, model, train, dev) if self.work is not None else {}
        self.best_in_memory: dict | None = None  # best weights when there is no work folder to keep them in
        self.seen = 0  # examples trained on in this process (the rate)

    def resume(self) -> int:
        """Continue an interrupted run with the same identity (refusing another's); the step it resumed from."""
        work = self.work
        if work is None:
            return 0
        if not self.args.resume:
            shutil.rmtree(work, ignore_errors=True)  # --no-resume: another run's state is dropped
        step = 0
        if (work / "last.pt").exists():
            ck = load_state(work, self.identity)  # refuses a run with other settings, naming them
            self.net.load_state_dict(ck["model"])
            self.optim.load_state_dict(ck["optim"])
            self.sched.load_state_dict(ck["sched"])
            self.state = ck["state"]
            step = self.state["step"]
            print(f"resuming from step {step} of {self.total_steps} ({work / 'last.pt'}); "
                  "--no-resume starts afresh", file=sys.stderr, flush=True)
        work.mkdir(parents=True, exist_ok=True)
        return step

    def checkpoint(self) -> None:
        """Write the resumable state (weights, optimiser, schedule, counters, identity)."""
        if self.work is not None:
            save_state(self.work / "last.pt", {"model": self.net.state_dict(), "optim": self.optim.state_dict(),
                                               "sched": self.sched.state_dict(), "state": self.state,
                                               "identity": self.identity})

    def epoch(self, report: ProgressFn) -> None:
        """The rest of the current epoch's batches (or up to the last step), a step per ``grad_accum`` batches."""
        s, args = self.state, self.args
        self.net.train()
        self._epoch_windows(s["epoch"])
        batches = epoch_batches(self.lengths, args.batch_size, args.seed, s["epoch"])
        while s["batch"] < len(batches) and s["step"] < self.total_steps:
            group = batches[s["batch"]:s["batch"] + args.grad_accum]
            self._step(group)
            s["batch"] += len(group)
            s["step"] += 1
            report({"event": "step", "step": s["step"], "loss": s["loss_ema"], "epoch": s["epoch"] + 1,
                    "epochs": self.epochs})
            if args.checkpoint_every and s["step"] % args.checkpoint_every == 0:
                self.checkpoint()

    def _epoch_windows(self, epoch: int) -> None:
        """A packed model's training packs of ``epoch`` (other labels together, other orders each epoch; fixed by
        (seed, epoch), so a resumed run draws what an uninterrupted one draws)."""
        if epoch != self.windows_epoch and getattr(self.model, "repacks", False):
            self.windows = self.model.training_windows(self.train, seed=step_seed(self.args.seed, 1_000_000 + epoch))
            self.lengths = [len(w) for w in self.windows]
            self.windows_epoch = epoch

    def _step(self, group: list[list[int]]) -> None:
        """One optimiser step over ``group``'s batches (the loss weighted by batch size), its dropout seeded."""
        n_in_group = sum(len(b) for b in group)
        torch.manual_seed(step_seed(self.args.seed, self.state["step"]))
        ema = self.state["loss_ema"]
        for b in group:
            batch = {k: v.to(self.device) for k, v in
                     self.model.collate([self.windows[i] for i in b], with_labels=True).items()}
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.bf16):
                out = self.net(**batch)
            loss = out.loss * (len(b) / n_in_group)
            loss.backward()
            lv = float(out.loss.detach())
            ema = lv if ema is None else 0.9 * ema + 0.1 * lv
        self._apply(ema, n_in_group)

    def _apply(self, ema: float | None, seen: int) -> None:
        """The optimiser step after a group's backward passes (gradients clipped), its loss average and count."""
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.args.max_grad_norm)
        self.optim.step()
        self.sched.step()
        self.optim.zero_grad(set_to_none=True)
        self.state["loss_ema"] = ema
        self.seen += seen

    def end_epoch(self, scorer: Scorer) -> dict:
        """Score the epoch on the held-out queries, keep the best weights, checkpoint; the history entry."""
        s, args = self.state, self.args
        entry = {"epoch": s["epoch"] + 1, "step": s["step"], "loss": s["loss_ema"]}
        if self.dev and args.eval_each_epoch:
            self.net.eval()
            entry["dev"] = scorer(self.model, self.dev, args.threshold, args.eval_batch_size)
            f1 = entry["dev"]["f1"]
            if s["best_f1"] is None or f1 > s["best_f1"]:
                s["best_f1"], s["best_epoch"] = f1, s["epoch"] + 1
                self._keep_best()
        s["history"].append(entry)
        s["epoch"] += 1
        s["batch"] = 0
        self.checkpoint()
        return entry

    def _keep_best(self) -> None:
        if self.work is not None:
            save_state(self.work / "best.pt", {k: v.detach().cpu() for k, v in self.net.state_dict().items()})
        else:
            self.best_in_memory = {k: v.detach().clone() for k, v in self.net.state_dict().items()}

    def restore_best(self) -> None:
        """End at the best epoch (when there was held-out scoring), in eval mode."""
        if self.dev and self.state["best_f1"] is not None:
            if self.work is not None and (self.work / "best.pt").exists():
                self.net.load_state_dict(torch.load(self.work / "best.pt", map_location="cpu", weights_only=True))
            elif self.best_in_memory is not None:
                self.net.load_state_dict(self.best_in_memory)
        self.net.eval()

    def save(self, out_dir: str | os.PathLike, result: FitResult, manifest_extra: dict | None) -> None:
        """Save the model with its manifest to ``out_dir``, then drop the work folder."""
        manifest = {"settings": self.args.to_dict(), "best_f1": result.best_f1, "best_epoch": self.state["best_epoch"],
                    "history": result.history, "steps": result.steps, "seconds": result.seconds,
                    "train_windows": len(self.windows), "train_queries": len(self.train),
                    "dev_queries": len(self.dev) if self.dev else 0, "examples_per_second": result.examples_per_second,
                    "resumed_from_step": result.resumed_from_step, "device": str(self.device), "bf16": self.bf16,
                    "threads": torch.get_num_threads(), "mode": self.model.config.mode}
        if getattr(self.model, "pack_report", None):
            manifest["packing"] = self.model.pack_report
        manifest.update(manifest_extra or {})
        self.model.save_pretrained(out_dir, extra={"manifest.json": manifest})
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)


class _Progress:
    """fit's default progress callback: a rich bar with loss, rate and ETA (plain lines when not on a terminal)."""

    def __call__(self, event: dict) -> None:
        getattr(self, "_" + event["event"])(event)

    def _start(self, e: dict) -> None:
        from ..progress import progress_bar
        self.bar = progress_bar("[bold]train[/] epoch {task.fields[epoch]}", "loss {task.fields[loss]}",
                                "{task.fields[rate]}")
        self.bar.start()
        self.task = self.bar.add_task("train", total=e["total"], epoch="-", loss="-", rate="")
        self.total = e["total"]
        self.t0: float | None = None
        self.step0 = 0
        self.last_line = 0.0
        self.bar.update(self.task, completed=e["step"])

    def _step(self, e: dict) -> None:
        step, loss, epoch, epochs = e["step"], e["loss"], e["epoch"], e["epochs"]
        now = time.time()
        if self.t0 is None:
            self.t0, self.step0, self.last_line = now, step - 1, now
        dt = now - self.t0
        rate = f"{(step - self.step0) / dt:.2f} steps/s" if dt > 1 else ""
        if not self.bar.console.is_terminal and rate and now - self.last_line > 30:
            self.last_line = now  # plain lines for logs: rich redraws only on a terminal
            eta = (self.total - step) * dt / max(step - self.step0, 1)
            self.bar.console.print(f"step {step}/{self.total} epoch {epoch}/{epochs} "
                                   f"loss {loss if loss is not None else float('nan'):.4f} {rate} eta {eta:.0f}s")
        self.bar.update(self.task, completed=step, epoch=f"{epoch}/{epochs}", rate=rate,
                        loss=f"{loss:.4f}" if loss is not None else "-")

    def _epoch(self, entry: dict) -> None:
        dev = entry.get("dev")
        msg = f"epoch {entry['epoch']}: step {entry['step']}, loss {entry['loss']:.4f}" if entry["loss"] else ""
        if dev:
            msg += f", held-out P/R/F1 {dev['precision']:.3f}/{dev['recall']:.3f}/{dev['f1']:.3f}"
        self.bar.console.log(msg)

    def _stop(self, e: dict) -> None:
        self.bar.stop()
