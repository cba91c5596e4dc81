"""One source of defaults: every option of train/finetune/distill that is a settings field has that field's default."""
from dataclasses import MISSING, fields

import pytest
import typer

from metaie.cli.main import app
from metaie.distill.builder import DistillConfig
from metaie.training.args import FinetuneArgs, MetaData, MetaTrainArgs

# command -> (its settings dataclasses, options named otherwise: option -> (dataclass, field, map from the field))
SOURCES = {
    "train": ((MetaTrainArgs, MetaData), {"passages": (MetaData, "sentences", lambda v: not v),
                                          "no_resume": (MetaTrainArgs, "resume", lambda v: not v)}),
    "finetune": ((FinetuneArgs,), {}),
    "distill": ((DistillConfig,), {"fmt": (DistillConfig, "format", lambda v: v)}),
}
# Options that share a field's name but are not that setting: finetune's --seed draws the K-shot sample, its
# --threshold is the one the fine-tuned model stores as its default (FinetuneArgs.threshold scores held-out queries).
NOT_SETTINGS = {("finetune", "seed"), ("finetune", "threshold")}


def _field_default(cls, name):
    return next(f.default for f in fields(cls) if f.name == name)


def _pairs(command):
    """(option, its default, the dataclass default it must equal) for each option backed by a settings field."""
    params = typer.main.get_command(app).commands[command].params
    classes, renamed = SOURCES[command]
    for p in params:
        if (command, p.name) in NOT_SETTINGS:
            continue
        if p.name in renamed:
            cls, name, mapped = renamed[p.name]
            yield p.name, p.default, mapped(_field_default(cls, name))
            continue
        owner = next((c for c in classes if p.name in {f.name for f in fields(c) if f.default is not MISSING}), None)
        if owner is not None:
            yield p.name, p.default, _field_default(owner, p.name)


@pytest.mark.parametrize("command, at_least", [("train", 15), ("finetune", 5), ("distill", 30)])
def test_option_defaults_come_from_the_settings_dataclasses(command, at_least):
    pairs = list(_pairs(command))
    assert len(pairs) >= at_least  # the walk found the options (a renamed or dropped option would show here)
    wrong = [(name, got, want) for name, got, want in pairs if got != want or type(got) is not type(want)]
    assert not wrong, f"metaie {command}: option defaults differ from their dataclass fields: {wrong}"


def test_meta_and_finetune_keep_their_user_facing_defaults():
    # What `metaie train` / `metaie finetune` gave before the defaults moved into the dataclasses.
    assert (MetaTrainArgs.batch_size, MetaTrainArgs.warmup_ratio, MetaData.max_length, MetaData.stride) == (32, 0.06,
                                                                                                            128, 32)
    assert (FinetuneArgs.epochs, FinetuneArgs.batch_size, FinetuneArgs.warmup_ratio) == (10, 8, 0.1)


def test_distill_passes_every_option_into_its_config(monkeypatch):
    import metaie.distill.builder as builder
    from metaie.cli.main import main
    got = {}

    def capture(cfg):
        got["cfg"] = cfg
        raise SystemExit(0)

    monkeypatch.setattr(builder, "run_distill", capture)
    with pytest.raises(SystemExit):
        main(["distill", "--corpus", "c.txt", "--out", "o", "--format", "jsonl", "--replay", "r.jsonl", "--cache",
              "c.sqlite", "--max-per-label", "3", "--seed", "7", "--no-progress", "--rpm", "60"])
    cfg = got["cfg"]
    given = {"corpus": ["c.txt"], "out_dir": "o", "format": "jsonl", "replay": "r.jsonl", "cache": "c.sqlite",
             "max_per_label": 3, "seed": 7, "progress": False, "rpm": 60}
    assert {k: getattr(cfg, k) for k in given} == given
    assert all(getattr(cfg, f.name) == f.default for f in fields(DistillConfig) if f.name not in given)
