"""Build one distillation set from the LLM-made label-to-span sets in the data root.

Sources (under the data root): ``pilener_391_bio`` (BIO passages and example sentences),
``pilener_derived_sample`` (passage-label JSONL), ``gliner_sample`` and ``metaie_distill_sample``.
Records are de-duplicated by text; optionally split into sentences (the paper distils single sentences).
"""
from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..datasets.root import dataset_dir
from ..errors import ConfigError
from ..records import Record
from .distill_set import dedupe_by_text
from .importers import (
    ImportReport,
    import_bio,
    import_gliner,
    import_metaie_tagging,
    import_pilener_instruction,
    import_sentences_per_type,
)
from .sentences import SplitReport, split_into_sentences

BUNDLED_SOURCES = {
    "pilener_391_bio": [("bio", "dev.txt"), ("sentences-per-type", "sentences_per_ne_type.json")],
    "pilener_derived_sample": [("pilener-instruction", "5pos_5neg_perNE_top391NEs_FalseDef/validation.jsonl")],
    "gliner_sample": [("gliner", "sample_data.json")],
    "metaie_distill_sample": [("metaie", "distill/metaie.json")],
}
# named parts of the bundled set (``--data bundled:ner``): the entity-type distillation sets (UniversalNER's
# Pile-NER, GLiNER's sample) and the open-label MetaIE sample ("important information", any label)
BUNDLED_GROUPS = {"ner": ["pilener_391_bio", "pilener_derived_sample", "gliner_sample"],
                  "open": ["metaie_distill_sample"]}
_FUNCS = {"bio": import_bio, "sentences-per-type": import_sentences_per_type, "gliner": import_gliner,
          "pilener-instruction": import_pilener_instruction, "metaie": import_metaie_tagging}


@dataclass
class BundleReport:
    imports: list[dict] = field(default_factory=list)
    records_before_dedupe: int = 0
    records_after_dedupe: int = 0
    split: dict | None = None
    empty_sentences_dropped: int = 0
    records: int = 0
    spans: int = 0
    labels: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def build_bundled(root: str | Path | None = None, sentences: bool = True, keep_empty: float = 0.1,
                  seed: int = 42, group: str | None = None) -> tuple[list[Record], BundleReport]:
    """Import, merge and de-duplicate the bundled sets; with ``sentences`` split passages into sentences.

    ``keep_empty`` is the share of span-less sentences kept (they still teach "answer nothing");
    ``group`` keeps one named part (a key of ``BUNDLED_GROUPS``).
    """
    if group is not None and group not in BUNDLED_GROUPS:
        raise ConfigError(f"--data bundled:{group}: unknown part; known: "
                          + ", ".join(f"bundled:{g}" for g in BUNDLED_GROUPS))
    rep = BundleReport()
    records: list[Record] = []
    for name, files in BUNDLED_SOURCES.items():
        if group is not None and name not in BUNDLED_GROUPS[group]:
            continue
        folder = dataset_dir(name, root)
        for fmt, rel in files:
            recs, r = _FUNCS[fmt](folder / rel)
            for x in recs:
                x.source = name
            records += recs
            rep.imports.append(r.to_dict() if isinstance(r, ImportReport) else r)
    rep.records_before_dedupe = len(records)
    records = dedupe_by_text(records)
    rep.records_after_dedupe = len(records)
    if sentences:
        srep = SplitReport()
        records = dedupe_by_text(split_into_sentences(records, srep))
        rep.split = asdict(srep)
        rng = random.Random(seed)
        kept = [r for r in records if r.spans or rng.random() < keep_empty]
        rep.empty_sentences_dropped = len(records) - len(kept)
        records = kept
    for i, rec in enumerate(records):
        rec.id = rec.id or f"bundled-{i}"
    rep.records = len(records)
    rep.spans = sum(len(r.spans) for r in records)
    rep.labels = len({s.label for r in records for s in r.spans})
    return records, rep
