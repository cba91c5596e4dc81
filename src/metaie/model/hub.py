"""Model names: the built-in default meta-model, local directories, and Hugging Face hub ids.

>>> resolve_model("no/such/dir/here")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
metaie.errors.ModelLoadError: model directory 'no/such/dir/here' does not exist ...
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import ModelLoadError

DEFAULT_MODEL = "metaie-minilm"
BUILTIN = (DEFAULT_MODEL,)
CONFIG_NAME = "metaie.json"
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def builtin_dir(name: str = DEFAULT_MODEL) -> Path:
    """Where a built-in model lives inside the installed package."""
    return Path(__file__).resolve().parents[1] / "resources" / "models" / name


def resolve_model(name_or_path: str | os.PathLike | None) -> Path:
    """The directory of a model given by path, built-in name (``metaie-minilm``; None means it) or hub id
    (``org/name``, through huggingface_hub's cache, so it works offline once downloaded)."""
    name = DEFAULT_MODEL if name_or_path is None else str(name_or_path)
    p = Path(name).expanduser()
    if p.is_dir():
        return p
    if name in BUILTIN:
        d = builtin_dir(name)
        if not (d / CONFIG_NAME).is_file():
            raise ModelLoadError(f"the built-in model {name!r} is not in this install ({d}); pass --model DIR "
                                 "(a model made with `metaie train`)")
        return d
    if p.exists():
        raise ModelLoadError(f"{name!r} is a file, not a model directory: pass the folder that holds {CONFIG_NAME} "
                             "(check --model)")
    if _HUB_ID.fullmatch(name) and not name.startswith((".", "/")):
        return _from_hub(name)
    raise ModelLoadError(f"model directory {name!r} does not exist (check --model; built-in: {', '.join(BUILTIN)})")


def _from_hub(repo_id: str) -> Path:
    try:
        from huggingface_hub import snapshot_download
        return Path(snapshot_download(repo_id))
    except Exception as e:  # offline, unknown repo, auth: one line
        msg = str(e).strip().splitlines()
        raise ModelLoadError(f"model {repo_id!r} is neither a local directory nor a loadable hub model "
                             f"({msg[0] if msg else type(e).__name__})") from None
