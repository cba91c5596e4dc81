"""metaie: distil an LLM's information-extraction skill into a small label-to-span meta-model.

>>> from metaie import MetaIE                                            # doctest: +SKIP
>>> MetaIE.from_pretrained("models/meta").extract("Tom was born in Paris.", ["person", "location"])  # doctest: +SKIP
"""
from __future__ import annotations

from .errors import ConfigError, DataFormatError, MetaIEError, ModelLoadError
from .records import Query, Record, Span

__version__ = "0.1.0"
__all__ = ["MetaIE", "Span", "Record", "Query", "MetaIEError", "DataFormatError", "ConfigError",
           "ModelLoadError", "__version__"]


def __getattr__(name: str):
    # MetaIE pulls in torch and transformers: load it only when asked for.
    if name == "MetaIE":
        from .model.tagger import MetaIE
        return MetaIE
    raise AttributeError(name)
