"""--threads on every long-running command, and training that keeps the process's thread setting."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import typer

from metaie.cli.main import app, main
from metaie.records import Query, Span
from metaie.training import TrainArgs, fit

TINY_NER = Path(__file__).parents[1] / "fixtures" / "tasks" / "tiny_ner"
LONG_RUNNING = ["train", "finetune", "evaluate", "benchmark", "quickstart", "extract", "serve", "distill", "export"]


@pytest.fixture()
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_command_takes_threads(name):
    cmd = typer.main.get_command(app).commands[name]
    assert any("--threads" in p.opts for p in cmd.params), f"metaie {name} has no --threads"


@pytest.mark.parametrize("threads,expected", [(None, 1), (2, 2)])
def test_fit_keeps_the_process_setting_unless_told(tiny_tagger, restore_threads, threads, expected):
    torch.set_num_threads(1)  # what a command's --threads 1 did before training started
    q = [Query("person", "Tom was born in Paris .", [Span(0, 3, "person")])]
    res = fit(tiny_tagger, q, None, TrainArgs(epochs=1, batch_size=1, progress=False, threads=threads))
    assert res.steps == 1 and torch.get_num_threads() == expected


def test_cli_finetune_threads_reaches_training(tiny_backbone, tmp_path, restore_threads, capsys):
    torch.set_num_threads(2)
    out = tmp_path / "m"
    main(["finetune", "--backbone", str(tiny_backbone), "--task", "ner", "--data", str(TINY_NER), "--shots", "1",
          "--out", str(out), "--max-steps", "1", "--threads", "1"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["threads"] == 1 and manifest["settings"]["threads"] == 1
