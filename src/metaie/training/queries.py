"""Turn distillation records into training queries, with negatives sampled by label frequency."""
from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from ..records import Query, Record, count_labels

_WORD = re.compile(r"\w+|[^\w\s]")
MAX_KNOWN_WORDS = 8                   # longer marked texts are not looked for (few, and costly to match)
NEIGHBOUR_BAND = (0.35, 0.6)          # label similarity of a hard negative: siblings, not synonyms (MiniLM-L6)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def known_texts(records: Sequence[Record], min_chars: int = 3) -> dict[str, set[str]]:
    """label -> the texts (lower-cased, as word sequences) the records mark with it: what a negative query for
    that label should not hold. Texts shorter than ``min_chars`` or longer than MAX_KNOWN_WORDS words are left out.

    >>> from metaie.records import Span
    >>> known_texts([Record("Tom met Ann Lee", [Span(8, 15, "person", "Ann Lee"), Span(0, 3, "x", "Tom")])])
    {'person': {'ann lee'}, 'x': {'tom'}}
    """
    out: dict[str, set[str]] = {}
    for r in records:
        for sp in r.spans:
            w = _words(sp.text)
            if len(sp.text.strip()) >= min_chars and 0 < len(w) <= MAX_KNOWN_WORDS:
                out.setdefault(sp.label, set()).add(" ".join(w))
    return out


def _grams(text: str) -> set[str]:
    w = _words(text)
    return {" ".join(w[i:i + n]) for n in range(1, MAX_KNOWN_WORDS + 1) for i in range(len(w) - n + 1)}


def label_neighbours(labels: Sequence[str], encoder: str, k: int = 20, band: tuple[float, float] = NEIGHBOUR_BAND,
                     batch_size: int = 256) -> dict[str, list[str]]:
    """Per label, up to ``k`` other labels whose embeddings (the mean of ``encoder``'s last hidden states over the
    label's tokens, normalised) lie at a cosine similarity within ``band``, most similar first: siblings of one
    kind ("writer" and "politician", "protein" and "gene", "city" and "country"), not synonyms or spellings
    ("writer" and "author", 0.70 with MiniLM-L6; "organization" and "organisation", 0.91), which would make false
    negatives."""
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    labels = list(labels)
    if len(labels) < 2:
        return {}
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        tok, net = AutoTokenizer.from_pretrained(encoder), AutoModel.from_pretrained(encoder).eval()
    finally:
        hf_logging.set_verbosity(verbosity)
    parts = []
    with torch.no_grad():
        for i in range(0, len(labels), batch_size):
            b = tok(labels[i:i + batch_size], padding=True, truncation=True, max_length=24, return_tensors="pt")
            h = net(**{k_: v for k_, v in b.items() if k_ in ("input_ids", "attention_mask", "token_type_ids")})
            m = b["attention_mask"].unsqueeze(-1).to(h.last_hidden_state.dtype)
            parts.append(torch.nn.functional.normalize((h.last_hidden_state * m).sum(1) / m.sum(1), dim=-1))
    emb = torch.cat(parts)
    lo, hi = band
    out: dict[str, list[str]] = {}
    for i in range(0, len(labels), 1024):  # a block of rows at a time: a 20k-label set stays small in memory
        sim = emb[i:i + 1024] @ emb.T
        sim[(sim < lo) | (sim > hi)] = -2.0
        top = sim.topk(min(k, len(labels)), dim=1)
        for r, (vals, idx) in enumerate(zip(top.values.tolist(), top.indices.tolist())):
            near = [labels[j] for v, j in zip(vals, idx) if v > -2.0 and j != i + r]
            if near:
                out[labels[i + r]] = near
    return out


def build_queries(records: Sequence[Record], neg_ratio: float = 1.0, seed: int = 42,
                  label_freq: Counter | None = None, known: Mapping[str, set[str]] | None = None,
                  report: Counter | None = None, hard: float = 0.0,
                  neighbours: Mapping[str, Sequence[str]] | None = None) -> list[Query]:
    """Positive queries for every labelled span set, plus "answer nothing" queries.

    Each record contributes its positive labels, the negatives it lists, and further absent labels
    sampled in proportion to their frequency in the set (UniversalNER's finding: negatives matter)
    until it has ``round(neg_ratio * positives)`` negatives.

    With ``known`` (:func:`known_texts` of the training records), a label is never a negative of a text that holds
    a text marked with that label elsewhere: an LLM annotator lists some of a passage's entities, not all, so
    such a negative is often false. ``report["negatives_dropped"]`` counts the listed negatives this drops.

    With ``hard`` > 0 and ``neighbours`` (:func:`label_neighbours`), that share of the sampled negatives is drawn
    from the neighbours of the record's own labels instead: labels the model must tell apart from those present.

    >>> from metaie.records import Span
    >>> r = [Record("Tom ran", [Span(0, 3, "person", "Tom")]), Record("Ann sat", [Span(0, 3, "name", "Ann")])]
    >>> [(q.label, len(q.spans)) for q in build_queries(r, neg_ratio=1.0, seed=0)]
    [('person', 1), ('name', 0), ('name', 1), ('person', 0)]
    """
    rng = random.Random(seed)
    freq = label_freq if label_freq is not None else count_labels(records)
    pool, weights = list(freq), [freq[k] for k in freq]
    out: list[Query] = []
    for r in records:
        qs = r.queries()
        have = {q.label for q in qs}  # (a dropped negative is not sampled back either)
        grams = _grams(r.text) if known else set()
        if known:
            kept = [q for q in qs if q.spans or not (known.get(q.label, set()) & grams)]
            if report is not None:
                report["negatives_dropped"] += len(qs) - len(kept)
            qs = kept
        out += qs
        positives = set(r.labels)
        need = round(neg_ratio * len(positives)) - (len(qs) - len(positives))
        near = [n for p in sorted(positives) for n in neighbours.get(p, ())] if hard and neighbours else []
        tries = 0
        while need > 0 and pool and tries < 20 * (need + 1):
            tries += 1
            free = [n for n in near if n not in have] if near else []
            lab = rng.choice(free) if free and rng.random() < hard else rng.choices(pool, weights)[0]
            if lab in have:
                continue
            have.add(lab)
            if known and known.get(lab, set()) & grams:
                continue
            out.append(Query(label=lab, text=r.text, spans=[]))
            need -= 1
    return out


def query_stats(queries: Sequence[Query]) -> dict:
    """Counts for manifests: queries, positive/negative queries, spans, distinct labels."""
    pos = sum(1 for q in queries if q.spans)
    return {"queries": len(queries), "positive_queries": pos, "negative_queries": len(queries) - pos,
            "spans": sum(len(q.spans) for q in queries), "labels": len({q.label for q in queries})}
