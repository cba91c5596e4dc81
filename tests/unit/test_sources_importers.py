"""Each importer on a hand-written fixture in its format; unaligned answers are counted."""
from pathlib import Path

import pytest

from metaie.errors import DataFormatError
from metaie.sources.importers import (
    import_bio,
    import_gliner,
    import_metaie_tagging,
    import_pilener_conversations,
    import_pilener_instruction,
    import_sentences_per_type,
)

FIX = Path(__file__).parents[1] / "fixtures" / "core"


def spans_of(rec):
    return [(s.label, rec.text[s.start:s.end]) for s in rec.spans]


def test_metaie_tagging():
    recs, rep = import_metaie_tagging(FIX / "metaie_tagging.json")
    assert rep.records == 4 and rep.spans == 5
    assert recs[0].text == "Tom was born in Paris in 1990 ." and spans_of(recs[0]) == [("Person", "Tom")]
    assert recs[2].spans == [] and recs[2].negatives == ["Company name"]  # multi-word label, all O
    assert spans_of(recs[3]) == [("Person", "Anna"), ("Person", "Bob"), ("Person", "Tom")]


def test_pilener_conversations_all_occurrences_and_unaligned():
    [rec], rep = import_pilener_conversations(FIX / "pilener_conversations.json")
    assert spans_of(rec) == [("person", "Anna"), ("person", "Anna"), ("person", "Bob"), ("company", "Acme Corp")]
    assert rec.negatives == ["date"]
    assert rep.answers == 4 and rep.unaligned == 1 and rep.unaligned_examples == [("company", "Google")]


def test_gliner_inclusive_indices():
    recs, rep = import_gliner(FIX / "gliner.json")
    assert spans_of(recs[0]) == [("person", "Mary"), ("city", "Madrid"), ("person", "Peter")]
    assert spans_of(recs[1]) == [("company", "Google"), ("company", "YouTube")]


def test_pilener_instruction():
    recs, rep = import_pilener_instruction(FIX / "pilener_instruction.jsonl")
    assert spans_of(recs[0]) == [("city", "Rome"), ("city", "Berlin")]
    assert recs[1].negatives == ["disease"]
    assert rep.unaligned == 1  # "Tuesday" is not in the text


def test_bio_free_text_labels():
    recs, rep = import_bio(FIX / "bio.txt")
    assert spans_of(recs[0]) == [("person", "Tom"), ("city name", "New York")]
    assert spans_of(recs[1]) == [("drug", "Aspirin"), ("medical condition", "headache")]


def test_sentences_per_type():
    recs, rep = import_sentences_per_type(FIX / "sentences_per_type.json")
    assert [spans_of(r) for r in recs] == [[("drug", "Aspirin")], [("city", "Tokyo"), ("city", "Osaka")]]


def test_bad_inputs_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": "a", "tagName": "x", "output": "[]"}\n{"input": "b"\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"bad\.jsonl:2: malformed JSON"):
        import_pilener_instruction(bad)
    bio = tmp_path / "b.txt"
    bio.write_text("Tom\tB-person\nran\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"b\.txt:2: expected 'token<TAB>tag'"):
        import_bio(bio)
    with pytest.raises(DataFormatError, match="file not found"):
        import_gliner(tmp_path / "missing.json")


def test_json_list_with_leading_whitespace_is_a_list(tmp_path):
    f = tmp_path / "g.json"
    f.write_text("\ufeff\n\n  " + (FIX / "gliner.json").read_text(encoding="utf-8"), encoding="utf-8")
    recs, rep = import_gliner(f)
    assert rep.records == 2 and spans_of(recs[1]) == [("company", "Google"), ("company", "YouTube")]


def test_bio_import_and_task_loader_read_alike(tmp_path):
    """One BIO reader: the distillation import and the task loader give the same texts and spans."""
    from metaie.datasets.columns import read_bio
    p = tmp_path / "d.txt"
    p.write_bytes(b"-DOCSTART-\tO\r\n\r\nTom\tB-person\r\nSmith\tI-person\r\nruns\tO\r\n\r\nNew\tB-city name\r\n"
                  b"York\tI-city name\r\n")
    recs, rep = import_bio(p)
    exs = read_bio(p)
    assert [r.text for r in recs] == [x.text for x in exs] == ["Tom Smith runs", "New York"]
    assert [spans_of(r) for r in recs] == [[("person", "Tom Smith")], [("city name", "New York")]]
    assert [[(e.type, e.text) for e in x.entities] for x in exs] == [spans_of(r) for r in recs]
    assert (rep.items, rep.records, rep.spans) == (2, 2, 2)
