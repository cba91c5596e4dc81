"""Semantic role labelling files: QA-SRL gold CSV (questions as roles) and CoNLL-2005/2012 bracket columns.

An SRL frame is an ``Event`` whose trigger is the predicate (type ``V``) and whose arguments are typed
by role (a QA-SRL question, or a PropBank label such as ``ARG0``).

CoNLL layouts (a user's own licensed files): ``conll2012`` = OntoNotes ``*_conll`` (word in column 4,
argument columns 12..second-to-last); ``conll2005`` = ``paste words props`` (word in column 1, target
verb in column 2, argument columns from 3). Brackets: ``(ARG0*`` opens, ``*)`` closes, ``(V*)`` is one word.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from ..alignment import join_words
from ..errors import DataFormatError
from ..jsonl import open_text
from ..tasks.structures import Entity, Event, Example

PREDICATE = "V"


def read_qasrl(gold_csv: str | Path, sentences_csv: str | Path, prefix: str = "") -> list[Example]:
    """QA-SRL gold rows grouped per sentence and verb; each answer span is an argument whose role is the question."""
    gold_csv, sentences_csv = Path(gold_csv), Path(sentences_csv)
    tokens: dict[str, list[str]] = {}
    with open_text(sentences_csv) as f:
        for n, row in enumerate(csv.DictReader(f), 2):
            if "qasrl_id" not in row or "tokens" not in row:
                raise DataFormatError("expected columns qasrl_id, tokens", path=sentences_csv, line=n)
            tokens[row["qasrl_id"]] = row["tokens"].split(" ")
    frames: dict[str, dict[int, set]] = defaultdict(lambda: defaultdict(set))
    with open_text(gold_csv) as f:
        for n, row in enumerate(csv.DictReader(f), 2):
            try:
                sid, v, q = row["qasrl_id"], int(row["verb_idx"]), row["question"]
                if sid not in tokens:
                    raise DataFormatError(f"sentence {sid!r} not in {sentences_csv.name}", path=gold_csv, line=n)
                frames[sid].setdefault(v, set())
                for rng in filter(None, (row["answer_range"] or "").split("~!~")):
                    a, b = (int(x) for x in rng.split(":"))
                    frames[sid][v].add((a, b, q))
            except (KeyError, ValueError, TypeError) as e:
                raise DataFormatError(f"not a QA-SRL gold row ({e!r})", path=gold_csv, line=n) from None
    out = []
    for sid in sorted(frames, key=lambda s: list(tokens).index(s) if s in tokens else 0):
        text, offs = join_words(tokens[sid])
        events = []
        for v, args in sorted(frames[sid].items()):
            pred = Entity(offs[v][0], offs[v][1], PREDICATE, text[offs[v][0]:offs[v][1]])
            ents = {Entity(offs[a][0], offs[b - 1][1], q, text[offs[a][0]:offs[b - 1][1]]) for a, b, q in args}
            events.append(Event(pred, tuple(sorted(ents))))
        out.append(Example(f"{prefix}{sid}", text, events=events))
    return out


def _brackets(col: list[str], path: Path, line: int) -> list[tuple[int, int, str]]:
    spans, open_ = [], None
    for i, cell in enumerate(col):
        if "(" in cell:
            if open_ is not None:
                raise DataFormatError(f"nested bracket {cell!r}", path=path, line=line + i)
            open_ = (i, cell[cell.index("(") + 1:].split("*")[0])
        if ")" in cell:
            if open_ is None:
                raise DataFormatError(f"closing bracket without opening {cell!r}", path=path, line=line + i)
            spans.append((open_[0], i + 1, open_[1]))
            open_ = None
    return spans


def read_conll_srl(path: str | Path, layout: str = "conll2012", prefix: str = "") -> list[Example]:
    """CoNLL-2005 / CoNLL-2012 SRL columns -> frames (one Event per predicate column)."""
    path = Path(path)
    if layout not in ("conll2005", "conll2012"):
        raise DataFormatError(f"unknown SRL layout {layout!r}: use conll2005 or conll2012", path=path)
    out: list[Example] = []
    block: list[list[str]] = []
    start_line = 1

    def flush() -> None:
        if not block:
            return
        words = [r[3] if layout == "conll2012" else r[0] for r in block]
        cols = (lambda r: r[11:-1]) if layout == "conll2012" else (lambda r: r[2:])
        widths = {len(cols(r)) for r in block}
        if len(widths) != 1:
            raise DataFormatError("rows of one sentence have different numbers of argument columns",
                                  path=path, line=start_line)
        text, offs = join_words(words)
        events = []
        for k in range(widths.pop()):
            spans = _brackets([cols(r)[k] for r in block], path, start_line)
            preds = [(a, b) for a, b, r in spans if r == "V"]
            if not preds:
                raise DataFormatError(f"argument column {k + 1} has no (V*) predicate", path=path, line=start_line)
            a, b = preds[0]
            pred = Entity(offs[a][0], offs[b - 1][1], PREDICATE, text[offs[a][0]:offs[b - 1][1]])
            args = {Entity(offs[s][0], offs[e - 1][1], r, text[offs[s][0]:offs[e - 1][1]])
                    for s, e, r in spans if r != "V"}
            events.append(Event(pred, tuple(sorted(args))))
        out.append(Example(f"{prefix}{len(out)}", text, events=events))
        block.clear()

    with open_text(path) as f:
        for n, line in enumerate(f, 1):
            if line.startswith("#"):
                continue
            cols = line.split()
            if not cols:
                flush()
                start_line = n + 1
                continue
            if not block:
                start_line = n
            if len(cols) < (12 if layout == "conll2012" else 2):
                raise DataFormatError(f"too few columns for {layout}", path=path, line=n)
            block.append(cols)
    flush()
    return out
