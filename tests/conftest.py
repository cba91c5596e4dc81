"""Shared fixtures: a tiny randomly initialised BERT with a tiny word-level vocabulary, built offline."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Every word any test text uses; anything else would become [UNK] (tests assert it does not).
VOCAB_WORDS = ["tom", "was", "born", "in", "paris", ",", "1990", ".", "anna", "lives", "london", "works", "at",
               "acme", "corp", "and", "met", "bob", "on", "monday", "the", "person", "location", "date",
               "organization", "city", "company", "name", "nothing", "year", "country", "berlin", "smith", "visited",
               "john", "is", "a", "doctor", "from", "rome", "mary", "went", "to", "madrid", "with", "her", "friend",
               "peter", "last", "friday", "apple", "sells", "phones", "google", "bought", "youtube", "for", "money",
               "price", "drug", "disease", "aspirin", "causes", "headache", "he", "she", "it", "they", "we", "e",
               "##s", "##ed", "##ing", "caf", "##é", "jose", "é", "東", "京", "大", "阪", "tokyo", "osaka", "love",
               "😀", "of", "new", "york", "city", ".", "!", "?", ":", ";", "-", "'", '"', "label", "text", "span",
               "query",
               "entity", "event", "happened", "yesterday", "pizza", "good", "bad", "service", "food", "great",
               "terrible", "event", "trigger", "attack", "hacked", "server", "stole", "data", "via", "phishing",
               "email", "victim", "attacker", "loves", "hates"]


def build_tokenizer():
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {t: i for i, t in enumerate(special + list(dict.fromkeys(VOCAB_WORDS)))}
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False, clean_text=True,
                                                handle_chinese_chars=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory):
    """A directory holding a tiny random BERT (2 layers, 64 wide, no dropout) and its tokenizer."""
    import torch
    from transformers import BertConfig, BertForTokenClassification

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-bert")
    tok = build_tokenizer()
    cfg = BertConfig(vocab_size=len(tok), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=128, max_position_embeddings=2048, num_labels=3,
                     hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    BertForTokenClassification(cfg).save_pretrained(path)
    tok.save_pretrained(path)
    return path


@pytest.fixture()
def tiny_tagger(tiny_backbone):
    """A fresh MetaIE on the tiny backbone (max_length 32, stride 8, to exercise windows)."""
    from metaie.model.tagger import MetaIE
    return MetaIE.from_backbone(str(tiny_backbone), max_length=32, stride=8, device="cpu")


@pytest.fixture()
def assert_no_unk():
    """Check that fixture text tokenises with no [UNK]."""
    tok = build_tokenizer()

    def check(text: str) -> None:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        assert tok.unk_token_id not in ids, f"[UNK] in fixture text {text!r}: {tok.convert_ids_to_tokens(ids)}"
    return check


@pytest.fixture(scope="session")
def tiny_bare_backbone(tmp_path_factory):
    """A tiny random BERT encoder with no token-classification head and with dropout, like a real backbone:
    training it draws a new head and dropout masks from the random generator."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(1)
    path = tmp_path_factory.mktemp("tiny-bare-bert")
    tok = build_tokenizer()
    cfg = BertConfig(vocab_size=len(tok), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=128, max_position_embeddings=2048, hidden_dropout_prob=0.1,
                     attention_probs_dropout_prob=0.1)
    BertModel(cfg).save_pretrained(path)
    tok.save_pretrained(path)
    return path
