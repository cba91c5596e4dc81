"""JSONL reading with file:line errors, and atomic writing (temporary file, then rename)."""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import DataFormatError


def _utf8_error(e: UnicodeDecodeError, data: bytes, path: Path, first_line: int = 1) -> DataFormatError:
    """A one-line error for bytes that are not UTF-8, naming the file, line and column."""
    line = first_line + data.count(b"\n", 0, e.start)
    column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
    return DataFormatError(f"invalid UTF-8 (byte 0x{data[e.start]:02x} at column {column}); "
                           "save the file as UTF-8", path=path, line=line)


def text_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield (line number, line) of a UTF-8 text file; bytes that are not UTF-8 raise naming file and line.

    A leading byte-order mark is not content; lines end at ``\n`` (a ``\r`` before it is kept).
    """
    path = Path(path)
    if not path.exists():
        raise DataFormatError("file not found", path=path)
    with path.open("rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as e:
                raise _utf8_error(e, raw, path, n) from None
            yield n, line


@contextlib.contextmanager
def open_text(path: str | Path) -> Iterator[Iterator[str]]:
    """Read a UTF-8 text file's lines like ``open(path, encoding="utf-8")`` (a ``with`` block over its lines),
    except that bytes that are not UTF-8 raise naming file and line."""
    lines = text_lines(path)
    try:
        yield (line for _, line in lines)
    finally:
        lines.close()  # type: ignore[attr-defined]  # text_lines is a generator: closing it closes the file


def read_text(path: str | Path) -> str:
    """A whole UTF-8 text file (byte-order mark dropped); bytes that are not UTF-8 raise naming file and line."""
    path = Path(path)
    if not path.exists():
        raise DataFormatError("file not found", path=path)
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _utf8_error(e, data, path) from None


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line; a bad line raises naming file and line."""
    path = Path(path)
    for n, line in text_lines(path):
        if not line.strip():
            continue
        yield n, json_object(line, path, n)


def json_object(line: str, path: str | Path, n: int) -> dict[str, Any]:
    """One JSONL line as a JSON object; anything else raises naming file and line."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise DataFormatError(f"malformed JSON ({e.msg} at column {e.colno})", path=path, line=n) from None
    if not isinstance(obj, dict):
        raise DataFormatError(f"expected a JSON object, got {type(obj).__name__}", path=path, line=n)
    return obj


def read_json(path: str | Path) -> Any:
    """Read a whole JSON file, with the file named in any error."""
    path = Path(path)
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as e:
        raise DataFormatError(f"malformed JSON ({e.msg})", path=path, line=e.lineno) from None


def read_json_items(path: str | Path) -> list[tuple[int | None, Any]]:
    """The items of a JSON list (no line numbers) or of JSON lines (with line numbers), sniffed from the
    first non-blank character."""
    path = Path(path)
    if not path.exists():
        raise DataFormatError("file not found", path=path)
    with path.open("rb") as f:
        head = b""
        while not head and (chunk := f.read(4096)):
            head = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"[":
        data = read_json(path)
        if not isinstance(data, list):
            raise DataFormatError("expected a JSON list", path=path)
        return [(None, x) for x in data]
    return list(read_jsonl(path))


def process_umask() -> int:
    """The process umask, read without changing it where the system says it (Linux), else set and restored."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def give_usual_mode(path: str | Path) -> None:
    """Give a file, or a folder and everything in it, the modes the umask gives new files and folders
    (a temporary file or folder is made 0600 / 0700, which is wrong for a published output)."""
    mask = process_umask()
    path = Path(path)
    if not path.is_dir():
        os.chmod(path, 0o666 & ~mask)
        return
    for folder, _dirs, files in os.walk(path):
        os.chmod(folder, 0o777 & ~mask)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o666 & ~mask)


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8"):
    """Open a temporary file beside ``path``; rename it onto ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        give_usual_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows atomically; return how many were written."""
    n = 0
    with atomic_open(path) as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_json(path: str | Path, obj: Any) -> None:
    """Write one JSON document atomically, indented."""
    with atomic_open(path) as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def replace_dir(tmp: str | Path, target: str | Path) -> Path:
    """Move a fully written directory ``tmp`` onto ``target`` (with the umask's modes), replacing any old one
    with no window in which ``target`` is missing for longer than two renames."""
    import shutil
    import time

    tmp, target = Path(tmp), Path(target)
    give_usual_mode(tmp)
    if target.exists():
        old = target.with_name(f".{target.name}.old-{int(time.time() * 1000)}")
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)
    return target
