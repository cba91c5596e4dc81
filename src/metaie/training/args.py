"""All training settings in one dataclass."""
from __future__ import annotations

from dataclasses import asdict, dataclass

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
                  (self.threads is None or self.threads >= 1, "threads must be >= 1 (or None for every core)")]
        for ok, msg in checks:
            if not ok:
                raise ConfigError(f"training setting: {msg}")
        return self

    def to_dict(self) -> dict:
        return asdict(self)
