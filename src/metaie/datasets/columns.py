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

from pathlib import Path

from ..alignment import bio_to_spans, join_words
from ..errors import DataFormatError
from ..jsonl import open_text
from ..tasks.structures import Entity, Example

_PREFIXES = ("B-", "I-", "E-", "S-", "U-")


def _is_tag(s: str) -> bool:
    return s == "O" or s.startswith(_PREFIXES)


def read_bio(path: str | Path, tag_first: bool = False, prefix: str = "") -> list[Example]:
    """Read a token/tag column file: the token is the first column and the tag the last (or the reverse)."""
    path = Path(path)
    examples: list[Example] = []
    words: list[str] = []
    tags: list[str] = []

    def flush() -> None:
        if words:
            text, offsets = join_words(words)
            spans = bio_to_spans(tags, offsets, text)
            examples.append(Example(f"{prefix}{len(examples)}", text,
                                    entities=[Entity(s.start, s.end, s.label, s.text) for s in spans]))
            words.clear()
            tags.clear()

    with open_text(path) as f:
        for line_no, raw in enumerate(f, 1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                flush()
                continue
            cols = line.split("\t") if "\t" in line else line.split()
            if cols[0].startswith("-DOCSTART-"):
                flush()
                continue
            if len(cols) < 2:
                raise DataFormatError(f"expected a token and a tag, got {line!r}", path=path, line=line_no)
            word, tag = (cols[-1], cols[0]) if tag_first else (cols[0], cols[-1])
            tag = tag.strip()
            if not _is_tag(tag):
                raise DataFormatError(f"not a BIO tag: {tag!r} (is this file tag-first? tag_first={tag_first})",
                                      path=path, line=line_no)
            words.append(word.strip() or "_")
            tags.append(tag)
    flush()
    return examples


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
