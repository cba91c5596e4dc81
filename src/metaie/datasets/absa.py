"""Aspect-based sentiment files: BERT-E2E-ABSA ``sentence####word=T-POS ...`` (aspect + polarity) and
ASTE-Data-V2 ``sentence####[([aspect idx], [opinion idx], 'POS'), ...]`` triplets.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
>>> _ = p.write_text("good food .####good=O food=T-POS .=O\\n")
>>> read_absa_e2e(p)[0].entities
[Entity(start=5, end=9, type='POS', text='food')]
"""
from __future__ import annotations

import ast
from pathlib import Path

from ..alignment import join_words
from ..errors import DataFormatError
from ..jsonl import open_text
from ..tasks.structures import Entity, Example, Triplet


def _lines(path: Path):
    with open_text(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n").rstrip("\r")
            if line.strip():
                if "####" not in line:
                    raise DataFormatError("expected 'sentence####annotation'", path=path, line=n)
                yield n, *line.split("####", 1)


def read_absa_e2e(path: str | Path, prefix: str = "") -> list[Example]:
    """Unified tags ``T-POS/T-NEG/T-NEU``; consecutive words with the same tag form one aspect."""
    path = Path(path)
    out = []
    for n, _, ann in _lines(path):
        words, tags = [], []
        for item in ann.split(" "):
            if not item:
                continue
            w, sep, tag = item.rpartition("=")
            if not sep or not (tag == "O" or tag.startswith("T-")):
                raise DataFormatError(f"expected word=TAG, got {item!r}", path=path, line=n)
            words.append(w)
            tags.append(tag)
        text, offs = join_words(words)
        ents, cur = [], None
        for (s, e), tag in zip(offs, tags):
            if tag == "O":
                cur = None
                continue
            pol = tag[2:]
            if cur is not None and cur[2] == pol:
                cur[1] = e
            else:
                cur = [s, e, pol]
                ents.append(cur)
        out.append(Example(f"{prefix}{n}", text, entities=[Entity(s, e, p, text[s:e]) for s, e, p in ents]))
    return out


def read_aste(path: str | Path, prefix: str = "") -> list[Example]:
    """ASTE-V2 lines; aspect and opinion word indices (contiguous) -> char spans; aspects also kept as entities."""
    path = Path(path)
    out = []
    for n, sent, ann in _lines(path):
        words = sent.split()
        text, offs = join_words(words)
        try:
            raw = ast.literal_eval(ann)
            trips = []
            for a, o, pol in raw:
                sa = Entity(offs[a[0]][0], offs[a[-1]][1], "aspect", "")
                so = Entity(offs[o[0]][0], offs[o[-1]][1], "opinion", "")
                trips.append(Triplet(Entity(sa.start, sa.end, "aspect", text[sa.start:sa.end]),
                                     Entity(so.start, so.end, "opinion", text[so.start:so.end]), str(pol)))
        except (ValueError, SyntaxError, IndexError, TypeError) as e:
            raise DataFormatError(f"bad triplet list ({e!r})", path=path, line=n) from None
        out.append(Example(f"{prefix}{n}", text, triplets=sorted(set(trips))))
    return out
