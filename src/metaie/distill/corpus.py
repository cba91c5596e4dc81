"""Corpus readers (plain text, JSONL, gzip of either) and the paper's sentence sampler.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "c.txt"
>>> _ = p.write_text("Tom was born in Paris. He moved.\\nAnna lives in London.\\n")
>>> [s.text for s in sample_sentences([p])]
['Tom was born in Paris.', 'Anna lives in London.']
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, DataFormatError

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Sentence:
    """A sampled sentence; ``id`` is derived from the text, so it is stable across runs."""

    id: str
    text: str
    source: str = ""


def sentence_id(text: str) -> str:
    """Stable id of a sentence text.

    >>> sentence_id("Tom was born in Paris.")
    's-051b82e292de'
    """
    return "s-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _open_text(path: Path) -> io.TextIOBase:
    if not path.exists():
        raise DataFormatError("corpus file not found", path=path)
    if path.is_dir():
        raise DataFormatError("corpus path is a directory; give a file", path=path)
    with path.open("rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return path.open(encoding="utf-8", errors="replace")


def detect_format(path: Path) -> str:
    """``jsonl`` for *.jsonl / *.json / *.ndjson (optionally .gz), else ``text``."""
    name = path.name.lower().removesuffix(".gz")
    return "jsonl" if name.endswith((".jsonl", ".json", ".ndjson")) else "text"


def read_paragraphs(path: str | Path, fmt: str = "auto", text_field: str = "text",
                    split: str = "line") -> Iterator[str]:
    """Yield paragraphs of a corpus file.

    fmt: ``auto`` | ``text`` | ``jsonl``. For text, ``split="line"`` makes each line a paragraph and
    ``split="blank"`` joins lines up to a blank line. A JSONL document's text is split on newlines.
    """
    path = Path(path)
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt not in ("text", "jsonl"):
        raise ConfigError(f"unknown corpus format {fmt!r}: use --format auto, text or jsonl")
    if split not in ("line", "blank"):
        raise ConfigError(f"unknown paragraph split {split!r}: use --split line or blank")
    with _open_text(path) as f:
        if fmt == "jsonl":
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise DataFormatError(f"malformed JSON ({e.msg}); is this a JSONL corpus? "
                                          "(use --format text for plain text)", path=path, line=n) from None
                if not isinstance(obj, dict) or text_field not in obj:
                    fields = ", ".join(sorted(obj)) if isinstance(obj, dict) else type(obj).__name__
                    raise DataFormatError(f"no field {text_field!r} (found: {fields}); set --text-field",
                                          path=path, line=n)
                value = obj[text_field]
                if not isinstance(value, str):
                    raise DataFormatError(f"field {text_field!r} is not a string; set --text-field",
                                          path=path, line=n)
                yield from (p for p in value.split("\n") if p.strip())
        elif split == "line":
            yield from (line for line in f if line.strip())
        else:
            block: list[str] = []
            for line in f:
                if line.strip():
                    block.append(line.strip())
                elif block:
                    yield " ".join(block)
                    block = []
            if block:
                yield " ".join(block)


class _Splitter:
    """Sentence splitting with pysbd (a rule-based segmenter)."""

    def __init__(self, language: str = "en"):
        import pysbd
        self._seg = pysbd.Segmenter(language=language, clean=False)

    def __call__(self, paragraph: str) -> list[str]:
        return [s.strip() for s in self._seg.segment(paragraph) if s.strip()]


def sample_sentences(paths: Sequence[str | Path], *, fmt: str = "auto", text_field: str = "text",
                     split: str = "line", all_sentences: bool = False, min_chars: int = 20,
                     max_chars: int = 500, min_words: int = 3, max_words: int = 80,
                     limit: int | None = None, seed: int = 42, language: str = "en") -> list[Sentence]:
    """Sample sentences as in the paper: the first sentence of each paragraph (or all), length-filtered
    and exactly de-duplicated, returned in corpus order.

    With ``limit``, paragraphs are visited in a seeded random order until ``limit`` sentences are kept
    (so only those paragraphs are segmented); the result depends only on the corpus, options and seed.
    """
    if not paths:
        raise ConfigError("no corpus given: pass --corpus FILE")
    paragraphs: list[tuple[str, str]] = []
    seen_para: set[str] = set()
    for path in paths:
        for para in read_paragraphs(path, fmt=fmt, text_field=text_field, split=split):
            para = _WS.sub(" ", para).strip()
            if para not in seen_para:
                seen_para.add(para)
                paragraphs.append((para, Path(path).name))
    order = list(range(len(paragraphs)))
    if limit is not None and limit > 0:
        random.Random(seed).shuffle(order)
    splitter = _Splitter(language)
    seen: set[str] = set()
    kept: list[tuple[int, int, Sentence]] = []
    for i in order:
        if limit is not None and 0 < limit <= len(kept):
            break
        para, source = paragraphs[i]
        sents = splitter(para)
        for j, s in enumerate(sents if all_sentences else sents[:1]):
            s = _WS.sub(" ", s).strip()
            n_words = len(s.split())
            if not (min_chars <= len(s) <= max_chars and min_words <= n_words <= max_words) or s in seen:
                continue
            seen.add(s)
            kept.append((i, j, Sentence(sentence_id(s), s, source)))
    if not kept:
        raise DataFormatError("no sentence passed the filters (empty corpus, wrong --text-field or "
                              "--min-chars/--max-chars/--min-words/--max-words too strict)", path=paths[0])
    if limit is not None and limit > 0:
        kept = kept[:limit]
    kept.sort(key=lambda t: (t[0], t[1]))
    return [k[2] for k in kept]
