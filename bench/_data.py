"""Texts for the benchmark scripts, read through the package's own loaders; data stays outside the repo."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from metaie.datasets.registry import load_split  # noqa: E402


def conll_sentences(n: int, split: str = "test") -> list[str]:
    """The first ``n`` CoNLL-2003 sentences of ``split`` (train, dev or test) as plain text."""
    return [ex.text for ex in load_split("conll2003", split)[:n]]


def label_names(n: int) -> list[str]:
    """``n`` distinct entity-type names: the 391 Pile-NER types of ``pilener_391_bio/label.txt`` (most frequent
    first; person, organization, location, date, ...), lower-cased."""
    from metaie.datasets.root import dataset_dir
    path = dataset_dir("pilener_391_bio") / "label.txt"
    names = list(dict.fromkeys(x.strip().lower() for x in path.read_text(encoding="utf-8").splitlines() if x.strip()))
    if n > len(names):
        raise SystemExit(f"{path} has {len(names)} labels, fewer than the {n} asked for")
    return names[:n]
