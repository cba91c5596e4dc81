"""The tagger on a tiny real model: overfitting, long texts, save/load, unicode, bad inputs."""
import json

import pytest
import torch

from metaie.errors import ConfigError, ModelLoadError
from metaie.model.tagger import MetaIE
from metaie.records import Query, Span
from metaie.training import TrainArgs, fit
from metaie.training.trainer import span_f1

T1 = "Tom was born in Paris in 1990 ."
T2 = "Anna lives in London and works at Acme Corp ."
T3 = "Mary went to Madrid with her friend Peter ."


def gold_queries():
    return [Query("person", T1, [Span(0, 3, "person", "Tom")]),
            Query("city", T1, [Span(16, 21, "city", "Paris")]),
            Query("year", T1, [Span(25, 29, "year", "1990")]),
            Query("person", T2, [Span(0, 4, "person", "Anna")]),
            Query("company", T2, [Span(34, 43, "company", "Acme Corp")]),
            Query("year", T2, []),
            Query("person", T3, [Span(0, 4, "person", "Mary"), Span(36, 41, "person", "Peter")]),
            Query("city", T3, [Span(13, 19, "city", "Madrid")])]


@pytest.fixture(scope="module")
def overfit(tiny_backbone, tmp_path_factory):
    """The tiny model trained to memorise the gold queries (a few dozen steps)."""
    torch.manual_seed(0)
    m = MetaIE.from_backbone(str(tiny_backbone), max_length=32, stride=8, device="cpu")
    qs = gold_queries()
    out = tmp_path_factory.mktemp("overfit") / "model"
    r = fit(m, qs, qs, TrainArgs(epochs=40, batch_size=4, lr=3e-3, warmup_ratio=0.0, schedule="constant",
                                 progress=False, seed=1), out_dir=out)
    return m, out, r


def test_overfits_to_f1_one(overfit, assert_no_unk):
    m, out, r = overfit
    for t in (T1, T2, T3):
        assert_no_unk(t)
    assert r.best_f1 == 1.0
    assert span_f1(m, gold_queries())["f1"] == 1.0
    spans = m.extract(T2, ["person", "company", "year"])
    assert [(s.text, s.label) for s in spans] == [("Anna", "person"), ("Acme Corp", "company")]
    assert all(0.5 <= s.score <= 1 for s in spans)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["best_f1"] == 1.0 and manifest["train_queries"] == 8 and len(manifest["history"]) == 40


def test_save_load_roundtrip_identical(overfit, tmp_path):
    m, out, _ = overfit
    again = MetaIE.from_pretrained(out, device="cpu")
    texts = [T1, T2, T3, "Bob met Tom in Rome on Monday ."]
    labs = ["person", "city", "company", "year"]
    assert again.extract_batch(texts, labs, threshold=0.3) == m.extract_batch(texts, labs, threshold=0.3)
    a = again.extract_batch(texts, labs, threshold=0.3)
    b = m.extract_batch(texts, labs, threshold=0.3)
    assert [[s.score for s in x] for x in a] == [[s.score for s in x] for x in b]


def test_plain_transformers_loads_model_dir(overfit):
    from transformers import AutoModelForTokenClassification
    _, out, _ = overfit
    hf = AutoModelForTokenClassification.from_pretrained(out)
    assert hf.config.id2label == {0: "O", 1: "B", 2: "I"}
    assert (out / "model.safetensors").exists() and json.loads((out / "metaie.json").read_text())["format_version"] == 1


def test_entity_past_token_1000_is_found(overfit):
    m, _, _ = overfit
    filler = " ".join(["the"] * 1100)
    text = f"{filler} Anna lives in London and works at Acme Corp . {filler}"
    spans = m.extract(text, ["company", "person"])
    start = text.index("Acme Corp")
    assert len(m.tokenizer(text, add_special_tokens=False)["input_ids"]) > 2200
    assert Span(start, start + 9, "company", "Acme Corp") in spans


def test_batch_equals_single(overfit):
    m, _, _ = overfit
    texts = [T1, T2, T3]
    batch = m.extract_batch(texts, ["person", "city"], batch_size=2)
    assert batch == [m.extract(t, ["person", "city"]) for t in texts]
    per_text = m.extract_batch(texts, [["person"], ["company"], ["city"]])
    assert [[s.label for s in x] for x in per_text] == [["person"], ["company"], ["city"]]


def test_overlap_rule(overfit):
    m, _, _ = overfit
    both = m.extract(T1, ["person", "person name"], threshold=0.05, overlap="keep")
    single = m.extract(T1, ["person", "person name"], threshold=0.05)
    assert len(single) <= len(both)
    assert all(not a.overlaps(b) for i, a in enumerate(single) for b in single[i + 1:])
    assert m.extract(T1, ["person", "person name"], threshold=0.05, overlap="likelier") == single
    with pytest.warns(DeprecationWarning, match="allow_overlap"):  # the older spelling still works
        assert m.extract(T1, ["person", "person name"], threshold=0.05, allow_overlap=True) == both
    with pytest.raises(ConfigError, match="overlap must be one of keep, likelier"):
        m.extract(T1, ["person"], overlap="longest")


