"""Packed mode on the tiny model: save/load, label chunks and windows, training, ONNX, and every path that runs a
model (Extractor, streaming extraction, the server's micro-batcher, meta-training with resume, fine-tuning)."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from metaie.errors import ConfigError, ModelLoadError
from metaie.model.packed import PackedMetaIE, pack_queries
from metaie.model.tagger import MetaIE
from metaie.records import Query, Span

FIX = Path(__file__).parents[1] / "fixtures"
PEOPLE = ["tom", "anna", "bob", "john", "mary", "peter"]
CITIES = ["paris", "london", "berlin", "rome", "madrid", "tokyo"]


def packed_model(backbone, **kw) -> PackedMetaIE:
    kw = {"max_length": 32, "stride": 8, "device": "cpu", "mode": "packed", "label_budget": 12, **kw}
    m = MetaIE.from_backbone(str(backbone), **kw)
    assert isinstance(m, PackedMetaIE)
    return m


def toy_queries() -> list[Query]:
    def span(t, w, lab):
        i = t.index(w)
        return Span(i, i + len(w), lab, w)
    out = []
    for p in PEOPLE:
        for c in CITIES:
            t = f"{p} lives in {c} ."
            out += [Query("person", t, [span(t, p, "person")]), Query("city", t, [span(t, c, "city")]),
                    Query("date", t, [])]
    return out


@pytest.fixture(scope="module")
def trained(tiny_backbone):
    """A packed tiny model trained on the toy task (persons and cities; 'date' never present)."""
    from metaie.training import TrainArgs, fit
    m = packed_model(tiny_backbone)
    data = toy_queries()
    res = fit(m, data[:90], data[90:], TrainArgs(epochs=15, batch_size=8, lr=3e-3, progress=False, seed=1))
    return m, res


def test_save_load_round_trip_is_a_plain_hf_directory(tiny_backbone, tmp_path):
    from transformers import AutoModel, AutoTokenizer
    m = packed_model(tiny_backbone)
    out = m.save_pretrained(tmp_path / "p")
    cfg = json.loads((out / "metaie.json").read_text())
    assert cfg["mode"] == "packed" and cfg["label_budget"] == 12 and cfg["label_marker"] == "[LBL]"
    assert {"config.json", "model.safetensors", "packed_head.safetensors", "tokenizer.json"} <= \
        {p.name for p in out.iterdir()}
    enc = AutoModel.from_pretrained(out)                  # the encoder loads with plain transformers
    tok = AutoTokenizer.from_pretrained(out)
    assert enc.get_input_embeddings().num_embeddings == len(tok) and "[LBL]" in tok.get_vocab()
    back = MetaIE.from_pretrained(out, device="cpu")
    assert isinstance(back, PackedMetaIE) and back.config == m.config
    labels, texts = ["person", "city", "date"], ["tom was born in paris , 1990 ."] * 3
    for (a, oa), (b, ob) in zip(m.query_probs(labels, texts), back.query_probs(labels, texts)):
        assert oa == ob and np.allclose(a, b, atol=1e-6)


def test_a_bad_mode_in_metaie_json_is_named(tiny_backbone, tmp_path):
    out = packed_model(tiny_backbone).save_pretrained(tmp_path / "p")
    cfg = json.loads((out / "metaie.json").read_text())
    (out / "metaie.json").write_text(json.dumps({**cfg, "mode": "stacked"}))
    with pytest.raises(ModelLoadError, match="metaie.json: mode must be one of per_label, packed"):
        MetaIE.from_pretrained(out)
    (out / "metaie.json").write_text(json.dumps(cfg))
    (out / "packed_head.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="packed_head.safetensors is missing"):
        MetaIE.from_pretrained(out)


def test_labels_beyond_the_budget_go_in_chunks_and_long_texts_in_windows(tiny_backbone, assert_no_unk):
    m = packed_model(tiny_backbone)  # label_budget 12: six one-token labels (2 prefix tokens each) per chunk
    labels = ["person", "location", "date", "city", "company", "country", "year", "name"]
    long = " ".join(["tom was born in paris in 1990 ."] * 6)
    assert_no_unk(long)
    windows = m.encode(labels, [long] * len(labels))
    slots = {tuple(q for s in part.slots for q in s) for w in windows for part in w.parts}
    assert slots == {(0, 1, 2, 3, 4, 5), (6, 7)}
    lbl = m.tokenizer.convert_tokens_to_ids("[LBL]")
    for w in windows:
        assert len(w) <= 12 + 32 and w.input_ids[0] == m.tokenizer.cls_token_id
        assert [w.input_ids[p] for p in w.label_positions] == [lbl] * len(w.parts[0].slots)
    pieces = [sum(len(w.parts) for w in windows if len(w.label_positions) == k) for k in (6, 2)]
    assert pieces[0] > 1 and pieces[0] == pieces[1]  # the same text pieces under each chunk
    merged = m.merge(windows, m.window_probs(windows), len(labels))
    words = m.tokenizer(long, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    assert all(offs == [tuple(o) for o in words] for _, offs in merged)  # every text token once, in order
    # a text's spans do not depend on what else is in the batch
    alone = m.extract_batch([long], labels, threshold=0.2)
    mixed = m.extract_batch(["anna lives in london .", long], labels, threshold=0.2)
    assert mixed[1] == alone[0]


def test_texts_asking_the_same_labels_share_windows_and_get_what_they_get_alone(tiny_backbone):
    from metaie.model.packed import group_queries
    m = packed_model(tiny_backbone, label_budget=8)  # windows of up to 8 + 32 tokens: two of these texts each
    texts = ["tom was born in paris .", "anna lives in london .", "bob met mary on monday .", "apple sells phones .",
             "john is a doctor from rome .", "mary went to madrid with her friend peter ."]
    labels = ["person", "city", "date"]
    asked = ([lab for t in texts for lab in labels], [t for t in texts for _ in labels])
    shared = m.encode(*asked)
    alone = m.packer.encode(group_queries(*asked), share=False)
    assert len(alone) == 6 and len(shared) == 2 and sum(len(w.parts) for w in shared) == 6
    for w in shared:  # each text: a segment of its own, at positions from 1 (as after a [CLS] of its own)
        assert len(w) <= 8 + 32
        firsts = [part.text_positions[0] for part in w.parts]
        assert [w.segment_ids[i] for i in firsts] == list(range(1, len(firsts) + 1))
        assert {w.position_ids[i] for i in firsts} == {1}
    a = m.merge(shared, m.window_probs(shared), len(asked[0]))
    b = m.merge(alone, m.window_probs(alone), len(asked[0]))
    for (pa, oa), (pb, ob) in zip(a, b):
        assert oa == ob and np.allclose(pa, pb, atol=1e-5)



def test_labels_that_read_the_text_get_one_window_per_text_and_survive_save_load(tiny_backbone, tmp_path):
    from metaie.model.packed import group_queries
    m = packed_model(tiny_backbone, label_budget=8)
    m.config.share_prefix = m.model.share_prefix = False
    texts = ["tom was born in paris .", "anna lives in london .", "bob met mary on monday ."]
    labels = ["person", "city"]
    asked = ([lab for t in texts for lab in labels], [t for t in texts for _ in labels])
    windows = m.encode(*asked)
    assert len(windows) == 3 and all(len(w.parts) == 1 for w in windows)
    # the label vectors now depend on the text: the same scores with the prefix reading only itself differ
    batch = m.collate(windows)
    with torch.no_grad():
        full = m.model(**batch).logits
    m.model.share_prefix = True
    with torch.no_grad():
        shared = m.model(**batch).logits
    assert not torch.allclose(full, shared)
    m.model.share_prefix = False
    back = MetaIE.from_pretrained(m.save_pretrained(tmp_path / "rt"))
    assert back.config.share_prefix is False and back.model.share_prefix is False
    a = m.merge(windows, m.window_probs(windows), len(asked[0]))
    b = back.merge(back.encode(*asked), back.window_probs(back.encode(*asked)), len(asked[0]))
    for (pa, oa), (pb, ob) in zip(a, b):
        assert oa == ob and np.allclose(pa, pb, atol=1e-5)
    assert len(m.packer.encode(group_queries(*asked), share=True)) < 3  # what sharing would have done

def test_a_label_longer_than_the_budget_is_refused(tiny_backbone):
    m = packed_model(tiny_backbone, label_budget=4)
    with pytest.raises(ConfigError, match="label 'new york city person' takes 5 prefix tokens, more than "
                                          "label_budget=4"):
        m.extract("tom lives in paris .", ["new york city person"])
    with pytest.raises(ConfigError, match="passes the backbone's 2048 positions"):
        packed_model(tiny_backbone, label_budget=2040)


def test_pack_queries_shuffles_varies_sizes_and_fills_with_absent_labels():
    qs = toy_queries()
    packs, info = pack_queries(qs, seed=3, pack_labels=6, fill=2)
    assert (packs, info) == pack_queries(qs, seed=3, pack_labels=6, fill=2)   # fixed by the seed
    assert pack_queries(qs, seed=4, pack_labels=6, fill=2)[0] != packs
    real = [q for _, p in packs for q in p if q in qs]
    assert sorted(map(repr, real)) == sorted(map(repr, qs))                          # every query once
    gold = {(q.text, q.label) for q in qs}
    for text, p in packs:
        labels = [q.label for q in p]
        assert len(labels) == len(set(labels)) <= 6 and all(q.text == text for q in p)
        assert all((text, q.label) not in gold for q in p if q not in qs)             # fills are absent labels
    assert len({len(p) for _, p in packs}) > 2                                       # varied label counts
    assert len({tuple(q.label for q in p) for _, p in packs if len(p) == 3}) > 1     # varied orders
    no_fill, _ = pack_queries(qs, seed=3, pack_labels=6, fill=0)
    assert sum(len(p) for _, p in no_fill) == len(qs)
    assert info["fill_negatives"] == sum(len(p) for _, p in packs) - len(qs)
    assert all(len(p) <= 3 * sum(q in qs for q in p) for _, p in packs)             # at most 2 fills per own label


def test_training_loss_decreases_and_it_learns_the_toy_task(trained):
    m, res = trained
    losses = [h["loss"] for h in res.history]
    assert losses[-1] < losses[0] / 10
    assert res.best_f1 == 1.0
    got = m.extract("mary lives in rome .", ["person", "city", "date"])
    assert [(s.text, s.label) for s in got] == [("mary", "person"), ("rome", "city")]
    assert m.pack_report["windows"] < 90  # fewer windows than queries: labels share passes


def test_onnx_gives_the_same_spans(trained, tmp_path):
    pytest.importorskip("onnxruntime")
    from metaie.model.onnx_export import export_onnx
    m, _ = trained
    out = export_onnx(m, tmp_path / "onnx", quantize="int8")
    texts = ["peter lives in tokyo .", "anna lives in paris .", " ".join(["tom lives in berlin ."] * 5)]
    labels = ["person", "city", "date"]
    want = m.extract_batch(texts, labels, threshold=0.5)
    assert any(want)
    fp32 = MetaIE.from_pretrained(out, backend="onnx", variant="fp32")
    assert isinstance(fp32, PackedMetaIE) and fp32.extract_batch(texts, labels, threshold=0.5) == want
    int8 = MetaIE.from_pretrained(out, backend="onnx", variant="int8")
    got = int8.extract_batch(texts, labels, threshold=0.5)
    assert [[(s.start, s.end, s.label) for s in x] for x in got] == [[(s.start, s.end, s.label) for s in x]
                                                                       for x in want]


class CountingRunner:
    """The real runner, counting the windows of each call."""

    def __init__(self, runner):
        self.runner, self.backend, self.device, self.calls = runner, runner.backend, runner.device, []

    def __call__(self, batch):
        self.calls.append(int(batch["input_ids"].shape[0]))
        return self.runner(batch)


class Asking:
    """The model, recording how many queries each ``predict_queries`` call asks."""

    def __init__(self, model):
        self.model, self.asked = model, []

    def predict_queries(self, queries, **kw):
        self.asked.append(len(queries))
        return self.model.predict_queries(queries, **kw)


def test_the_extractor_asks_all_queries_of_a_text_in_one_pass(tiny_backbone):
    from metaie.pipeline import Extractor
    from metaie.tasks.structures import Example
    m = packed_model(tiny_backbone, label_budget=200)
    m.runner = CountingRunner(m.runner)
    texts = ["tom works at acme corp .", "anna lives in london .", "bob works at google ."]
    asking = Asking(m)
    out = Extractor(asking, schema=FIX / "tasks" / "tiny_re" / "schema.yaml", threshold=0.1).predict(
        [Example(str(i), t) for i, t in enumerate(texts)])
    # stage 1: 3 texts x 3 entity types, in one window (the texts ask the same labels, so they share a prefix);
    # stage 2: every found head x 2 relation phrases, one window per text (each text asks about its own heads)
    assert asking.asked[0] == 9 and asking.asked[1] > 2 * len(texts)
    assert m.runner.calls == [1, 3]
    assert sum(len(e.relations) for e in out) > 0  # the low threshold finds heads, so stage 2 ran


def test_stream_and_server_take_the_packed_path(trained, tmp_path):
    from metaie.extract_stream import extract_file
    from metaie.serve.batcher import MicroBatcher
    m, _ = trained
    texts = [f"{p} lives in {c} ." for p, c in zip(PEOPLE, CITIES)]
    labels = ["person", "city", "date"]
    want = m.extract_batch(texts, labels)
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)))
    extract_file(m, src, tmp_path / "out.jsonl", labels, chunk_size=4, progress=False)
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["spans"] for r in rows] == [[s.to_dict() for s in x] for x in want]

    async def serve():
        b = MicroBatcher(m, max_wait_ms=5)
        got = await asyncio.gather(*[b.submit([t], labels, 0.5) for t in texts])
        await b.close()
        return got, b.stats
    got, stats = asyncio.run(serve())
    assert [g[0] for g in got] == want
    assert stats.windows == len(texts)  # one packed window per request, not one per (text, label)


def test_packed_meta_training_resumes_and_refuses_another_mode(tmp_path, tiny_bare_backbone, monkeypatch):
    from safetensors.torch import load_file

    from metaie.training import TrainArgs
    from metaie.training.meta import meta_train

    def train(out, mode="packed"):
        args = TrainArgs(epochs=3, batch_size=2, lr=3e-3, seed=3, checkpoint_every=2, progress=False, threads=1)
        return meta_train([str(FIX / "core" / "distill.jsonl")], out, args, backbone=str(tiny_bare_backbone),
                          dev_fraction=0.25, neg_ratio=0.5, max_length=32, stride=8, device="cpu", mode=mode,
                          pack_labels=3)

    ref = train(tmp_path / "ref")
    manifest = json.loads((tmp_path / "ref" / "manifest.json").read_text())
    assert manifest["mode"] == "packed" and manifest["packing"]["pack_labels"] == 3
    assert manifest["packing"]["windows"] == manifest["train_windows"] and ref.best_f1 is not None
    real, calls = torch.nn.utils.clip_grad_norm_, [0]

    def clip(*a, **k):
        calls[0] += 1
        if calls[0] == 3:
            raise RuntimeError("killed")
        return real(*a, **k)
    with monkeypatch.context() as mp:
        mp.setattr(torch.nn.utils, "clip_grad_norm_", clip)
        with pytest.raises(RuntimeError):
            train(tmp_path / "out")
    with pytest.raises(ConfigError, match="started with --mode packed \\(now per_label\\)"):
        train(tmp_path / "out", mode="per_label")
    res = train(tmp_path / "out")
    assert res.resumed_from_step == 2
    for name in ("model.safetensors", "packed_head.safetensors"):
        a, b = load_file(str(tmp_path / "ref" / name)), load_file(str(tmp_path / "out" / name))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_few_shot_fine_tuning_keeps_the_packed_mode(tmp_path, tiny_backbone):
    from metaie.training import TrainArgs
    from metaie.training.finetune import StartPoint, finetune
    start = StartPoint("packed", backbone=str(tiny_backbone), mode="packed")
    model, res, info = finetune(start, FIX / "tasks" / "tiny_re", 1, 1, tmp_path / "ft",
                                TrainArgs(epochs=2, batch_size=4, lr=1e-3, progress=False, eval_each_epoch=False))
    assert res.steps > 0 and info["queries"] > 0
    back = MetaIE.from_pretrained(tmp_path / "ft")
    assert isinstance(back, PackedMetaIE) and back.config.task == "re"


@pytest.mark.slow
def test_cli_trains_and_extracts_in_packed_mode(tmp_path, tiny_backbone):
    import os
    import subprocess
    import sys
    root = Path(__file__).parents[2]
    env = dict(os.environ, PYTHONPATH=str(root / "src"), HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "metaie", *map(str, args)], capture_output=True, text=True,
                              env=env, timeout=240)
    base = ["train", "--data", FIX / "core" / "distill.jsonl", "--backbone", tiny_backbone, "--epochs", 100,
            "--batch-size", 2, "--lr", 3e-3, "--schedule", "constant", "--warmup-ratio", 0, "--max-length", 32,
            "--stride", 8, "--dev-fraction", 0, "--neg-ratio", 0.5, "--seed", 3, "--threads", 1]
    p = run(*base, "--out", tmp_path / "bad", "--mode", "stacked")
    assert p.returncode == 1 and p.stderr.strip() == "error: mode must be one of per_label, packed, not 'stacked'"
    p = run(*base, "--out", tmp_path / "m", "--packed", "--pack-labels", 4, "--head-lr-scale", 1)
    assert p.returncode == 0, p.stderr
    cfg = json.loads((tmp_path / "m" / "metaie.json").read_text())
    assert cfg["mode"] == "packed" and cfg["pack_labels"] == 4
    p = run("extract", "--model", tmp_path / "m", "--labels", "person,city,company", "--json",
            "Anna lives in London and works at Acme Corp.")
    assert p.returncode == 0, p.stderr
    got = {(s["text"], s["label"]) for s in json.loads(p.stdout)["spans"]}
    assert got == {("Anna", "person"), ("London", "city"), ("Acme Corp", "company")}


def test_meta_training_with_labels_that_read_the_text_keeps_it_and_init_refuses_the_other(tmp_path,
                                                                                          tiny_bare_backbone):
    from metaie.training import TrainArgs
    from metaie.training.meta import meta_train

    def train(out, **kw):
        args = TrainArgs(epochs=1, batch_size=2, lr=3e-3, seed=3, progress=False, threads=1)
        return meta_train([str(FIX / "core" / "distill.jsonl")], out, args, dev_fraction=0.25, neg_ratio=0.5,
                          max_length=32, stride=8, device="cpu", pack_labels=3, **kw)

    train(tmp_path / "a", backbone=str(tiny_bare_backbone), mode="packed", share_prefix=False)
    back = MetaIE.from_pretrained(tmp_path / "a")
    assert back.config.share_prefix is False and back.model.share_prefix is False
    with pytest.raises(ConfigError, match="trained with share_prefix=False; a model keeps its attention"):
        train(tmp_path / "b", init=str(tmp_path / "a"), share_prefix=True)
    train(tmp_path / "c", init=str(tmp_path / "a"))
    assert MetaIE.from_pretrained(tmp_path / "c").config.share_prefix is False
