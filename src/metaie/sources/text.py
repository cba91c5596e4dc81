"""Teacher-free extractive records from raw text, after Cuckoo (Peng et al., 2025).

Next-token extraction: wherever the words that follow a position already occur earlier in the text, the
words just before the position are the query (the label) and the earlier occurrences of what follows are
the spans to tag in the preceding text. Any plain-text corpus works, so meta-training needs no LLM::

    text  = "Marie Curie won the Nobel Prize in 1903. Eight years later Curie won a second"
    label = "later Curie won a second"      (the words just before the position)
    span  = "Nobel Prize"                   (the words after the position, seen earlier in the text)

Positions where the next words do not occur earlier give "answer nothing" records (negatives). Spans
start and end on content words (not punctuation, not stop words), so they look like IE answers.

>>> opts = TextOptions(per_passage=4, negatives=0.0, min_words=10)
>>> recs = extract_records(["Marie Curie won the Nobel Prize in 1903 for physics work. Eight years "
...                         "later she won the Nobel Prize for chemistry."], seed=0, opts=opts)
>>> sorted(r.spans[0].text for r in recs)
['Nobel Prize', 'Prize', 'won the Nobel Prize']
>>> all(r.text[s.start:s.end] == s.text and s.label == r.labels[0] for r in recs for s in r.spans)
True
"""
from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, DataFormatError
from ..jsonl import read_jsonl, text_lines
from ..records import Record, Span

_WORD = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]", re.UNICODE)
_WIKITEXT = [(" @-@ ", "-"), (" @,@ ", ","), (" @.@ ", ".")]
STOP = frozenset(["a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for", "from", "by",
                  "with", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that",
                  "these", "those", "he", "she", "they", "we", "you", "i", "his", "her", "their", "our", "your", "my",
                  "me", "him", "them", "us", "not", "no", "so", "than", "then", "there", "here", "which", "who",
                  "whom", "whose", "what", "when", "where", "why", "how", "all", "any", "each", "both", "few", "more",
                  "most", "other", "some", "such", "only", "own", "same", "too", "very", "can", "will", "just", "do",
                  "does", "did", "has", "have", "had", "would", "should", "could", "may", "might", "must", "shall",
                  "into", "onto", "over", "under", "again", "further", "once", "about", "above", "below", "between",
                  "through", "during", "before", "after", "up", "down", "out", "off", "also", "if", "while",
                  "because", "until", "s", "t"])
SKIP_FILES = {"readme", "readme.md", "source.txt", "license", "license.txt", "readme.txt"}


@dataclass(frozen=True)
class TextOptions:
    """How instances are drawn from each passage."""

    per_passage: int = 4          # positive instances drawn per passage (at most)
    negatives: float = 0.5        # negative instances per positive one
    query_words: tuple[int, int] = (4, 8)   # words in the label (the text just before the position)
    context_words: int = 48       # words of preceding text kept as the record's text (fits a 96-token window)
    max_span_words: int = 5
    min_words: int = 24           # passages shorter than this are skipped


def _is_content(w: str) -> bool:
    return any(c.isalnum() for c in w) and w.lower() not in STOP


def _clean(text: str) -> str:
    for a, b in _WIKITEXT:
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text.replace("<unk>", " ")).strip()


def read_passages(path: str | Path) -> Iterator[str]:
    """Passages of a corpus: a plain-text file (a line each), JSONL with ``text`` (or Cuckoo's ``words``),
    or a folder of such files (README/SOURCE/LICENSE files skipped)."""
    p = Path(path)
    if p.is_dir():
        for f in sorted(p.rglob("*")):
            if f.is_file() and f.name.lower() not in SKIP_FILES and f.suffix.lower() in ("", ".txt", ".jsonl",
                                                                                         ".json", ".ndjson"):
                yield from read_passages(f)
        return
    if not p.is_file():
        raise ConfigError(f"text source {path}: no such file or folder")
    if p.suffix.lower() not in (".jsonl", ".json", ".ndjson"):
        yield from (line for _, line in text_lines(p) if line.strip())
        return
    for n, obj in read_jsonl(p):
        if isinstance(obj.get("text"), str):
            yield from (x for x in obj["text"].split("\n") if x.strip())
        elif isinstance(obj.get("words"), list):
            yield " ".join(str(w) for w in obj["words"] if str(w).strip())
        else:
            raise DataFormatError("expected an object with a 'text' string (or a 'words' list)", path=p, line=n)


