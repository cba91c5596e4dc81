"""The spaCy component in a real spaCy pipeline (spacy.blank, no download): the same spans as extract_batch,
the alignment rule and its count, overlaps in doc.spans, task adapters, batching, to_disk / spacy.load, displaCy."""
import shutil

import pytest

from metaie.records import Span

spacy = pytest.importorskip("spacy")

TEXTS = ["Tom was born in Paris in 1990 .", "Anna lives in London and works at Acme Corp .",
         "Mary went to Madrid with her friend Peter last friday .", "John is a doctor from Rome ."]
LABELS = ["person", "city", "date"]


@pytest.fixture()
def model_dir(tmp_path, tiny_tagger):
    return str(tiny_tagger.save_pretrained(tmp_path / "m"))


def nlp_with(model_dir, **cfg):
    nlp = spacy.blank("en")
    nlp.add_pipe("metaie", config={"model": model_dir, "labels": LABELS, "threshold": 0.2, **cfg})
    return nlp


def test_ents_equal_extract_batch_spans(model_dir):
    nlp = nlp_with(model_dir)
    docs = list(nlp.pipe(TEXTS, batch_size=3))
    want = nlp.get_pipe("metaie").meta_model.extract_batch(TEXTS, LABELS, threshold=0.2)
    assert sum(map(len, want)) > 0
    for doc, spans in zip(docs, want):
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [s.key for s in spans]
        assert [e._.metaie_score for e in doc.ents] == [s.score for s in spans]
        assert doc._.metaie_unaligned == 0


def test_without_a_threshold_the_pipe_decodes_at_the_models_own(tmp_path, tiny_tagger):
    own = tiny_tagger.config.threshold
    try:
        tiny_tagger.config.threshold = 1.0  # no token reaches it
        model_dir = str(tiny_tagger.save_pretrained(tmp_path / "own"))
    finally:
        tiny_tagger.config.threshold = own
    assert all(not doc.ents for doc in nlp_with(model_dir, threshold=None).pipe(TEXTS))
    want = tiny_tagger.extract_batch(TEXTS, LABELS, threshold=0.2)
    assert sum(map(len, want)) > 0  # the config's own threshold wins
    assert [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp_with(model_dir).pipe(TEXTS)] == \
        [[s.key for s in spans] for spans in want]


class Stub:
    """A model answering fixed spans, counting its calls (to check alignment and batching)."""

    def __init__(self, spans_for):
        self.spans_for, self.calls = spans_for, []

    def extract_batch(self, texts, labels, threshold=0.5, batch_size=64, overlap="likelier"):
        self.calls.append(len(texts))
        self.overlap = overlap
        return [[Span(s, e, lab, t[s:e], 0.9) for s, e, lab in self.spans_for(t)] for t in texts]

    def predict_queries(self, queries, threshold=0.5, batch_size=64):
        self.calls.append(len(queries))
        return [[Span(s, e, q.label, q.text[s:e], 0.9) for s, e, lab in self.spans_for(q.text) if lab == q.label]
                for q in queries]


def test_alignment_rule_and_unaligned_count():
    text = "We met in New-York yesterday ."     # spaCy splits the hyphen: New, -, York
    spans = [(10, 13, "city"), (15, 17, "city"), (18, 19, "nothing"), (19, 28, "date")]  # New / "Yo" / " " / yesterday
    for mode, ents, lost in (("expand", [("New", "city"), ("York", "city"), ("yesterday", "date")], 1),
                             ("strict", [("New", "city"), ("yesterday", "date")], 2)):
        nlp = spacy.blank("en")
        pipe = nlp.add_pipe("metaie", config={"labels": ["city", "date"], "alignment": mode})
        pipe._model = Stub(lambda t: spans)
        doc = nlp(text)
        assert [(e.text, e.label_) for e in doc.ents] == ents
        assert doc._.metaie_unaligned == lost and pipe.unaligned == lost


