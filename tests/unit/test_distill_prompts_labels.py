"""Prompt templates, label statistics and negatives, cache keys, retry delays, rate limits."""
from __future__ import annotations

import asyncio
import random

import pytest

from metaie.distill.labels import add_negatives, cap_per_label, normalise_label
from metaie.errors import ConfigError
from metaie.records import Record, Span, count_labels
from metaie.teacher.base import Completion
from metaie.teacher.cache import ResponseCache, cache_key
from metaie.teacher.prompts import builtin_versions, load_template
from metaie.teacher.retry import RateLimiter, RetryPolicy


def test_paper_prompt_modes():
    t = load_template("metaie-v1")
    user = "Extract some short important information from the following sentence:\nTom runs."
    primer = "Important information (Format: - <label>: <span>):"
    assert t.render("Tom runs.") == [{"role": "user", "content": user + "\n" + primer}]
    assert t.render("Tom runs.", "prefix") == [{"role": "user", "content": user},
                                               {"role": "assistant", "content": primer}]
    assert t.render("Tom runs.", "none") == [{"role": "user", "content": user}]


def test_ner_prompt_and_builtins():
    assert builtin_versions() == ["metaie-v1", "ner-v1"]
    t = load_template("ner-v1")
    msgs = t.render("Tom runs.")
    assert t.answer_format == "entity-type" and msgs[0]["role"] == "system"
    assert msgs[-1]["content"].endswith("Passage: Tom runs.")


def test_user_template_version_changes_with_content(tmp_path):
    p = tmp_path / "mine.yaml"
    p.write_text('version: mine\nmessages:\n  - role: user\n    content: "Labels for: {sentence}"\n')
    v1 = load_template(p).version
    p.write_text('version: mine\nmessages:\n  - role: user\n    content: "Spans for: {sentence}"\n')
    v2 = load_template(p).version
    assert v1.startswith("mine@") and v2.startswith("mine@") and v1 != v2
    p.write_text("messages:\n  - role: user\n    content: no placeholder\n")
    with pytest.raises(ConfigError, match="placeholder"):
        load_template(p)
    with pytest.raises(ConfigError, match="--prompt"):
        load_template("metaie-v9")


def test_cache_key_covers_every_part():
    msgs = [{"role": "user", "content": "x"}]
    base = cache_key("openai", "m", {"temperature": 0}, "metaie-v1", msgs)
    assert base == cache_key("openai", "m", {"temperature": 0}, "metaie-v1", msgs)
    others = [cache_key("hf", "m", {"temperature": 0}, "metaie-v1", msgs),
              cache_key("openai", "m2", {"temperature": 0}, "metaie-v1", msgs),
              cache_key("openai", "m", {"temperature": 1}, "metaie-v1", msgs),
              cache_key("openai", "m", {"temperature": 0}, "metaie-v2", msgs),
              cache_key("openai", "m", {"temperature": 0}, "metaie-v1", [{"role": "user", "content": "y"}])]
    assert len({base, *others}) == 6


def test_cache_persists_and_tracks_failures(tmp_path):
    db = tmp_path / "c.sqlite"
    c = ResponseCache(db)
    c.record_failure("k", "s-1", "500", 3)
    c.record_failure("k", "s-1", "500", 2)
    assert c.failure("k") == ("500", 5)
    c.put("k", "s-1", [{"role": "user", "content": "x"}], Completion("- a: b", 5, 3, "stop"))
    c.close()
    c2 = ResponseCache(db)
    assert c2.get("k") == Completion("- a: b", 5, 3, "stop") and c2.failure("k") is None and c2.count() == 1


def test_retry_policy_backoff_and_jitter():
    p = RetryPolicy(base_delay=0.5, max_delay=3.0, jitter=0.5)
    rng = random.Random(0)
    for attempt, full in [(0, 0.5), (1, 1.0), (2, 2.0), (5, 3.0)]:
        d = p.delay(attempt, rng=rng)
        assert full * 0.5 <= d <= full
    assert p.delay(4, retry_after=7.0) == 7.0


def test_rate_limiter_waits_for_the_window():
    now = [0.0]
    lim = RateLimiter(rpm=2, clock=lambda: now[0])

    async def go():
        await lim.acquire()
        await lim.acquire()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(lim.acquire(), 0.05)
        now[0] = 61.0
        await asyncio.wait_for(lim.acquire(), 1.0)

    asyncio.run(go())
    tl = RateLimiter(tpm=100, clock=lambda: now[0])

    async def tokens():
        e = await tl.acquire(80)
        RateLimiter.settle(e, 30)   # real usage was lower: room for 70 more
        await asyncio.wait_for(tl.acquire(70), 0.5)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(tl.acquire(10), 0.05)

    asyncio.run(tokens())


def test_label_normalisation_cap_and_negatives():
    assert normalise_label("**Date_of  Birth**:") == "date of birth"
    assert normalise_label("DNA", keep_case=True) == "DNA"
    recs = [Record(f"t{i}", [Span(0, 1, "a"), Span(0, 1, "b" if i % 2 else "c")], id=str(i)) for i in range(10)]
    assert cap_per_label(recs, 3) == 10 - 3 + 5 - 3 + 5 - 3
    assert count_labels(recs, per="span") == {"a": 3, "b": 3, "c": 3}
    big = [Record(f"x{i}", [Span(0, 1, lab)], id=f"x{i}") for i, lab in enumerate(["p"] * 90 + ["q"] * 9 + ["r"])]
    add_negatives(big, 1, seed=3)
    neg = [r.negatives[0] for r in big if r.labels != ["p"]]
    assert all(r.labels[0] not in r.negatives for r in big)
    assert neg.count("p") > 8  # frequency-proportional: the frequent label dominates
    again = [Record(r.text, list(r.spans), id=r.id) for r in reversed(big)]
    add_negatives(again, 1, seed=3)
    assert {r.id: r.negatives for r in again} == {r.id: r.negatives for r in big}  # order-independent
