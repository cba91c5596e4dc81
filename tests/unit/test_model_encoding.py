"""Pair encoding: targets on text tokens only, the sub-token rule, and windows that cover every token."""
import pytest

from metaie.errors import ConfigError
from metaie.model.decoding import B, I, O
from metaie.model.encoding import IGNORE, encode, unreachable
from metaie.records import Span


@pytest.fixture()
def tok(tiny_backbone):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(tiny_backbone)


def test_label_segment_never_tagged(tok, assert_no_unk):
    text = "Tom was born in New York City ."
    assert_no_unk(text)
    [w] = encode(tok, ["city name"], [text], 64, 8, spans=[[Span(16, 29, "city name")]])
    tokens = tok.convert_ids_to_tokens(w.input_ids)
    assert tokens[:4] == ["[CLS]", "city", "name", "[SEP]"]
    assert all(t == IGNORE for t in w.labels[:4]) and w.labels[-1] == IGNORE
    text_tags = [w.labels[p] for p in w.text_positions]
    assert text_tags == [O, O, O, O, B, I, I, O]


def test_subtoken_rule(tok, assert_no_unk):
    text = "Tom loves cafés"
    assert_no_unk(text)
    [w] = encode(tok, ["place"], [text], 64, 8, spans=[[Span(10, 15, "place")]])
    toks = [tok.convert_ids_to_tokens(w.input_ids[p]) for p in w.text_positions]
    assert toks == ["tom", "loves", "caf", "##é", "##s"]
    assert [w.labels[p] for p in w.text_positions] == [O, O, B, I, I]
    assert unreachable(tok, text, [Span(10, 12, "place")]) == 1  # ends inside the token "caf"
    assert unreachable(tok, text, [Span(10, 15, "place")]) == 0


def test_windows_cover_every_token_and_targets_follow(tok):
    text = " ".join(["the"] * 100 + ["Tom"] + ["the"] * 20)
    start = text.index("Tom")
    ws = encode(tok, ["person"], [text], 24, 6, spans=[[Span(start, start + 3, "person")]])
    assert len(ws) > 5 and all(len(w) <= 24 for w in ws)
    covered = {o for w in ws for o in w.text_offsets}
    assert len(covered) == 121
    tagged = [(w.text_offsets[j], w.labels[p]) for w in ws for j, p in enumerate(w.text_positions)
              if w.labels[p] != O]
    assert tagged and all(off == (start, start + 3) and tag == B for off, tag in tagged)


def test_window_starting_inside_span_starts_with_i(tok):
    words = ["the"] * 10 + ["new"] * 30
    text = " ".join(words)
    start = len("the " * 10)
    ws = encode(tok, ["x"], [text], 20, 4, spans=[[Span(start, len(text), "x")]])
    later = [w for w in ws if w.text_offsets[0][0] > start]
    assert later and all(w.labels[w.text_positions[0]] == I for w in later)


def test_label_too_long_is_a_config_error(tok):
    with pytest.raises(ConfigError, match="max_length"):
        encode(tok, [" ".join(["person"] * 30)], ["Tom"], 32, 8)
