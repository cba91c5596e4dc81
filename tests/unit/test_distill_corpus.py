"""Corpus readers and the sentence sampler."""
from __future__ import annotations

import gzip
import json

import pytest

from metaie.distill.corpus import read_paragraphs, sample_sentences
from metaie.errors import DataFormatError

FIXTURE = "tests/fixtures/distill/corpus.txt"


def test_first_sentence_of_each_paragraph_filtered_and_deduplicated():
    got = [s.text for s in sample_sentences([FIXTURE])]
    assert got == ["Tom Smith was born in Paris in 1990.", "Anna works at Acme Corp in London and met Bob on Monday.",
                   "Mary went to Madrid with her friend Peter last Friday.", "John is a doctor from Rome.",
                   "Google bought YouTube for money in 2006."]


def test_all_sentences_option():
    got = [s.text for s in sample_sentences([FIXTURE], all_sentences=True, min_chars=10, min_words=2)]
    assert "He later moved abroad." in got and "Duplicate paragraph." in got
    assert got.count("Tom Smith was born in Paris in 1990.") == 1


def test_blank_line_paragraphs(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("Tom was born\nin Paris in 1990.\n\nAnna lives in London. She works.\n")
    assert list(read_paragraphs(p, split="blank")) == ["Tom was born in Paris in 1990.",
                                                       "Anna lives in London. She works."]
    assert [s.text for s in sample_sentences([p], split="blank", min_chars=5)] == [
        "Tom was born in Paris in 1990.", "Anna lives in London."]


def test_jsonl_with_field_and_gzip(tmp_path):
    p = tmp_path / "c.jsonl.gz"
    with gzip.open(p, "wt") as f:
        f.write(json.dumps({"id": 1, "body": "Tom was born in Paris. Yes.\nAnna lives in London now."}) + "\n")
    assert [s.text for s in sample_sentences([p], text_field="body", min_chars=5)] == [
        "Tom was born in Paris.", "Anna lives in London now."]
    with pytest.raises(DataFormatError, match=r"c.jsonl.gz:1: no field 'text' \(found: body, id\); set --text-field"):
        sample_sentences([p])


def test_seeded_cap_is_deterministic_and_in_corpus_order(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("".join(f"Sentence number {i} is here.\n" for i in range(50)))
    a = sample_sentences([p], limit=10, seed=1)
    assert a == sample_sentences([p], limit=10, seed=1)
    assert a != sample_sentences([p], limit=10, seed=2)
    nums = [int(s.text.split()[2]) for s in a]
    assert len(a) == 10 and nums == sorted(nums)


def test_errors(tmp_path):
    with pytest.raises(DataFormatError, match="corpus file not found"):
        sample_sentences([tmp_path / "missing.txt"])
    (tmp_path / "e.txt").write_text("\n\n")
    with pytest.raises(DataFormatError, match="no sentence passed the filters"):
        sample_sentences([tmp_path / "e.txt"])
    (tmp_path / "b.jsonl").write_text("not json\n")
    with pytest.raises(DataFormatError, match="b.jsonl:1: malformed JSON"):
        sample_sentences([tmp_path / "b.jsonl"])
