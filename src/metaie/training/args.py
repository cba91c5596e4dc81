"""Training settings: the one place each default lives (the CLI and ``meta_train`` read them from here).

``TrainArgs`` holds the settings of one ``fit`` (the Python API's and a benchmark config's ``train:`` defaults);
``MetaTrainArgs`` and ``FinetuneArgs`` are the same settings with the defaults of ``metaie train`` and
``metaie finetune``; ``MetaData`` holds meta-training's query and window settings.
"""
from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any

from ..errors import ConfigError


@dataclass
class TrainArgs:
    """Settings of one training run (meta-training or few-shot fine-tuning).

    >>> TrainArgs(epochs=2, lr=3e-5).schedule
    'linear'
    """

    epochs: int = 3
    batch_size: int = 16
    lr: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    schedule: str = "linear"          # linear | cosine | constant
    grad_accum: int = 1
    seed: int = 42
    max_steps: int | None = None      # optimiser steps; overrides epochs when set
    min_epochs: float | None = None   # at least this many passes over the data, whatever epochs/max_steps say
                                      # (a step budget that grows with a large training set)
    eval_each_epoch: bool = True
    threshold: float = 0.5            # decoding threshold for held-out F1
    checkpoint_every: int = 200       # optimiser steps between resumable checkpoints
    max_grad_norm: float = 1.0
    layer_decay: float = 1.0          # layer-wise lr decay: the top encoder layer and the head learn at lr, each
                                      # layer below (the embeddings last) at layer_decay times the one above; 1: off
    threads: int | None = None        # CPU threads; None = all cores
    eval_batch_size: int = 64
    progress: bool = True
    resume: bool = True               # continue from <out>.work/last.pt when it exists

    def validate(self) -> TrainArgs:
        checks = [(self.epochs >= 1, "epochs must be >= 1"), (self.batch_size >= 1, "batch_size must be >= 1"),
                  (self.lr > 0, "lr must be > 0"), (0 <= self.warmup_ratio < 1, "warmup_ratio must be in [0, 1)"),
                  (self.schedule in ("linear", "cosine", "constant"), "schedule must be linear, cosine or constant"),
                  (self.grad_accum >= 1, "grad_accum must be >= 1"),
                  (self.max_steps is None or self.max_steps >= 1, "max_steps must be >= 1"),
                  (self.min_epochs is None or self.min_epochs > 0, "min_epochs must be > 0"),
                  (0 <= self.threshold <= 1, "threshold must be in [0, 1]"),
                  (0 < self.layer_decay <= 1, "layer_decay must be in (0, 1]"),
                  (self.threads is None or self.threads >= 1, "threads must be >= 1 (or None for every core)")]
        for ok, msg in checks:
            if not ok:
                raise ConfigError(f"training setting: {msg}")
        return self

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class MetaTrainArgs(TrainArgs):
    """``fit`` settings of meta-training (``metaie train``): larger batches, a shorter warm-up.

    >>> MetaTrainArgs().batch_size, TrainArgs().batch_size
    (32, 16)
    """

    batch_size: int = 32
    warmup_ratio: float = 0.06


@dataclass
class FinetuneArgs(TrainArgs):
    """``fit`` settings of few-shot fine-tuning (``metaie finetune``): a few examples, many small-batch passes;
    and replay: ``replay`` meta-training queries of source ``replay_data`` mixed in per few-shot query, with the
    step budget grown to match, so the task's queries get as many passes (``training.finetune.replay_queries``).
    """

    epochs: int = 10
    batch_size: int = 8
    replay: float = 0.0               # meta-training queries per few-shot query (0: none)
    replay_data: str = "bundled"      # where they come from: any `metaie train --data` source

    def validate(self) -> FinetuneArgs:
        super().validate()
        if not self.replay >= 0:
            raise ConfigError("training setting: replay must be >= 0")
        return self


@dataclass
class MetaData:
    """Meta-training's queries and windows (``meta_train``'s keywords and ``metaie train``'s options).

    Windows are 128 tokens: distillation sentences are short. A model built from a backbone elsewhere (few-shot
    fine-tuning from a plain backbone) keeps ``MetaConfig``'s 256, sized for task documents.
    """

    dev_fraction: float = 0.05        # records held out for the per-epoch F1
    neg_ratio: float = 1.0            # negative (absent-label) queries per positive label
    clean_negatives: bool = False     # no negative query holds a text the source marks with that label elsewhere
    hard_negatives: float = 0.0       # share of sampled negatives drawn from labels near the record's own
                                      # (queries.label_neighbours: siblings such as "politician" for "writer")
    max_length: int = 128             # tokens per window
    stride: int = 32                  # tokens shared by consecutive windows of a long text
    sentences: bool = True            # split bundled passages into sentences
    max_dev_queries: int = 2000       # held-out queries kept (a seeded sample beyond)
    mode: str = "per_label"           # per_label: one pass per (text, label); packed: one pass for many labels
    pack_labels: int = 16             # packed: a training pack holds 1..pack_labels labels, drawn per pack
    pack_fill: float = 0.0            # packed: absent labels (negatives) topping a pack up, at most per own label
    head_lr_scale: float = 10.0       # packed: the new scoring head's learning rate, as a multiple of --lr


def default(cls: type, name: str) -> Any:
    """The default of dataclass ``cls``'s field ``name``.

    >>> default(FinetuneArgs, "batch_size"), default(MetaData, "max_length")
    (8, 128)
    """
    for f in fields(cls):
        if f.name == name:
            if f.default is MISSING:
                raise TypeError(f"{cls.__name__}.{name} has no default")
            return f.default
    raise TypeError(f"{cls.__name__} has no field {name!r}")
