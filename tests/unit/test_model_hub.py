"""Model names: built-in default, directories, hub ids; the fp16 shipped form loads and extracts as fp32 does."""
import pytest
import torch
from typer.testing import CliRunner

from metaie.errors import ModelLoadError
from metaie.model import hub
from metaie.model.ship import ship
from metaie.model.tagger import MetaIE


def test_resolve_errors_are_one_line(tmp_path):
    f = tmp_path / "weights.bin"
    f.write_text("x")
    with pytest.raises(ModelLoadError, match="is a file, not a model directory"):
        hub.resolve_model(f)
    with pytest.raises(ModelLoadError, match="does not exist"):
        hub.resolve_model(tmp_path / "missing")
    with pytest.raises(ModelLoadError, match="neither a local directory nor a loadable hub model"):
        hub.resolve_model("no-such-org/no-such-model")   # offline in tests: not cached


def test_builtin_missing_is_clear(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "builtin_dir", lambda name="metaie-minilm": tmp_path / name)
    with pytest.raises(ModelLoadError, match="built-in model 'metaie-minilm' is not in this install"):
        MetaIE.from_pretrained()


def test_fp16_ship_loads_as_default_and_extracts_like_fp32(tmp_path, monkeypatch, tiny_tagger):
    torch.manual_seed(0)
    src = tiny_tagger.save_pretrained(tmp_path / "m", extra={"manifest.json": {"steps": 3, "settings": {}}})
    dst = ship(src, tmp_path / "metaie-minilm", scores={"zero_shot": 1.0})
    card = (dst / "README.md").read_text()
    assert "# metaie-minilm" in card and '"zero_shot": 1.0' in card
    st = (dst / "model.safetensors").stat().st_size
    assert st < 0.6 * (src / "model.safetensors").stat().st_size     # fp16 weights: about half
    monkeypatch.setattr(hub, "builtin_dir", lambda name="metaie-minilm": dst)
    m = MetaIE.from_pretrained()                                     # the built-in default
    assert next(m.model.parameters()).dtype == torch.float32
    text, labels = "tom was born in paris in 1990 .", ["person", "city"]
    a = tiny_tagger.query_probs(labels, [text, text])
    b = m.query_probs(labels, [text, text])
    for (pa, _), (pb, _) in zip(a, b):
        assert abs(pa - pb).max() < 1e-2
    from metaie.cli.main import app
    r = CliRunner().invoke(app, ["extract", "--labels", "person", "--json", "--threshold", "0", text])
    assert r.exit_code == 0, r.output
    assert '"text": "tom was born in paris in 1990 ."' in r.output


def test_the_shipped_default_loads_offline_and_extracts():
    """The committed default meta-model: a built-in name, fp16 on disk, fp32 in memory, and it finds people and
    places in a plain sentence with no training and no network."""
    import torch

    from metaie import MetaIE
    model = MetaIE.from_pretrained("metaie-minilm")
    assert model.model is not None and next(model.model.parameters()).dtype == torch.float32
    spans = model.extract("Barack Obama met Angela Merkel in Paris.", ["person", "location"])
    found = {(s.text, s.label) for s in spans}
    assert {("Barack Obama", "person"), ("Angela Merkel", "person"), ("Paris", "location")} <= found
