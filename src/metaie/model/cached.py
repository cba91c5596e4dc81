"""A model whose ``predict_queries`` keeps each (label, text)'s token probabilities, so that decoding the same
queries again, at another threshold or extend ratio, costs no network pass: what choosing a threshold on a dev
split (``metaie finetune --tune-threshold``) and the threshold benchmarks in ``bench/`` run. A multi-stage task's
later queries depend on the earlier answers, so only the queries that recur are saved; the decoding is
``MetaIE.predict_queries``'s own.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..records import Query, Span
from .tagger import MetaIE, query_spans


class CachedModel:
    """``model.predict_queries`` with the probabilities of every (label, text) asked kept in ``cache``."""

    def __init__(self, model: MetaIE, batch_size: int = 64):
        self.model, self.batch_size = model, batch_size
        self.config = model.config
        self.threshold_or_default = model.threshold_or_default
        self.extend_ratio = model.config.extend_ratio  # the model's own decoding; a caller may set another
        self.cache: dict[tuple[str, str], tuple[np.ndarray, list[tuple[int, int]]]] = {}

    def keys(self, q: Query) -> list[tuple[str, str]]:
        """The (label, text) pairs whose probabilities answering ``q`` needs (a subclass may ask more)."""
        return [(q.label, q.text)]

    def probs(self, q: Query) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """``q``'s token probabilities and offsets, from the cache."""
        return self.cache[(q.label, q.text)]

    def predict_queries(self, queries: Sequence[Query], threshold: float | None = None, batch_size: int | None = None,
                        snap_words: bool = True) -> list[list[Span]]:
        todo = list(dict.fromkeys(k for q in queries if q.text.strip() for k in self.keys(q) if k not in self.cache))
        if todo:
            got = self.model.query_probs([k[0] for k in todo], [k[1] for k in todo], batch_size or self.batch_size)
            self.cache.update(zip(todo, got))
        out: list[list[Span]] = []
        for q in queries:
            if not q.text.strip():
                out.append([])
                continue
            probs, offsets = self.probs(q)
            out.append(query_spans(q, probs, offsets, self.model.label_threshold(q.label, threshold), snap_words,
                                   self.extend_ratio))
        return out
