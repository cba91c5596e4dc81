"""Fixtures for distillation tests: the loopback OpenAI-compatible server and a small corpus."""
from __future__ import annotations

import pytest
from fake_openai import FakeOpenAI


@pytest.fixture()
def fake_openai():
    """A fresh loopback chat-completions server (see tests/fake_openai.py)."""
    with FakeOpenAI() as srv:
        yield srv


@pytest.fixture()
def corpus_file(tmp_path):
    """A plain-text corpus of 30 distinct one-sentence paragraphs."""
    names = ["Tom", "Anna", "Bob", "Mary", "Peter", "John"]
    cities = ["Paris", "London", "Madrid", "Rome", "Berlin"]
    lines = [f"{names[i % 6]} Smith visited {cities[i % 5]} in {1990 + i} with Acme Corp." for i in range(30)]
    p = tmp_path / "corpus.txt"
    p.write_text("\n".join(lines) + "\n")
    return p
