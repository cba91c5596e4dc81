"""Importers from published label-to-span releases into the distillation JSONL format.

Formats:
- ``metaie``: MetaIE's tagging format, ``{"words": [label words, ":", sentence words], "ner": [B/I/O per word]}``
  (a JSON list or JSON lines); the paper's MetaIE-Pretrain release uses it.
- ``pilener``: UniversalNER's Pile-NER conversations (``[{"conversations": [{"from": "human", "value":
  "Text: ..."}, ..., {"from": "human", "value": "What describes X in the text?"}, {"from": "gpt", "value":
  "[\\"a\\", \\"b\\"]"}]}]``).
- ``gliner``: GLiNER training data, ``[{"tokenized_text": [...], "ner": [[start, end, label], ...]}]`` (inclusive
  word indices).
- ``pilener-instruction``: SLIMER's JSONL, ``{"input": passage, "tagName": label, "output": "[...]"}``.
- ``bio``: ``token<TAB>B-label`` lines, blank line between texts; labels may contain spaces.
- ``sentences-per-type``: ``{label: [{"sentence": ..., "target_words_in_it": [...]}]}``.

Answer strings are placed with :func:`metaie.alignment.align_answer` (exact, then case-insensitive; every
occurrence); what cannot be placed is counted in the :class:`ImportReport`, never silently dropped.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..alignment import align_answer, bio_to_spans, join_words
from ..datasets.columns import bio_sentences
from ..errors import DataFormatError
from ..jsonl import read_json, read_json_items, read_jsonl
from ..records import Record, Span


@dataclass
class ImportReport:
    """Counts of one import: what was read, made, and what could not be aligned."""

    source: str = ""
    items: int = 0
    records: int = 0
    spans: int = 0
    answers: int = 0
    unaligned: int = 0
    unaligned_examples: list[tuple[str, str]] = field(default_factory=list)

    def unplaced(self, label: str, answer: str) -> None:
        self.unaligned += 1
        if len(self.unaligned_examples) < 10:
            self.unaligned_examples.append((label, answer))

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def _aligned_spans(text: str, label: str, answers: list, report: ImportReport) -> list[Span]:
    out = []
    for a in answers:
        if not isinstance(a, str) or not a.strip():
            continue
        report.answers += 1
        hits = align_answer(text, a)
        if not hits:
            report.unplaced(label, a)
        out += [Span(s, e, label, text[s:e]) for s, e in hits]
    return out


def import_metaie_tagging(path: str | Path) -> tuple[list[Record], ImportReport]:
    """MetaIE tagging format: one (label, sentence) query per item; an all-O item is a negative."""
    path = Path(path)
    rep = ImportReport(source=f"metaie:{path.name}")
    records = []
    for n, item in read_json_items(path):
        rep.items += 1
        if not isinstance(item, dict) or "words" not in item or "ner" not in item:
            raise DataFormatError("expected an object with 'words' and 'ner'", path=path, line=n)
        words, tags = item["words"], item["ner"]
        if len(words) != len(tags):
            raise DataFormatError(f"'words' has {len(words)} items but 'ner' has {len(tags)}", path=path, line=n)
        if ":" not in words:
            raise DataFormatError("no ':' separating label words from sentence words", path=path, line=n)
        k = words.index(":")
        label = " ".join(words[:k]).strip()
        text, offsets = join_words(words[k + 1:])
        spans = bio_to_spans(tags[k + 1:], offsets, text, default_label=label)
        spans = [Span(s.start, s.end, label, s.text) for s in spans]
        rep.spans += len(spans)
        records.append(Record(text=text, spans=spans, negatives=[] if spans else [label], source="metaie"))
    rep.records = len(records)
    return records, rep


_QUESTION = re.compile(r"^What describes (.+?) in the text\??$", re.S)


def import_pilener_conversations(path: str | Path) -> tuple[list[Record], ImportReport]:
    """UniversalNER's Pile-NER conversation format: one record per passage; empty answers are negatives."""
    path = Path(path)
    rep = ImportReport(source=f"pilener:{path.name}")
    records = []
    for n, item in read_json_items(path):
        rep.items += 1
        conv = item.get("conversations") if isinstance(item, dict) else None
        if not isinstance(conv, list) or not conv:
            raise DataFormatError("expected an object with a 'conversations' list", path=path, line=n)
        first = str(conv[0].get("value", ""))
        if not first.startswith("Text:"):
            raise DataFormatError("first turn must start with 'Text:'", path=path, line=n)
        text = first[len("Text:"):].strip()
        spans, negatives = [], []
        for q, a in zip(conv[2::2], conv[3::2]):
            m = _QUESTION.match(str(q.get("value", "")).strip())
            if not m:
                continue
            label = m.group(1).strip()
            try:
                answers = json.loads(a.get("value", "[]"))
            except json.JSONDecodeError:
                raise DataFormatError(f"answer for {label!r} is not a JSON list", path=path, line=n) from None
            found = _aligned_spans(text, label, answers if isinstance(answers, list) else [], rep)
            spans += found
            if not answers:
                negatives.append(label)
        rep.spans += len(spans)
        records.append(Record(text=text, spans=spans, negatives=negatives, id=str(item.get("id", "")),
                              source="pilener"))
    rep.records = len(records)
    return records, rep


