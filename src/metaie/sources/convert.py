"""Convert published data into one distillation JSONL file, with a report of what was read and aligned."""
from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from .distill_set import dedupe_by_text, save_records
from .importers import IMPORTERS
from .sentences import SplitReport, split_into_sentences


def convert(fmt: str, paths: list[str], out: str | Path, sentences: bool = False,
            data_root: str | None = None) -> dict:
    """Import ``paths`` in format ``fmt`` (or the bundled sets), de-duplicate by text, write ``out`` atomically."""
    if fmt == "bundled":
        from .bundled import build_bundled
        records, rep = build_bundled(data_root, sentences=sentences)
        report = rep.to_dict()
    else:
        if fmt not in IMPORTERS:
            raise ConfigError(f"unknown format {fmt!r}: choose one of {', '.join(IMPORTERS)}, bundled")
        if not paths:
            raise ConfigError("no input files given")
        records, imports = [], []
        for p in paths:
            recs, r = IMPORTERS[fmt](p)
            records += recs
            imports.append(r.to_dict())
        records = dedupe_by_text(records)
        report = {"imports": imports, "records_after_dedupe": len(records)}
        if sentences:
            srep = SplitReport()
            records = dedupe_by_text(split_into_sentences(records, srep))
            report["split"] = srep.__dict__
    report["written"] = save_records(out, records)
    report["out"] = str(out)
    return report
