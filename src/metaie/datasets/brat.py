"""brat standoff (``.txt`` + ``.ann`` per document, e.g. JNLPBA train) -> sentence Examples.

Each document is split into sentences at ``[.?!]`` followed by space and an upper-case letter or
bracket (never inside an entity), then tokenised into alphanumeric runs and single symbols; the
tokens are re-joined with single spaces. An entity is kept if its ends fall on token boundaries
("aligned"); the count of aligned and dropped entities is returned with the examples.

>>> sentences("Tom runs. He (Ro) won.", [])
[(0, 9), (10, 22)]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataFormatError
from ..jsonl import open_text, read_text
from ..tasks.structures import Entity, Example

_SENT = re.compile(r"(?<=[.?!])\s+(?=[A-Z(\[])")
_TOKEN = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9]")


@dataclass
class AlignmentReport:
    """How many standoff entities landed on token boundaries of the converted text."""

    total: int = 0
    aligned: int = 0

    @property
    def dropped(self) -> int:
        return self.total - self.aligned


def read_ann(path: Path) -> list[tuple[int, int, str, str]]:
    """Text-bound annotations ``T<id>\\t<type> <start> <end>\\t<text>`` (discontinuous ones use their hull)."""
    out = []
    with open_text(path) as f:
        for line_no, line in enumerate(f, 1):
            if not line.startswith("T"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2:
                raise DataFormatError("expected T<id>\\t<type> <start> <end>\\t<text>", path=path, line=line_no)
            try:
                typ, rest = parts[1].split(" ", 1)
                nums = [int(x) for x in re.split(r"[ ;]", rest) if x]
            except ValueError:
                raise DataFormatError(f"bad offsets in {parts[1]!r}", path=path, line=line_no) from None
            out.append((min(nums), max(nums), typ, parts[2] if len(parts) > 2 else ""))
    return out


def sentences(text: str, entities: list[tuple[int, int, str, str]]) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets; a boundary inside an entity is skipped."""
    bounds, start = [], 0
    for m in _SENT.finditer(text):
        if any(s < m.start() < e for s, e, *_ in entities):
            continue
        bounds.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        bounds.append((start, len(text.rstrip())))
    return [(s, e) for s, e in bounds if text[s:e].strip()]


def read_standoff_dir(folder: str | Path, prefix: str = "") -> tuple[list[Example], AlignmentReport]:
    """All ``*.txt``/``*.ann`` pairs of a folder, in file-name order, as tokenised sentences."""
    folder = Path(folder)
    report = AlignmentReport()
    examples: list[Example] = []
    txts = sorted(folder.glob("*.txt"))
    if not txts:
        raise DataFormatError("no .txt/.ann standoff documents here", path=folder)
    for txt in txts:
        ann = txt.with_suffix(".ann")
        if not ann.exists():
            raise DataFormatError("standoff .txt without its .ann", path=txt)
        doc = read_text(txt)
        ents = read_ann(ann)
        report.total += len(ents)
        for k, (ss, se) in enumerate(sentences(doc, ents)):
            toks = [(m.start() + ss, m.end() + ss) for m in _TOKEN.finditer(doc[ss:se])]
            new_start: dict[int, int] = {}
            new_end: dict[int, int] = {}
            pos, words = 0, []
            for a, b in toks:
                new_start[a], new_end[b] = pos, pos + (b - a)
                words.append(doc[a:b])
                pos += b - a + 1
            text = " ".join(words)
            out = []
            for s, e, typ, _ in ents:
                if ss <= s and e <= se and s in new_start and e in new_end:
                    out.append(Entity(new_start[s], new_end[e], typ, text[new_start[s]:new_end[e]]))
            report.aligned += len(out)
            examples.append(Example(f"{prefix}{txt.stem}.{k}", text, entities=sorted(out)))
    return examples, report
