"""Teacher on a local Hugging Face causal LM (for GPU users); generation runs in a worker thread.

The conversation is rendered with the tokenizer's chat template when it has one (the primer then
opens the assistant turn, ``primer_mode="prefix"``), else as plain ``role: content`` lines. Only the
newly generated tokens are decoded; the primer is not part of the returned text.
"""
from __future__ import annotations

import asyncio
from typing import Any, cast

from ..errors import ModelLoadError
from .base import Completion


def render_plain(messages: list[dict[str, str]]) -> str:
    """A prompt for models without a chat template: user/system turns as text, an open assistant turn last.

    >>> render_plain([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ans:"}])
    'Hi\\nAns:'
    """
    parts = [m["content"] for m in messages]
    if not messages or messages[-1]["role"] != "assistant":
        parts.append("")
    return "\n".join(parts)


class HFTeacher:
    """Greedy (or sampled, with temperature > 0) generation from a local causal LM."""

    backend = "hf"
    primer_mode = "prefix"

    def __init__(self, model: str, max_tokens: int = 256, temperature: float = 0.0, device: str | None = None,
                 dtype: str = "auto"):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.model, self.max_tokens, self.temperature = model, max_tokens, temperature
        try:
            # Any: the Auto classes pick the concrete tokenizer and model class at run time
            self._tok: Any = AutoTokenizer.from_pretrained(model)
            self._lm: Any = cast(Any, AutoModelForCausalLM).from_pretrained(model, dtype=dtype)
        except (OSError, ValueError) as e:
            raise ModelLoadError(f"cannot load the teacher model {model!r}: {e}") from None
        self._device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._lm.to(self._device).eval()
        self._torch = torch
        self._lock = asyncio.Lock()

    def params(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens}

    def prompt_text(self, messages: list[dict[str, str]]) -> str:
        """The exact text fed to the model."""
        if getattr(self._tok, "chat_template", None):
            cont = bool(messages) and messages[-1]["role"] == "assistant"
            return self._tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=not cont,
                                                 continue_final_message=cont)
        return render_plain(messages)

    def _generate(self, messages: list[dict[str, str]]) -> Completion:
        enc = self._tok(self.prompt_text(messages), return_tensors="pt").to(self._device)
        n_in = enc["input_ids"].shape[1]
        kw: dict[str, Any] = {"max_new_tokens": self.max_tokens, "do_sample": self.temperature > 0}
        if self.temperature > 0:
            kw["temperature"] = self.temperature
        pad = self._tok.pad_token_id if self._tok.pad_token_id is not None else self._tok.eos_token_id
        with self._torch.no_grad():
            out = self._lm.generate(**enc, pad_token_id=pad, **kw)
        new = out[0, n_in:]
        eos = self._tok.eos_token_id
        finish = "stop" if (eos is not None and (new == eos).any()) or len(new) < self.max_tokens else "length"
        return Completion(self._tok.decode(new, skip_special_tokens=True), n_in, int(len(new)), finish)

    async def complete(self, messages: list[dict[str, str]]) -> Completion:
        async with self._lock:
            return await asyncio.to_thread(self._generate, messages)

    async def aclose(self) -> None:
        return None
