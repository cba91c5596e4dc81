"""Turn (label, text) queries into model windows, and gold spans into B/I/O targets.

Each query is the tokenizer's *pair* input: the label (through the query template) is the first
segment, the text the second. Only text tokens carry a tag; the label segment, special tokens and
padding get the ignore index -100. Texts longer than ``max_length`` are split into overlapping
windows (``stride`` tokens shared between neighbours) by the fast tokenizer's overflow mechanism,
so nothing is truncated: every text token lands in at least one window.

Sub-token rule: every sub-token of the text is tagged. The token containing a span's first
character is ``B``; every later token overlapping the span is ``I``. A window that starts inside a
span therefore starts with ``I`` tokens. Decoded spans run from the first token's start offset to
the last token's end offset, so a gold span whose boundaries fall inside a token cannot be reached
exactly; :func:`unreachable` counts those.
"""
from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..records import Span
from .decoding import B, I, O

IGNORE = -100


@dataclass
class Window:
    """One model input: token ids plus, for each text token, its character offsets."""

    query: int                      # index of the query this window belongs to
    input_ids: list[int]
    token_type_ids: list[int] | None
    text_positions: list[int]       # positions (in input_ids) of text tokens
    text_offsets: list[tuple[int, int]]  # their character offsets in the text
    labels: list[int] | None = field(default=None)  # tag per position (IGNORE outside text), for training

    def __len__(self) -> int:
        return len(self.input_ids)


def check_template(template: str) -> str:
    """A query template may hold only the plain field ``{label}`` (no attribute, index, conversion or format).

    >>> check_template("Find the {label} in the text")
    'Find the {label} in the text'
    >>> check_template("{label.__class__}")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    metaie.errors.ConfigError: query_template '{label.__class__}' may use only the field {label} ...
    """
    if not isinstance(template, str):
        raise ConfigError(f"query_template must be a string, not {type(template).__name__}")
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError as e:
        raise ConfigError(f"query_template {template!r} is not a valid template ({e})") from None
    for name, spec, conv in fields:
        if name != "label" or spec or conv:
            shown = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            raise ConfigError(f"query_template {template!r} may use only the field {{label}} (found {shown})")
    return template


def render_label(template: str, label: str) -> str:
    """Fill the query template: ``render_label("{label}", "person") == "person"``."""
    return check_template(template).format(label=label)


def encode(tokenizer, labels: Sequence[str], texts: Sequence[str], max_length: int, stride: int,
           template: str = "{label}", spans: Sequence[Sequence[Span]] | None = None) -> list[Window]:
    """Encode queries (labels[i], texts[i]) into windows; with ``spans`` also build B/I/O targets."""
    if len(labels) != len(texts):
        raise ValueError("labels and texts must have the same length")
    if not labels:
        return []
    check_template(template)
    firsts = [template.format(label=lab) for lab in labels]
    longest = max(len(tokenizer(f, add_special_tokens=False)["input_ids"]) for f in set(firsts))
    room = max_length - longest - tokenizer.num_special_tokens_to_add(pair=True)
    if room < 8:
        raise ConfigError(f"a label of {longest} tokens leaves {room} tokens for text within max_length="
                          f"{max_length}: shorten the label or raise max_length")
    stride = min(stride, room // 2)
    enc = tokenizer(firsts, list(texts), truncation="only_second", max_length=max_length, stride=stride,
                    return_overflowing_tokens=True, return_offsets_mapping=True, padding=False)
    mapping = enc["overflow_to_sample_mapping"]
    has_tt = "token_type_ids" in enc
    windows: list[Window] = []
    for w, q in enumerate(mapping):
        seq_ids = enc.sequence_ids(w)
        offs = enc["offset_mapping"][w]
        pos = [i for i, sid in enumerate(seq_ids) if sid == 1 and offs[i][1] > offs[i][0]]
        win = Window(query=int(q), input_ids=list(enc["input_ids"][w]),
                     token_type_ids=list(enc["token_type_ids"][w]) if has_tt else None,
                     text_positions=pos, text_offsets=[tuple(offs[i]) for i in pos])
        if spans is not None:
            win.labels = tags_for(len(win.input_ids), pos, win.text_offsets, spans[q])
        windows.append(win)
    return windows


def tags_for(length: int, positions: Sequence[int], offsets: Sequence[tuple[int, int]],
             spans: Sequence[Span]) -> list[int]:
    """B/I/O targets of one window (see the module docstring for the sub-token rule)."""
    tags = [IGNORE] * length
    for p in positions:
        tags[p] = O
    for sp in sorted(spans, key=lambda s: (s.start, -s.end)):
        for p, (s, e) in zip(positions, offsets):
            if e <= sp.start or s >= sp.end or tags[p] != O:
                continue
            tags[p] = B if s <= sp.start < e else I
    return tags


def unreachable(tokenizer, text: str, spans: Sequence[Span]) -> int:
    """How many gold spans have a boundary inside a token (so decoding cannot return them exactly)."""
    if not spans:
        return 0
    offs = [tuple(o) for o in tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]]
    starts = {s for s, e in offs if e > s}
    ends = {e for s, e in offs if e > s}
    return sum(1 for sp in spans if sp.start not in starts or sp.end not in ends)