def import_gliner(path: str | Path) -> tuple[list[Record], ImportReport]:
    """GLiNER training format (inclusive word indices)."""
    path = Path(path)
    rep = ImportReport(source=f"gliner:{path.name}")
    records = []
    for n, item in read_json_items(path):
        rep.items += 1
        if not isinstance(item, dict) or "tokenized_text" not in item or "ner" not in item:
            raise DataFormatError("expected an object with 'tokenized_text' and 'ner'", path=path, line=n)
        words = item["tokenized_text"]
        text, offs = join_words(words)
        spans = []
        for ent in item["ner"]:
            if not (isinstance(ent, (list, tuple)) and len(ent) == 3) or not 0 <= ent[0] <= ent[1] < len(words):
                raise DataFormatError(f"bad entity {ent!r} for {len(words)} words", path=path, line=n)
            s, e, lab = ent
            spans.append(Span(offs[s][0], offs[e][1], str(lab).strip(), text[offs[s][0]:offs[e][1]]))
        rep.spans += len(spans)
        records.append(Record(text=text, spans=spans, source="gliner"))
    rep.records = len(records)
    return records, rep


def import_pilener_instruction(path: str | Path) -> tuple[list[Record], ImportReport]:
    """SLIMER-style (passage, label) JSONL with a JSON list of answers in ``output``."""
    path = Path(path)
    rep = ImportReport(source=f"pilener-instruction:{path.name}")
    records = []
    for n, obj in read_jsonl(path):
        rep.items += 1
        for key in ("input", "tagName", "output"):
            if key not in obj:
                raise DataFormatError(f"missing field '{key}'", path=path, line=n)
        text, label = obj["input"], str(obj["tagName"]).strip()
        try:
            answers = json.loads(obj["output"]) if isinstance(obj["output"], str) else obj["output"]
        except json.JSONDecodeError:
            raise DataFormatError("field 'output' is not a JSON list", path=path, line=n) from None
        spans = _aligned_spans(text, label, answers if isinstance(answers, list) else [], rep)
        rep.spans += len(spans)
        records.append(Record(text=text, spans=spans, negatives=[] if answers else [label],
                              id=str(obj.get("doc_question_pairID", "")), source="pilener-instruction"))
    rep.records = len(records)
    return records, rep


def import_bio(path: str | Path) -> tuple[list[Record], ImportReport]:
    """``token<TAB>tag`` lines, a blank line between texts; tags ``B-free text label`` (read by ``bio_sentences``)."""
    path = Path(path)
    rep = ImportReport(source=f"bio:{path.name}")
    records = [Record(text=text, spans=spans, source="pilener-bio") for text, spans in bio_sentences(path)]
    rep.items = rep.records = len(records)
    rep.spans = sum(len(r.spans) for r in records)
    return records, rep


def import_sentences_per_type(path: str | Path) -> tuple[list[Record], ImportReport]:
    """``{label: [{"sentence": ..., "target_words_in_it": [...]}]}`` example sentences."""
    path = Path(path)
    rep = ImportReport(source=f"sentences-per-type:{path.name}")
    data = read_json(path)
    if not isinstance(data, dict):
        raise DataFormatError("expected a JSON object {label: [examples]}", path=path)
    records = []
    for label, items in data.items():
        for it in items if isinstance(items, list) else []:
            rep.items += 1
            text = it.get("sentence") if isinstance(it, dict) else None
            if not isinstance(text, str):
                raise DataFormatError(f"an example of {label!r} has no 'sentence'", path=path)
            spans = _aligned_spans(text, label.strip(), list(it.get("target_words_in_it", [])), rep)
            rep.spans += len(spans)
            records.append(Record(text=text, spans=spans, negatives=[] if spans else [label.strip()],
                                  source="pilener-sentences"))
    rep.records = len(records)
    return records, rep


IMPORTERS: dict[str, Callable[[str | Path], tuple[list[Record], ImportReport]]] = {
    "metaie": import_metaie_tagging,
    "pilener": import_pilener_conversations,
    "gliner": import_gliner,
    "pilener-instruction": import_pilener_instruction,
    "bio": import_bio,
    "sentences-per-type": import_sentences_per_type,
}