def test_empty_text_and_unicode_offsets(overfit):
    m, _, _ = overfit
    assert m.extract("", ["person"]) == [] and m.extract("   ", ["person"]) == []
    text = "José loves 東京 😀 and 大阪 ."
    for s in m.extract(text, ["city", "person"], threshold=0.0, overlap="keep"):
        assert s.text == text[s.start:s.end] and 0 <= s.start < s.end <= len(text)


def test_bad_inputs(overfit, tmp_path, tiny_backbone):
    m, _, _ = overfit
    with pytest.raises(ConfigError, match="label list is empty"):
        m.extract(T1, [])
    with pytest.raises(ConfigError, match="label list is empty"):
        m.extract(T1, ["  "])
    with pytest.raises(ModelLoadError, match="does not exist"):
        MetaIE.from_pretrained(tmp_path / "nope")
    with pytest.raises(ModelLoadError, match="not a metaie model directory"):
        MetaIE.from_pretrained(tiny_backbone)  # a plain HF directory
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "metaie.json").write_text('{"format_version": 99}')
    with pytest.raises(ModelLoadError, match="format_version 99"):
        MetaIE.from_pretrained(tmp_path / "m")
    with pytest.raises(ModelLoadError, match="cannot load a tokenizer"):
        MetaIE.from_backbone(str(tmp_path / "no-such-backbone"))


def test_step_budget_grows_with_min_epochs(tiny_backbone):
    """max_steps alone is a fixed budget; min_epochs raises it to that many passes over a larger training set."""
    qs = gold_queries()  # 8 queries, batch 4: 2 steps per epoch
    m = MetaIE.from_backbone(str(tiny_backbone), max_length=32, stride=8, device="cpu")
    base = dict(batch_size=4, progress=False, eval_each_epoch=False)
    assert fit(m, qs, None, TrainArgs(max_steps=3, **base)).steps == 3
    assert fit(m, qs, None, TrainArgs(max_steps=3, min_epochs=2.5, **base)).steps == 5  # ceil(2.5 * 2)
    assert fit(m, qs, None, TrainArgs(max_steps=3, min_epochs=1, **base)).steps == 3   # the floor of steps holds
    assert fit(m, qs, None, TrainArgs(epochs=1, min_epochs=2, **base)).steps == 4      # and over epochs too
    with pytest.raises(ConfigError, match="min_epochs"):
        TrainArgs(min_epochs=0).validate()


def test_fit_takes_its_scorer_and_reports_progress_through_a_callback(tiny_backbone, tmp_path):
    """The scorer decides the best epoch (the model ends there); progress events arrive in order, bar or not."""
    qs = gold_queries()  # 8 queries, batch 4: 2 steps per epoch
    m = MetaIE.from_backbone(str(tiny_backbone), max_length=32, stride=8, device="cpu")
    scored: list[torch.Tensor] = []

    def second_epoch_best(model, dev, threshold, batch_size):
        scored.append(torch.nn.utils.parameters_to_vector(model.model.parameters()).detach().clone())
        return {"f1": 1.0 if len(scored) == 2 else 0.1, "precision": 0.0, "recall": 0.0}

    events: list[dict] = []
    r = fit(m, qs, qs, TrainArgs(epochs=3, batch_size=4, lr=1e-3, progress=True), out_dir=tmp_path / "m",
            scorer=second_epoch_best, progress=events.append)
    assert (r.best_f1, len(scored)) == (1.0, 3)
    assert json.loads((tmp_path / "m" / "manifest.json").read_text())["best_epoch"] == 2
    assert torch.equal(torch.nn.utils.parameters_to_vector(m.model.parameters()), scored[1])  # ends at epoch 2
    kinds = [e["event"] for e in events]
    assert kinds == ["start"] + (["step"] * 2 + ["epoch"]) * 3 + ["stop"]
    assert events[0]["total"] == 6 and [e["step"] for e in events if e["event"] == "step"] == [1, 2, 3, 4, 5, 6]
    assert [e["dev"]["f1"] for e in events if e["event"] == "epoch"] == [0.1, 1.0, 0.1]


def test_cached_model_decodes_as_the_model_and_runs_each_query_once(tiny_tagger):
    from metaie.model.cached import CachedModel
    texts = ("tom was born in paris .", "anna lives in london .", " ")
    qs = [Query(lab, t) for t in texts for lab in ("person", "city")]
    cached, calls = CachedModel(tiny_tagger), []
    real = tiny_tagger.query_probs
    cached.model = type("Counting", (), {"query_probs": lambda self, *a: calls.append(len(a[0])) or real(*a),
                                         "threshold_or_default": lambda self, t: tiny_tagger.threshold_or_default(t),
                                         "label_threshold": lambda self, lab, t: tiny_tagger.label_threshold(lab, t)})()
    for t in (0.0, 0.3, 1.0, None):
        assert cached.predict_queries(qs + qs[:2], threshold=t) == tiny_tagger.predict_queries(qs + qs[:2], threshold=t)
    assert calls == [4]  # four distinct (label, text) pairs with text, asked once across every threshold
