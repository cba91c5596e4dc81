"""The main job: extraction with the shipped model first, then the short meta-training that shows the method."""
import pytest
from rich.console import Console

from metaie.datasets.root import data_root
from metaie.model import hub
from metaie.quickstart import DEMO, quickstart


def test_quickstart_extracts_with_the_shipped_model_then_trains(tmp_path, monkeypatch, tiny_tagger, tiny_backbone):
    shipped = tiny_tagger.save_pretrained(tmp_path / "metaie-minilm")
    monkeypatch.setattr(hub, "builtin_dir", lambda name="metaie-minilm": shipped)
    con = Console(record=True, width=120)
    got = quickstart(tmp_path / "qs", console=con, train=False)
    assert len(got["shipped_spans"]) == len(DEMO) and "steps" not in got
    assert "shipped meta-model (metaie-minilm)" in con.export_text()
    if not (data_root() / "pilener_391_bio").exists():
        pytest.skip("the bundled sets are not in the data root")
    got = quickstart(tmp_path / "qs", records=12, epochs=1, batch_size=8, backbone=str(tiny_backbone),
                     console=con)
    assert got["steps"] >= 1 and (tmp_path / "qs" / "metaie.json").exists() and len(got["spans"]) == len(DEMO)


def test_quickstart_without_a_shipped_model_says_so_and_trains(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "builtin_dir", lambda name="metaie-minilm": tmp_path / "none")
    con = Console(record=True, width=200)
    assert quickstart(tmp_path / "qs", console=con, train=False) == {}
    assert "no shipped model" in con.export_text()
