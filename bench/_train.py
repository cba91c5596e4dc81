"""Run ``metaie train`` in this process (after a bench script has patched the package), then add the script's
own record of what it changed to the saved model's manifest."""
from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Callable
from pathlib import Path

import _data  # noqa: F401  (puts ../src first on the path)

from metaie.jsonl import write_json  # noqa: E402


def run_train(argv: list[str], extra: Callable[[], dict]) -> Path | None:
    """``metaie train ARGV``; ``extra()``'s keys merged into ``--out``'s manifest.json (its path, or None when the
    run saved none or ``extra()`` is empty)."""
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv[:-1] else None  # metaie train names it missing
    sys.argv = ["metaie", "train", *argv]
    try:
        runpy.run_module("metaie", run_name="__main__")
    except SystemExit as e:
        if e.code:
            raise
    manifest = out / "manifest.json" if out is not None else None
    add = extra()
    if manifest is None or not manifest.exists() or not add:
        return None
    write_json(manifest, {**json.loads(manifest.read_text()), **add})
    return manifest
