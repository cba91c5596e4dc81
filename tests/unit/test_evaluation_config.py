"""The typed benchmark config (metaie.evaluation.config): defaults in one place, errors naming file and key."""
import pytest
import yaml

from metaie.errors import ConfigError
from metaie.evaluation import benchmark
from metaie.evaluation.config import BenchmarkConfig, load_config


def write(tmp_path, cfg) -> str:
    p = tmp_path / "bench.yaml"
    p.write_text(yaml.safe_dump(cfg))
    return str(p)


def test_defaults_live_in_the_dataclass(tmp_path):
    cfg = load_config(write(tmp_path, {"datasets": ["d1"], "start_points": {"v": {"backbone": None}}}))
    assert isinstance(cfg, BenchmarkConfig)
    assert (cfg.shots, cfg.seeds, cfg.threshold, cfg.split, cfg.train) == ((5,), (1, 2, 3), 0.5, "test", {})
    assert cfg.start_points["v"].source("d1") == {"backbone": None}  # an explicit null backbone is recorded
    assert [r["k"] for r in benchmark.plan(cfg)] == [5, 5, 5]


@pytest.mark.parametrize("bad, message", [
    ({"shots": "5"}, "shots must be a non-empty list of integers >= 0 (found '5')"),
    ({"shots": [1, -2]}, "shots must be a non-empty list of integers >= 0"),
    ({"threshold": 1.5}, "threshold must be a number between 0 and 1 (found 1.5)"),
    ({"test_limit": "all"}, "test_limit must be an integer >= 1 or null (found 'all')"),
    ({"split": ""}, "split must be a non-empty string"),
    ({"datasets": "d1"}, "datasets must be a list of names (found 'd1')"),
    ({"train": {"lr": 1e-4, "epoch": 3}}, "train: unknown FinetuneArgs field(s) ['epoch']"),
    ({"train": [1]}, "train must be a mapping of FinetuneArgs fields"),
    ({"train": {"replay": -1}}, "train: training setting: replay must be >= 0"),
    ({"zero_shot": {"datasets": ["d1"], "start_points": ["nope"]}}, "zero_shot.start_points: 'nope' is not in"),
    ({"zero_shot": {"datasets": 3}}, "zero_shot.datasets must be a list of names"),
    ({"start_points": {"m": {"model": 3}}}, "model must be a string or null (found 3)"),
    ({"start_points": {"m": {"model": "x", "datasets": ["elsewhere"]}}}, "start_points.m.datasets ['elsewhere']"),
    ({"colour": "red"}, "unknown key(s) ['colour']"),
    ({"threshold": {"relations": 0.7}}, "threshold: unknown task famil(ies) ['relations']; known: default,"),
    ({"threshold": {"re": 2}}, "threshold.re must be a number between 0 and 1 (found 2)"),
    ({"sweep_thresholds": [0.3, 1.0]}, "sweep_thresholds must be a non-empty list of numbers between 0 and 1"),
    ({"extend_ratio": 0}, "extend_ratio must be a number in (0, 1] or null (found 0)"),
    ({"extend_ratio": "half"}, "extend_ratio must be a number in (0, 1] or null (found 'half')"),
    ({"sweep_thresholds": 0.3}, "sweep_thresholds must be a non-empty list of numbers between 0 and 1"),
])
def test_bad_values_name_the_file_and_the_key(tmp_path, bad, message):
    cfg = {"datasets": ["d1"], "start_points": {"v": {"backbone": None}}, **bad}
    path = write(tmp_path, cfg)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(e.value).startswith(path + ": ") and message in str(e.value)


def test_a_config_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="expected a mapping of settings, found a list"):
        load_config(path)


def test_run_files_from_before_typed_defaults_still_count(tmp_path):
    """A run file written when an absent threshold/split was recorded as null matches today's typed defaults;
    a real difference still refuses the cached run."""
    cfg = load_config(write(tmp_path, {"datasets": ["d1"], "shots": [1], "seeds": [1],
                                       "start_points": {"m": {"model": "models/m"}}}))
    r = benchmark.plan(cfg)[0]
    want = benchmark.run_settings(cfg, r)
    old = {**want, "threshold": None, "split": None}
    assert benchmark._stale({"settings": old}, want) == []
    assert benchmark._stale({"settings": {**want, "threshold": 0.3}}, want) == ["threshold: run 0.3, config 0.5"]


