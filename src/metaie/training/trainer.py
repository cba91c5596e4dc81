"""The fit loop: AdamW, warm-up + schedule, gradient accumulation, held-out F1, best checkpoint, resume.

Resumable state lives in ``<out>.work/`` (``last.pt`` plus the best weights so far); it is removed
when the run finishes and the final model is written to ``<out>``.
"""
from __future__ import annotations

import math
import os
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

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


def fit(model, train: Sequence[Query], dev: Sequence[Query] | None, args: TrainArgs,
        out_dir: str | os.PathLike | None = None, manifest_extra: dict | None = None) -> FitResult:
    """Train ``model`` (a :class:`~metaie.model.tagger.MetaIE`) in place on label-to-span queries.

    With ``dev``, span F1 is measured after each epoch and the model ends at its best epoch. With
    ``out_dir``, the run is resumable (state in ``<out_dir>.work``) and the final model is saved there.
    """
    from transformers import get_scheduler

    from ..model.tagger import collate

    args.validate()
    set_threads(args.threads)  # None: the process's setting (a command's --threads, else every core)
    seed_everything(args.seed)
    t0 = time.time()
    net, device = model.model, model.device
    use_bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()

    windows = model.encode([q.label for q in train], [q.text for q in train], spans=[q.spans for q in train])
    if not windows:
        from ..errors import ConfigError
        raise ConfigError("no training queries: the training data is empty")
    lengths = [len(w) for w in windows]
    n_batches = math.ceil(len(windows) / args.batch_size)
    steps_per_epoch = math.ceil(n_batches / args.grad_accum)
    total_steps = args.max_steps or steps_per_epoch * args.epochs
    if args.min_epochs:
        total_steps = max(total_steps, math.ceil(args.min_epochs * steps_per_epoch))
    epochs = math.ceil(total_steps / steps_per_epoch)

    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight")
    groups = [{"params": [p for n, p in net.named_parameters() if not any(k in n for k in no_decay)],
               "weight_decay": args.weight_decay},
              {"params": [p for n, p in net.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0}]
    optim = torch.optim.AdamW(groups, lr=args.lr)
    sched = get_scheduler(args.schedule, optim, num_warmup_steps=int(args.warmup_ratio * total_steps),
                          num_training_steps=total_steps)

    work = Path(str(out_dir) + ".work") if out_dir is not None else None
    state: dict[str, Any] = {"epoch": 0, "batch": 0, "step": 0, "history": [], "best_f1": None, "best_epoch": None,
             "loss_ema": None}
    identity = run_identity(args, model, train, dev) if work is not None else {}
    resumed_from = 0
    if work is not None and not args.resume:
        shutil.rmtree(work, ignore_errors=True)  # --no-resume: another run's state is dropped
    if work is not None and (work / "last.pt").exists():
        ck = load_state(work, identity)  # refuses a run with other settings, naming them
        net.load_state_dict(ck["model"])
        optim.load_state_dict(ck["optim"])
        sched.load_state_dict(ck["sched"])
        state = ck["state"]
        resumed_from = state["step"]
        print(f"resuming from step {resumed_from} of {total_steps} ({work / 'last.pt'}); "
              "--no-resume starts afresh", file=sys.stderr, flush=True)
    if work is not None:
        work.mkdir(parents=True, exist_ok=True)

    def checkpoint() -> None:
        if work is None:
            return
        save_state(work / "last.pt", {"model": net.state_dict(), "optim": optim.state_dict(),
                                      "sched": sched.state_dict(), "state": state, "identity": identity})

    best_in_memory: dict | None = None  # best weights when there is no work folder to keep them in

    def keep_best() -> None:
        nonlocal best_in_memory
        if work is not None:
            save_state(work / "best.pt", {k: v.detach().cpu() for k, v in net.state_dict().items()})
        else:
            best_in_memory = {k: v.detach().clone() for k, v in net.state_dict().items()}

    progress = _Progress(total_steps, enabled=args.progress)
    progress.advance_to(state["step"])
    seen_since = 0
    t_train = time.time()
    try:
        while state["epoch"] < epochs and state["step"] < total_steps:
            net.train()
            batches = epoch_batches(lengths, args.batch_size, args.seed, state["epoch"])
            while state["batch"] < len(batches) and state["step"] < total_steps:
                group = batches[state["batch"]:state["batch"] + args.grad_accum]
                n_in_group = sum(len(b) for b in group)
                torch.manual_seed(step_seed(args.seed, state["step"]))
                ema = state["loss_ema"]
                for b in group:
                    batch = {k: v.to(device) for k, v in collate([windows[i] for i in b], model.pad_id, True).items()}
                    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_bf16):
                        out = net(**batch)
                    loss = out.loss * (len(b) / n_in_group)
                    loss.backward()
                    lv = float(out.loss.detach())
                    ema = lv if ema is None else 0.9 * ema + 0.1 * lv
                torch.nn.utils.clip_grad_norm_(net.parameters(), args.max_grad_norm)
                optim.step()
                sched.step()
                optim.zero_grad(set_to_none=True)
                state["batch"] += len(group)
                state["step"] += 1
                state["loss_ema"] = ema
                seen_since += n_in_group
                progress.update(state["step"], state["loss_ema"], state["epoch"] + 1, epochs)
                if args.checkpoint_every and state["step"] % args.checkpoint_every == 0:
                    checkpoint()
            # end of epoch (or of max_steps)
            entry = {"epoch": state["epoch"] + 1, "step": state["step"], "loss": state["loss_ema"]}
            if dev and args.eval_each_epoch:
                model.model.eval()
                entry["dev"] = span_f1(model, dev, args.threshold, args.eval_batch_size)
                f1 = entry["dev"]["f1"]
                if state["best_f1"] is None or f1 > state["best_f1"]:
                    state["best_f1"], state["best_epoch"] = f1, state["epoch"] + 1
                    keep_best()
            state["history"].append(entry)
            progress.log(entry)
            state["epoch"] += 1
            state["batch"] = 0
            checkpoint()
    except KeyboardInterrupt:
        checkpoint()
        progress.stop()
        raise
    progress.stop()
    train_seconds = time.time() - t_train

    if dev and state["best_f1"] is not None:  # end at the best epoch
        if work is not None and (work / "best.pt").exists():
            net.load_state_dict(torch.load(work / "best.pt", map_location="cpu", weights_only=True))
        elif best_in_memory is not None:
            net.load_state_dict(best_in_memory)
    net.eval()
    result = FitResult(best_f1=state["best_f1"], history=state["history"], steps=state["step"],
                       seconds=round(time.time() - t0, 2), train_windows=len(windows),
                       examples_per_second=round(seen_since / train_seconds, 2) if train_seconds > 0 else 0.0,
                       resumed_from_step=resumed_from)
    if out_dir is not None:
        manifest = {"settings": args.to_dict(), "best_f1": result.best_f1, "best_epoch": state["best_epoch"],
                    "history": result.history, "steps": result.steps, "seconds": result.seconds,
                    "train_windows": len(windows), "train_queries": len(train),
                    "dev_queries": len(dev) if dev else 0, "examples_per_second": result.examples_per_second,
                    "resumed_from_step": resumed_from, "device": str(device), "bf16": use_bf16,
                    "threads": torch.get_num_threads()}
        manifest.update(manifest_extra or {})
        model.save_pretrained(out_dir, extra={"manifest.json": manifest})
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    return result


