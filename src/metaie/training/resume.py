"""Resumable training state: what identifies a run, the checkpoint file, and the refusal to mix two runs.

A run is identified by its result-affecting settings, a digest of its training and held-out queries, the
model's encoding settings and a digest of its initial weights. ``<out>.work/last.pt`` carries that identity;
a resume whose identity differs is refused, naming what changed.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Sequence
from pathlib import Path

import torch

from ..errors import ConfigError
from ..records import Query
from .args import TrainArgs

# TrainArgs fields that change the trained weights; the others (threads, progress, checkpoint_every,
# eval_batch_size, resume) change only how the run goes.
RESULT_SETTINGS = ("epochs", "batch_size", "lr", "weight_decay", "warmup_ratio", "schedule", "grad_accum", "seed",
                   "max_steps", "min_epochs", "eval_each_epoch", "threshold", "max_grad_norm")


def queries_digest(queries: Sequence[Query] | None) -> str:
    """A digest of queries in order (label, text, gold spans).

    >>> queries_digest([Query("person", "Tom", [])]) == queries_digest([Query("person", "Tom", [])])
    True
    """
    h = hashlib.blake2b(digest_size=16)
    for q in queries or []:
        h.update(repr((q.label, q.text, [(s.start, s.end, s.label) for s in q.spans])).encode("utf-8", "replace"))
    return h.hexdigest()


def weights_digest(net: torch.nn.Module) -> str:
    """A digest of a network's parameters and buffers (names, shapes, values)."""
    h = hashlib.blake2b(digest_size=16)
    for name, t in net.state_dict().items():
        t = t.detach().cpu().contiguous().reshape(-1)
        h.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def run_identity(args: TrainArgs, model, train: Sequence[Query], dev: Sequence[Query] | None) -> dict:
    """Everything that decides a run's result, as plain data stored in its checkpoint."""
    cfg = model.config
    encoding = {"max_length": cfg.max_length, "stride": cfg.stride, "query_template": cfg.query_template}
    if cfg.mode != "per_label":  # a per-label run's identity stays what it was before packed mode existed
        encoding.update(mode=cfg.mode, label_budget=cfg.label_budget, pack_labels=cfg.pack_labels,
                        pack_fill=cfg.pack_fill, head_lr_scale=cfg.head_lr_scale)
        if not cfg.share_prefix:  # runs with a shared prefix keep the identity they had before this setting
            encoding["share_prefix"] = False
    settings = {k: getattr(args, k) for k in RESULT_SETTINGS}
    if args.layer_decay != 1.0:  # runs without it keep the identity they had before the setting existed
        settings["layer_decay"] = args.layer_decay
    return {"settings": settings,
            "encoding": encoding,
            "train_queries": queries_digest(train), "dev_queries": queries_digest(dev),
            "initial_weights": weights_digest(model.model)}


_WHAT = {"train_queries": "the training queries (other --data, --neg-ratio, --clean-negatives, --hard-negatives, "
                          "--dev-fraction, --max-records or --queries)",
         "dev_queries": "the held-out queries (other --data or --dev-fraction)",
         "initial_weights": "the initial weights (other --backbone, --init or --seed)"}


def differences(old: dict, new: dict) -> list[str]:
    """What differs between two run identities, named as the settings to change.

    >>> differences({"settings": {"lr": 0.1}}, {"settings": {"lr": 0.5}})
    ['--lr 0.1 (now 0.5)']
    """
    out = []
    for group in ("settings", "encoding"):
        a, b = old.get(group, {}), new.get(group, {})
        if group == "settings":  # an identity without layer_decay trained without it
            a, b = {"layer_decay": 1.0, **a}, {"layer_decay": 1.0, **b}
        if group == "encoding":  # a per-label identity names no mode (it predates packed mode)
            a, b = {"mode": "per_label", **a}, {"mode": "per_label", **b}
            if a["mode"] != b["mode"]:
                out.append(f"--mode {a['mode']} (now {b['mode']})")
                continue
        out += [f"--{k.replace('_', '-')} {a.get(k)!r} (now {b.get(k)!r})" for k in dict.fromkeys([*b, *a])
                if a.get(k) != b.get(k)]
    out += [what for key, what in _WHAT.items() if old.get(key) != new.get(key)]
    return out


def save_state(path: Path, state: dict) -> None:
    """Write a checkpoint atomically (temporary file, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_state(work: Path, identity: dict) -> dict:
    """The checkpoint of an interrupted run with this identity; a different run's checkpoint is refused.

    Only tensors and plain data are read (``weights_only``): a checkpoint cannot run code.
    """
    path = work / "last.pt"
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as e:  # truncated, or objects
        raise ConfigError(f"{path}: cannot read the interrupted run's state ({str(e).splitlines()[0][:200]}); "
                          "pass --no-resume to start afresh") from None
    old = ck.get("identity") if isinstance(ck, dict) else None
    if old is None:
        raise ConfigError(f"{path} does not record its run's settings (an older metaie wrote it); "
                          "pass --no-resume to start afresh")
    diff = differences(old, identity)
    if diff:
        raise ConfigError(f"cannot resume the interrupted run in {work}: it was started with {'; '.join(diff)}. "
                          "Run it with the same settings to resume, or pass --no-resume to start afresh")
    return ck
