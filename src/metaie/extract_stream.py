"""Stream extraction over a JSONL file of any size: read in chunks, write as it goes, resume after interruption.

Each output line is ``{"line": N, "id": ..., "text": ..., "spans": [...]}`` for input line N (spans carry
``label, start, end, text, score``), in input order, so the output doubles as a distillation-format file.
On restart, the complete lines already in the output are checked against the input (same line number
and id) and skipped; a partial last line (the process was killed while writing it) is cut off. A manifest
``<output>.manifest.json`` records the settings; resuming with different settings is refused.

>>> extract_file(model, "big.jsonl", "spans.jsonl", ["person", "location"])   # doctest: +SKIP
StreamStats(written=10000, skipped=0, seconds=41.2)
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, DataFormatError
from .jsonl import read_jsonl, write_json


@dataclass
class StreamStats:
    """What one call did: lines written now, lines found done from an earlier run, wall time."""

    written: int
    skipped: int
    seconds: float

    @property
    def texts_per_second(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else 0.0


def manifest_path(output: str | os.PathLike) -> Path:
    return Path(str(output) + ".manifest.json")


def count_lines(path: str | os.PathLike) -> int:
    """Non-blank lines of a file, read line by line in binary (for the progress bar's total)."""
    n = 0
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                n += 1
    return n


def _input_rows(path: Path, text_field: str) -> Iterator[tuple[int, object, str]]:
    for line_no, obj in read_jsonl(path):
        text = obj.get(text_field)
        if not isinstance(text, str):
            found = "no such field" if text_field not in obj else f"a {type(text).__name__}"
            raise DataFormatError(f"field {text_field!r} must be a string, found {found} "
                                  f"(choose the field with --text-field)", path=path, line=line_no)
        yield line_no, obj.get("id"), text


def completed_lines(output: Path) -> list[tuple[int, object]]:
    """(input line, id) of each complete output line; a partial last line is truncated from the file."""
    if not output.exists():
        return []
    done: list[tuple[int, object]] = []
    good_bytes = 0
    with open(output, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break
            try:
                obj = json.loads(raw)
                done.append((int(obj["line"]), obj.get("id")))
            except (ValueError, KeyError, TypeError):
                break
            good_bytes += len(raw)
    if good_bytes != output.stat().st_size:
        with open(output, "r+b") as f:
            f.truncate(good_bytes)
    return done


def extract_file(model, input_path: str | os.PathLike, output_path: str | os.PathLike, labels: Sequence[str],
                 text_field: str = "text", threshold: float = 0.5, batch_size: int = 64, chunk_size: int = 256,
                 allow_overlap: bool = False, resume: bool = True, progress: bool = True,
                 model_name: str | None = None) -> StreamStats:
    """Extract spans for every record of ``input_path`` into ``output_path`` (see the module docstring).

    ``chunk_size`` texts are read, extracted and written at a time, so memory stays flat however large
    the input is. ``resume=False`` starts the output afresh.
    """
    src, out = Path(input_path), Path(output_path)
    labels = [x.strip() for x in labels if x and x.strip()]
    if not labels:
        raise ConfigError("the label list is empty: give at least one label (e.g. --labels person,location)")
    if chunk_size < 1:
        raise ConfigError("chunk_size must be at least 1")
    if not src.exists():
        raise DataFormatError("file not found", path=src)
    settings = {"input": str(src.resolve()), "labels": labels, "text_field": text_field, "threshold": threshold,
                "allow_overlap": allow_overlap, "model": model_name}
    mpath = manifest_path(out)
    done: list[tuple[int, object]] = []
    if resume and out.exists():
        if mpath.exists():
            old = json.loads(mpath.read_text(encoding="utf-8")).get("settings", {})
            changed = [k for k in settings if k != "model" and old.get(k) != settings[k]]
            if changed:
                raise ConfigError(f"{out} was started with different {', '.join(changed)}; "
                                  "delete it or pass --no-resume to start again")
        done = completed_lines(out)
    elif out.exists():
        out.unlink()
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(mpath, {"settings": settings, "status": "running"})

    total = count_lines(src)
    rows = _input_rows(src, text_field)
    for k, (line_no, rid) in enumerate(done):
        try:
            in_line, in_id, _ = next(rows)
        except StopIteration:
            raise DataFormatError(f"{out} has more lines ({len(done)}) than the input has records; "
                                  "it belongs to another input (delete it or pass --no-resume)", path=src) from None
        if (in_line, in_id) != (line_no, rid):
            raise DataFormatError(f"{out} line {k + 1} answers input line {line_no} (id {rid!r}) but the input has "
                                  f"line {in_line} (id {in_id!r}) there; it belongs to another input "
                                  "(delete it or pass --no-resume)", path=src, line=in_line)

    started = time.time()
    written = 0
    bar = _progress(progress, total, len(done))
    try:
        with open(out, "a", encoding="utf-8") as f:
            chunk: list[tuple[int, object, str]] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= chunk_size:
                    written += _write_chunk(model, chunk, labels, threshold, batch_size, allow_overlap, f)
                    chunk = []
                    bar.advance(written + len(done))
            if chunk:
                written += _write_chunk(model, chunk, labels, threshold, batch_size, allow_overlap, f)
                bar.advance(written + len(done))
    finally:
        bar.close()
    stats = StreamStats(written=written, skipped=len(done), seconds=round(time.time() - started, 3))
    write_json(mpath, {"settings": settings, "status": "complete", "lines": written + len(done),
                       "written_this_run": written, "skipped_done": len(done), "seconds": stats.seconds,
                       "texts_per_second": round(stats.texts_per_second, 2)})
    return stats


def _write_chunk(model, chunk, labels, threshold, batch_size, allow_overlap, f) -> int:
    spans = model.extract_batch([t for _, _, t in chunk], labels, threshold=threshold, batch_size=batch_size,
                                allow_overlap=allow_overlap)
    lines = []
    for (line_no, rid, text), found in zip(chunk, spans):
        row = {"line": line_no, "id": rid, "text": text, "spans": [s.to_dict() for s in found]}
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
    f.write("".join(lines))
    f.flush()
    return len(chunk)


class _progress:
    """A rich progress bar showing texts per second (silent when ``enabled`` is false)."""

    def __init__(self, enabled: bool, total: int, start: int):
        self.bar = None
        if not enabled:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        self.started, self.start = time.time(), start
        self.bar = Progress(TextColumn("extract"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]} texts/s"), TimeRemainingColumn(), transient=False)
        self.task = self.bar.add_task("extract", total=total, completed=start, rate="-")
        self.bar.start()

    def advance(self, completed: int) -> None:
        if self.bar is not None:
            rate = (completed - self.start) / max(time.time() - self.started, 1e-9)
            self.bar.update(self.task, completed=completed, rate=f"{rate:,.1f}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
