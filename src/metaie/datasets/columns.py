"""Column-per-token NER files (CoNLL-2003 IOB1, WNUT/CrossNER/JNLPBA token<TAB>tag, MIT tag<TAB>token).

Sentences are separated by blank lines; ``-DOCSTART-`` lines are skipped. Words are joined with single
spaces, so entity offsets are character offsets into that text.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
>>> _ = p.write_text("Tom\\tB-person\\nruns\\tO\\n\\n")
>>> ex = read_bio(p)[0]
>>> ex.text, ex.entities
('Tom runs', [Entity(start=0, end=3, type='person', text='Tom')])
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..alignment import bio_to_spans, join_words
from ..errors import DataFormatError
from ..jsonl import open_text
from ..records import Span
from ..tasks.structures import Entity, Example

_PREFIXES = ("B-", "I-", "E-", "S-", "U-")


def _is_tag(s: str) -> bool:
    return s == "O" or s.startswith(_PREFIXES)


def bio_sentences(path: str | Path, tag_first: bool = False) -> Iterator[tuple[str, list[Span]]]:
    """The package's one BIO column reader: (text, spans) per blank-line-separated sentence.

    Columns are split on tabs (so a tag may hold a free-text label, ``B-city name``), else on whitespace; the
    token is the first column and the tag the last (the reverse with ``tag_first``); ``-DOCSTART-`` lines
    separate sentences. A line without a tag, or a tag that is not BIO, raises naming the file and line.
    """
    path = Path(path)
    words: list[str] = []
    tags: list[str] = []
    with open_text(path) as f:
        for line_no, raw in enumerate(f, 1):
            line = raw.rstrip("\n").rstrip("\r")
            cols = (line.split("\t") if "\t" in line else line.split()) if line.strip() else []
            if not cols or cols[0].startswith("-DOCSTART-"):
                if words:
                    yield _sentence(words, tags)
                    words, tags = [], []
                continue
            word, tag = _token_tag(cols, tag_first, path, line_no)
            words.append(word)
            tags.append(tag)
    if words:
        yield _sentence(words, tags)


def _token_tag(cols: list[str], tag_first: bool, path: Path, line_no: int) -> tuple[str, str]:
    if len(cols) < 2:
        raise DataFormatError(f"expected 'token<TAB>tag', got {cols[0]!r}", path=path, line=line_no)
    word, tag = (cols[-1], cols[0]) if tag_first else (cols[0], cols[-1])
    tag = tag.strip()
    if not _is_tag(tag):
        raise DataFormatError(f"not a BIO tag: {tag!r} (is this file tag-first? tag_first={tag_first})",
                              path=path, line=line_no)
    return word.strip() or "_", tag


def _sentence(words: list[str], tags: list[str]) -> tuple[str, list[Span]]:
    text, offsets = join_words(words)
    return text, bio_to_spans(tags, offsets, text)


def read_bio(path: str | Path, tag_first: bool = False, prefix: str = "") -> list[Example]:
    """A token/tag column file as task examples (ids ``prefix`` + sentence number)."""
    return [Example(f"{prefix}{n}", text, entities=[Entity(s.start, s.end, s.label, s.text) for s in spans])
            for n, (text, spans) in enumerate(bio_sentences(path, tag_first))]


def sniff_tag_first(path: str | Path, lines: int = 50) -> bool:
    """True if the first column of a 2-column file looks like BIO tags and the last does not."""
    first = last = 0
    with open_text(path) as f:
        for i, raw in enumerate(f):
            if i >= lines:
                break
            cols = raw.split()
            if len(cols) >= 2 and not cols[0].startswith("-DOCSTART-"):
                first += _is_tag(cols[0])
                last += _is_tag(cols[-1])
    return first > last
