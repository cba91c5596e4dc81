"""Golden tests for B/I/O probability decoding and overlap resolution."""
import numpy as np

from metaie.model.decoding import decode_tokens, resolve_overlaps
from metaie.records import Span

OFFS = [(0, 3), (4, 7), (8, 10), (11, 16), (17, 20)]


def p(*rows):
    return np.array(rows, dtype=np.float32)


def test_b_i_o_golden():
    probs = p([.1, .8, .1], [.2, .1, .7], [.9, .05, .05], [.1, .85, .05], [.1, .1, .8])
    assert decode_tokens(probs, OFFS) == [(0, 7, 0.85), (11, 20, 0.9)]


def test_adjacent_b_starts_new_span():
    probs = p([.1, .8, .1], [.1, .8, .1], [.9, .05, .05], [.9, .05, .05], [.9, .05, .05])
    assert [(s, e) for s, e, _ in decode_tokens(probs, OFFS)] == [(0, 3), (4, 7)]


def test_lenient_i_after_o_opens_span():
    probs = p([.9, .05, .05], [.2, .1, .7], [.2, .1, .7], [.9, .05, .05], [.9, .05, .05])
    assert [(s, e) for s, e, _ in decode_tokens(probs, OFFS)] == [(4, 10)]


def test_threshold_monotone():
    probs = p([.4, .5, .1], [.7, .1, .2], [.9, .05, .05], [.1, .85, .05], [.9, .05, .05])
    assert [(s, e) for s, e, _ in decode_tokens(probs, OFFS, 0.5)] == [(0, 3), (11, 16)]
    assert [(s, e) for s, e, _ in decode_tokens(probs, OFFS, 0.25)] == [(0, 7), (11, 16)]
    assert decode_tokens(probs, OFFS, 0.95) == []


def test_extend_grows_confident_spans_and_keeps_no_weak_one():
    # a confident token, a weak continuation (0.3 inside), outside, then a weak span of its own (0.4 inside)
    probs = p([.2, .7, .1], [.7, .1, .2], [.9, .05, .05], [.6, .3, .1], [.9, .05, .05])
    assert decode_tokens(probs, OFFS, 0.5) == [(0, 3, 0.8)]
    assert decode_tokens(probs, OFFS, 0.5, extend=0.25) == [(0, 7, 0.55)]     # the weak 4th token forms no span
    assert decode_tokens(probs, OFFS, 0.5, extend=0.5) == decode_tokens(probs, OFFS, 0.5)
    assert decode_tokens(probs, OFFS, 0.5, extend=0.9) == decode_tokens(probs, OFFS, 0.5)  # never above threshold
    # a B inside the lower band still opens a new span; that span is kept only if it reaches the threshold
    probs = p([.2, .7, .1], [.7, .25, .05], [.4, .1, .5], [.9, .05, .05], [.9, .05, .05])
    assert decode_tokens(probs, OFFS, 0.5, extend=0.25) == [(0, 3, 0.8), (4, 10, 0.45)]


def test_extend_keeps_every_strict_token_and_adds_no_span():
    rng = np.random.default_rng(0)
    for _ in range(200):
        probs = rng.dirichlet([1, 1, 1], size=5).astype(np.float32)
        strict = decode_tokens(probs, OFFS, 0.5)
        loose = decode_tokens(probs, OFFS, 0.5, extend=0.3)
        # every strict token is in a loose span; every loose span holds a token that reaches the threshold
        inside = [(s, e) for (s, e), q in zip(OFFS, probs) if 1 - q[0] >= 0.5]
        assert all(any(a <= s and e <= b for a, b, _ in loose) for s, e in inside)
        assert all(any(a <= s and e <= b for s, e in inside) for a, b, _ in loose)
        assert len(loose) <= len(strict)  # a strict span lies in one loose span; loose spans may join several


def test_empty():
    assert decode_tokens(np.zeros((0, 3)), []) == []


def test_overlaps_keep_more_probable():
    a, b, c = Span(0, 5, "x", score=.6), Span(3, 8, "y", score=.9), Span(10, 12, "z", score=.1)
    assert resolve_overlaps([a, b, c]) == [b, c]
    assert resolve_overlaps([Span(0, 3, "x", score=.5), Span(0, 3, "y", score=.7)])[0].label == "y"


