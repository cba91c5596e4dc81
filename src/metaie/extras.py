"""Optional packages: import one by name, or say in one line which ``metaie[extra]`` installs it.

>>> require("json", "serve").__name__
'json'
>>> require("no_such_package_xyz", "serve", "the HTTP server")
Traceback (most recent call last):
...
metaie.errors.MissingExtraError: the HTTP server needs no_such_package_xyz: pip install 'metaie[serve]'
"""
from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingExtraError

# What each extra holds (pyproject.toml's [project.optional-dependencies] lists the same packages). The ``bench``
# extra (gliner, for bench/vs_gliner.py) is not a package feature and not part of ``test``: gliner pins an older
# transformers.
EXTRAS = {"serve": ("fastapi", "uvicorn"), "onnx": ("onnx", "onnxruntime"), "distill": ("openai",),
          "plots": ("matplotlib",), "ray": ("ray",)}


def require(module: str, extra: str, feature: str | None = None) -> ModuleType:
    """Import ``module``; when its package is absent raise MissingExtraError naming ``pip install 'metaie[extra]'``."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        top = module.split(".")[0]
        if e.name is None or e.name.split(".")[0] != top:
            raise  # the package is there but one of its own imports is broken: show that error as it is
        who = feature or f"metaie[{extra}]"
        raise MissingExtraError(f"{who} needs {top}: pip install 'metaie[{extra}]'") from None