def unique_passages(passages: Iterable[str], min_words: int) -> list[str]:
    """Cleaned, de-duplicated passages; a passage that is a prefix of a longer one is dropped (Cuckoo's
    example file holds growing prefixes of each document)."""
    by_head: dict[str, str] = {}
    for raw in passages:
        t = _clean(raw)
        if len(t.split()) < min_words:
            continue
        head = t[:60]
        if len(t) > len(by_head.get(head, "")):
            by_head[head] = t
    return list(by_head.values())


def _occurrences(words: list[str], gram: tuple[str, ...], end: int) -> list[int]:
    k = len(gram)
    return [j for j in range(0, end - k + 1) if tuple(words[j:j + k]) == gram]


def _instances(text: str, opts: TextOptions, rng: random.Random, pid: str) -> list[Record]:
    toks = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
    words = [t[0].lower() for t in toks]
    lo = opts.query_words[1] + 8
    positives: list[tuple[int, int, list[int]]] = []
    negatives: list[int] = []
    first_seen: dict[str, int] = {}
    for i, w in enumerate(words):
        first_seen.setdefault(w, i)
    for i in range(lo, len(words)):
        if not _is_content(words[i]):
            continue
        if first_seen[words[i]] >= i - opts.query_words[1]:
            negatives.append(i)
            continue
        best = None
        for k in range(1, opts.max_span_words + 1):
            if i + k > len(words):
                break
            gram = tuple(words[i:i + k])
            occ = _occurrences(words, gram, i - opts.query_words[1])
            if not occ:
                break
            if _is_content(gram[-1]):
                best = (k, occ)
        if best is None:
            negatives.append(i)
        else:
            positives.append((i, best[0], best[1]))
    rng.shuffle(positives)
    out: list[Record | None] = []
    for i, k, occ in positives[:opts.per_passage]:
        out.append(_record(text, toks, i, k, occ, opts, rng, pid))
    rng.shuffle(negatives)
    n_neg = round(opts.negatives * len(out))
    for i in negatives[:n_neg]:
        out.append(_record(text, toks, i, 0, [], opts, rng, pid))
    return [r for r in out if r is not None]


def _record(text: str, toks: list, i: int, k: int, occ: list[int], opts: TextOptions, rng: random.Random,
            pid: str) -> Record | None:
    qstart = i - rng.randint(*opts.query_words)
    while qstart < i - 1 and not any(c.isalnum() for c in toks[qstart][0]):
        qstart += 1  # a label starts on a word, not on punctuation
    cstart = max(0, qstart - opts.context_words)
    c0 = toks[cstart][1]
    body = text[c0:toks[qstart][1]].rstrip()
    label = text[toks[qstart][1]:toks[i - 1][2]]
    spans = []
    for j in occ:
        if j < cstart or j + k > qstart:
            continue
        s, e = toks[j][1] - c0, toks[j + k - 1][2] - c0
        spans.append(Span(s, e, label, body[s:e]))
    if k and not spans:
        return None
    rid = f"{pid}:{i}"
    return Record(body, spans, [] if spans else [label], id=rid, source="text")


def extract_records(passages: Iterable[str], per_passage: int = 4, seed: int = 42, negatives: float = 0.5,
                    max_records: int | None = None, opts: TextOptions | None = None) -> list[Record]:
    """Next-token-extraction records from passages (seeded, the same in every process)."""
    opts = opts or TextOptions(per_passage=per_passage, negatives=negatives)
    out: list[Record] = []
    for text in unique_passages(passages, opts.min_words):
        pid = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
        rng = random.Random(f"{seed}:{pid}")
        out += _instances(text, opts, rng, pid)
    if max_records is not None and len(out) > max_records:
        out = random.Random(seed).sample(out, max_records)
    return out


def text_records(path: str | Path, seed: int = 42, max_records: int | None = None,
                 opts: TextOptions | None = None) -> tuple[list[Record], dict]:
    """Records and counts from a corpus file or folder (see :func:`read_passages`)."""
    opts = opts or TextOptions()
    passages = list(read_passages(path))
    recs = extract_records(passages, seed=seed, max_records=max_records, opts=opts)
    pos = sum(1 for r in recs if r.spans)
    return recs, {"passages_read": len(passages), "records": len(recs), "positive": pos,
                  "negative": len(recs) - pos, "options": {k: v for k, v in opts.__dict__.items()}}
