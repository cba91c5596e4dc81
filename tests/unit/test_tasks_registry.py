"""Golden, hand-worked tp/fp/fn for every task scorer."""
from __future__ import annotations

import pytest

from metaie.tasks.registry import score
from metaie.tasks.structures import Entity, Event, Example, Relation, Triplet

T = "Tom works for Acme in Paris ."
TOM, ACME, PARIS = Entity(0, 3, "PER"), Entity(14, 18, "ORG"), Entity(22, 27, "LOC")


def counts(r):
    return r["tp"], r["fp"], r["fn"]


def test_ner_strict():
    g = [Example("1", T, entities=[TOM, ACME, PARIS]), Example("1", T, entities=[TOM])]  # same id twice: kept apart
    p = [Example("1", T, entities=[TOM, Entity(14, 18, "LOC"), Entity(22, 26, "LOC")]), Example("1", T)]
    r = score("ner", g, p)["entity"]
    # tp: Tom(1); fp: Acme/LOC, Pari; fn: Acme/ORG, Paris, Tom(2nd example)
    assert counts(r) == (1, 2, 3)
    assert r["f1"] == pytest.approx(2 * (1 / 3) * (1 / 4) / (1 / 3 + 1 / 4))
    assert counts(r["per_label"]["LOC"]) == (0, 2, 1) and counts(r["per_label"]["PER"]) == (1, 0, 1)


def test_re_strict_and_entities():
    g = [Example("1", T, entities=[TOM, ACME, PARIS],
                 relations=[Relation(TOM, ACME, "Work_For"), Relation(ACME, PARIS, "Based_In")])]
    p = [Example("1", T, entities=[TOM, Entity(14, 18, "LOC"), PARIS],
                 relations=[Relation(TOM, Entity(14, 18, "LOC"), "Work_For"),  # wrong tail type: fp + fn
                            Relation(ACME, PARIS, "Based_In"),
                            Relation(TOM, PARIS, "Live_In")])]
    r = score("re", g, p)
    assert counts(r["relation"]) == (1, 2, 1)
    assert counts(r["entity"]) == (2, 1, 1)


def test_ee_labelled_and_unlabelled():
    t = "hackers hacked the server"
    trig, trig2 = Entity(8, 14, "Attack"), Entity(8, 14, "Breach")
    a1, a2 = Entity(0, 7, "Attacker"), Entity(15, 25, "Victim")
    g = [Example("1", t, events=[Event(trig, (a1, a2))])]
    p = [Example("1", t, events=[Event(trig2, (a1, Entity(15, 25, "Attacker")))])]
    r = score("ee", g, p)
    assert counts(r["trigger_id"]) == (1, 0, 0)
    assert counts(r["trigger"]) == (0, 1, 1)
    # arguments are keyed on the event type, so a wrong trigger type loses them all
    assert counts(r["argument_id"]) == (0, 2, 2) and counts(r["argument"]) == (0, 2, 2)
    p2 = [Example("1", t, events=[Event(trig, (a1, Entity(15, 25, "Attacker"), Entity(19, 25, "Victim")))])]
    r2 = score("ee", g, p2)
    assert counts(r2["argument_id"]) == (2, 1, 0)
    assert counts(r2["argument"]) == (1, 2, 1)


def test_srl():
    t = "Tom visited Paris"
    v = Entity(4, 11, "V")
    g = [Example("1", t, events=[Event(v, (Entity(0, 3, "ARG0"), Entity(12, 17, "ARG1")))])]
    p = [Example("1", t, events=[Event(v, (Entity(0, 3, "ARG1"), Entity(12, 17, "ARG1"))),
                                 Event(Entity(0, 3, "V"), ())])]
    r = score("srl", g, p)
    assert counts(r["predicate"]) == (1, 1, 0)
    assert counts(r["argument"]) == (1, 1, 1)
    assert counts(r["argument_id"]) == (2, 0, 0)


def test_absa_and_aste():
    t = "good pizza bad service"
    g = [Example("1", t, entities=[Entity(5, 10, "POS"), Entity(15, 22, "NEG")])]
    p = [Example("1", t, entities=[Entity(5, 10, "NEG"), Entity(15, 22, "NEG")])]
    r = score("absa", g, p)
    assert counts(r["aspect_polarity"]) == (1, 1, 1) and counts(r["aspect"]) == (2, 0, 0)
    pizza, service, good, bad = (Entity(5, 10, "aspect"), Entity(15, 22, "aspect"), Entity(0, 4, "opinion"),
                                 Entity(11, 14, "opinion"))
    g = [Example("1", t, triplets=[Triplet(pizza, good, "POS"), Triplet(service, bad, "NEG")])]
    p = [Example("1", t, triplets=[Triplet(pizza, good, "NEG"), Triplet(service, bad, "NEG"),
                                   Triplet(service, good, "POS")])]
    r = score("aste", g, p)
    assert counts(r["triplet"]) == (1, 2, 1)
    assert counts(r["pair"]) == (2, 1, 0)
    assert counts(r["aspect"]) == (2, 0, 0) and counts(r["opinion"]) == (2, 0, 0)
