"""A meta-model's encoder interpolated back towards its pretrained backbone (WiSE-FT for the meta-model itself:
``alpha * meta + (1 - alpha) * pretrained``, the tagging head kept as trained), written as model directories for
``bench/zeroshot_thresholds.py`` to score zero-shot on dev and test (reported, not asserted).

Rows of the word-embedding matrix that the backbone lacks (added tokens) keep the meta-model's values.

    python bench/wise_zeroshot.py models/fold-p-full --alphas 0.9,0.8 --out models/wise-zs
    METAIE_DATA=../shared/data python bench/zeroshot_thresholds.py models/wise-zs-0.9 models/wise-zs-0.8 \\
        --dev conll2003,wnut2017,jnlpba --thresholds 0.3,0.4,0.5 --extend-ratios 0.5
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import torch  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402

from metaie.model.backbone import load_token_classifier, resolve_backbone  # noqa: E402


def interpolate(meta: dict[str, torch.Tensor], base: dict[str, torch.Tensor], alpha: float) -> dict[str, torch.Tensor]:
    out = {}
    for k, v in meta.items():
        b = base.get(k)
        if b is None or k.startswith("classifier."):
            out[k] = v.clone()
            continue
        mixed = v.float().clone()
        rows = min(v.shape[0], b.shape[0]) if v.dim() else None
        if rows is None or v.shape[1:] != b.shape[1:]:
            mixed = alpha * v.float() + (1 - alpha) * b.float()
        else:
            mixed[:rows] = alpha * v[:rows].float() + (1 - alpha) * b[:rows].float()
        out[k] = mixed.to(v.dtype).contiguous()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="a meta-model directory")
    ap.add_argument("--alphas", default="0.9,0.8")
    ap.add_argument("--out", required=True, help="prefix: writes PREFIX-ALPHA directories")
    a = ap.parse_args()
    src = Path(a.model)
    backbone = json.loads((src / "metaie.json").read_text(encoding="utf-8")).get("backbone")
    base = load_token_classifier(resolve_backbone(backbone), new_head=True).state_dict()
    meta = load_file(str(src / "model.safetensors"))
    missing = [k for k in meta if k not in base and not k.startswith("classifier.")]
    if missing:
        sys.exit(f"{src}: {len(missing)} encoder weights have no counterpart in the backbone {backbone!r}")
    for alpha in map(float, a.alphas.split(",")):
        dst = Path(f"{a.out}-{alpha}")
        dst.mkdir(parents=True, exist_ok=True)
        for f in src.iterdir():
            if f.is_file() and f.name != "model.safetensors":
                shutil.copy2(f, dst / f.name)
        save_file(interpolate(meta, base, alpha), str(dst / "model.safetensors"))
        print(dst, flush=True)


if __name__ == "__main__":
    sys.exit(main())