class _Progress:
    """A rich progress bar with loss, rate and ETA (silent when disabled)."""

    def __init__(self, total: int, enabled: bool):
        self.enabled = enabled
        if not enabled:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        self.bar = Progress(TextColumn("[bold]train[/] epoch {task.fields[epoch]}"), BarColumn(),
                            MofNCompleteColumn(), TextColumn("loss {task.fields[loss]}"),
                            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                            TimeRemainingColumn(), transient=False)
        self.bar.start()
        self.task = self.bar.add_task("train", total=total, epoch="-", loss="-", rate="")
        self.total = total
        self.t0: float | None = None
        self.step0 = 0
        self.last_line = 0.0

    def advance_to(self, step: int) -> None:
        if self.enabled:
            self.bar.update(self.task, completed=step)

    def update(self, step: int, loss: float | None, epoch: int, epochs: int) -> None:
        if self.enabled:
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

    def log(self, entry: dict) -> None:
        if self.enabled:
            dev = entry.get("dev")
            msg = f"epoch {entry['epoch']}: step {entry['step']}, loss {entry['loss']:.4f}" if entry["loss"] else ""
            if dev:
                msg += f", held-out P/R/F1 {dev['precision']:.3f}/{dev['recall']:.3f}/{dev['f1']:.3f}"
            self.bar.console.log(msg)

    def stop(self) -> None:
        if self.enabled:
            self.bar.stop()
