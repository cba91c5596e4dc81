"""Where datasets are read from: never vendored, always a data root outside the repository.

Order: an explicit ``--data-root``, then ``$METAIE_DATA``, then a ``shared/data`` folder beside the
repository (the development layout), then the user cache folder that ``metaie data download`` fills.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import ConfigError


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/metaie/data`` (``~/.cache/metaie/data`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "metaie" / "data"


def _beside_repository() -> Path | None:
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent.parent / "shared" / "data"
        if (parent / "pyproject.toml").exists() and cand.is_dir():
            return cand
    return None


def data_root(explicit: str | os.PathLike | None = None) -> Path:
    """The data root in force (see the module docstring for the order)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("METAIE_DATA")
    if env:
        return Path(env)
    beside = _beside_repository()
    return beside if beside is not None else user_cache_dir()


def dataset_dir(name: str, explicit_root: str | os.PathLike | None = None) -> Path:
    """Folder of one dataset under the data root; a clear error saying how to get it if absent."""
    root = data_root(explicit_root)
    path = root / name
    if not path.is_dir():
        raise ConfigError(f"dataset {name!r} not found under data root {root}: run `metaie data download {name}`, "
                          "or set --data-root / METAIE_DATA to a folder that holds it")
    return path
