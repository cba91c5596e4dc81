"""Golden cases: messy teacher answers -> (label, answer) pairs -> aligned spans."""
from __future__ import annotations

import pytest

from metaie.teacher.parse import align_pairs, parse_answer

PRIMER = "Important information (Format: - <label>: <span>):"

GOLDEN = [
    ("- person: Tom\n- location: Paris", [("person", "Tom"), ("location", "Paris")]),
    ("* Person: Tom\n• City: Paris", [("Person", "Tom"), ("City", "Paris")]),
    ("1. person: Tom\n2) city: Paris", [("person", "Tom"), ("city", "Paris")]),
    ("- **person**: Tom\n- __city__: **Paris**", [("person", "Tom"), ("city", "Paris")]),
    ('- person: "Tom"\n- city: \u201cParis\u201d', [("person", "Tom"), ("city", "Paris")]),
    ("Sure! Here is the information:\n\n- person: Tom\n\nLet me know if you need more.",
     [("person", "Tom")]),
    (PRIMER + "\n- person: Tom", [("person", "Tom")]),
    ("- person: Tom\n- person: Bob", [("person", "Tom"), ("person", "Bob")]),
    ('[{"label": "person", "span": "Tom"}, {"type": "city", "answer": ["Paris", "Rome"]}]',
     [("person", "Tom"), ("city", "Paris"), ("city", "Rome")]),
    ('Here you go:\n```json\n{"person": ["Tom", "Bob"], "city": "Paris"}\n```',
     [("person", "Tom"), ("person", "Bob"), ("city", "Paris")]),
    ('[["person", "Tom"], ["city", "Paris"]]', [("person", "Tom"), ("city", "Paris")]),
    ('["person: Tom", "city: Paris"]', [("person", "Tom"), ("city", "Paris")]),
    ('- person: ["Tom", "Bob"]', [("person", "Tom"), ("person", "Bob")]),
    ("- date of birth: 1990-01-02\n- time: 10:30", [("date of birth", "1990-01-02"), ("time", "10:30")]),
    ("person -> Tom", [("person", "Tom")]),
    ("- <label>: <span>\n- person: Tom", [("person", "Tom")]),
    ("- person: none\n- city: N/A", []),
]


@pytest.mark.parametrize("text,expected", GOLDEN)
def test_golden_label_span(text, expected):
    assert parse_answer(text, primer=PRIMER).pairs == expected


def test_chatter_lines_are_counted_not_fatal():
    p = parse_answer("I think the answer is as follows\n- person: Tom\nThis is a very long sentence that is "
                     "certainly not a label at all: Tom")
    assert p.pairs == [("person", "Tom")]
    assert len(p.bad_lines) == 2


@pytest.mark.parametrize("text,expected", [
    ('[("Tom", "person"), ("Paris", "city")]', [("person", "Tom"), ("city", "Paris")]),
    ('Entities: [("Tom", "person")]', [("person", "Tom")]),
    ('[["Tom", "person"]]', [("person", "Tom")]),
    ("- Tom (person)\n- Paris (city)", [("person", "Tom"), ("city", "Paris")]),
    ("person: Tom", [("person", "Tom")]),
    ("[]", []),
])
def test_golden_entity_type(text, expected):
    assert parse_answer(text, "entity-type").pairs == expected


SENT = "Johnson and Johnson hired Tom, Bob and Ann in New York on 3 May, 2021."


@pytest.mark.parametrize("pairs,spans,missed", [
    ([("company", "Johnson and Johnson")], [("company", "Johnson and Johnson")], []),  # verbatim wins over 'and'
    ([("date", "3 May, 2021")], [("date", "3 May, 2021")], []),                        # verbatim wins over ','
    ([("person", "Tom, Bob and Ann")], [("person", "Tom, Bob and Ann")], []),
    ([("person", "Tom; Ann")], [("person", "Tom"), ("person", "Ann")], []),
    ([("person", "Ann, Tom and Zed")], [("person", "Ann"), ("person", "Tom")], [("person", "Zed")]),
    ([("city", "new york")], [("city", "New York")], []),                              # case-insensitive
    ([("city", "New York.")], [("city", "New York")], []),                             # trailing period
    ([("company", "Johnson")], [("company", "Johnson"), ("company", "Johnson")], []),   # all occurrences
    ([("place", "New York"), ("place", "York")], [("place", "New York")], []),         # same-label overlap: longest
])
def test_alignment(pairs, spans, missed):
    got, miss = align_pairs(SENT, pairs)
    assert [(s.label, s.text) for s in got] == spans
    assert miss == missed
    for s in got:
        assert SENT[s.start:s.end] == s.text


def test_parser_does_not_import_torch():
    import os
    import subprocess
    import sys
    from pathlib import Path
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    code = "import sys, metaie.teacher.parse, metaie.teacher.prompts; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
