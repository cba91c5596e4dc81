"""A spaCy pipeline component: ``nlp.add_pipe("metaie", config={"model": ..., "labels": [...]})``.

- Spans go to ``doc.ents`` (``overlap="likelier"``, the default: of overlapping spans of different labels the
  likelier is kept, as ``MetaIE.extract`` does) or to ``doc.spans[spans_key]`` (``overlap="keep"``; the group's
  ``attrs["scores"]`` holds the scores, as spaCy's spancat does); every span's score is also ``span._.metaie_score``.
  A saved config's older ``true`` / ``false`` still reads as keep / likelier.
- **Alignment rule**: a character span becomes the smallest token span covering it (``doc.char_span(...,
  alignment_mode="expand")``, or the ``alignment`` setting); spans that cannot align (only whitespace) and,
  for ``doc.ents``, spans that overlap an earlier-kept longer span after expansion are counted in
  ``doc._.metaie_unaligned`` and ``component.unaligned``.
- With ``task``/``schema`` (an adapter: RE, EE, ASTE...), entities (event triggers and arguments, aspects and
  opinions) are spans as above, and ``doc._.metaie_relations`` holds ``(head Span, label, tail Span)`` triples.
- ``nlp.pipe`` runs one ``extract_batch`` (or one Extractor pass) per batch of docs.
- Serialisation: ``nlp.to_disk`` **copies** the model into the pipeline folder (``<pipe>/model``), and
  ``spacy.load`` reads it from there, so the saved pipeline is self-contained. The model is loaded lazily.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan
from spacy.util import filter_spans, minibatch

from ..errors import ConfigError
from ..records import overlap_rule
from .records import example_parts

if TYPE_CHECKING:
    from ..model.tagger import MetaIE
    from ..pipeline import Extractor

for _name, _default, _cls in (("metaie_score", None, SpacySpan), ("metaie_relations", None, Doc),
                              ("metaie_unaligned", 0, Doc)):
    if not _cls.has_extension(_name):
        _cls.set_extension(_name, default=_default)


class NoModelError(ConfigError):
    """No model configured (config 'model')."""


class MetaIEComponent:
    """The ``metaie`` pipe: label-to-span extraction into ``doc.ents`` / ``doc.spans`` (see the module doc)."""

    def __init__(self, nlp: Language, name: str, model: str | None, labels: list[str], threshold: float | None,
                 overlap: str | bool | None, spans_key: str, task: str | None, schema: str | None, batch_size: int,
                 alignment: str):
        if not labels and schema is None:
            raise ConfigError("the metaie pipe needs labels (config 'labels') or a task 'schema'")
        if alignment not in ("expand", "contract", "strict"):
            raise ConfigError(f"alignment must be expand, contract or strict, not {alignment!r}")
        self.name, self.model_path, self.labels = name, model, list(labels)
        self.threshold, self.overlap, self.spans_key = threshold, overlap_rule(overlap), spans_key
        self.task, self.schema, self.batch_size, self.alignment = task, schema, batch_size, alignment
        self._model: MetaIE | None = None
        self._extractor: Extractor | None = None
        self.unaligned = 0

    # ------------------------------------------------------------------ model
    # Not named ``model``: spaCy's protocol checks (``isinstance(pipe, ListenedToComponent)``, run whenever a pipe
    # is added or a pipeline loaded) probe ``hasattr(pipe, "model")`` in a hash-seeded order. A lazy ``model``
    # property then loaded the model during ``spacy.load`` from the path in the saved config, before ``from_disk``
    # pointed it at the pipeline's own copy, and failed when that original folder was gone.
    @property
    def meta_model(self) -> MetaIE:
        """The MetaIE model, loaded on first use."""
        if self._model is None:
            if self.model_path is None:
                raise NoModelError("the metaie pipe has no model: set config 'model' to a metaie model directory")
            from .. import MetaIE
            self._model = MetaIE.from_pretrained(self.model_path)
        return self._model

    def _predict(self, texts: list[str]):
        if self.schema is None:
            spans = self.meta_model.extract_batch(texts, self.labels, threshold=self.threshold,
                                             batch_size=self.batch_size, overlap=self.overlap)
            return [(s, []) for s in spans]
        if self._extractor is None:
            from ..pipeline import Extractor
            self._extractor = Extractor(self.meta_model, task=self.task, schema=self.schema, threshold=self.threshold,
                                        batch_size=self.batch_size, overlap=self.overlap)
        return [example_parts(ex) for ex in self._extractor.extract_batch(texts)]

    # ------------------------------------------------------------------ pipe
    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for docs in minibatch(stream, size=batch_size):
            for doc, (spans, rels) in zip(docs, self._predict([d.text for d in docs])):
                yield self._set(doc, spans, rels)

    def _align(self, doc: Doc, s) -> SpacySpan | None:
        return doc.char_span(s.start, s.end, label=s.label, alignment_mode=self.alignment)

    def _set(self, doc: Doc, spans, rels) -> Doc:
        aligned = {}
        for s in spans:
            sp = self._align(doc, s)
            if sp is None or len(sp) == 0:
                continue
            sp._.metaie_score = s.score
            aligned[s.key] = sp
        kept = list(aligned.values())
        if self.overlap == "keep":
            doc.spans[self.spans_key] = kept
            doc.spans[self.spans_key].attrs["scores"] = [sp._.metaie_score for sp in kept]
        else:
            kept = filter_spans(kept)
            doc.ents = kept
        lost = len(spans) - len(kept)
        doc._.metaie_unaligned = lost
        self.unaligned += lost
        live = {id(sp) for sp in kept}
        doc._.metaie_relations = [(aligned[h.key], lab, aligned[t.key]) for h, t, lab in rels
                                  if id(aligned.get(h.key)) in live and id(aligned.get(t.key)) in live]
        return doc

    # ------------------------------------------------------------------ serialisation
    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        """Copy the model into ``path/model`` (the saved pipeline carries its model)."""
        Path(path).mkdir(parents=True, exist_ok=True)
        self.meta_model.save_pretrained(Path(path) / "model")

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> MetaIEComponent:
        """Use the model copied by :meth:`to_disk`."""
        self.model_path, self._model, self._extractor = str(Path(path) / "model"), None, None
        return self


@Language.factory("metaie", default_config={"model": None, "labels": [], "threshold": None, "overlap": "likelier",
                                            "spans_key": "metaie", "task": None, "schema": None, "batch_size": 64,
                                            "alignment": "expand"})
def make_metaie(nlp: Language, name: str, model: str | None, labels: list[str], threshold: float | None,
                overlap: str | bool | None, spans_key: str, task: str | None, schema: str | None, batch_size: int,
                alignment: str) -> MetaIEComponent:
    """The spaCy factory (registered through the ``spacy_factories`` entry point)."""
    return MetaIEComponent(nlp, name, model, labels, threshold, overlap, spans_key, task, schema, batch_size,
                           alignment)


def info(doc: Doc) -> dict[str, Any]:
    """The metaie results of a doc as plain data (for display and tests)."""
    return {"ents": [(e.text, e.label_, e._.metaie_score) for e in doc.ents],
            "relations": [(h.text, lab, t.text) for h, lab, t in doc._.metaie_relations or []],
            "unaligned": doc._.metaie_unaligned}
