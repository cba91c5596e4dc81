"""Training: the settings dataclasses, query building with negatives, and the fit loop."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .args import FinetuneArgs, MetaData, MetaTrainArgs, TrainArgs

if TYPE_CHECKING:
    from .trainer import FitResult, fit

__all__ = ["TrainArgs", "MetaTrainArgs", "FinetuneArgs", "MetaData", "FitResult", "fit"]


def __getattr__(name: str) -> Any:
    # fit pulls in torch: load it when asked for, so the CLI can read the settings' defaults without it.
    if name in ("fit", "FitResult"):
        from . import trainer
        return getattr(trainer, name)
    raise AttributeError(name)
