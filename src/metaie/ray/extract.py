"""Extraction on Ray: a pool of actors, each holding one model loaded once, fed by Ray Data.

Two entry points share the actor:

- :func:`extract` maps a ``ray.data.Dataset`` with a text column to the same rows plus a ``spans`` column
  (a list of ``{label, start, end, text, score}``), lazily, as Ray Data does.
- :func:`extract_files` (``metaie extract --engine ray --input DIR_OR_GLOB --output DIR``) cuts JSONL and Parquet
  files into shards of ``shard_rows`` records, has the actors extract and write each shard as
  ``OUTPUT/<file>-<hash>.<k>.jsonl`` (lines as ``metaie extract --input`` writes them: ``line``, ``id``, ``text``,
  ``spans``) through a temporary file renamed when complete, and records the settings in ``OUTPUT/manifest.json``.
  A shard that exists is finished: a re-run skips it, and refuses to go on with other settings or another
  model. An actor killed mid-shard is restarted by Ray and the shard done again from its start; its
  half-written temporary file is never renamed, so nothing is lost or written twice.

>>> ds = extract(ray.data.read_parquet("docs/"), "models/meta", ["person", "location"], actors=4)  # doctest: +SKIP
>>> extract_files("models/meta", "corpus/*.jsonl", "spans/", ["person"], actors=2)             # doctest: +SKIP
ShardStats(shards=12, skipped=0, rows=120000, seconds=812.4)
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataFormatError, MetaIEError
from ..extract_stream import check_resume, directory_identity, older_settings
from ..jsonl import _utf8_error, json_object, write_json
from ..records import overlap_rule
from ..textcheck import clean_labels, text_problem
from .cluster import connect, error_from_text, error_to_text, require_ray, unwrap

SPAN_FIELDS = ("label", "start", "end", "text", "score")
MANIFEST = "manifest.json"


def _span_type():
    import pyarrow as pa
    return pa.list_(pa.struct([("label", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
                               ("text", pa.string()), ("score", pa.float64())]))


@dataclass
class ModelSpec:
    """How each actor loads its model: a directory, built-in name or hub id, on a backend, with threads.

    ``model`` may also be a loaded torch :class:`~metaie.model.tagger.MetaIE` (shipped to each actor through
    the object store; for one machine or tests).
    """

    model: Any
    backend: str = "torch"
    variant: str | None = None
    threads: int | None = 1
    device: str | None = None

    def load(self):
        from ..model.tagger import MetaIE
        from ..threads import set_threads
        if self.threads:
            set_threads(self.threads)
        if isinstance(self.model, (str, os.PathLike)):
            return MetaIE.from_pretrained(self.model, device=self.device, backend=self.backend,
                                          threads=self.threads, variant=self.variant)
        return self.model


@dataclass
class Options:
    """Extraction settings (``MetaIE.extract_batch``'s) and the labels."""

    labels: list[str]
    threshold: float | None = None  # None: the model's own (its metaie.json)
    batch_size: int = 64
    overlap: str = "likelier"  # records.OVERLAP, as MetaIE.extract's


class SpanExtractor:
    """A Ray Data actor: loads the model once, then answers batches (a ``pyarrow.Table`` with a text column)."""

    def __init__(self, spec: ModelSpec, options: Options, text_column: str = "text"):
        self.model = spec.load()
        self.options, self.text_column = options, text_column

    def spans(self, texts: Sequence[str]) -> list[list[dict]]:
        o = self.options
        found = self.model.extract_batch(list(texts), o.labels, threshold=o.threshold, batch_size=o.batch_size,
                                         overlap=o.overlap)
        return [[s.to_dict() for s in spans] for spans in found]

    def __call__(self, batch):
        import pyarrow as pa
        if self.text_column not in batch.column_names:
            raise ConfigError(f"the dataset has no column {self.text_column!r} (it has "
                              f"{', '.join(batch.column_names)}); pass text_column=")
        texts = batch.column(self.text_column).to_pylist()
        for i, t in enumerate(texts):
            problem = "is not a string" if not isinstance(t, str) else text_problem(t)
            if problem:
                raise DataFormatError(f"column {self.text_column!r} of a row {problem} (row {i} of a batch: "
                                      f"{str(t)[:60]!r})")
        rows = [[{k: s.get(k) for k in SPAN_FIELDS} for s in spans] for spans in self.spans(texts)]
        return batch.append_column("spans", pa.array(rows, type=_span_type()))


def _check_options(labels: Sequence[str], actors: int, num_cpus: float, num_gpus: float) -> list[str]:
    labels = clean_labels(labels)
    if actors < 1:
        raise ConfigError(f"--actors must be >= 1, not {actors}")
    if num_cpus <= 0 or num_gpus < 0:
        raise ConfigError("each actor needs num_cpus > 0 and num_gpus >= 0")
    return labels


def _spec(model, backend: str, variant: str | None, threads: int | None, num_cpus: float, num_gpus: float,
          device: str | None) -> ModelSpec:
    if num_gpus and backend != "torch":
        raise ConfigError("GPU actors (num_gpus > 0) run the torch backend; ONNX int8 is for CPU actors")
    device = device or ("cuda" if num_gpus else "cpu")
    return ModelSpec(model, backend=backend, variant=variant, device=device,
                     threads=threads if threads is not None else max(1, int(num_cpus)))


def extract(ds, model, labels: Sequence[str], text_column: str = "text", *, threshold: float | None = None,
            batch_size: int = 64, overlap: str | None = None, rows_per_batch: int = 256, actors: int = 1,
            num_cpus: float = 1, num_gpus: float = 0, threads: int | None = None, backend: str = "torch",
            variant: str | None = None, device: str | None = None, allow_overlap: bool | None = None):
    """``ds`` with a ``spans`` column added (lazy: nothing runs until the dataset is consumed or written).

    ``actors`` actors each load ``model`` once (a directory, built-in name or hub id; ``backend="onnx",
    variant="int8"`` for the quantised graph on CPU) and ask for ``num_cpus`` CPUs and ``num_gpus`` GPUs
    (``num_gpus > 0``: torch on cuda, bf16). Batches of ``rows_per_batch`` rows go to the model in windows of
    ``batch_size``. Spans are those of ``MetaIE.extract_batch`` on the same texts (``overlap`` as there).
    """
    ray = require_ray()
    labels = _check_options(labels, actors, num_cpus, num_gpus)
    spec = _spec(model, backend, variant, threads, num_cpus, num_gpus, device)
    options = Options(labels, threshold, batch_size, overlap_rule(overlap, allow_overlap))
    return ds.map_batches(SpanExtractor, batch_size=rows_per_batch, batch_format="pyarrow",
                          compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=num_cpus, num_gpus=num_gpus,
                          fn_constructor_kwargs={"spec": spec, "options": options, "text_column": text_column})


# ---------------------------------------------------------------------------------------------- files -> shards

INPUT_SUFFIXES = (".jsonl", ".parquet")


def input_files(pattern: str | os.PathLike) -> list[Path]:
    """The JSONL and Parquet files of a directory (recursively), a glob or one file, sorted."""
    p = Path(pattern)
    if p.is_dir():
        files = sorted(x for x in p.rglob("*") if x.is_file() and x.suffix in INPUT_SUFFIXES)
    elif p.is_file():
        files = [p]
    else:
        files = sorted(Path(x) for x in glob.glob(str(pattern), recursive=True) if Path(x).is_file())
    if not files:
        raise ConfigError(f"--input {pattern}: no .jsonl or .parquet file found (give a directory, a glob or a file)")
    bad = [f for f in files if f.suffix not in INPUT_SUFFIXES]
    if bad:
        raise ConfigError(f"--input: {bad[0]} is neither .jsonl nor .parquet")
    return files


@dataclass
class Shard:
    """``rows`` records of one input file: JSONL bytes [start, stop) from line ``first_line``, or Parquet row
    groups [start, stop) from row ``first_line`` (1-based)."""

    path: str
    fmt: str
    start: int
    stop: int
    first_line: int
    rows: int
    name: str


def plan_shards(files: Sequence[Path], shard_rows: int) -> list[Shard]:
    """Cut each file into shards of ``shard_rows`` records (Parquet: whole row groups, at least that many)."""
    shards: list[Shard] = []
    for f in files:
        tag = f"{f.stem}-{hashlib.sha1(str(f.resolve()).encode()).hexdigest()[:8]}"
        parts = _parquet_parts(f, shard_rows) if f.suffix == ".parquet" else _jsonl_parts(f, shard_rows)
        for k, (start, stop, first, rows) in enumerate(parts):
            shards.append(Shard(str(f.resolve()), f.suffix[1:], start, stop, first, rows, f"{tag}.{k:05d}.jsonl"))
    return shards


def _jsonl_parts(path: Path, shard_rows: int) -> list[tuple[int, int, int, int]]:
    """(byte start, byte stop, first line number, records) per shard: one pass over the bytes, no parsing."""
    parts: list[tuple[int, int, int, int]] = []
    start, first, rows, pos = 0, 1, 0, 0
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if rows == 0:
                start, first = pos, n
            pos += len(raw)
            if raw.strip():
                rows += 1
                if rows == shard_rows:
                    parts.append((start, pos, first, rows))
                    rows = 0
    if rows:
        parts.append((start, pos, first, rows))
    return parts


def _parquet_parts(path: Path, shard_rows: int) -> list[tuple[int, int, int, int]]:
    import pyarrow.parquet as pq
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as e:  # pyarrow raises ArrowInvalid/OSError for a file that is not Parquet
        raise DataFormatError(f"not a readable Parquet file ({str(e).splitlines()[0]})", path=path) from None
    parts: list[tuple[int, int, int, int]] = []
    g0, rows, row = 0, 0, 1
    for g in range(meta.num_row_groups):
        rows += meta.row_group(g).num_rows
        if rows >= shard_rows:
            parts.append((g0, g + 1, row, rows))
            g0, row, rows = g + 1, row + rows, 0
    if rows:
        parts.append((g0, meta.num_row_groups, row, rows))
    return parts


def read_shard(shard: Shard, text_field: str) -> list[tuple[int, Any, str]]:
    """(line, id, text) of a shard's records, checked as ``metaie extract --input`` checks them."""
    path = Path(shard.path)
    rows: list[tuple[int, Any, Any]] = []
    if shard.fmt == "parquet":
        import pyarrow.parquet as pq
        table = pq.ParquetFile(path).read_row_groups(list(range(shard.start, shard.stop)))
        if text_field not in table.column_names:
            raise DataFormatError(f"no column {text_field!r} (it has {', '.join(table.column_names)}); choose the "
                                  "field with --text-field", path=path)
        texts = table.column(text_field).to_pylist()
        ids = table.column("id").to_pylist() if "id" in table.column_names else [None] * len(texts)
        rows = [(shard.first_line + i, rid, t) for i, (rid, t) in enumerate(zip(ids, texts))]
    else:
        with open(path, "rb") as f:
            f.seek(shard.start)
            data = f.read(shard.stop - shard.start)
        for n, raw in enumerate(data.split(b"\n"), shard.first_line):
            if not raw.strip():
                continue
            try:
                decoded = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as e:
                raise _utf8_error(e, raw, path, n) from None
            obj = json_object(decoded, path, n)
            rows.append((n, obj.get("id"), obj.get(text_field, _MISSING)))
    for line, _, text in rows:
        if not isinstance(text, str):
            found = "no such field" if text is _MISSING else f"a {type(text).__name__}"
            raise DataFormatError(f"field {text_field!r} must be a string, found {found} "
                                  "(choose the field with --text-field)", path=path, line=line)
        problem = text_problem(text)
        if problem:
            raise DataFormatError(f"field {text_field!r} {problem}", path=path, line=line)
    return rows


_MISSING: Any = object()


class ShardWriter(SpanExtractor):
    """The actor of :func:`extract_files`: each call extracts one shard and writes it, temporary file then rename."""

    def __init__(self, spec: ModelSpec, options: Options, text_field: str, out_dir: str, chunk_size: int):
        super().__init__(spec, options, text_field)
        self.out_dir, self.chunk_size = Path(out_dir), chunk_size

    def __call__(self, batch):  # one shard per batch
        keys = ("name", "rows", "read_s", "extract_s", "write_s", "cpu_s", "pid", "error")
        results: dict[str, list] = {k: [] for k in keys}
        for fields in batch.to_pylist():
            try:
                row = self.write(Shard(**fields))
            except MetaIEError as e:  # as data: Ray would hand the driver only its traceback text
                row = {"name": fields["name"], "rows": 0, "read_s": 0.0, "extract_s": 0.0, "write_s": 0.0,
                       "cpu_s": 0.0, "pid": os.getpid(), "error": error_to_text(e)}
            for k in keys:
                results[k].append(row[k])
        return results

    def write(self, shard: Shard) -> dict:
        t0, cpu0 = time.perf_counter(), time.process_time()
        rows = read_shard(shard, self.text_column)
        t1 = time.perf_counter()
        final = self.out_dir / shard.name
        tmp = self.out_dir / f".{shard.name}.{os.getpid()}.part"
        spent = 0.0
        with open(tmp, "w", encoding="utf-8") as f:
            for k in range(0, len(rows), self.chunk_size):
                chunk = rows[k:k + self.chunk_size]
                ts = time.perf_counter()
                found = self.spans([t for _, _, t in chunk])
                spent += time.perf_counter() - ts
                f.write("".join(json.dumps({"line": line, "id": rid, "text": text, "spans": spans},
                                           ensure_ascii=False) + "\n"
                                for (line, rid, text), spans in zip(chunk, found)))
                f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
        return {"name": shard.name, "rows": len(rows), "read_s": t1 - t0, "extract_s": spent,
                "write_s": time.perf_counter() - t1 - spent, "cpu_s": time.process_time() - cpu0, "pid": os.getpid(),
                "error": ""}


@dataclass
class ShardStats:
    """What a call did: shards written now and found done, records written now, wall time, and where the
    actors' time went (seconds summed over actors)."""

    shards: int
    skipped: int
    rows: int
    seconds: float
    read_seconds: float = 0.0
    extract_seconds: float = 0.0
    write_seconds: float = 0.0
    busy_by_actor: dict[int, float] = field(default_factory=dict)   # seconds on shards, per actor process
    cpu_by_actor: dict[int, float] = field(default_factory=dict)    # CPU seconds it got meanwhile

    @property
    def texts_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def extract_files(model: str | os.PathLike, inputs: str | os.PathLike, output_dir: str | os.PathLike,
                  labels: Sequence[str], *, text_field: str = "text", threshold: float | None = None,
                  batch_size: int = 64, overlap: str | None = None, shard_rows: int = 10_000, chunk_size: int = 256,
                  actors: int = 1, num_cpus: float = 1, num_gpus: float = 0, threads: int | None = None,
                  backend: str = "torch", variant: str | None = None, resume: bool = True, progress: bool = True,
                  address: str | None = None, allow_overlap: bool | None = None) -> ShardStats:
    """Extract every record of ``inputs`` into shards under ``output_dir`` (see the module docstring)."""
    from ..model.hub import resolve_model
    rule = overlap_rule(overlap, allow_overlap)
    require_ray()  # before anything is planned or written
    labels = _check_options(labels, actors, num_cpus, num_gpus)
    if shard_rows < 1 or chunk_size < 1:
        raise ConfigError("--shard-rows and the chunk size must be >= 1")
    out = Path(output_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--output {out} is a file: the Ray engine writes a directory of shards")
    files = input_files(inputs)
    spec = _spec(str(model), backend, variant, threads, num_cpus, num_gpus, None)
    ident = directory_identity(resolve_model(model), backend, variant)
    settings = {"inputs": [{"path": str(f.resolve()), "bytes": f.stat().st_size, "mtime_ns": f.stat().st_mtime_ns}
                           for f in files],
                "labels": labels, "text_field": text_field, "threshold": threshold, "overlap": rule,
                "shard_rows": shard_rows, "model": ident}
    mpath = out / MANIFEST
    if out.exists() and any(out.iterdir()):
        if not resume:
            for old in out.glob("*.jsonl"):
                old.unlink()
        elif not mpath.exists():
            raise ConfigError(f"{out} holds files but no {MANIFEST}, so the settings and model that wrote them are "
                              "unknown: give an empty or new --output directory")
        else:
            check_resume(out, older_settings(json.loads(mpath.read_text(encoding="utf-8")).get("settings", {})),
                         settings)
    out.mkdir(parents=True, exist_ok=True)
    shards = plan_shards(files, shard_rows)
    todo = [s for s in shards if not (out / s.name).exists()]
    write_json(mpath, {"settings": settings, "status": "running", "shards": len(shards),
                       "shards_done_before": len(shards) - len(todo)})
    started = time.time()
    stats = ShardStats(shards=0, skipped=len(shards) - len(todo), rows=0, seconds=0.0)
    if todo:
        ray = connect(address)
        ds = ray.data.from_items([vars(s) for s in todo]).map_batches(
            ShardWriter, batch_size=1, batch_format="pyarrow", num_cpus=num_cpus, num_gpus=num_gpus,
            compute=ray.data.ActorPoolStrategy(size=min(actors, len(todo))),
            fn_constructor_kwargs={"spec": spec, "options": Options(labels, threshold, batch_size, rule),
                                   "text_field": text_field, "out_dir": str(out.resolve()), "chunk_size": chunk_size})
        bar = _Bar(progress, sum(s.rows for s in todo))
        try:
            for row in ds.iter_rows():
                if row["error"]:
                    raise error_from_text(row["error"])
                stats.shards += 1
                stats.rows += int(row["rows"])
                stats.read_seconds += float(row["read_s"])
                stats.extract_seconds += float(row["extract_s"])
                stats.write_seconds += float(row["write_s"])
                pid = int(row["pid"])
                busy = float(row["read_s"]) + float(row["extract_s"]) + float(row["write_s"])
                stats.busy_by_actor[pid] = stats.busy_by_actor.get(pid, 0.0) + busy
                stats.cpu_by_actor[pid] = stats.cpu_by_actor.get(pid, 0.0) + float(row["cpu_s"])
                bar.advance(int(row["rows"]))
        except Exception as e:
            found = unwrap(e)
            write_json(mpath, {"settings": settings, "status": "stopped", "shards": len(shards),
                               "shards_done": len(shards) - len(todo) + stats.shards,
                               "reason": str(found).splitlines()[0] if str(found) else type(found).__name__})
            if found is not e:
                raise found from None
            raise
        finally:
            bar.close()
    for leftover in out.glob(".*.part"):  # half-written shards of killed actors (their shards were redone)
        leftover.unlink(missing_ok=True)
    stats.seconds = round(time.time() - started, 3)
    write_json(mpath, {"settings": settings, "status": "complete", "shards": len(shards),
                       "records": sum(s.rows for s in shards), "written_this_run": stats.rows,
                       "shards_skipped": stats.skipped, "seconds": stats.seconds,
                       "texts_per_second": round(stats.texts_per_second, 2),
                       "actor_seconds": {"read": round(stats.read_seconds, 3),
                                         "extract": round(stats.extract_seconds, 3),
                                         "write": round(stats.write_seconds, 3)}})
    return stats


def read_shards(output_dir: str | os.PathLike) -> list[dict]:
    """Every line of the shards in ``output_dir``, shard by shard in name order (so each file's lines in order):
    for checks and merging."""
    out = Path(output_dir)
    rows = []
    for p in sorted(out.glob("*.jsonl")):
        rows += [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
    return rows


class _Bar:
    """Records done out of the total, with texts per second (silent when disabled)."""

    def __init__(self, enabled: bool, total: int):
        self.bar = None
        if enabled:
            from ..progress import progress_bar
            self.t0 = time.time()
            self.done = 0
            self.bar = progress_bar("extract (ray)", "{task.fields[rate]} texts/s", elapsed=False)
            self.task = self.bar.add_task("extract", total=total, rate="-")
            self.bar.start()

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.done += n
            rate = self.done / max(time.time() - self.t0, 1e-9)
            self.bar.update(self.task, advance=n, rate=f"{rate:,.1f}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
