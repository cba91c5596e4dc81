"""The package's own exceptions: each names the file and line, or the setting to change."""
from __future__ import annotations

from pathlib import Path


class MetaIEError(Exception):
    """Base class of every error a user can cause; the CLI prints it in one line and exits 1."""


class DataFormatError(MetaIEError):
    """A data file is malformed: the message names the file and the line.

    >>> str(DataFormatError("bad JSON", path="d.jsonl", line=3))
    'd.jsonl:3: bad JSON'
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(f"{where}{message}")


class ConfigError(MetaIEError):
    """A setting is wrong: the message names the setting to change."""


class ModelLoadError(MetaIEError):
    """A model path or name cannot be loaded, or is not a metaie model directory."""


class AlignmentError(MetaIEError):
    """An answer string cannot be placed in its text."""


class AccountingError(MetaIEError):
    """A run's outputs do not account for every input it took (a defect, reported instead of hidden)."""


class MissingExtraError(ConfigError):
    """An optional package is not installed: the message names the extra that installs it."""
