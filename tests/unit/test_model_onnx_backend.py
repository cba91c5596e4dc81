"""ONNX export of the tiny model: fp32 gives the same spans as torch, int8 stays close."""
from __future__ import annotations

import json

import numpy as np
import pytest

from metaie.errors import ConfigError, ModelLoadError

TEXTS = ["tom was born in paris in 1990 .", "anna lives in london and works at acme corp .",
         "john is a doctor from rome . mary went to madrid with her friend peter last friday . "
         "google bought youtube for money . apple sells phones in new york city ."]
LABELS = ["person", "location", "date", "organization"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, tiny_backbone):
    from metaie.model.onnx_export import export_onnx
    from metaie.model.tagger import MetaIE
    torch_model = MetaIE.from_backbone(str(tiny_backbone), max_length=32, stride=8, device="cpu")
    saved = torch_model.save_pretrained(tmp_path_factory.mktemp("m") / "meta")
    out = export_onnx(MetaIE.from_pretrained(saved), tmp_path_factory.mktemp("o") / "onnx", quantize="int8")
    return MetaIE.from_pretrained(saved), out


def test_export_layout(exported):
    _, out = exported
    for name in ("model.onnx", "model.int8.onnx", "metaie.json", "onnx.json", "tokenizer.json"):
        assert (out / name).exists(), name
    manifest = json.loads((out / "onnx.json").read_text())
    assert manifest["default"] == "int8" and manifest["inputs"][:2] == ["input_ids", "attention_mask"]


def test_fp32_same_probabilities_and_spans(exported, assert_no_unk):
    from metaie.model.tagger import MetaIE
    torch_model, out = exported
    for t in TEXTS:
        assert_no_unk(t)
    onnx_model = MetaIE.from_pretrained(out, backend="onnx", variant="fp32")
    # Long text: several windows per query at max_length 32.
    assert len(onnx_model.encode(["person"], [TEXTS[2]])) > 1
    a = torch_model.query_probs(LABELS * 3, [t for t in TEXTS for _ in LABELS])
    b = onnx_model.query_probs(LABELS * 3, [t for t in TEXTS for _ in LABELS])
    for (pa, oa), (pb, ob) in zip(a, b):
        assert oa == ob
        np.testing.assert_allclose(pa, pb, atol=1e-5)
    # The random head gives probabilities near 1/3: a threshold of 0.3 yields spans to compare.
    sa = torch_model.extract_batch(TEXTS, LABELS, threshold=0.3)
    sb = onnx_model.extract_batch(TEXTS, LABELS, threshold=0.3)
    assert sum(map(len, sa)) > 0
    assert [[(s.start, s.end, s.label) for s in x] for x in sa] == [[(s.start, s.end, s.label) for s in x] for x in sb]
    for x, y in zip(sa, sb):
        for s, t in zip(x, y):
            assert s.score == pytest.approx(t.score, abs=1e-5)


def test_int8_close_and_default(exported):
    from metaie.model.onnx_backend import OnnxRunner
    from metaie.model.tagger import MetaIE
    torch_model, out = exported
    q = MetaIE.from_pretrained(out, backend="onnx", threads=1)
    assert isinstance(q.runner, OnnxRunner) and q.runner.variant == "int8"
    a = torch_model.query_probs(LABELS, [TEXTS[0]] * 4)
    b = q.query_probs(LABELS, [TEXTS[0]] * 4)
    diff = max(float(np.abs(pa - pb).max()) for (pa, _), (pb, _) in zip(a, b))
    assert diff < 0.05


def test_bad_variant_and_missing_file(exported, tmp_path):
    from metaie.model.tagger import MetaIE
    _, out = exported
    with pytest.raises(ConfigError, match="variant"):
        MetaIE.from_pretrained(out, backend="onnx", variant="int4")
    with pytest.raises(ConfigError, match="backend='onnx'"):
        MetaIE.from_pretrained(out, variant="int8")
    with pytest.raises(ModelLoadError, match="not a metaie model directory"):
        MetaIE.from_pretrained(tmp_path, backend="onnx")


def test_one_class_whatever_the_backend(exported, tmp_path):
    """The backend swaps the runner, not the wrapper: an ONNX-loaded model is a plain MetaIE (built by its own
    __init__), and saving it as a torch directory is refused with one clear line."""
    from metaie.model.onnx_backend import OnnxRunner
    from metaie.model.runner import TorchRunner
    from metaie.model.tagger import MetaIE
    torch_model, out = exported
    q = MetaIE.from_pretrained(out, backend="onnx", variant="fp32")
    assert type(q) is MetaIE and type(torch_model) is MetaIE
    assert isinstance(q.runner, OnnxRunner) and isinstance(torch_model.runner, TorchRunner)
    assert q.model is None and q.device.type == "cpu" and q.config.max_length == torch_model.config.max_length
    with pytest.raises(ConfigError, match="onnx backend cannot be saved"):
        q.save_pretrained(tmp_path / "copy")
    assert not (tmp_path / "copy").exists()


def test_export_rejects_unknown_quantisation(tiny_tagger, tmp_path):
    from metaie.model.onnx_export import export_onnx
    with pytest.raises(ConfigError, match="int8"):
        export_onnx(tiny_tagger, tmp_path / "x", quantize="int4")
    assert not (tmp_path / "x").exists()
