"""Streaming extraction of a JSONL file: output in order, resumes after an interruption, refuses mismatches."""
from __future__ import annotations

import json
import shutil

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
    src.write_text(json.dumps({"id": "x", "text": "tom ."}) + "\n")  # same path, other content
    with pytest.raises(DataFormatError, match="belongs to another input"):
        extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, progress=False)
    fresh = extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, progress=False, resume=False)
    assert fresh.written == 1 and len(read_out(out)) == 1
    manifest_path(out).unlink()  # without the manifest nobody knows which settings or model wrote it
    with pytest.raises(ConfigError, match="without its manifest"):
        extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, progress=False)


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
    spans = tiny_tagger.extract(text, ["person"], threshold=0.0, overlap="keep")
    assert spans and max(s.end for s in spans) > len(text) - 40
    assert all(text[s.start:s.end] == s.text for s in spans)


def cli(*args, capsys=None):
    """Run ``metaie`` in this process; (exit status, stdout, stderr)."""
    from metaie.cli.main import main
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as e:
        code = e.code or 0
    out, err = capsys.readouterr() if capsys else ("", "")
    return code, out, err


def test_every_argv_option_reaches_the_input_path(tiny_tagger, tmp_path, capsys):
    """--overlap, --threshold and --batch-size act on --input exactly as on texts given as arguments."""
    model = tiny_tagger.save_pretrained(tmp_path / "m")
    text = " ".join(TEXTS[:4])
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": text}) + "\n", encoding="utf-8")
    common = ["--model", model, "--labels", "person,location,date,city", "--threshold", "0.0", "--batch-size", "3"]
    code, out, err = cli("extract", *common, "--overlap", "keep", "--json", text, capsys=capsys)
    assert code == 0, err
    argv_spans = json.loads(out)["spans"]
    code, out, err = cli("extract", *common, "--json", text, capsys=capsys)
    assert code == 0, err
    assert len(argv_spans) > len(json.loads(out)["spans"])  # the option matters on this text
    code, _, err = cli("extract", *common, "--overlap", "keep", "--input", src, "--output", tmp_path / "o.jsonl",
                       capsys=capsys)
    assert code == 0, err
    assert read_out(tmp_path / "o.jsonl")[0]["spans"] == argv_spans
    assert json.loads(manifest_path(tmp_path / "o.jsonl").read_text())["settings"]["overlap"] == "keep"
    code, _, err = cli("extract", *common, "--overlap", "all", text, capsys=capsys)
    assert code == 1 and "overlap must be one of keep, likelier, not 'all'" in err


def test_an_output_from_before_the_overlap_rename_resumes_under_its_rule(tiny_tagger, tmp_path):
    """A manifest that records the older ``allow_overlap`` bool resumes under the rule it meant, and no other."""
    src = write_input(tmp_path / "in.jsonl", n=8)
    out = tmp_path / "out.jsonl"
    extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, overlap="keep", progress=False)
    full = out.read_text(encoding="utf-8")
    mpath = manifest_path(out)
    manifest = json.loads(mpath.read_text())
    del manifest["settings"]["overlap"]
    manifest["settings"]["allow_overlap"] = True
    mpath.write_text(json.dumps(manifest))
    out.write_text("".join(full.splitlines(keepends=True)[:3]), encoding="utf-8")
    with pytest.raises(ConfigError, match="different overlap"):
        extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, progress=False)  # likelier, not keep
    stats = extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, overlap="keep", progress=False)
    assert stats.skipped == 3 and stats.written == 5 and out.read_text(encoding="utf-8") == full


def test_resume_refuses_another_model_or_backend(tiny_tagger, tmp_path, tiny_backbone):
    """The manifest names the model (path, hash of its files, backend); another one cannot append to the output."""
    from metaie.model.tagger import MetaIE
    src = write_input(tmp_path / "in.jsonl")
    a = tiny_tagger.save_pretrained(tmp_path / "a")
    out = tmp_path / "out.jsonl"
    extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, chunk_size=4, progress=False, model_name=str(a))
    ident = json.loads(manifest_path(out).read_text())["settings"]["model"]
    assert ident["path"] == str(a.resolve()) and len(ident["sha256"]) == 64 and ident["backend"] == "torch"
    rows = read_out(out)
    with open(out, "w", encoding="utf-8") as f:  # as if stopped after 8 lines
        f.writelines(json.dumps(r) + "\n" for r in rows[:8])

    other = MetaIE.from_backbone(str(tiny_backbone), max_length=32, stride=8, device="cpu")
    with __import__("torch").no_grad():
        next(other.model.parameters()).add_(1.0)
    b = other.save_pretrained(tmp_path / "b")
    with pytest.raises(ConfigError, match=r"was started with .*a \(torch, sha256 .*not .*b \(torch"):
        extract_file(other, src, out, LABELS, threshold=0.3, progress=False, model_name=str(b))
    shutil.copytree(a, tmp_path / "a-kept")
    other.save_pretrained(a)  # another model at the same path: the hash tells them apart
    with pytest.raises(ConfigError, match="mixing two models"):
        extract_file(other, src, out, LABELS, threshold=0.3, progress=False, model_name=str(a))
    with pytest.raises(ConfigError, match="mixing two models"):  # another backend of the same weights
        onnx_like = type("Onnx", (), {"session": object(), "variant": "int8", "model": tiny_tagger.model,
                                      "threshold_or_default": lambda self, t: t})()
        extract_file(onnx_like, src, out, LABELS, threshold=0.3, progress=False, model_name=str(b))
    assert len(read_out(out)) == 8  # nothing was appended
    shutil.rmtree(a)
    shutil.copytree(tmp_path / "a-kept", a)  # the original model back: resumes
    stats = extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, progress=False, model_name=str(a))
    assert (stats.skipped, stats.written) == (8, 12) and read_out(out) == rows


