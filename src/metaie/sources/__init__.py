"""Where meta-training records come from: distillation JSONL files, the bundled LLM-made sets, the public
datasets' human annotations (every stage's queries), and teacher-free records from raw text — mixed with
weights (see :mod:`metaie.sources.mixture`)."""
from .mixture import SourceSpec, load_mixture, load_source, parse_source_arg

__all__ = ["SourceSpec", "load_mixture", "load_source", "parse_source_arg"]
