"""Golden cases for answer alignment and word-level BIO conversion."""
from metaie.alignment import align_answer, bio_to_spans, find_all, join_words, spans_to_bio, word_offsets
from metaie.records import Span


def test_exact_then_case_insensitive_all_occurrences():
    text = "Paris is in France. paris again, PARIS."
    assert align_answer(text, "Paris") == [(0, 5)]                 # exact wins when present
    assert align_answer(text, "pARIS") == [(0, 5), (20, 25), (33, 38)]  # else every case-insensitive hit
    assert align_answer(text, "  Paris ") == [(0, 5)]               # answer whitespace trimmed


def test_whitespace_normalised_and_unalignable():
    assert align_answer("New\nYork city", "new york") == [(0, 8)]
    assert align_answer("Tom ran", "Bob") == []
    assert align_answer("Tom ran", "") == []


def test_find_all_non_overlapping():
    assert find_all("aaaa", "aa") == [(0, 2), (2, 4)]


def test_unicode_offsets_exact():
    text = "José visited 東京 😀 and Zoë."
    for ans in ("José", "東京", "😀", "Zoë"):
        [(s, e)] = align_answer(text, ans)
        assert text[s:e] == ans


def test_bio_iob1_and_bare_tags():
    text, offs = join_words(["Tom", "Lee", "met", "Ann", "in", "New", "York"])
    tags = ["I-PER", "I-PER", "O", "B-PER", "O", "I-LOC", "I-LOC"]  # IOB1: I opens a span
    assert [(s.text, s.label) for s in bio_to_spans(tags, offs, text)] == [
        ("Tom Lee", "PER"), ("Ann", "PER"), ("New York", "LOC")]
    bare = bio_to_spans(["B", "I", "O", "B", "B"], offs[:5], text, default_label="x")
    assert [s.text for s in bare] == ["Tom Lee", "Ann", "in"]


def test_bio_label_change_splits_span():
    text, offs = join_words(["a", "b"])
    assert [s.text for s in bio_to_spans(["B-x", "I-y"], offs, text)] == ["a", "b"]


def test_spans_to_bio_roundtrip():
    words = ["Mary", "went", "to", "New", "York", "."]
    text, offs = join_words(words)
    spans = [Span(0, 4, "person", "Mary"), Span(13, 21, "city", "New York")]
    tags = spans_to_bio(spans, offs)
    assert tags == ["B-person", "O", "O", "B-city", "I-city", "O"]
    assert bio_to_spans(tags, offs, text) == spans


def test_word_offsets():
    assert word_offsets("Tom ,  born", ["Tom", ",", "born"]) == [(0, 3), (4, 5), (7, 11)]
    assert word_offsets("Tom", ["Bob"]) is None
