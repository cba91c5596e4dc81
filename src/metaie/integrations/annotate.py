"""Pre-annotation: run a model over texts and write them for an annotation tool (Label Studio tasks with the
labelling config beside them, or doccano JSONL), and convert a tool's export back into records.

>>> sorted(FORMATS)
['doccano', 'label-studio']
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataFormatError
from ..jsonl import atomic_open, read_jsonl, write_jsonl
from ..records import overlap_rule
from . import doccano, label_studio
from .records import Relation, example_parts

FORMATS = ("label-studio", "doccano")


def read_texts(path: str | Path, text_field: str = "text") -> list[tuple[str, str]]:
    """(id, text) pairs of a JSONL file; the id is the record's ``id`` or its line number."""
    out = []
    for n, obj in read_jsonl(path):
        t = obj.get(text_field)
        if not isinstance(t, str):
            raise DataFormatError(f"missing string field {text_field!r} (set --text-field)", path=path, line=n)
        out.append((str(obj.get("id", n)), t))
    if not out:
        raise DataFormatError("no texts in file", path=path)
    return out


def predict(model, texts: Sequence[str], labels: Sequence[str] | None = None, schema=None, task=None,
            threshold: float | None = None, batch_size: int = 64, overlap: str | None = None, *,
            allow_overlap: bool | None = None) -> list[tuple[list, list[Relation]]]:
    """(spans, relations) per text: plain labels through ``extract_batch``, or a task schema through
    :class:`metaie.pipeline.Extractor` (entities, relations, events, triplets). ``overlap`` (keep | likelier)
    defaults to ``extract_batch``'s (likelier) for labels and to the schema's own for a schema."""
    if schema is not None:
        from ..pipeline import Extractor
        ex = Extractor(model, task=task, schema=schema, threshold=threshold, batch_size=batch_size,
                       overlap=None if overlap is None and allow_overlap is None
                       else overlap_rule(overlap, allow_overlap))
        return [example_parts(e) for e in ex.extract_batch(list(texts))]
    if not labels:
        raise ConfigError("give --labels (or --schema for task-shaped pre-annotation)")
    spans = model.extract_batch(list(texts), list(labels), threshold=threshold, batch_size=batch_size,
                                overlap=overlap_rule(overlap, allow_overlap))
    return [(s, []) for s in spans]


_SPAN_KINDS = {"ner": ("entity",), "re": ("entity",), "ee": ("event",), "srl": (), "absa": ("polarity",),
               "aste": ()}
_REL_KINDS = {"re": ("relation",), "ee": ("role",), "aste": ("polarity",)}


def tool_labels(preds, labels: Sequence[str] | None, schema=None) -> tuple[list[str], list[str]]:
    """Span labels and relation labels the tool's config must offer: the given labels or the schema's
    (see :func:`metaie.integrations.records.example_parts` for which kinds become spans), plus any predicted."""
    spans, rels = list(labels or []), []
    if schema is not None:
        from ..tasks.schema import load_schema
        s = schema if hasattr(schema, "labels") else load_schema(schema)
        by_kind = s.labels()
        spans += [lab for k in _SPAN_KINDS.get(s.task, ()) for lab in sorted(by_kind[k])]
        spans += ["aspect", "opinion"] if s.task == "aste" else []
        rels += [lab for k in _REL_KINDS.get(s.task, ()) for lab in sorted(by_kind[k])]
    for sp, rl in preds:
        spans += [x.label for x in sp]
        rels += [lab for _, _, lab in rl]
    return list(dict.fromkeys(spans)), list(dict.fromkeys(rels))


def write_for_tool(fmt: str, out: str | Path, items: Sequence[tuple[str, str]], preds, span_labels: list[str],
                   rel_labels: list[str], model_version: str = "metaie", offsets: str = "utf16") -> dict[str, Any]:
    """Write pre-annotated tasks; Label Studio also gets ``<out stem>.config.xml``."""
    if fmt == "label-studio":
        import json
        tasks = [label_studio.make_task(rid, text, sp, rl, model_version)
                 for (rid, text), (sp, rl) in zip(items, preds)]
        with atomic_open(out) as f:
            json.dump(tasks, f, ensure_ascii=False, indent=1)
        cfg = Path(out).with_suffix(".config.xml")
        with atomic_open(cfg) as f:
            f.write(label_studio.labeling_config(span_labels, rel_labels))
        return {"tasks": len(tasks), "config": str(cfg)}
    if fmt == "doccano":
        n = write_jsonl(out, doccano.lines(((rid, text, sp, rl) for (rid, text), (sp, rl) in zip(items, preds)),
                                           offsets))
        return {"lines": n}
    raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def import_export(fmt: str, path: str | Path, out: str | Path, rule: str = "latest", offsets: str = "utf16",
                  text_field: str = "text") -> dict[str, Any]:
    """Read a tool's export and write the records (JSONL that ``metaie train`` reads); returns counts."""
    if not Path(path).is_file():
        raise DataFormatError("file not found (the tool's export)", path=path)
    if fmt == "label-studio":
        recs, rep = label_studio.read_export(path, rule=rule, text_field=text_field)
    elif fmt == "doccano":
        recs, rep = doccano.read_file(path, offsets=offsets)
    else:
        raise ConfigError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if not recs:
        raise DataFormatError("no annotated task in the export (only predictions or skipped tasks?)", path=path)
    write_jsonl(out, recs)
    return {**rep, "out": str(out)}
