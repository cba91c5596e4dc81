"""The manifest generator's SOURCE.txt parsing: brace expansion, repo prefixes, target folders, overrides."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_dataset_manifest.py"


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("make_dataset_manifest", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # dataclasses look their module up while the script loads
    try:
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.modules.pop(spec.name, None)


def test_brace_expand(gen):
    assert gen.brace_expand("d/s_{0..2}_{a, b}.json") == ["d/s_0_a.json", "d/s_0_b.json", "d/s_1_a.json",
                                                          "d/s_1_b.json", "d/s_2_a.json", "d/s_2_b.json"]


def test_parse_two_repos_and_targets(gen):
    info = gen.parse_source(
        "Dataset: x\nRepository: owner/Main (main) + other/Extra (extra/)\n"
        "Commit: owner/Main " + "a" * 40 + " (2020); other/Extra " + "b" * 40 + " (2021)\n"
        "Paths copied (repo path -> staged path): data/{p,q}/{train,dev}.txt -> <dom>/ ; README.md ; "
        "Extra out/<dom>/*.json (two files) -> extra/<dom>/ ; raw/full.json, raw/s_{0..1}.json -> r/\n")
    repos = gen.parse_repos(info)
    assert repos == {"owner/Main": "a" * 40, "other/Extra": "b" * 40}
    clauses = gen.parse_paths(info["Paths copied"], repos)
    assert gen.match("p/dev.txt", clauses) == {("owner/Main", "data/p/dev.txt")}
    assert gen.match("README.md", clauses) == {("owner/Main", "README.md")}
    assert gen.match("extra/q/z.json", clauses) == {("other/Extra", "out/q/z.json")}
    assert gen.match("r/s_1.json", clauses) == {("owner/Main", "raw/s_1.json")}
    assert gen.match("r/s_7.json", clauses) == set()


def test_build_on_a_tiny_root(gen, tmp_path):
    ds = tmp_path / "toy"
    (ds / "sub").mkdir(parents=True)
    (ds / "sub" / "a.txt").write_bytes(b"abc")
    (ds / "stray.bin").write_bytes(b"?")
    (ds / "SOURCE.txt").write_text(
        "Dataset: toy\nRepository: https://github.com/o/r\nCommit: " + "c" * 40 + " (2024)\n"
        "Paths copied (repo path -> staged path): corpus/sub/a.txt -> sub/\n"
        "License as stated: MIT.\nCitation: Doe (2024).\n")
    manifest, problems = gen.build(tmp_path)
    toy = manifest["datasets"]["toy"]
    assert toy["license"] == "MIT." and toy["citation"] == "Doe (2024)."
    a, stray = sorted(toy["files"], key=lambda f: f["path"] != "sub/a.txt")
    assert a == {"path": "sub/a.txt", "size": 3, "sha256": hashlib.sha256(b"abc").hexdigest(),
                 "url": "https://raw.githubusercontent.com/o/r/" + "c" * 40 + "/corpus/sub/a.txt"}
    assert stray["url"] is None and "by hand" in stray["note"]
    assert problems == ["toy/stray.bin: no rule in SOURCE.txt maps it"]
    assert json.loads(gen.dumps(manifest)) == manifest
