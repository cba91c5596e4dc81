"""CLI: ``export`` writes a loadable ONNX directory; ``extract --input/--output`` streams a file."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from metaie.cli.main import main


@pytest.fixture()
def run(capsys):
    """Run the real entry point in-process (the live server test covers ``python -m metaie``)."""
    def call(*args):
        code = 0
        try:
            main(list(args))
        except SystemExit as e:
            code = e.code or 0
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)
    return call


def test_export_then_stream_with_the_onnx_backend(tiny_backbone, tmp_path, run):
    from metaie.model.tagger import MetaIE
    torch_dir = MetaIE.from_backbone(str(tiny_backbone), max_length=32, stride=8, device="cpu").save_pretrained(
        tmp_path / "tiny")
    r = run("export", "--model", str(torch_dir), "--onnx", str(tmp_path / "onnx"), "--quantize", "int8")
    assert r.returncode == 0, r.stderr
    assert "model.int8.onnx" in r.stdout and (tmp_path / "onnx" / "model.onnx").exists()

    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "body": t}) + "\n" for i, t in
                           enumerate(["tom was born in paris .", "anna lives in london ."] * 3)))
    out = tmp_path / "out.jsonl"
    r = run("extract", "--model", str(tmp_path / "onnx"), "--backend", "onnx", "--labels", "person,location",
            "--threshold", "0.3", "--input", str(src), "--output", str(out), "--text-field", "body")
    assert r.returncode == 0, r.stderr
    assert "wrote 6 texts" in r.stdout
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == list(range(6))
    want = MetaIE.from_pretrained(tmp_path / "onnx", backend="onnx").extract_batch(
        [r["text"] for r in rows], ["person", "location"], threshold=0.3)
    assert [r["spans"] for r in rows] == [[s.to_dict() for s in w] for w in want]

    r = run("export", "--model", str(torch_dir), "--onnx", str(tmp_path / "x"), "--quantize", "int4")
    assert r.returncode == 1 and "error:" in r.stderr and "int8" in r.stderr
    r = run("extract", "--model", str(torch_dir), "--labels", "person", "--input", str(src))
    assert r.returncode == 1 and "--input and --output go together" in r.stderr
