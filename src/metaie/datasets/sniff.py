"""Format sniffing of a user's own text dataset folder: which files are the splits, which format their lines fit.

Split files are looked for under common names (``train``, ``dev``/``devel``/``valid``/``validation``, ``test``)
with common extensions; a format is chosen from whole lines of the head of one split file (a line cut by the
read limit is dropped), and a refusal names the file and line that fit no format.

>>> find_splits({"train.tsv", "devel.tsv", "test.tsv", "README"}, TEXT_EXTS)
{'train': 'train.tsv', 'dev': 'devel.tsv', 'test': 'test.tsv'}
>>> text_format(["good food .####good=O food=T-POS .=O"], "train.txt")
'absa'
>>> text_format(["Tom\\tB-person", "runs\\tO", ""], "train.tsv")
'ner'
"""
from __future__ import annotations

from pathlib import Path

from ..errors import DataFormatError
from .columns import _is_tag

SPLIT_STEMS = {"train": ("train",), "dev": ("dev", "devel", "valid", "validation"), "test": ("test",)}
TEXT_EXTS = ("txt", "tsv", "conll", "bio", "iob", "iob2")
JSON_EXTS = ("json", "jsonl")
HEAD_CHARS = 20000


def find_splits(files: set[str], exts: tuple[str, ...]) -> dict[str, str]:
    """Split name -> file name, for the first stem and extension of each split present in ``files``."""
    out = {}
    for split, stems in SPLIT_STEMS.items():
        hit = next((f"{s}.{e}" for s in stems for e in exts if f"{s}.{e}" in files), None)
        if hit:
            out[split] = hit
    return out


def looked_for() -> str:
    """The split file names looked for, for error messages."""
    stems = "/".join(s for ss in SPLIT_STEMS.values() for s in ss)
    return f"{{{stems}}}.{{{','.join(TEXT_EXTS + JSON_EXTS)}}}"


def head_lines(path: Path, chars: int = HEAD_CHARS) -> list[str]:
    """The whole lines within the first ``chars`` characters of a file (a last line cut by the limit is dropped)."""
    try:
        with open(path, encoding="utf-8") as f:
            head = f.read(chars + 1)
    except (OSError, UnicodeDecodeError) as e:
        raise DataFormatError(f"cannot read as UTF-8 text ({e})", path=path) from None
    lines = head.splitlines()
    if len(head) > chars and not head.endswith(("\n", "\r")) and len(lines) > 1:
        lines.pop()  # cut mid-line by the read limit
    return lines


def _ner_misfit(line: str) -> str | None:
    """Why a line is not a token/tag column line (None if it is one, or blank)."""
    if not line.strip() or line.lstrip().startswith("-DOCSTART-"):
        return None
    cols = line.split("\t") if "\t" in line else line.split()
    if len(cols) < 2:
        return f"1 column ({line[:60]!r}), CoNLL columns need a token and a BIO tag"
    if not (_is_tag(cols[0].strip()) or _is_tag(cols[-1].strip())):
        return f"no BIO tag (O, B-X, I-X) in the first or last column of {line[:60]!r}"
    return None


def text_format(lines: list[str], path: Path | str) -> str:
    """'aste', 'absa', 'srl' or 'ner' for the head lines of a split file; else an error naming the line."""
    first = next((x for x in lines if x.strip()), "")
    if "####" in first:
        fmt = "aste" if "####[" in first else "absa"
        for n, x in enumerate(lines, 1):
            if x.strip() and "####" not in x:
                raise DataFormatError(f"unknown dataset format: line 1 is {fmt.upper()} ('sentence####...') but this "
                                      "line has no '####'", path=path, line=n)
        return fmt
    if any("(V*" in x for x in lines):
        return "srl"
    for n, x in enumerate(lines, 1):
        why = _ner_misfit(x)
        if why:
            raise DataFormatError(f"unknown dataset format: this line fits no known text format: {why}; ABSA/ASTE "
                                  "lines are 'sentence####annotation'", path=path, line=n)
    if not first:
        raise DataFormatError("unknown dataset format: the file is empty", path=path)
    return "ner"
