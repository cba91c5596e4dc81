"""Runners: the network behind :class:`~metaie.model.tagger.MetaIE`, mapping a padded batch of windows to O/B/I
probabilities. The torch runner wraps a token-classification module; the ONNX one
(:mod:`metaie.model.onnx_backend`) an ONNX Runtime session. MetaIE is the same class over either.

>>> import torch
>>> class Net(torch.nn.Module):
...     def forward(self, input_ids, attention_mask):
...         return type("Out", (), {"logits": torch.zeros(*input_ids.shape, 3)})()
>>> r = TorchRunner(Net(), device="cpu")
>>> r({"input_ids": torch.zeros(1, 2, dtype=torch.long), "attention_mask": torch.ones(1, 2, dtype=torch.long)}).shape
(1, 2, 3)
"""
from __future__ import annotations

from typing import Protocol

import numpy as np
import torch


class Runner(Protocol):
    """What MetaIE needs from a network: a name, a device and ``batch -> probabilities``."""

    backend: str
    device: torch.device

    def __call__(self, batch: dict[str, torch.Tensor]) -> np.ndarray: ...


def pick_device(device: str | None = None) -> torch.device:
    """``cuda`` when present unless told otherwise."""
    if device:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class TorchRunner:
    """A token-classification module on a device, in eval mode; bf16 autocast on CUDA."""

    backend = "torch"

    def __init__(self, module: torch.nn.Module, device: str | None = None):
        self.module = module
        self.device = pick_device(device)
        module.to(self.device)
        module.eval()

    def __call__(self, batch: dict[str, torch.Tensor]) -> np.ndarray:
        batch = {k: v.to(self.device) for k, v in batch.items() if k != "labels"}
        with torch.inference_mode():
            if self.device.type == "cuda":
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    logits = self.module(**batch).logits
            else:
                logits = self.module(**batch).logits
        return torch.softmax(logits.float(), dim=-1).cpu().numpy()
