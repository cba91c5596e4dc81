"""ONNX Runtime runner: an exported graph in place of the torch network (encoding and decoding are shared).

A directory exported by :func:`metaie.model.onnx_export.export_onnx` holds ``model.onnx`` (fp32),
optionally ``model.int8.onnx`` (dynamically quantised), the tokenizer, ``metaie.json`` and ``onnx.json``
(which file loads by default and the graph's input names).

>>> m = MetaIE.from_pretrained("out/onnx", backend="onnx", variant="fp32")         # doctest: +SKIP
>>> m.runner.variant, m.extract("Tom met Anna.", ["person"])                      # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch

from ..errors import ConfigError, ModelLoadError
from ..extras import require

ONNX_MANIFEST = "onnx.json"
VARIANT_FILES = {"fp32": "model.onnx", "int8": "model.int8.onnx"}


class OnnxRunner:
    """An ONNX Runtime session (CPU) mapping a padded batch to O/B/I probabilities."""

    backend = "onnx"

    def __init__(self, session, variant: str, path: Path):
        self.session = session
        self.variant = variant
        self.path = path
        self.device = torch.device("cpu")
        self.input_names = [i.name for i in session.get_inputs()]

    @classmethod
    def load(cls, directory: str | os.PathLike, threads: int | None = None, variant: str | None = None
             ) -> OnnxRunner:
        """Open ``directory``'s graph (``variant`` fp32 or int8; default: the one named in onnx.json)."""
        ort = require("onnxruntime", "onnx", "the ONNX backend")
        directory = Path(directory)
        variant = variant or _read_manifest(directory).get("default", "fp32")
        if variant not in VARIANT_FILES:
            raise ConfigError(f"ONNX variant must be one of {sorted(VARIANT_FILES)}, not {variant!r}")
        path = directory / VARIANT_FILES[variant]
        if not path.exists():
            hint = " (export with --quantize int8)" if variant == "int8" else " (run `metaie export --onnx`)"
            raise ModelLoadError(f"{directory} has no {path.name}{hint}")
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own Fail/InvalidGraph types
            raise ModelLoadError(f"{path}: ONNX Runtime cannot load it ({str(e).splitlines()[0]})") from None
        return cls(session, variant, path)

    def __call__(self, batch: dict[str, torch.Tensor]) -> np.ndarray:
        feeds = {name: batch[name].numpy().astype(np.int64) for name in self.input_names}
        return np.ascontiguousarray(self.session.run(None, feeds)[0], dtype=np.float32)


def _read_manifest(directory: Path) -> dict:
    path = directory / ONNX_MANIFEST
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ModelLoadError(f"{path}: malformed JSON ({e.msg})") from None
