"""The distillation run: sample sentences, ask the teacher (cached), parse and align, write the set.

Outputs in ``out_dir``: ``distill.jsonl`` (the distillation JSONL format), ``rejects.jsonl`` (lines and
answers that could not be used), ``failed.jsonl`` (sentences the teacher never answered; retried next
run), ``responses.jsonl`` (raw answers, replayable with ``--teacher replay``), ``labels.tsv`` and
``manifest.json``; ``cache.sqlite`` unless another cache is given.
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..jsonl import atomic_open, write_json, write_jsonl
from ..records import Record, count_labels
from ..sources.distill_set import save_records
from ..teacher.base import Teacher
from ..teacher.cache import ResponseCache, cache_key
from ..teacher.parse import align_pairs, parse_answer
from ..teacher.prompts import PromptTemplate, load_template
from ..teacher.retry import RetryPolicy
from .accounting import Progress, Usage, check_accounting
from .corpus import Sentence, sample_sentences
from .labels import add_negatives, cap_per_label, normalise_label
from .runner import Job, query_all


@dataclass
class DistillConfig:
    """Every setting of a distillation run (recorded in the manifest)."""

    corpus: list[str]
    out_dir: str
    teacher: str = "openai"             # openai | hf | replay
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    replay: str | None = None
    prompt: str = "metaie-v1"
    primer_mode: str | None = None      # None: the backend's default (append for APIs, prefix for local LMs)
    temperature: float = 0.0
    max_tokens: int = 256
    timeout: float = 60.0
    concurrency: int = 8
    rpm: int | None = None
    tpm: int | None = None
    max_attempts: int = 6
    retry_base: float = 1.0
    retry_max: float = 60.0
    price_input: float = 0.0            # USD per million prompt tokens
    price_output: float = 0.0           # USD per million completion tokens
    format: str = "auto"
    text_field: str = "text"
    split: str = "line"
    all_sentences: bool = False
    min_chars: int = 20
    max_chars: int = 500
    min_words: int = 3
    max_words: int = 80
    sentences: int | None = None
    seed: int = 42
    negatives: int = 5
    max_per_label: int = 0
    keep_label_case: bool = False
    max_label_words: int = 8
    cache: str | None = None
    device: str | None = None
    progress: bool = True

    def public(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DistillResult:
    """What a run produced (also in the manifest)."""

    out_dir: Path
    records: int
    spans: int
    failed: int
    usage: Usage
    rejects: Counter = field(default_factory=Counter)
    manifest: dict[str, Any] = field(default_factory=dict)


def make_teacher(cfg: DistillConfig) -> Teacher:
    """The teacher backend named by ``cfg.teacher``."""
    if cfg.teacher == "openai":
        from ..teacher.openai_backend import OpenAITeacher
        return OpenAITeacher(cfg.model, base_url=cfg.base_url, api_key_env=cfg.api_key_env,
                             temperature=cfg.temperature, max_tokens=cfg.max_tokens, timeout=cfg.timeout,
                             primer_mode=cfg.primer_mode or "append", concurrency=cfg.concurrency)
    if cfg.teacher == "replay":
        if not cfg.replay:
            raise ConfigError("--teacher replay needs --replay FILE (a responses.jsonl of an earlier run)")
        from ..teacher.replay import ReplayTeacher
        return ReplayTeacher(cfg.replay)
    if cfg.teacher == "hf":
        from ..teacher.hf_local import HFTeacher
        t = HFTeacher(cfg.model, max_tokens=cfg.max_tokens, temperature=cfg.temperature, device=cfg.device)
        t.primer_mode = cfg.primer_mode or "prefix"
        return t
    raise ConfigError(f"unknown --teacher {cfg.teacher!r}: use openai, hf or replay")


def _jobs(sentences: list[Sentence], teacher: Teacher, template: PromptTemplate) -> list[Job]:
    jobs = []
    for s in sentences:
        msgs = template.render(s.text, teacher.primer_mode)
        jobs.append(Job(s.id, msgs, cache_key(teacher.backend, teacher.model, teacher.params(),
                                              template.version, msgs)))
    return jobs


def build_records(sentences: list[Sentence], jobs: list[Job], cache: ResponseCache, template: PromptTemplate,
                  cfg: DistillConfig, source: str) -> tuple[list[Record], list[dict], list[dict], list[dict]]:
    """Records, rejects, failed sentences and raw responses, in corpus order, from the cache."""
    records, rejects, failed, responses = [], [], [], []
    for s, job in zip(sentences, jobs):
        c = cache.get(job.key)
        if c is None:
            err = cache.failure(job.key)
            failed.append({"id": s.id, "sentence": s.text, "error": err[0] if err else "not attempted",
                           "attempts": err[1] if err else 0})
            continue
        responses.append({"id": s.id, "sentence": s.text, "messages": job.messages, "text": c.text,
                          "prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens,
                          "finish_reason": c.finish_reason})
        text = c.text
        if c.finish_reason == "length":  # the answer was cut: its last line is unreliable
            text, _, cut = text.rpartition("\n")
            if cut.strip():
                rejects.append({"id": s.id, "sentence": s.text, "kind": "truncated", "line": cut.strip()})
        parsed = parse_answer(text, template.answer_format, cfg.max_label_words, template.primer)
        rejects += [{"id": s.id, "sentence": s.text, "kind": "unparsed_line", "line": ln} for ln in parsed.bad_lines]
        pairs = [(normalise_label(lab, cfg.keep_label_case), ans) for lab, ans in parsed.pairs]
        pairs = [(lab, ans) for lab, ans in pairs if lab]
        spans, missed = align_pairs(s.text, pairs)
        rejects += [{"id": s.id, "sentence": s.text, "kind": "unaligned", "label": lab, "answer": ans}
                    for lab, ans in missed]
        records.append(Record(text=s.text, spans=spans, id=s.id, source=source))
    return records, rejects, failed, responses


QueryFn = Callable[[list[Job], Teacher, ResponseCache, Usage, Progress, DistillConfig], dict[str, Any]]
"""Asks the teacher about every job missing from the cache, committing each answer (or failure) to the cache as
it arrives; returns ``{"pending": jobs sent}``. :func:`query_local` is the default; ``metaie.ray`` has another."""


def query_local(jobs: list[Job], teacher: Teacher, cache: ResponseCache, usage: Usage, bar: Progress,
                cfg: DistillConfig) -> dict[str, Any]:
    """The teacher calls in this process: ``cfg.concurrency`` requests in flight on one event loop."""
    policy = RetryPolicy(cfg.max_attempts, cfg.retry_base, cfg.retry_max)
    return asyncio.run(query_all(jobs, teacher, cache, usage, concurrency=cfg.concurrency, policy=policy,
                                 rpm=cfg.rpm, tpm=cfg.tpm, max_tokens=cfg.max_tokens, progress=bar, seed=cfg.seed))


def run_distill(cfg: DistillConfig, teacher: Teacher | None = None, query: QueryFn = query_local) -> DistillResult:
    """Run (or resume) a distillation and write its outputs; see the module docstring. ``query`` makes the
    teacher calls (default: in this process)."""
    t0 = time.time()
    out = Path(cfg.out_dir)
    template = load_template(cfg.prompt)
    sentences = sample_sentences(cfg.corpus, fmt=cfg.format, text_field=cfg.text_field, split=cfg.split,
                                 all_sentences=cfg.all_sentences, min_chars=cfg.min_chars, max_chars=cfg.max_chars,
                                 min_words=cfg.min_words, max_words=cfg.max_words, limit=cfg.sentences,
                                 seed=cfg.seed)
    teacher = teacher or make_teacher(cfg)
    out.mkdir(parents=True, exist_ok=True)
    cache = ResponseCache(cfg.cache or out / "cache.sqlite")
    usage = Usage(cfg.price_input, cfg.price_output)
    jobs = _jobs(sentences, teacher, template)
    try:
        with Progress(len(jobs), usage, enabled=cfg.progress) as bar:
            info = query(jobs, teacher, cache, usage, bar, cfg)
        t_query = time.time() - t0
        source = f"{teacher.backend}:{teacher.model}/{template.version}"
        records, rejects, failed, responses = build_records(sentences, jobs, cache, template, cfg, source)
    finally:
        cache.close()
    accounting = check_accounting((s.id for s in sentences), (r.id for r in records), (r["id"] for r in rejects),
                                  (f["id"] for f in failed))
    dropped = cap_per_label(records, cfg.max_per_label)
    add_negatives(records, cfg.negatives, cfg.seed)
    save_records(out / "distill.jsonl", records)
    write_jsonl(out / "rejects.jsonl", rejects)
    write_jsonl(out / "failed.jsonl", failed)
    write_jsonl(out / "responses.jsonl", responses)
    freq = count_labels(records, per="span")
    with atomic_open(out / "labels.tsv") as f:
        f.write("label\tspans\n")
        f.writelines(f"{lab}\t{n}\n" for lab, n in freq.most_common())
    kinds = Counter(r["kind"] for r in rejects)
    n_spans = sum(len(r.spans) for r in records)
    manifest = {
        "metaie_distill": 1, "status": "complete" if not failed else "incomplete",
        "settings": cfg.public(), "teacher": {"backend": teacher.backend, "model": teacher.model,
                                              "params": teacher.params(), "primer_mode": teacher.primer_mode},
        "prompt": {"version": template.version, "answer_format": template.answer_format},
        "counts": {"sentences": len(sentences), "records": len(records), "spans": n_spans, "labels": len(freq),
                   "records_without_spans": sum(1 for r in records if not r.spans), "failed": len(failed),
                   "sent_this_run": info["pending"], "rejects": dict(kinds), "capped_spans": dropped,
                   "accounting": accounting},
        "usage": usage.to_dict(),
        "timing": {"started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t0)),
                   "query_seconds": round(t_query, 3), "total_seconds": round(time.time() - t0, 3),
                   "responses_per_second": round(usage.responses / t_query, 3) if t_query > 0 else None},
        "files": ["distill.jsonl", "rejects.jsonl", "failed.jsonl", "responses.jsonl", "labels.tsv"],
    }
    write_json(out / "manifest.json", manifest)
    return DistillResult(out, len(records), n_spans, len(failed), usage, kinds, manifest)
