"""Small readers for the benchmark scripts (CoNLL-2003 sentences, Pile-NER BIO passages); data stays outside the repo."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from metaie.alignment import bio_to_spans, join_words  # noqa: E402
from metaie.data_root import dataset_dir  # noqa: E402


def read_columns(path: Path, tag_col: int = -1, sep: str | None = None):
    """Yield (words, tags) per blank-line separated block, skipping -DOCSTART- blocks."""
    words, tags = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if words and words[0] != "-DOCSTART-":
                    yield words, tags
                words, tags = [], []
                continue
            cols = line.split(sep) if sep else line.split()
            words.append(cols[0])
            tags.append(cols[tag_col])
    if words and words[0] != "-DOCSTART-":
        yield words, tags


def conll_sentences(n: int, split: str = "eng.testb") -> list[str]:
    """The first ``n`` CoNLL-2003 sentences of ``split`` as plain text."""
    out = []
    for words, _ in read_columns(dataset_dir("conll2003") / split):
        out.append(join_words(words)[0])
        if len(out) >= n:
            break
    return out


def pilener_passages(n: int, offset: int = 0):
    """(text, gold spans) for Pile-NER dev passages ``offset .. offset+n`` (tab-separated token/BIO lines)."""
    out = []
    for k, (words, tags) in enumerate(read_columns(dataset_dir("pilener_391_bio") / "dev.txt", sep="\t")):
        if k < offset:
            continue
        text, offsets = join_words(words)
        out.append((text, bio_to_spans(tags, offsets, text)))
        if len(out) >= n:
            break
    return out