def test_window_settings_reach_the_start_model(tiny_tagger, tmp_path):
    """max_length/stride were accepted and recorded but never applied; now they set the start model's windows."""
    saved = tiny_tagger.save_pretrained(tmp_path / "m")
    cfg = load_config(write(tmp_path, {"datasets": ["d1"], "max_length": 40, "stride": 8,
                                       "start_points": {"m": {"model": str(saved)}}}))
    start = benchmark._start(cfg, "m", "d1")
    model = start.load(cfg.max_length, cfg.stride)
    assert (model.config.max_length, model.config.stride) == (40, 8)
    assert start.load().config.max_length == tiny_tagger.config.max_length


def test_thresholds_per_task_family_and_a_sweep(tmp_path):
    """``threshold`` may map task families to thresholds (``default`` for the rest); a run records the one its
    dataset's family gets, and ``sweep_thresholds`` only where the config sets it (older run files stay valid)."""
    cfg = load_config(write(tmp_path, {"datasets": ["d1"], "start_points": {"v": {"backbone": None}},
                                       "threshold": {"default": 0.4, "re": 0.7},
                                       "sweep_thresholds": [0.6, 0.3, 0.6]}))
    assert (cfg.threshold_for("re"), cfg.threshold_for("ner"), cfg.threshold_for(None)) == (0.7, 0.4, 0.4)
    assert cfg.sweep_thresholds == (0.3, 0.6)
    assert cfg.settings("re")["threshold"] == 0.7 and cfg.settings("re")["sweep_thresholds"] == [0.3, 0.6]
    assert cfg.describe_threshold() == "threshold re 0.7, other tasks 0.4"
    plain = load_config(write(tmp_path, {"datasets": ["d1"], "start_points": {"v": {"backbone": None}}}))
    assert "sweep_thresholds" not in plain.settings() and plain.describe_threshold() == "threshold 0.5"


def test_set_overrides_reach_into_mappings_and_are_checked(tmp_path):
    """``--set KEY=VALUE`` changes a setting without a near-copy of the config: dotted keys reach into mappings
    (a single threshold grows per-family ones), values are YAML, and a bad one is refused like the file's own."""
    path = write(tmp_path, {"datasets": ["d1"], "start_points": {"v": {"backbone": None}}, "threshold": 0.4,
                            "train": {"lr": 1.5e-4, "batch_size": 8}})
    cfg = load_config(path, ["train.lr=5e-5", "threshold.ner=0.7", "seeds=[1, 2]", "train.max_steps=300"])
    assert cfg.train == {"lr": 5e-5, "batch_size": 8, "max_steps": 300} and cfg.seeds == (1, 2)
    assert (cfg.threshold_for("ner"), cfg.threshold_for("re")) == (0.7, 0.4)
    assert load_config(path).train["lr"] == 1.5e-4  # the file itself is untouched
    for item, message in [("train.lr", "expected KEY=VALUE"), ("train..lr=1", "expected KEY=VALUE"),
                          ("split.x=1", None), ("seeds=[1", "the value is not YAML"),
                          ("datasets.x=1", "datasets is not a mapping")]:
        with pytest.raises(ConfigError) as e:
            load_config(path, [item])
        assert message is None or f"--set {item!r}: {message}" in str(e.value)
    with pytest.raises(ConfigError, match="train: unknown FinetuneArgs field"):
        load_config(path, ["train.epoch=3"])
    with pytest.raises(ConfigError, match="threshold must be a number between 0 and 1"):
        load_config(path, ["threshold=2"])


def test_scientific_notation_without_a_dot_is_a_number(tmp_path):
    """``lr: 5e-5`` in the file (YAML 1.1 would read it as text) is the number, as on the command line."""
    path = tmp_path / "b.yaml"
    path.write_text("datasets: [d1]\nstart_points: {v: {backbone: null}}\ntrain: {lr: 5e-5}\n")
    cfg = load_config(path)
    assert cfg.train["lr"] == 5e-5 and cfg.datasets == ("d1",)
