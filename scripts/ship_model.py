"""Package a trained meta-model as the built-in default (fp16 safetensors, metaie.json, manifest, model card).

    python scripts/ship_model.py models/metaie-minilm src/metaie/resources/models/metaie-minilm \
        [--scores scores.json]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from metaie.model.ship import ship

if __name__ == "__main__":
    args = sys.argv[1:]
    scores = None
    if "--scores" in args:
        i = args.index("--scores")
        scores = json.loads(Path(args[i + 1]).read_text(encoding="utf-8"))
        del args[i:i + 2]
    print(ship(args[0], args[1], scores))
