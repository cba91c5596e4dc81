"""Text a tokenizer can take: find what no UTF-8 encoder accepts (lone surrogates) before it reaches a model.

JSON may carry ``"\\ud800"`` escapes, which Python decodes into a ``str`` holding a lone surrogate; the
fast tokenizers (Rust) refuse such a string with a bare ``TypeError``, and it cannot be written as UTF-8.
Callers check each text and label first and reject the one that is bad, naming it.

>>> text_problem("Tom \\ud800 Smith")
'holds a lone surrogate (U+D800) at character 4, which is not valid Unicode text'
>>> text_problem("Tom Smith") is None
True
"""
from __future__ import annotations


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be tokenised or written as UTF-8, or None when it can."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        return (f"holds a lone surrogate (U+{ord(text[e.start]):04X}) at character {e.start}, "
                "which is not valid Unicode text")
    return None


def clean_labels(labels) -> list[str]:
    """The non-blank labels, stripped; ConfigError (naming --labels) when none is left or one is not valid text."""
    from .errors import ConfigError
    out = [x.strip() for x in labels if x and x.strip()]
    if not out:
        raise ConfigError("the label list is empty: give at least one label (e.g. --labels person,location)")
    for lab in out:
        if text_problem(lab):
            raise ConfigError(f"label {lab!r} {text_problem(lab)} (check --labels)")
    return out
