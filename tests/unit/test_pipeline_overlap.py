"""The Extractor's rules for overlapping spans of mutually exclusive labels (an entity has one type)."""
import pytest

from metaie.errors import ConfigError
from metaie.pipeline import Extractor
from metaie.records import Span
from metaie.tasks.schema import schema_from_dict

TEXT = "Acme Labs hired Tom Lee ."


class Scripted:
    """Answers each query label with fixed (start, end, score) spans of whatever text it is asked about."""

    def __init__(self, answers):
        self.answers, self.asked = answers, []

    def predict_queries(self, queries, threshold=None, batch_size=64):
        self.asked += [q.label for q in queries]
        return [[Span(s, e, q.label, q.text[s:e], sc) for s, e, sc in self.answers.get(q.label, [])] for q in queries]


NER = {"task": "ner", "entities": {"ORG": "organization", "PER": "person", "LOC": "location"}}
ANSWERS = {"organization": [(0, 9, 0.9), (16, 23, 0.55)],   # Tom Lee as an organization, less sure
           "person": [(16, 23, 0.8), (0, 4, 0.6)],          # "Acme" inside the likelier "Acme Labs"
           "location": [(16, 19, 0.7)]}                       # "Tom" inside the likelier person "Tom Lee"
ALL = [("Acme", "PER"), ("Acme Labs", "ORG"), ("Tom", "LOC"), ("Tom Lee", "ORG"), ("Tom Lee", "PER")]


def found(example):
    return sorted((e.text, e.type) for e in example.entities)


@pytest.mark.parametrize("how", ["argument", "schema"])
def test_likelier_keeps_the_more_probable_of_overlapping_entities(how):
    schema = schema_from_dict({**NER, "overlap": "likelier"} if how == "schema" else NER)
    (ex,) = Extractor(Scripted(ANSWERS), schema=schema,
                      overlap="likelier" if how == "argument" else None).extract_batch([TEXT])
    assert found(ex) == [("Acme Labs", "ORG"), ("Tom Lee", "PER")]


@pytest.mark.parametrize("how", ["default", "argument"])
def test_keep_leaves_every_span(how):
    schema = schema_from_dict({**NER, "overlap": "likelier"} if how == "argument" else NER)
    ex = Extractor(Scripted(ANSWERS), schema=schema, overlap="keep" if how == "argument" else None).extract(TEXT)
    assert found(ex) == ALL


@pytest.mark.parametrize("where", ["schema", "argument"])
def test_an_unknown_rule_is_refused_naming_the_choices(where):
    if where == "schema":
        with pytest.raises(ConfigError, match="my.yaml: 'overlap' must be one of keep, likelier"):
            schema_from_dict({**NER, "overlap": "flat"}, source="my.yaml")
    else:
        with pytest.raises(ConfigError, match="overlap must be one of keep, likelier, not 'flat'"):
            Extractor(Scripted({}), schema=schema_from_dict(NER), overlap="flat")


def test_re_asks_tails_only_of_the_entities_the_rule_kept():
    schema = schema_from_dict({"task": "re", "overlap": "likelier", "entities": {"Org": "organization",
                                                                                 "Peop": "person"},
                               "relations": {"Work_For": {"phrase": "works for", "head": ["Peop"], "tail": ["Org"]}}})
    model = Scripted({"organization": [(0, 9, 0.9), (16, 23, 0.4)], "person": [(16, 23, 0.8)],
                      "Tom Lee works for": [(0, 9, 0.7)]})
    ex = Extractor(model, schema=schema).extract(TEXT)
    assert found(ex) == [("Acme Labs", "Org"), ("Tom Lee", "Peop")]
    assert [(r.head.text, r.type, r.tail.text) for r in ex.relations] == [("Tom Lee", "Work_For", "Acme Labs")]
    assert "Acme Labs works for" not in model.asked   # "Acme Labs" is no person


def test_one_overlap_setting_and_its_older_spelling():
    """``overlap`` is keep | likelier everywhere; ``allow_overlap`` (and a bool ``overlap``) still read as before."""
    from metaie.records import overlap_rule
    assert overlap_rule("keep") == "keep" and overlap_rule(None) == "likelier"
    assert overlap_rule(None, default="keep") == "keep"
    with pytest.warns(DeprecationWarning, match="allow_overlap"):
        assert overlap_rule(None, True) == "keep"
    with pytest.warns(DeprecationWarning, match="allow_overlap"):
        assert overlap_rule("likelier", False) == "likelier"
    with pytest.warns(DeprecationWarning, match="bool"):
        assert overlap_rule(False) == "likelier"
    with pytest.raises(ConfigError, match="disagree"), pytest.warns(DeprecationWarning):
        overlap_rule("keep", False)
    with pytest.raises(ConfigError, match="overlap must be one of keep, likelier, not 'all'"):
        overlap_rule("all")
    with pytest.raises(ConfigError, match="overlap must be one of"):
        Extractor(Scripted(ANSWERS), schema=schema_from_dict(NER), overlap="longest")
