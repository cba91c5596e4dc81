"""The core CLI end to end in a temporary directory: import, train (with SIGKILL and resume), extract, errors."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
FIX = ROOT / "tests" / "fixtures" / "core"


def run(*args, check=True, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), HF_HUB_OFFLINE="1")
    p = subprocess.run([sys.executable, "-m", "metaie", *map(str, args)], capture_output=True, text=True, env=env,
                       timeout=240, **kw)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def train_args(backbone, out, epochs=60):
    return ["train", "--data", FIX / "distill.jsonl", "--out", out, "--backbone", backbone, "--epochs", epochs,
            "--batch-size", 4, "--lr", 3e-3, "--schedule", "constant", "--warmup-ratio", 0, "--max-length", 32,
            "--stride", 8, "--dev-fraction", 0, "--neg-ratio", 0.5, "--seed", 3]


@pytest.mark.slow
def test_import_train_extract(tmp_path, tiny_backbone):
    out = tmp_path / "gl.jsonl"
    p = run("import", "gliner", FIX / "gliner.json", "--out", out)
    assert json.loads(p.stdout)["written"] == 2 and len(out.read_text().splitlines()) == 2

    model = tmp_path / "m"
    p = run(*train_args(tiny_backbone, model))
    assert "saved" in p.stdout and (model / "metaie.json").exists() and not Path(str(model) + ".work").exists()
    manifest = json.loads((model / "manifest.json").read_text())
    assert manifest["records"] == {"train": 4, "dev": 0} and manifest["train_queries"]["positive_queries"] == 9

    p = run("extract", "--model", model, "--labels", "person,city,company", "--json",
            "Anna lives in London and works at Acme Corp.")
    got = json.loads(p.stdout)
    assert {(s["text"], s["label"]) for s in got["spans"]} == {("Anna", "person"), ("London", "city"),
                                                              ("Acme Corp", "company")}
    p = run("extract", "--model", model, "--labels", "person", "Tom was born in Paris in 1990 .")
    assert "[person" in p.stdout

    cfg = json.loads((model / "metaie.json").read_text())
    (model / "metaie.json").write_text(json.dumps({**cfg, "threshold": 1.0}))  # the model's own default
    text = "Anna lives in London and works at Acme Corp."
    assert json.loads(run("extract", "-m", model, "-l", "person,city", "--json", text).stdout)["spans"] == []
    again = json.loads(run("extract", "-m", model, "-l", "person,city", "--json", "--threshold", 0.5, text).stdout)
    assert {s["text"] for s in again["spans"]} == {"Anna", "London"}  # --threshold wins over it


@pytest.mark.slow
def test_train_killed_then_resumed_matches_uninterrupted(tmp_path, tiny_backbone):
    # 10 epochs on one thread: float noise (another thread split, MKL's alignment-dependent kernels on some hosts)
    # stays near 1e-7 there, while at 30 epochs this lr amplifies it past 1e-3 (seen on a CI host: 0.17); a resume
    # that loses the optimiser state or restarts the epoch differs by 3e-2 or more at 10 epochs (measured)
    from metaie.model.tagger import MetaIE

    def resumable(out):
        return [*train_args(tiny_backbone, out, epochs=10), "--checkpoint-every", 3, "--threads", 1]
    ref = tmp_path / "ref"
    run(*resumable(ref))

    out = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), HF_HUB_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "-m", "metaie", *map(str, resumable(out))], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last = Path(str(out) + ".work") / "last.pt"
    deadline = time.time() + 120
    while not last.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.skip("training finished before it could be killed")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "metaie.json").exists()  # nothing half-written in the output

    run(*resumable(out))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["resumed_from_step"] > 0
    a, b = MetaIE.from_pretrained(ref, device="cpu"), MetaIE.from_pretrained(out, device="cpu")
    texts = ["Mary went to Madrid with her friend Peter .", "Google bought YouTube for money ."]
    pa = a.query_probs(["person", "company"], texts)
    pb = b.query_probs(["person", "company"], texts)
    for (x, _), (y, _) in zip(pa, pb):
        assert abs(x - y).max() < 1e-4


@pytest.mark.parametrize("args,msg", [
    (["extract", "--model", "{tmp}/nope", "--labels", "person", "Tom"], "does not exist"),
    (["extract", "--model", "{backbone}", "--labels", "person", "Tom"], "not a metaie model directory"),
    (["extract", "--model", "{tmp}", "--labels", " , ", "Tom"], "--labels is empty"),
    (["train", "--data", "{tmp}/bad.jsonl", "--out", "{tmp}/out", "--backbone", "{backbone}"], "bad.jsonl:2:"),
    (["train", "--data", "{tmp}/missing.jsonl", "--out", "{tmp}/out", "--backbone", "{backbone}"], "file not found"),
    (["train", "--data", "{fix}/distill.jsonl", "--out", "{tmp}/out", "--backbone", "{tmp}/no-model"],
     "cannot load a tokenizer"),
    (["import", "nonsense", "{fix}/gliner.json", "--out", "{tmp}/x.jsonl"], "unknown format"),
])
def test_bad_input_one_line_error_no_output(tmp_path, tiny_backbone, args, msg):
    (tmp_path / "bad.jsonl").write_text('{"text": "ok"}\n{"text": 5}\n', encoding="utf-8")
    args = [a.format(tmp=tmp_path, backbone=tiny_backbone, fix=FIX) for a in args]
    p = run(*args, check=False)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and msg in lines[0], p.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "x.jsonl").exists()
