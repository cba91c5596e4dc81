"""Contract: gold answers fed through assemble give back exactly the gold structure, for every adapter."""
from __future__ import annotations

from pathlib import Path

import pytest

from metaie.datasets import load_split
from metaie.errors import ConfigError
from metaie.tasks.base import run_gold, training_queries
from metaie.tasks.registry import make_adapter
from metaie.tasks.schema import load_schema, schema_from_dict
from metaie.tasks.structures import Entity, Event, Example, Relation, Triplet

FIX = Path(__file__).parents[1] / "fixtures" / "tasks"


def E(text, sub, typ, nth=1):
    start = -1
    for _ in range(nth):
        start = text.index(sub, start + 1)
    return Entity(start, start + len(sub), typ, sub)


NER_S = schema_from_dict({"task": "ner", "entities": {"PER": "person", "LOC": "location", "ORG": "organization"}})
RE_S = schema_from_dict({"task": "re", "entities": {"PER": "person", "LOC": "location"},
                         "relations": {"born": {"phrase": "born in", "head": ["PER"], "tail": ["LOC"]},
                                       "knows": "knows"}})
EE_S = schema_from_dict({"task": "ee", "events": {"Attack": {"phrase": "attack", "roles": ["Attacker", "Victim"]},
                                                  "Breach": "data breach"},
                         "roles": {"Attacker": "attacker", "Victim": "victim"}})
SRL_S = schema_from_dict({"task": "srl", "roles": {"ARG0": "agent", "ARG1": "patient"}})
QA_S = schema_from_dict({"task": "srl", "roles": "questions", "predicates": "given",
                         "templates": {"argument": "{role}"}})
ABSA_S = schema_from_dict({"task": "absa", "polarities": {"POS": "positive", "NEG": "negative"}})
ASTE_S = schema_from_dict({"task": "aste", "polarities": {"POS": "positive", "NEG": "negative"}})

T1 = "Tom met Tom in New York City ."  # repeated surface string, overlapping spans
T2 = "東京 で 大阪 の Tom 😀 に 会った"  # unicode, astral character


def cases():
    ner = [Example("a", T1, entities=[E(T1, "Tom", "PER"), E(T1, "Tom", "PER", 2), E(T1, "New York City", "LOC"),
                                      E(T1, "New York", "LOC"), E(T1, "York City", "ORG")]),
           Example("u", T2, entities=[E(T2, "東京", "LOC"), E(T2, "大阪", "LOC"), E(T2, "Tom", "PER")]),
           Example("e", "", entities=[]), Example("n", "nothing here", entities=[])]
    t1, t2, ny = E(T1, "Tom", "PER"), E(T1, "Tom", "PER", 2), E(T1, "New York", "LOC")
    nyc = E(T1, "New York City", "LOC")
    re_ = [Example("r", T1, entities=[t1, t2, ny, nyc],
                   relations=[Relation(t1, ny, "born"), Relation(t2, nyc, "born"), Relation(t1, t2, "knows"),
                              Relation(t2, t1, "knows")]),
           Example("u", T2, entities=[E(T2, "Tom", "PER"), E(T2, "東京", "LOC")],
                   relations=[Relation(E(T2, "Tom", "PER"), E(T2, "東京", "LOC"), "born")]),
           Example("e", "")]
    T3 = "hackers hacked the server and hackers hacked the data ."
    a1, a2 = E(T3, "hacked", "Attack"), E(T3, "hacked", "Attack", 2)
    ee = [Example("v", T3, events=[Event(a1, (E(T3, "hackers", "Attacker"), E(T3, "the server", "Victim"),
                                              E(T3, "server", "Victim"))),
                                   Event(a2, (E(T3, "hackers", "Attacker", 2),)),
                                   Event(E(T3, "hacked the data", "Breach"), ())]),
          Example("e", "")]
    srl = [Example("s", T1, events=[Event(E(T1, "met", "V"), (E(T1, "Tom", "ARG0"), E(T1, "Tom", "ARG1", 2))),
                                    Event(E(T1, "Tom", "V", 2), ())]), Example("e", "")]
    qa = [Example("q", T1, events=[Event(E(T1, "met", "V"), (E(T1, "Tom", "Who met someone?"),
                                                            E(T1, "in New York City", "Where did someone meet?"),
                                                            E(T1, "New York City", "Where did someone meet?")))])]
    T4 = "good pizza and good service but bad pizza 😀 ."
    absa = [Example("p", T4, entities=[E(T4, "pizza", "POS"), E(T4, "service", "POS"), E(T4, "pizza", "NEG", 2),
                                       E(T4, "pizza", "NEG")]), Example("e", "")]
    p1 = E(T4, "pizza", "aspect")
    aste = [Example("t", T4, triplets=[Triplet(p1, E(T4, "good", "opinion"), "POS"),
                                       Triplet(E(T4, "service", "aspect"), E(T4, "good", "opinion", 2), "POS"),
                                       Triplet(E(T4, "pizza", "aspect", 2), E(T4, "bad", "opinion"), "NEG"),
                                       Triplet(p1, E(T4, "bad", "opinion"), "NEG")]), Example("e", "")]
    return [(NER_S, ner), (RE_S, re_), (EE_S, ee), (SRL_S, srl), (QA_S, qa), (ABSA_S, absa), (ASTE_S, aste)]


@pytest.mark.parametrize("schema,examples", cases(), ids=lambda x: getattr(x, "task", None) or "ex")
def test_gold_answers_assemble_to_gold(schema, examples):
    ad = make_adapter(schema)
    for ex in examples:
        assert ad.assemble(ex, run_gold(ad, ex)) == ad.target(ex)
        for q in training_queries(ad, ex):
            assert all(q.text[s.start:s.end] == s.text for s in q.spans)


def test_repeated_heads_get_ordinals():
    ad = make_adapter(RE_S)
    ex = cases()[1][1][0]
    labels = [a.label for a, _ in run_gold(ad, ex)]
    assert "Tom (1) born in" in labels and "Tom (2) born in" in labels


@pytest.mark.parametrize("name,folder", [("conll2003", "conll2003"), ("conll04", "conll04"), ("casie", "casie"),
                                         ("rest14", "absa"), ("aste_14lap", "aste"), ("qasrl", "qasrl")])
def test_fixture_files_round_trip(name, folder):
    ad = make_adapter(load_schema(name))
    split = "dev" if name == "qasrl" else "train"
    for ex in load_split(FIX / folder, split):
        assert ad.assemble(ex, run_gold(ad, ex)) == ad.target(ex)


def test_verbaliser_label_not_in_data():
    ex = load_split(FIX / "conll2003", "train")
    s = schema_from_dict({"task": "ner", "entities": {"PER": "person", "ORG": "org", "LOC": "loc", "DATE": "date"}},
                         source="my.yaml")
    with pytest.raises(ConfigError, match=r"my.yaml: entity label\(s\) \['DATE'\] in the verbaliser are not present"):
        s.check_against(ex)
    with pytest.raises(ConfigError, match="no verbaliser entry"):
        schema_from_dict({"task": "ner", "entities": {"PER": "person"}}).check_against(ex)


def test_bad_schema_files(tmp_path):
    with pytest.raises(ConfigError, match="'task' must be one of"):
        schema_from_dict({"task": "pos"})
    with pytest.raises(ConfigError, match="unknown key"):
        schema_from_dict({"task": "ner", "entitys": {}})
    with pytest.raises(ConfigError, match="no schema 'nope'"):
        load_schema("nope")
