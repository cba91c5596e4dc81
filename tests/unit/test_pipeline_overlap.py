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


def test_specific_lets_a_general_label_yield_to_its_subtype_learnt_over_the_batch():
    schema = schema_from_dict({"task": "ner", "entities": {"writer": "writer", "person": "person"}})
    texts = ["Poe met Ann .", "Poe wrote .", "Bob ran ."]
    answers = {"Poe met Ann .": {"writer": [(0, 3, 0.6)], "person": [(0, 3, 0.9), (8, 11, 0.9)]},
               "Poe wrote .": {"writer": [(0, 3, 0.7)], "person": [(0, 3, 0.8)]},
               "Bob ran .": {"person": [(0, 3, 0.9)]}}

    class PerText(Scripted):
        def predict_queries(self, queries, threshold=None, batch_size=64):
            return [[Span(s, e, q.label, q.text[s:e], sc) for s, e, sc in answers[q.text].get(q.label, [])]
                    for q in queries]

    spec = Extractor(PerText({}), schema=schema, overlap="specific").extract_batch(texts)
    # every writer span is also a person span, a third of the person spans a writer's: writer is the subtype
    assert [found(x) for x in spec] == [[("Ann", "person"), ("Poe", "writer")], [("Poe", "writer")],
                                        [("Bob", "person")]]
    likelier = Extractor(PerText({}), schema=schema, overlap="likelier").extract_batch(texts)
    assert [found(x) for x in likelier][:2] == [[("Ann", "person"), ("Poe", "person")], [("Poe", "person")]]
    # one text alone: "writer" and "person" share their one span each way, so neither is the other's subtype
    (alone,) = Extractor(PerText({}), schema=schema, overlap="specific").extract_batch(texts[1:2])
    assert found(alone) == [("Poe", "person"), ("Poe", "writer")]


@pytest.mark.parametrize("where", ["schema", "argument"])
def test_an_unknown_rule_is_refused_naming_the_choices(where):
    if where == "schema":
        with pytest.raises(ConfigError, match="my.yaml: 'overlap' must be one of keep, likelier, specific"):
            schema_from_dict({**NER, "overlap": "flat"}, source="my.yaml")
    else:
        with pytest.raises(ConfigError, match="overlap must be one of keep, likelier, specific, not 'flat'"):
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