def test_snap_to_words():
    from metaie.model.decoding import snap_to_words
    text = "Aspirin treats headaches, 東京 too"
    assert snap_to_words(text, 15, 23) == (15, 24)      # "headache|s" -> "headaches"
    assert snap_to_words(text, 16, 24) == (15, 24)      # "h|eadaches"
    assert snap_to_words(text, 15, 24) == (15, 24)      # already whole
    assert snap_to_words(text, 24, 25) == (24, 25)      # punctuation is left alone
    cjk = "我去東京了"
    assert snap_to_words(cjk, 2, 4) == (2, 4)          # no spaces in CJK: never widened
    assert snap_to_words("Zoë's café", 0, 2) == (0, 3)  # accented letters are word characters


def test_trim_separators():
    from metaie.model.decoding import trim_separators
    text = 'Tom, of "Acme (UK)" [sic]; (1990)'
    assert trim_separators(text, 0, 4) == (0, 3)               # "Tom," -> "Tom"
    assert trim_separators(text, 8, 19) == (8, 19)             # a quote pair stays: '"Acme (UK)"'
    assert trim_separators(text, 8, 18) == (9, 18)             # a lone quote comes off: 'Acme (UK)'
    assert trim_separators(text, 14, 18) == (14, 18)           # a bracket pair stays: "(UK)"
    assert trim_separators(text, 3, 4) == (4, 4)               # a lone comma: nothing left
    assert trim_separators(text, 28, 33) == (28, 32)           # "1990)": an unpaired bracket comes off
    assert trim_separators(text, 21, 26) == (21, 24)           # "sic];" -> "sic"
    assert trim_separators("O'Brien's", 0, 9) == (0, 9)        # apostrophes stay


def test_query_spans_drop_edge_punctuation_and_empty_spans():
    from metaie.model.tagger import query_spans
    from metaie.records import Query

    text = "born in Concord, California , now"
    offs = [(0, 4), (5, 7), (8, 15), (15, 16), (17, 27), (28, 29), (30, 33)]
    probs = p([.9, .05, .05], [.9, .05, .05], [.1, .8, .1], [.1, .1, .8], [.1, .8, .1], [.1, .8, .1], [.9, .05, .05])
    spans = query_spans(Query("location", text), probs, offs, 0.5)
    assert [s.text for s in spans] == ["Concord", "California"]


def _resolve_pairwise(spans):
    """The rule stated plainly (every span against every kept span): the reference for the fast version."""
    kept = []
    for sp in sorted(spans, key=lambda s: (-(s.score or 0.0), s.start, s.end, s.label)):
        if not any(sp.overlaps(k) for k in kept):
            kept.append(sp)
    return sorted(kept)


def test_resolve_overlaps_equals_the_pairwise_rule_on_random_spans():
    rng = np.random.default_rng(0)
    for trial in range(300):
        n = int(rng.integers(0, 40))
        starts = rng.integers(0, 60, n)
        lens = rng.integers(1, 9, n)  # decoding never makes empty spans
        scores = rng.choice([0.2, 0.5, 0.5, 0.9, None], n)  # ties and missing scores
        spans = [Span(int(s), int(s + k), "abc"[i % 3], score=sc)
                 for i, (s, k, sc) in enumerate(zip(starts, lens, scores))]
        assert resolve_overlaps(spans) == _resolve_pairwise(spans), trial


def test_resolve_overlaps_does_not_compare_every_pair(monkeypatch):
    """The quadratic version called Span.overlaps about n^2/2 times (105 s for 100k characters at threshold 0)."""
    calls = {"n": 0}
    real = Span.overlaps

    def counted(self, other):
        calls["n"] += 1
        return real(self, other)

    monkeypatch.setattr(Span, "overlaps", counted)
    n = 2_000
    spans = [Span(5 * i, 5 * i + 4, "x", score=0.5 + (i % 7) / 100) for i in range(n)]
    spans += [Span(5 * i + 2, 5 * i + 7, "y", score=0.4) for i in range(n)]
    kept = resolve_overlaps(spans)
    assert [s.label for s in kept] == ["x"] * n
    assert calls["n"] <= 4 * len(spans)