@pytest.mark.parametrize("setting", ["keep", True])
def test_overlaps_go_to_span_group_with_scores(setting):
    """overlap "keep" (or a saved config's older ``true``) puts every span in a span group, and asks the model to
    keep overlapping spans."""
    nlp = spacy.blank("en")
    if setting is True:
        with pytest.warns(DeprecationWarning, match="keep"):
            pipe = nlp.add_pipe("metaie", config={"labels": ["city", "place"], "overlap": True, "spans_key": "ie"})
    else:
        pipe = nlp.add_pipe("metaie", config={"labels": ["city", "place"], "overlap": setting, "spans_key": "ie"})
    pipe._model = stub = Stub(lambda t: [(0, 8, "city"), (4, 8, "place")])
    doc = nlp("New York is big .")
    assert stub.overlap == "keep"
    assert [(s.text, s.label_) for s in doc.spans["ie"]] == [("New York", "city"), ("York", "place")]
    assert doc.spans["ie"].attrs["scores"] == [0.9, 0.9] and doc.ents == ()
    html = spacy.displacy.render(doc, style="span", options={"spans_key": "ie"})
    assert "place" in html and "city" in html


def test_nlp_pipe_batches_through_one_call_per_batch():
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("metaie", config={"labels": ["person"]})
    pipe._model = stub = Stub(lambda t: [(0, 3, "person")])
    docs = list(nlp.pipe(["Tom ran ."] * 10, batch_size=4))
    assert stub.calls == [4, 4, 2] and all(d.ents[0].text == "Tom" for d in docs)


def test_task_adapter_relations_as_spacy_spans():
    text = "Tom works for Acme in Paris ."

    def answers(t):
        if t != text:
            return []
        return [(0, 3, "person"), (14, 18, "organization"), (22, 27, "location"), (14, 18, "Tom works for")]
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("metaie", config={"task": "re", "schema": "conll04"})
    pipe._model = Stub(answers)
    doc = nlp(text)
    assert [(e.text, e.label_) for e in doc.ents] == [("Tom", "Peop"), ("Acme", "Org"), ("Paris", "Loc")]
    (head, lab, tail), = doc._.metaie_relations
    assert (head.text, head.label_, lab, tail.text, tail.label_) == ("Tom", "Peop", "Work_For", "Acme", "Org")
    assert isinstance(head, spacy.tokens.Span)
    assert "Peop" in spacy.displacy.render(doc, style="ent")


def test_to_disk_copies_the_model_and_spacy_load_round_trips(tmp_path, model_dir):
    nlp = nlp_with(model_dir)
    before = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(TEXTS)]
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "metaie" / "model" / "metaie.json").exists()
    shutil.rmtree(model_dir)                   # the saved pipeline does not need the original any more
    nlp2 = spacy.load(tmp_path / "pipeline")
    assert nlp2.get_pipe("metaie").labels == LABELS
    after = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp2.pipe(TEXTS)]
    assert after == before and any(before)


def test_missing_labels_is_a_config_error():
    from metaie.errors import ConfigError
    with pytest.raises(ConfigError, match="labels"):
        spacy.blank("en").add_pipe("metaie", config={"model": "x"})


def test_a_pipe_without_a_model_survives_spacys_protocol_checks():
    """Before: spaCy's isinstance(pipe, ListenedToComponent) probed ``pipe.model`` in a hash-seeded order, and the
    missing-model ConfigError escaped add_pipe under some PYTHONHASHSEED values."""
    from spacy import ty

    from metaie.errors import ConfigError
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("metaie", config={"labels": ["city"]})
    assert not hasattr(pipe, "model") and not isinstance(pipe, ty.ListenedToComponent)
    nlp.add_pipe("sentencizer")  # linking the components again probes every pipe
    with pytest.raises(ConfigError, match="set config 'model'"):
        nlp("Paris is big .")


def test_spacys_protocol_checks_never_load_the_model(tmp_path):
    """Before: ``model`` was a lazy property, so ``hasattr(pipe, "model")`` inside spaCy's protocol checks loaded
    the model; during ``spacy.load`` that read the folder named in the saved config (before ``from_disk`` pointed
    the pipe at the pipeline's own copy) and failed, under some PYTHONHASHSEED values, once that folder was gone."""
    from spacy import ty
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("metaie", config={"model": str(tmp_path / "gone"), "labels": ["city"]})
    for proto in (ty.ListenedToComponent, ty.TrainableComponent, ty.InitializableComponent):
        isinstance(pipe, proto)            # probes every attribute of the protocol, in whatever order
    assert not hasattr(pipe, "model") and pipe._model is None
    nlp.add_pipe("sentencizer")
    assert pipe._model is None
