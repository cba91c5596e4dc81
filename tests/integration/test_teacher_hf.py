"""The local Hugging Face teacher on a tiny random GPT-2 built here (prompt and decoding plumbing)."""
from __future__ import annotations

import asyncio

import pytest


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory):
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    torch.manual_seed(0)
    words = ["[UNK]", "<eos>", "extract", "some", "short", "important", "information", "from", "the", "following",
             "sentence", ":", "tom", "was", "born", "in", "paris", ".", "(", "format", "-", "<", "label", ">", "span",
             ")", ")", "person"]
    vocab = {w: i for i, w in enumerate(dict.fromkeys(words))}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", eos_token="<eos>", pad_token="<eos>")
    path = tmp_path_factory.mktemp("tiny-gpt2")
    GPT2LMHeadModel(GPT2Config(vocab_size=len(vocab), n_positions=128, n_embd=16, n_layer=1, n_head=2,
                               eos_token_id=vocab["<eos>"], bos_token_id=vocab["<eos>"])).save_pretrained(path)
    fast.save_pretrained(path)
    return path


def test_hf_teacher_generates_only_new_tokens(tiny_gpt2):
    from metaie.teacher.hf_local import HFTeacher
    from metaie.teacher.prompts import load_template

    t = HFTeacher(str(tiny_gpt2), max_tokens=5, device="cpu")
    msgs = load_template("metaie-v1").render("Tom was born in Paris.", t.primer_mode)
    assert msgs[-1] == {"role": "assistant", "content": "Important information (Format: - <label>: <span>):"}
    prompt = t.prompt_text(msgs)
    assert prompt.endswith("Tom was born in Paris.\nImportant information (Format: - <label>: <span>):")
    c = asyncio.run(t.complete(msgs))
    n_prompt = len(t._tok(prompt)["input_ids"])
    assert c.prompt_tokens == n_prompt and 1 <= c.completion_tokens <= 5
    assert c.finish_reason in ("stop", "length") and isinstance(c.text, str)
    assert "Tom was born" not in c.text  # the prompt is not echoed back
