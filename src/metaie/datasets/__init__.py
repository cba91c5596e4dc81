"""Dataset loaders: each reads one public format into ``metaie.tasks.structures.Example`` lists."""
from .registry import DATASETS, DatasetSpec, load_split, resolve, split_names

__all__ = ["DATASETS", "DatasetSpec", "load_split", "resolve", "split_names"]
