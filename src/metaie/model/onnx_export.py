"""Export a torch MetaIE to ONNX (opset 17, dynamic batch and sequence axes), optionally quantised to int8.

The graph maps token ids (and attention mask, token types) to O/B/I probabilities, so the ONNX
runner reuses the tagger's windows, batching and decoding unchanged.

>>> export_onnx(MetaIE.from_pretrained("models/meta"), "out/onnx", quantize="int8")  # doctest: +SKIP
PosixPath('out/onnx')
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import asdict
from pathlib import Path

import torch

from ..errors import ConfigError
from ..extras import require
from ..jsonl import replace_dir
from .onnx_backend import ONNX_MANIFEST, VARIANT_FILES
from .tagger import CONFIG_NAME, MetaIE


class _ProbsGraph(torch.nn.Module):
    """The network (token classifier, or packed network) followed by a softmax: what the torch runner returns."""

    def __init__(self, model, names: list[str]):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, *inputs):
        return torch.softmax(self.model(**dict(zip(self.names, inputs))).logits.float(), dim=-1)


def export_onnx(model: MetaIE, out_dir: str | os.PathLike, quantize: str | None = None, opset: int = 17) -> Path:
    """Write ``model.onnx`` (+ ``model.int8.onnx`` when ``quantize="int8"``), tokenizer and configs, atomically."""
    if quantize not in (None, "int8"):
        raise ConfigError(f"--quantize must be 'int8' (or omitted), not {quantize!r}")
    net = model.model
    if net is None:
        raise ConfigError("export needs a torch model: load it with backend='torch'")
    require("onnx", "onnx", "ONNX export")  # checked before the export starts, not after it
    if quantize:
        require("onnxruntime", "onnx", "int8 quantisation")
    target = Path(out_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    started = time.time()
    try:
        # An example batch with padding, so the traced graph keeps the attention mask path.
        batch = model.collate(model.example_windows())
        names: list[str] = [n for n in ("input_ids", "attention_mask", "token_type_ids", "segment_ids",
                                        "position_ids", "label_positions", "label_ends") if n in batch]
        torch_model = net.cpu().eval()
        graph = _ProbsGraph(torch_model, names).eval()
        axes = {n: {0: "batch", 1: "labels" if n.startswith("label_") else "sequence"} for n in names}
        axes["probs"] = {0: "batch", 1: "sequence", 2: "labels"} if model.config.mode == "packed" else \
            {0: "batch", 1: "sequence"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about Python bools in masking code
            torch.onnx.export(graph, tuple(batch[n] for n in names), str(tmp / VARIANT_FILES["fp32"]),
                              input_names=names, output_names=["probs"], dynamic_axes=axes,
                              opset_version=opset, dynamo=False)
        torch_model.train(False)
        torch_model.to(model.device)
        if quantize == "int8":
            q = require("onnxruntime.quantization", "onnx", "int8 quantisation")
            q.quantize_dynamic(str(tmp / VARIANT_FILES["fp32"]), str(tmp / VARIANT_FILES["int8"]),
                             weight_type=q.QuantType.QInt8)
        model.tokenizer.save_pretrained(tmp)
        torch_model.config.save_pretrained(tmp)
        (tmp / CONFIG_NAME).write_text(json.dumps(asdict(model.config), indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
        manifest = {"default": "int8" if quantize else "fp32", "inputs": names, "output": "probs",
                    "opset": opset, "files": {v: f for v, f in VARIANT_FILES.items() if (tmp / f).exists()},
                    "torch": torch.__version__, "seconds": round(time.time() - started, 2)}
        (tmp / ONNX_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
