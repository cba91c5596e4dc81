"""Data root resolution: explicit > $METAIE_DATA > shared/data beside the repository > user cache."""
from __future__ import annotations

from pathlib import Path

import pytest

from metaie.datasets import root as dr
from metaie.errors import ConfigError


def test_order(tmp_path, monkeypatch):
    beside, env, explicit, cache = (tmp_path / n for n in ("beside", "env", "explicit", "xdg"))
    monkeypatch.setattr(dr, "_beside_repository", lambda: beside)
    monkeypatch.setenv("METAIE_DATA", str(env))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    assert dr.data_root(explicit) == explicit
    assert dr.data_root() == env
    monkeypatch.delenv("METAIE_DATA")
    assert dr.data_root() == beside
    monkeypatch.setattr(dr, "_beside_repository", lambda: None)
    assert dr.data_root() == cache / "metaie" / "data"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert dr.data_root() == tmp_path / "home" / ".cache" / "metaie" / "data"


def test_beside_repository_layout():
    """In a checkout, shared/data beside the repository root is found when it exists."""
    repo = Path(dr.__file__).resolve().parents[3]  # src/metaie/datasets/root.py
    found = dr._beside_repository()
    expected = repo.parent / "shared" / "data"
    assert found == (expected if expected.is_dir() and (repo / "pyproject.toml").exists() else None)


def test_missing_dataset_names_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="metaie data download conll2003"):
        dr.dataset_dir("conll2003", tmp_path)
