"""Texts for the benchmark scripts, read through the package's own loaders; data stays outside the repo."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from metaie.datasets.registry import load_split  # noqa: E402


def conll_sentences(n: int, split: str = "test") -> list[str]:
    """The first ``n`` CoNLL-2003 sentences of ``split`` (train, dev or test) as plain text."""
    return [ex.text for ex in load_split("conll2003", split)[:n]]
