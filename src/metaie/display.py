"""Show extracted spans highlighted in their text (rich), displaCy-style."""
from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from .records import Span

PALETTE = ["bold black on bright_cyan", "bold black on bright_yellow", "bold black on bright_green",
           "bold black on bright_magenta", "bold white on blue", "bold black on orange1", "bold white on red",
           "bold black on plum2"]


def highlight(text: str, spans: Sequence[Span], labels: Sequence[str] | None = None) -> Text:
    """A rich Text with each span coloured by label and followed by ``[label 0.97]``.

    >>> highlight("Tom ran", [Span(0, 3, "person", "Tom", 0.9)]).plain
    'Tom [person 0.90] ran'
    """
    order = list(dict.fromkeys(list(labels or []) + [s.label for s in spans]))
    style = {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(order)}
    out, pos = Text(), 0
    for sp in sorted(spans):
        if sp.start < pos:  # overlapping output: show the span as a note only
            out.append(f" ⟨{sp.text}: {sp.label}⟩", style="dim")
            continue
        out.append(text[pos:sp.start])
        out.append(text[sp.start:sp.end], style=style[sp.label])
        score = f" {sp.score:.2f}" if sp.score is not None else ""
        out.append(f" [{sp.label}{score}]", style="dim")
        pos = sp.end
    out.append(text[pos:])
    return out
