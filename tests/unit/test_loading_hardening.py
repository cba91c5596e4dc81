"""Loading hardening: malformed metaie.json, a file given as a model, offsets that are not integers, query
templates beyond {label}, and saved outputs that follow the umask."""
import json
import os
import stat

import pytest

from metaie.errors import ConfigError, DataFormatError, ModelLoadError
from metaie.jsonl import write_json
from metaie.model.encoding import check_template
from metaie.model.tagger import EXTEND_RATIO, LEGACY_EXTEND_RATIO, MetaIE
from metaie.sources.distill_set import record_from_dict


@pytest.fixture()
def saved(tmp_path, tiny_tagger):
    return tiny_tagger.save_pretrained(tmp_path / "m")


def edit_config(saved, change):
    path = saved / "metaie.json"
    cfg = json.loads(path.read_text())
    path.write_text(json.dumps(change(cfg)))
    return path


def test_metaie_json_that_is_a_list(saved):
    path = edit_config(saved, lambda cfg: [cfg])
    with pytest.raises(ModelLoadError, match=f"^{path}: expected a JSON object, found a JSON list$"):
        MetaIE.from_pretrained(saved)


@pytest.mark.parametrize("template", ["{label.__class__}", "{label.__init__.__globals__}", "{label[0]}",
                                      "{label!r}", "{label:>20}", "{0}", "{other}", "{label"])
def test_query_template_allows_only_label(saved, tiny_backbone, template):
    path = edit_config(saved, lambda cfg: {**cfg, "query_template": template})
    with pytest.raises(ModelLoadError, match=f"^{path}: query_template"):
        MetaIE.from_pretrained(saved)
    with pytest.raises(ConfigError, match="query_template"):
        MetaIE.from_backbone(str(tiny_backbone), query_template=template)
    with pytest.raises(ConfigError, match="query_template"):
        check_template(template)


def test_plain_templates_still_work(tiny_backbone):
    assert check_template("{label}") == "{label}"
    assert check_template("Which {label}? {{literal}}") == "Which {label}? {{literal}}"
    m = MetaIE.from_backbone(str(tiny_backbone), query_template="the {label}", max_length=32, stride=8)
    assert m.extract("Tom was born in Paris .", ["person"], threshold=1.0) == []


def test_a_file_given_as_model_is_named_as_a_file(saved):
    with pytest.raises(ModelLoadError, match="is a file, not a model directory"):
        MetaIE.from_pretrained(saved / "metaie.json")


@pytest.mark.parametrize("value,shown", [(False, "false"), (True, "true"), (1.0, "1.0"), (0.5, "0.5"),
                                         ("0", '"0"'), (None, "null")])
def test_offsets_must_be_integers(value, shown):
    obj = {"text": "Tom was here.", "spans": [{"label": "person", "start": value, "end": 3}]}
    with pytest.raises(DataFormatError) as e:
        record_from_dict(obj, "d.jsonl", 4)
    assert str(e.value) == f"d.jsonl:4: spans[0].start must be an integer character offset, not {shown}"


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_saved_outputs_follow_the_umask(tmp_path, tiny_tagger, umask):
    old = os.umask(umask)
    try:
        model = tiny_tagger.save_pretrained(tmp_path / "m", extra={"manifest.json": {}})
        write_json(tmp_path / "r.json", {"a": 1})
    finally:
        os.umask(old)
    def mode(p):
        return stat.S_IMODE(p.stat().st_mode)
    assert mode(model) == 0o777 & ~umask
    assert {p.name: mode(p) for p in model.iterdir()} == {p.name: 0o666 & ~umask for p in model.iterdir()}
    assert "model.safetensors" in {p.name for p in model.iterdir()}
    assert mode(tmp_path / "r.json") == 0o666 & ~umask


def test_extend_ratio_new_legacy_and_bad(saved, tiny_backbone):
    assert MetaIE.from_pretrained(saved).config.extend_ratio == EXTEND_RATIO  # a new model keeps the new rule
    edit_config(saved, lambda cfg: {k: v for k, v in cfg.items() if k != "extend_ratio"})
    assert MetaIE.from_pretrained(saved).config.extend_ratio == LEGACY_EXTEND_RATIO == 1.0  # decodes as it did
    for bad in (0, -0.5, 1.5, "0.5", True, None):
        path = edit_config(saved, lambda cfg, bad=bad: {**cfg, "extend_ratio": bad})
        with pytest.raises(ModelLoadError, match=f"^{path}: extend_ratio must be a number in \\(0, 1\\]"):
            MetaIE.from_pretrained(saved)


def test_threshold_own_legacy_and_bad(saved):
    """A model's default threshold is saved with it, decodes every call that names none, and is checked on load."""
    text, labels = "tom was born in paris .", ["person", "location"]
    edit_config(saved, lambda cfg: {**cfg, "threshold": 1.0})
    m = MetaIE.from_pretrained(saved)
    assert m.config.threshold == 1.0 and m.extract(text, labels) == []  # nothing reaches 1.0
    assert m.extract(text, labels, threshold=0.0) == m.extract(text, labels, threshold=0.0) != []  # a call's own wins
    edit_config(saved, lambda cfg: {**cfg, "threshold": 0.0})
    assert MetaIE.from_pretrained(saved).extract(text, labels) == m.extract(text, labels, threshold=0.0)
    edit_config(saved, lambda cfg: {k: v for k, v in cfg.items() if k != "threshold"})
    assert MetaIE.from_pretrained(saved).config.threshold == 0.5  # saved before the field: decodes as it did
    for bad in (-0.1, 1.5, "0.5", True, None):
        path = edit_config(saved, lambda cfg, bad=bad: {**cfg, "threshold": bad})
        with pytest.raises(ModelLoadError, match=f"^{path}: threshold must be a number in \\[0, 1\\]"):
            MetaIE.from_pretrained(saved)

