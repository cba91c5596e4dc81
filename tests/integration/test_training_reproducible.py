"""Training from a backbone (new head, dropout): the same command gives the same weights; an interrupted run
resumes to the weights of an uninterrupted one; a resume with other settings is refused, naming them."""
from pathlib import Path

import pytest
import torch
from interrupt import interrupt_at
from safetensors.torch import load_file

from metaie.errors import ConfigError
from metaie.training import TrainArgs
from metaie.training.meta import meta_train

pytestmark = [pytest.mark.slow]  # trains twice and interrupts subprocess runs

FIX = Path(__file__).parents[1] / "fixtures" / "core"


def train(backbone, out, **kw):
    settings = {"epochs": 3, "batch_size": 2, "lr": 3e-3, "warmup_ratio": 0.1, "seed": 3, "checkpoint_every": 2,
                "progress": False, "threads": 1}
    args = TrainArgs(**{**settings, **kw})
    return meta_train([str(FIX / "distill.jsonl")], out, args, backbone=str(backbone), dev_fraction=0.25,
                      neg_ratio=0.5, max_length=32, stride=8, device="cpu")


def weights(out):
    return load_file(str(Path(out) / "model.safetensors"))


def assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_same_command_same_weights(tmp_path, tiny_bare_backbone):
    train(tiny_bare_backbone, tmp_path / "a")
    torch.manual_seed(12345)  # whatever the global random state, the run is fixed by its seed
    train(tiny_bare_backbone, tmp_path / "b")
    assert_same(weights(tmp_path / "a"), weights(tmp_path / "b"))
    train(tiny_bare_backbone, tmp_path / "c", seed=4)
    assert any(not torch.equal(x, y) for x, y in zip(weights(tmp_path / "a").values(),
                                                      weights(tmp_path / "c").values()))


@pytest.mark.parametrize("how", ["ctrl-c", "killed"])
def test_interrupted_then_resumed_equals_uninterrupted(tmp_path, tiny_bare_backbone, monkeypatch, capsys, how):
    ref = train(tiny_bare_backbone, tmp_path / "ref")
    assert ref.steps == 15
    out = tmp_path / "out"
    # stopped during step 8 (mid-epoch 2 of 5 steps each): Ctrl-C checkpoints after the last whole step (7);
    # a killed run leaves only the periodic checkpoint (every 2 steps: 6)
    exc = KeyboardInterrupt() if how == "ctrl-c" else RuntimeError("killed")
    with monkeypatch.context() as m:
        interrupt_at(m, 8, exc)
        with pytest.raises(type(exc)):
            train(tiny_bare_backbone, out)
    assert (Path(str(out) + ".work") / "last.pt").exists() and not out.exists()
    capsys.readouterr()
    res = train(tiny_bare_backbone, out)
    expected = 7 if how == "ctrl-c" else 6
    assert res.resumed_from_step == expected
    assert f"resuming from step {expected} of {ref.steps}" in capsys.readouterr().err
    assert_same(weights(tmp_path / "ref"), weights(out))
    assert [h["loss"] for h in res.history] == [h["loss"] for h in ref.history]


def test_resume_with_other_settings_is_refused(tmp_path, tiny_bare_backbone, monkeypatch):
    out = tmp_path / "out"
    with monkeypatch.context() as m:
        interrupt_at(m, 3, KeyboardInterrupt())
        with pytest.raises(KeyboardInterrupt):
            train(tiny_bare_backbone, out)
    with pytest.raises(ConfigError) as e:
        train(tiny_bare_backbone, out, lr=0.5, seed=7)
    msg = str(e.value)
    assert "--lr 0.003 (now 0.5)" in msg and "--seed 3 (now 7)" in msg and "--no-resume" in msg
    assert "\n" not in msg
    assert (Path(str(out) + ".work") / "last.pt").exists()  # the interrupted run is kept
    res = train(tiny_bare_backbone, out, lr=0.5, seed=7, resume=False)  # --no-resume starts afresh
    assert res.resumed_from_step == 0 and out.is_dir()


def test_layer_decay_rates_and_resume_identity(tmp_path, tiny_bare_backbone, monkeypatch):
    from metaie.model.tagger import MetaIE
    from metaie.training.trainer import layer_decayed, layer_depth
    net = MetaIE.from_backbone(str(tiny_bare_backbone), max_length=32, stride=8, device="cpu").model
    named = list(net.named_parameters())
    groups = layer_decayed([{"params": [p for _, p in named], "weight_decay": 0.01}], named, 1e-3, 0.5)
    rate = {id(p): g["lr"] for g in groups for p in g["params"]}
    depths = {layer_depth(n) for n, _ in named}
    top = max(d for d in depths if d is not None)
    assert None in depths and 0 in depths and top >= 2  # head, embeddings and at least two layers
    for n, p in named:
        d = layer_depth(n)
        assert rate[id(p)] == pytest.approx(1e-3 * (1 if d is None else 0.5 ** (top - d))), n
    assert sum(len(g["params"]) for g in groups) == len(named) and all(g["weight_decay"] == 0.01 for g in groups)
    out = tmp_path / "out"
    with monkeypatch.context() as m:
        interrupt_at(m, 3, KeyboardInterrupt())
        with pytest.raises(KeyboardInterrupt):
            train(tiny_bare_backbone, out, layer_decay=0.5)
    with pytest.raises(ConfigError, match=r"--layer-decay 0.5 \(now 1.0\)"):
        train(tiny_bare_backbone, out)
    decayed = train(tiny_bare_backbone, out, layer_decay=0.5)
    assert decayed.resumed_from_step > 0
    train(tiny_bare_backbone, tmp_path / "plain")
    assert any(not torch.equal(x, y) for x, y in zip(weights(out).values(), weights(tmp_path / "plain").values()))
    with pytest.raises(ConfigError, match="layer_decay must be in"):
        TrainArgs(layer_decay=0).validate()


def test_checkpoint_holding_objects_is_not_unpickled(tmp_path, tiny_bare_backbone):
    work = Path(str(tmp_path / "out") + ".work")
    work.mkdir()
    torch.save({"state": ConfigError("an arbitrary object")}, work / "last.pt")
    with pytest.raises(ConfigError, match="cannot read the interrupted run's state"):
        train(tiny_bare_backbone, tmp_path / "out")


def test_cli_ctrl_c_then_changed_settings_refused_then_same_command_resumes(tmp_path, tiny_bare_backbone,
                                                                             monkeypatch, capsys):
    from metaie.cli.main import main
    out = tmp_path / "m"
    cmd = ["train", "--data", str(FIX / "distill.jsonl"), "--out", str(out), "--backbone", str(tiny_bare_backbone),
           "--epochs", "2", "--batch-size", "2", "--lr", "3e-3", "--max-length", "32", "--stride", "8",
           "--dev-fraction", "0", "--checkpoint-every", "2", "--threads", "1"]
    with monkeypatch.context() as m:
        interrupt_at(m, 4, KeyboardInterrupt())
        with pytest.raises(SystemExit) as e:
            main(cmd)
    assert e.value.code == 130
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main([*cmd, "--lr", "0.5", "--seed", "7"])
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 1 and len(err) == 1, err
    assert "--lr 0.003 (now 0.5)" in err[0] and "--seed 42 (now 7)" in err[0]
    main(cmd)
    assert "resuming from step 3 of" in capsys.readouterr().err
    manifest = __import__("json").loads((out / "manifest.json").read_text())
    assert manifest["resumed_from_step"] == 3
    assert manifest["settings"]["lr"] == 0.003 and manifest["settings"]["seed"] == 42
