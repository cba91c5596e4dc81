"""metaie on a Ray cluster (``pip install 'metaie[ray]'``): corpus-scale extraction over Ray Data, distillation
with the teacher calls made in Ray actors, and meta-training on several workers with Ray Train.

- :func:`metaie.ray.extract.extract`: spans for a ``ray.data.Dataset`` (an actor pool, one model per actor);
  :func:`metaie.ray.extract.extract_files`: JSONL/Parquet files to resumable output shards
  (``metaie extract --engine ray``).
- :func:`metaie.ray.distill.run_distill_ray`: ``metaie distill --engine ray``.
- :func:`metaie.ray.train.meta_train_ray`: ``metaie train --workers N``.

Nothing here imports Ray until it is called, so the base install imports this package; a call without Ray
installed says in one line which extra to install. The README's "Running on a Ray cluster" section says what each
stage asks of the cluster.
"""
from __future__ import annotations

from typing import Any

__all__ = ["extract", "extract_files", "run_distill_ray", "meta_train_ray"]


def __getattr__(name: str) -> Any:
    if name in ("extract", "extract_files"):
        from . import extract as module
        return getattr(module, name)
    if name == "run_distill_ray":
        from .distill import run_distill_ray
        return run_distill_ray
    if name == "meta_train_ray":
        from .train import meta_train_ray
        return meta_train_ray
    raise AttributeError(name)
