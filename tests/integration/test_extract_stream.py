"""Streaming extraction of a JSONL file: output in order, resumes after an interruption, refuses mismatches."""
from __future__ import annotations

import json

import pytest

from metaie.errors import ConfigError, DataFormatError
from metaie.extract_stream import completed_lines, extract_file, manifest_path

TEXTS = ["tom was born in paris in 1990 .", "anna lives in london .", "bob met mary on monday .",
         "google bought youtube for money .", "apple sells phones .", "john is a doctor from rome .",
         "peter went to madrid last friday .", "acme corp works with anna in berlin ."]
LABELS = ["person", "location"]


def write_input(path, n=20):
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"doc{i}", "text": TEXTS[i % len(TEXTS)]}) + "\n")
            if i == 4:
                f.write("\n")  # blank lines are skipped but keep line numbering honest
    return path


def read_out(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_stream_matches_extract_batch(tiny_tagger, tmp_path, assert_no_unk):
    for t in TEXTS:
        assert_no_unk(t)
    src = write_input(tmp_path / "in.jsonl")
    stats = extract_file(tiny_tagger, src, tmp_path / "out.jsonl", LABELS, threshold=0.3, chunk_size=3,
                         progress=False)
    assert (stats.written, stats.skipped) == (20, 0)
    rows = read_out(tmp_path / "out.jsonl")
    assert [r["id"] for r in rows] == [f"doc{i}" for i in range(20)]
    assert rows[5]["line"] == 7  # after the blank line
    expected = tiny_tagger.extract_batch([r["text"] for r in rows], LABELS, threshold=0.3)
    assert [r["spans"] for r in rows] == [[s.to_dict() for s in e] for e in expected]
    assert sum(len(r["spans"]) for r in rows) > 0
    m = json.loads(manifest_path(tmp_path / "out.jsonl").read_text())
    assert m["status"] == "complete" and m["lines"] == 20


def test_resume_after_interruption(tiny_tagger, tmp_path):
    src = write_input(tmp_path / "in.jsonl")
    full = tmp_path / "full.jsonl"
    extract_file(tiny_tagger, src, full, LABELS, threshold=0.3, chunk_size=4, progress=False)

    out = tmp_path / "out.jsonl"
    real = tiny_tagger.extract_batch
    calls = {"n": 0}

    def dies_on_third_chunk(*a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*a, **k)

    tiny_tagger.extract_batch = dies_on_third_chunk
    with pytest.raises(KeyboardInterrupt):
        extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, chunk_size=4, progress=False)
    del tiny_tagger.extract_batch
    assert len(read_out(out)) == 8
    with open(out, "a", encoding="utf-8") as f:  # a process killed in the middle of a write
        f.write('{"line": 10, "id": "doc8", "te')
    assert len(completed_lines(out)) == 8

    stats = extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, chunk_size=4, progress=False)
    assert (stats.skipped, stats.written) == (8, 12)
    assert out.read_text() == full.read_text()
    # Running again on a complete output does nothing.
    again = extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, progress=False)
    assert (again.skipped, again.written) == (20, 0)


def test_resume_refuses_other_settings_or_input(tiny_tagger, tmp_path):
    src = write_input(tmp_path / "in.jsonl")
    out = tmp_path / "out.jsonl"
    extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, progress=False)
    with pytest.raises(ConfigError, match="labels"):
        extract_file(tiny_tagger, src, out, ["date"], threshold=0.3, progress=False)
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "x", "text": "tom ."}) + "\n")
    manifest_path(out).unlink()  # without the manifest the line-by-line check still catches it
    with pytest.raises(DataFormatError, match="belongs to another input"):
        extract_file(tiny_tagger, other, out, LABELS, threshold=0.3, progress=False)
    fresh = extract_file(tiny_tagger, other, out, LABELS, threshold=0.3, progress=False, resume=False)
    assert fresh.written == 1 and len(read_out(out)) == 1


def test_bad_text_field_names_file_and_line(tiny_tagger, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "tom ."}\n{"body": "anna ."}\n')
    with pytest.raises(DataFormatError, match=r"in.jsonl:2: field 'text'.*--text-field"):
        extract_file(tiny_tagger, src, tmp_path / "o.jsonl", LABELS, progress=False)
    src2 = tmp_path / "in2.jsonl"
    src2.write_text('{"body": "tom ."}\n{"body": "anna ."}\n')
    stats = extract_file(tiny_tagger, src2, tmp_path / "o2.jsonl", LABELS, text_field="body", progress=False)
    assert stats.written == 2 and [r["text"] for r in read_out(tmp_path / "o2.jsonl")] == ["tom .", "anna ."]


def test_long_document_is_not_truncated(tiny_tagger):
    """A 20-page document (about 60,000 characters) on a 32-token window model: spans reach its very end."""
    text = " ".join(TEXTS * 260)
    assert len(text) > 60_000
    spans = tiny_tagger.extract(text, ["person"], threshold=0.0, allow_overlap=True)
    assert spans and max(s.end for s in spans) > len(text) - 40
    assert all(text[s.start:s.end] == s.text for s in spans)
