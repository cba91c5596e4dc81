"""ONNX Runtime backend: a MetaIE whose forward pass runs an exported graph (encoding and decoding are shared).

A directory exported by :func:`metaie.model.onnx_export.export_onnx` holds ``model.onnx`` (fp32),
optionally ``model.int8.onnx`` (dynamically quantised), the tokenizer, ``metaie.json`` and ``onnx.json``
(which file loads by default and the graph's input names).

>>> m = MetaIE.from_pretrained("out/onnx", backend="onnx")                  # doctest: +SKIP
>>> OnnxMetaIE.from_pretrained("out/onnx", variant="fp32").extract("Tom met Anna.", ["person"])  # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch

from ..errors import ConfigError, ModelLoadError
from .backbone import load_tokenizer
from .tagger import CONFIG_NAME, MetaConfig, MetaIE

ONNX_MANIFEST = "onnx.json"
VARIANT_FILES = {"fp32": "model.onnx", "int8": "model.int8.onnx"}


class OnnxMetaIE(MetaIE):
    """MetaIE running on ONNX Runtime (CPU); ``_forward`` is the only part that differs."""

    def __init__(self, session, tokenizer, config: MetaConfig, variant: str, path: Path):
        # No torch module: do not call MetaIE.__init__ (it moves a model to a device).
        self.model = None
        self.session = session
        self.tokenizer = tokenizer
        self.config = config
        self.variant = variant
        self.onnx_path = path
        self.device = torch.device("cpu")
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.input_names = [i.name for i in session.get_inputs()]

    @classmethod
    def load(cls, directory: str | os.PathLike, cfg: MetaConfig | None = None, threads: int | None = None,
             variant: str | None = None) -> "OnnxMetaIE":
        """Open ``directory``'s graph (``variant`` fp32 or int8; default: the one named in onnx.json)."""
        import onnxruntime as ort

        directory = Path(directory)
        cfg = cfg or MetaConfig.load(directory)
        manifest = _read_manifest(directory)
        variant = variant or manifest.get("default", "fp32")
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
        return cls(session, load_tokenizer(str(directory)), cfg, variant, path)

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike, device: str | None = None, backend: str = "onnx",
                        threads: int | None = None, variant: str | None = None) -> "OnnxMetaIE":
        """Load an exported directory; ``variant`` picks ``fp32`` or ``int8``."""
        directory = Path(path)
        if not (directory / CONFIG_NAME).exists():
            raise ModelLoadError(f"{directory} is not a metaie model directory (no {CONFIG_NAME})")
        return cls.load(directory, MetaConfig.load(directory), threads=threads, variant=variant)

    def save_pretrained(self, path, extra=None):  # pragma: no cover - explicit refusal
        raise ConfigError("an ONNX model cannot be saved as a torch model directory; export from the torch model")

    def _forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        feeds = {name: batch[name].numpy().astype(np.int64) for name in self.input_names}
        probs = self.session.run(None, feeds)[0]
        return torch.from_numpy(np.ascontiguousarray(probs, dtype=np.float32))


def _read_manifest(directory: Path) -> dict:
    path = directory / ONNX_MANIFEST
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ModelLoadError(f"{path}: malformed JSON ({e.msg})") from None
