"""Training: one arguments dataclass, query building with negatives, and the fit loop."""
from .args import TrainArgs
from .trainer import FitResult, fit

__all__ = ["TrainArgs", "FitResult", "fit"]
