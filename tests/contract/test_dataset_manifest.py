"""The shipped dataset manifest is well-formed and matches the local data root when one is present."""
from __future__ import annotations

import re

import pytest

from metaie.datasets.download import load_manifest, sha256_file
from metaie.datasets.root import data_root

RAW = re.compile(r"^https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[0-9a-f]{40}/\S+$")


def test_manifest_shape():
    m = load_manifest()
    assert len(m["datasets"]) >= 17
    for name, d in m["datasets"].items():
        assert d["files"] and d["license"] and d["citation"] and d["source_txt"], name
        assert d["size"] == sum(f["size"] for f in d["files"])
        assert len({f["path"] for f in d["files"]}) == len(d["files"])
        commits = {r["commit"] for r in d["repositories"]}
        for f in d["files"]:
            assert re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) and f["size"] >= 0
            assert f["url"] is None and f.get("note") or RAW.match(f["url"]), (name, f)
            if f["url"]:
                commit = f["url"].split("/")[5]
                assert commit in commits or name == "pilener_391_bio", (name, f["url"])  # one override commit


def _root():
    root = data_root()
    if not root.is_dir() or not any((p / "SOURCE.txt").is_file() for p in root.iterdir()):
        pytest.skip(f"no local data root at {root}")
    return root


def test_every_local_dataset_is_listed():
    root = _root()
    local = {p.name for p in root.iterdir() if p.is_dir() and (p / "SOURCE.txt").is_file()}
    assert local <= set(load_manifest()["datasets"])


def test_listed_files_match_local_copies():
    root = _root()
    for name, d in load_manifest()["datasets"].items():
        folder = root / name
        if not folder.is_dir():
            continue
        on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"SOURCE.txt"}
        assert on_disk == {f["path"] for f in d["files"]}, name
        assert (folder / "SOURCE.txt").read_text(encoding="utf-8") == d["source_txt"], name
        for f in d["files"]:
            p = folder / f["path"]
            assert p.stat().st_size == f["size"] and sha256_file(p) == f["sha256"], p
