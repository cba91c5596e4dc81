"""Weight interpolation between a fine-tuned model and its start point (WiSE-FT: ``alpha * fine-tuned +
(1 - alpha) * start``), scored on dev and test at the task family's threshold (reported, not asserted).

docs/results.md, "Ensembles and weight interpolation" (the four 5-shot models of session 13, from fold P seed 43):

    METAIE_DATA=../shared/data python bench/wise_ft.py models/fold-p-seed43 conll04=models/ft-conll04 \\
        laptop14=models/ft-laptop14 aste_14lap=models/ft-aste_14lap wnut2017=models/ft-wnut2017
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from safetensors.torch import load_file  # noqa: E402

from metaie.datasets.schemas import task_schema  # noqa: E402
from metaie.evaluation.evaluate import evaluate  # noqa: E402
from metaie.model.tagger import MetaIE  # noqa: E402
from metaie.tasks.registry import THRESHOLDS  # noqa: E402
from metaie.threads import set_threads  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("start", help="the start point the models were fine-tuned from")
    ap.add_argument("models", nargs="+", help="DATASET=MODEL_DIR")
    ap.add_argument("--alphas", default="1.0,0.8,0.6,0.4")
    ap.add_argument("--extend-ratio", type=float, default=0.5)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    set_threads(1)
    start = load_file(str(Path(a.start) / "model.safetensors"))
    out: dict = {}
    for spec in a.models:
        d, path = spec.split("=", 1)
        t = THRESHOLDS[task_schema(d, None, None, None).task]
        m = MetaIE.from_pretrained(path, device="cpu")
        m.config.extend_ratio = a.extend_ratio
        assert m.model is not None
        ft = {k: v.detach().clone() for k, v in m.model.state_dict().items()}
        for alpha in map(float, a.alphas.split(",")):
            m.model.load_state_dict({k: (alpha * v.float() + (1 - alpha) * start[k].float()).to(v.dtype)
                                     if k in start else v for k, v in ft.items()})
            r = {s: round(100 * evaluate(m, d, s, threshold=t, limit=300 if s == "dev" else 200)["f1"], 2)
                 for s in ("dev", "test")}
            out[f"{d}@{alpha}"] = r
            print(d, alpha, r, flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
