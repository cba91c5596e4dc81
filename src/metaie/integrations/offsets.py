"""Character offsets in the units annotation tools count: Unicode code points (Python) or UTF-16 code units
(JavaScript string indices, as doccano and old Label Studio versions record them).

>>> t = "😀 Tom"
>>> to_utf16(t, 2), from_utf16(t, 3)
(3, 2)
"""
from __future__ import annotations

UNITS = ("codepoint", "utf16")


def _width(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def to_utf16(text: str, offset: int) -> int:
    """The UTF-16 code-unit index of code-point ``offset`` in ``text``."""
    return offset + sum(1 for ch in text[:offset] if ord(ch) > 0xFFFF)


def from_utf16(text: str, offset: int) -> int | None:
    """The code-point index of UTF-16 ``offset``; None when it falls inside a surrogate pair or past the end."""
    units = 0
    for i, ch in enumerate(text):
        if units == offset:
            return i
        units += _width(ch)
        if units > offset:
            return None
    return len(text) if units == offset else None


def encode_offset(text: str, offset: int, unit: str) -> int:
    """A code-point offset written in ``unit``."""
    return to_utf16(text, offset) if unit == "utf16" else offset


def decode_offset(text: str, offset: int, unit: str) -> int | None:
    """An offset read in ``unit`` as a code-point offset (None when it cannot be one)."""
    if unit == "utf16":
        return from_utf16(text, offset)
    return offset if 0 <= offset <= len(text) else None
