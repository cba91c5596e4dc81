"""Stream extraction over a JSONL file of any size: read in chunks, write as it goes, resume after interruption.

Each output line is ``{"line": N, "id": ..., "text": ..., "spans": [...]}`` for input line N (spans carry
``label, start, end, text, score``), in input order, so the output doubles as a distillation-format file.
On restart, the complete lines already in the output are checked against the input (same line number
and id) and skipped; a partial last line (the process was killed while writing it) is cut off. A manifest
``<output>.manifest.json`` records the settings and the model's identity (path, a hash of its files, backend
and variant); resuming with different settings or another model is refused. A run that stops on an error
leaves nothing behind when it wrote no line; otherwise its manifest says where and why it stopped.

>>> extract_file(model, "big.jsonl", "spans.jsonl", ["person", "location"])   # doctest: +SKIP
StreamStats(written=10000, skipped=0, seconds=41.2)
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path

from .errors import ConfigError, DataFormatError
from .jsonl import read_jsonl, write_json
from .records import overlap_rule, rule_of_bool
from .textcheck import clean_labels, text_problem


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
        problem = text_problem(text)
        if problem:
            raise DataFormatError(f"field {text_field!r} {problem}", path=path, line=line_no)
        yield line_no, obj.get("id"), text


def model_identity(model, model_dir: str | os.PathLike | None = None) -> dict:
    """Which model writes the spans: its directory, a sha256 of its files (or weights), backend and variant.

    The hash covers every file of the directory but ``manifest.json`` (a training report), so a retrained,
    re-exported or edited model is another model even at the same path; without a directory, the weights and the
    in-memory config (a changed ``config.extend_ratio`` or template is another model too).
    """
    backend = "onnx" if getattr(model, "session", None) is not None else "torch"
    if model_dir is not None and Path(model_dir).is_dir():
        return directory_identity(model_dir, backend, getattr(model, "variant", None))
    h = hashlib.sha256()
    if backend == "onnx":
        h.update(_file_sha256(model.onnx_path))
    else:
        for name, t in model.model.state_dict().items():
            h.update(name.encode() + b"\0" + t.detach().cpu().contiguous().numpy().tobytes())
    cfg = getattr(model, "config", None)
    if is_dataclass(cfg) and not isinstance(cfg, type):  # how it queries and decodes (template, extend ratio, ...)
        h.update(json.dumps(asdict(cfg), sort_keys=True, default=str).encode())
    return {"path": str(model_dir) if model_dir is not None else None, "sha256": h.hexdigest(),
            "backend": backend, "variant": getattr(model, "variant", None)}


def directory_identity(model_dir: str | os.PathLike, backend: str = "torch", variant: str | None = None) -> dict:
    """:func:`model_identity` of a model directory, without loading it (the hash of its files but
    ``manifest.json``): what a driver that leaves loading to its workers records."""
    root = Path(model_dir)
    h = hashlib.sha256()
    for p in sorted(x for x in root.rglob("*") if x.is_file() and x.name != "manifest.json"):
        h.update(str(p.relative_to(root)).encode() + b"\0" + _file_sha256(p))
    return {"path": str(root.resolve()), "sha256": h.hexdigest(), "backend": backend, "variant": variant}


def _file_sha256(path: str | os.PathLike) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.digest()


def _describe(identity: dict | None) -> str:
    if not isinstance(identity, dict) or not identity.get("sha256"):
        return "an unrecorded model"
    kind = " ".join(x for x in (identity.get("backend"), identity.get("variant")) if x)
    return f"{identity.get('path') or 'a model object'} ({kind}, sha256 {identity['sha256'][:12]})"


def older_settings(settings: dict) -> dict:
    """A manifest's settings as today's keys name them: ``allow_overlap`` (before ``overlap`` replaced it) becomes
    the rule it meant, so that an output written before the rename resumes under the same setting.

    >>> older_settings({"allow_overlap": True, "threshold": 0.5})
    {'threshold': 0.5, 'overlap': 'keep'}
    """
    if "allow_overlap" not in settings:
        return settings
    out = {k: v for k, v in settings.items() if k != "allow_overlap"}
    out["overlap"] = rule_of_bool(bool(settings["allow_overlap"]))
    return out


def check_resume(out: Path, old: dict, settings: dict) -> None:
    """Refuse to append to ``out`` when it was started with other settings or another model."""
    changed = [k for k in settings if k != "model" and old.get(k) != settings[k]]
    if changed:
        raise ConfigError(f"{out} was started with different {', '.join(changed)}; "
                          "delete it or pass --no-resume to start again")
    was, now = old.get("model"), settings["model"]
    same = isinstance(was, dict) and all(was.get(k) == now[k] for k in ("sha256", "backend", "variant"))
    if not same:
        raise ConfigError(f"{out} was started with {_describe(was)}, not {_describe(now)}; mixing two models' "
                          "output is refused: delete it or pass --no-resume to start again")


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
                 text_field: str = "text", threshold: float | None = None, batch_size: int = 64, chunk_size: int = 256,
                 overlap: str | None = None, resume: bool = True, progress: bool = True,
                 model_name: str | None = None, *, allow_overlap: bool | None = None) -> StreamStats:
    """Extract spans for every record of ``input_path`` into ``output_path`` (see the module docstring).

    ``chunk_size`` texts are read, extracted and written at a time, so memory stays flat however large
    the input is. ``resume=False`` starts the output afresh. ``overlap`` as in ``MetaIE.extract``.
    """
    rule = overlap_rule(overlap, allow_overlap)
    src, out = Path(input_path), Path(output_path)
    labels = clean_labels(labels)
    if chunk_size < 1:
        raise ConfigError("chunk_size must be at least 1")
    if not src.exists():
        raise DataFormatError("file not found", path=src)
    settings = {"input": str(src.resolve()), "labels": labels, "text_field": text_field,
                "threshold": model.threshold_or_default(threshold),
                "overlap": rule, "model": model_identity(model, model_name)}
    own = {} if threshold is not None else model.own_thresholds(labels)
    if own:  # recorded only where some apply (manifests from before them stay comparable)
        settings["label_thresholds"] = own
    mpath = manifest_path(out)
    done: list[tuple[int, object]] = []
    if resume and out.exists():
        if not mpath.exists():
            raise ConfigError(f"{out} exists without its manifest {mpath.name}, so the settings and model that "
                              "wrote it are unknown: delete it or pass --no-resume to start again")
        check_resume(out, older_settings(json.loads(mpath.read_text(encoding="utf-8")).get("settings", {})),
                     settings)
        done = completed_lines(out)
    rows = _input_rows(src, text_field)
    if done:
        _skip_done(rows, done, out, src)
    elif out.exists():
        out.unlink()
    total = count_lines(src)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(mpath, {"settings": settings, "status": "running", "lines_done_before": len(done)})

    started = time.time()
    written = 0
    last_line = done[-1][0] if done else None
    bar = _progress(progress, total, len(done))
    try:
        with open(out, "a", encoding="utf-8") as f:
            chunk: list[tuple[int, object, str]] = []
            failure: BaseException | None = None
            while True:
                try:
                    row = next(rows)
                except StopIteration:
                    break
                except (DataFormatError, UnicodeDecodeError) as e:  # write what came before the bad line
                    failure = e
                    break
                chunk.append(row)
                if len(chunk) >= chunk_size:
                    written += _write_chunk(model, chunk, labels, threshold, batch_size, rule, f)
                    last_line, chunk = chunk[-1][0], []
                    bar.advance(written + len(done))
            if chunk:
                written += _write_chunk(model, chunk, labels, threshold, batch_size, rule, f)
                last_line = chunk[-1][0]
                bar.advance(written + len(done))
            if failure is not None:
                raise failure
    except BaseException as e:
        _stopped(out, mpath, settings, written + len(done), written, last_line, e)
        raise
    finally:
        bar.close()
    stats = StreamStats(written=written, skipped=len(done), seconds=round(time.time() - started, 3))
    write_json(mpath, {"settings": settings, "status": "complete", "lines": written + len(done),
                       "written_this_run": written, "skipped_done": len(done), "seconds": stats.seconds,
                       "texts_per_second": round(stats.texts_per_second, 2)})
    return stats


def _skip_done(rows: Iterator, done: list[tuple[int, object]], out: Path, src: Path) -> None:
    """Advance ``rows`` past the lines ``out`` already answers, checking that they are the same lines."""
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


def _stopped(out: Path, mpath: Path, settings: dict, lines: int, written: int, last_line: int | None,
             error: BaseException) -> None:
    """After an error: remove an output with no line in it, or record in the manifest where and why it stopped."""
    if lines == 0:
        out.unlink(missing_ok=True)
        mpath.unlink(missing_ok=True)
        return
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    write_json(mpath, {"settings": settings, "status": "stopped", "lines": lines, "written_this_run": written,
                       "last_input_line": last_line, "error_input_line": getattr(error, "line", None),
                       "reason": f"{type(error).__name__}: {reason}",
                       "resume": "fix the cause and run the same command again to continue after the last line"})


def _write_chunk(model, chunk, labels, threshold, batch_size, overlap, f) -> int:
    spans = model.extract_batch([t for _, _, t in chunk], labels, threshold=threshold, batch_size=batch_size,
                                overlap=overlap)
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
        from .progress import progress_bar
        self.started, self.start = time.time(), start
        self.bar = progress_bar("extract", "{task.fields[rate]} texts/s", elapsed=False)
        self.task = self.bar.add_task("extract", total=total, completed=start, rate="-")
        self.bar.start()

    def advance(self, completed: int) -> None:
        if self.bar is not None:
            rate = (completed - self.start) / max(time.time() - self.started, 1e-9)
            self.bar.update(self.task, completed=completed, rate=f"{rate:,.1f}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