def test_resume_refuses_the_same_weights_decoding_otherwise(tiny_tagger, tmp_path):
    """A model object without a directory is named by its weights and its config: another decoding is another model."""
    src = write_input(tmp_path / "in.jsonl")
    out = tmp_path / "out.jsonl"
    extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, chunk_size=4, progress=False)
    rows = read_out(out)
    with open(out, "w", encoding="utf-8") as f:  # as if stopped after 8 lines
        f.writelines(json.dumps(r) + "\n" for r in rows[:8])
    ratio = tiny_tagger.config.extend_ratio
    try:
        tiny_tagger.config.extend_ratio = 1.0 if ratio != 1.0 else 0.5
        with pytest.raises(ConfigError, match="mixing two models"):
            extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, progress=False)
    finally:
        tiny_tagger.config.extend_ratio = ratio
    assert len(read_out(out)) == 8  # nothing was appended
    stats = extract_file(tiny_tagger, src, out, LABELS, threshold=0.3, progress=False)
    assert (stats.skipped, stats.written) == (8, 12) and read_out(out) == rows


def test_labels_decode_at_their_own_thresholds_and_the_manifest_says_so(tiny_tagger, tmp_path):
    src = write_input(tmp_path / "in.jsonl", n=8)
    tiny_tagger.config.threshold, tiny_tagger.config.label_thresholds = 1.0, {"person": 0.0, "date": 0.2}
    try:
        extract_file(tiny_tagger, src, tmp_path / "out.jsonl", LABELS, progress=False)
        rows = read_out(tmp_path / "out.jsonl")
        want = tiny_tagger.extract_batch(TEXTS, LABELS)
        assert [[s["label"] for s in r["spans"]] for r in rows] == [[s.label for s in w] for w in want]
        assert {s["label"] for r in rows for s in r["spans"]} == {"person"}  # location at 1.0: none
        settings = json.loads(manifest_path(tmp_path / "out.jsonl").read_text())["settings"]
        assert settings["threshold"] == 1.0 and settings["label_thresholds"] == {"person": 0.0}
        extract_file(tiny_tagger, src, tmp_path / "given.jsonl", LABELS, threshold=0.3, progress=False)
        assert "label_thresholds" not in json.loads(manifest_path(tmp_path / "given.jsonl").read_text())["settings"]
    finally:
        tiny_tagger.config.threshold, tiny_tagger.config.label_thresholds = 0.5, {}


BAD_LINES = [("[1, 2]", "expected a JSON object"), ('{"id": "x"}', "field 'text' must be a string"),
             ('{"text": "tom \\ud800 ."}', "lone surrogate")]


@pytest.mark.parametrize("bad, words, position", [(b, w, p) for b, w in BAD_LINES for p in ("first", "later")]
                         + [(b'{"text": "caf\xe9"}', None, "first")])  # invalid UTF-8 (the reader fails early)
def test_input_error_leaves_nothing_or_says_where_it_stopped(tiny_tagger, tmp_path, bad, words, position):
    src = tmp_path / "in.jsonl"
    good = [json.dumps({"id": f"d{i}", "text": TEXTS[i]}).encode() + b"\n" for i in range(5)]
    bad = bad if isinstance(bad, bytes) else bad.encode()
    lines = [bad + b"\n"] + good if position == "first" else good + [bad + b"\n"] + good
    src.write_bytes(b"".join(lines))
    out = tmp_path / "out.jsonl"
    with pytest.raises((DataFormatError, UnicodeDecodeError), match=words):
        extract_file(tiny_tagger, src, out, LABELS, chunk_size=2, progress=False)
    if position == "first":
        assert not out.exists() and not manifest_path(out).exists()
        return
    assert [r["id"] for r in read_out(out)] == [f"d{i}" for i in range(5)]  # every line before the bad one
    m = json.loads(manifest_path(out).read_text())
    assert m["status"] == "stopped" and m["lines"] == 5 and m["last_input_line"] == 5
    assert words in m["reason"] and m["error_input_line"] == 6
