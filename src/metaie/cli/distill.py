"""Commands ``distill`` (corpus -> distillation set through an LLM teacher) and ``distill-report``."""
from __future__ import annotations

from dataclasses import fields
from functools import partial
from pathlib import Path

import typer

from ..distill.builder import DistillConfig
from .options import THREADS, option

_cfg = partial(option, DistillConfig)  # an option with DistillConfig's default for the field


def register(app: typer.Typer) -> None:
    @app.command()
    def distill(
        corpus: list[Path] = typer.Option(..., "--corpus", help="Corpus file(s): text, JSONL, or gzip of either"),
        out: Path = typer.Option(..., "--out", help="Output folder (run again to resume)"),
        teacher: str = _cfg("teacher", help="openai (any OpenAI-compatible endpoint) | hf | replay"),
        model: str = _cfg("model", help="Model name (or local HF model path for --teacher hf)"),
        base_url: str = _cfg("base_url", help="OpenAI-compatible base URL (vLLM, Ollama, llama.cpp ...)"),
        api_key_env: str = _cfg("api_key_env", help="Environment variable holding the API key"),
        replay: Path = typer.Option(None, help="responses.jsonl to replay (--teacher replay)"),
        prompt: str = _cfg("prompt", help="Prompt version (metaie-v1, ner-v1) or a template YAML file"),
        primer_mode: str = _cfg("primer_mode", help="append | prefix | none (default: append for APIs, prefix for hf)"),
        sentences: int = _cfg("sentences", help="Cap on sentences (seeded sample)"),
        seed: int = _cfg("seed"),
        fmt: str = _cfg("format", "--format", help="auto | text | jsonl"),
        text_field: str = _cfg("text_field", help="JSONL field holding the text"),
        split: str = _cfg("split", help="Plain text paragraphs: line (one per line) | blank (blank-line)"),
        all_sentences: bool = _cfg("all_sentences", help="Keep every sentence, not only each paragraph's first"),
        min_chars: int = _cfg("min_chars"), max_chars: int = _cfg("max_chars"),
        min_words: int = _cfg("min_words"), max_words: int = _cfg("max_words"),
        temperature: float = _cfg("temperature"), max_tokens: int = _cfg("max_tokens"),
        timeout: float = _cfg("timeout", help="Seconds per request"),
        concurrency: int = _cfg("concurrency", help="Requests in flight"),
        rpm: int = _cfg("rpm", help="Requests per minute limit"),
        tpm: int = _cfg("tpm", help="Tokens per minute limit"),
        max_attempts: int = _cfg("max_attempts", help="Attempts per sentence before it is recorded as failed"),
        retry_base: float = _cfg("retry_base", help="First back-off delay in seconds (doubles each retry)"),
        retry_max: float = _cfg("retry_max", help="Longest back-off delay"),
        price_input: float = _cfg("price_input", help="USD per million prompt tokens"),
        price_output: float = _cfg("price_output", help="USD per million completion tokens"),
        negatives: int = _cfg("negatives", help="Absent labels sampled per record"),
        max_per_label: int = _cfg("max_per_label", help="Cap on spans per label (0: none)"),
        keep_label_case: bool = _cfg("keep_label_case", help="Do not lower-case labels"),
        cache: Path = typer.Option(None, help="SQLite cache file (default: OUT/cache.sqlite)"),
        device: str = _cfg("device", help="Device for --teacher hf"),
        progress: bool = _cfg("progress", help="Show the progress bar"),
        threads: int = THREADS,
        engine: str = typer.Option("local", help="local (the calls from this process) or ray (from Ray actors; "
                                                 "the same output)"),
        actors: int = typer.Option(2, help="--engine ray: actors, each with --concurrency requests in flight"),
        ray_address: str = typer.Option(None, help="--engine ray: cluster address ('auto': the running cluster; "
                                                   "default $RAY_ADDRESS, else a local one)"),
    ) -> None:
        """Distil a corpus through an LLM teacher into a distillation set (OUT/distill.jsonl)."""
        from ..distill.builder import run_distill
        from ..errors import ConfigError
        if engine not in ("local", "ray"):
            raise ConfigError(f"--engine must be local or ray, not {engine!r}")
        if threads is not None:  # the local teacher (--teacher hf) runs on torch; an API teacher needs none
            from ..threads import set_threads
            set_threads(threads)

        settings = {**locals(), "corpus": [str(c) for c in corpus], "out_dir": str(out), "format": fmt,
                    "replay": str(replay) if replay else None, "cache": str(cache) if cache else None}
        cfg = DistillConfig(**{f.name: settings[f.name] for f in fields(DistillConfig) if f.name in settings})
        if engine == "ray":
            from ..ray.distill import run_distill_ray
            r = run_distill_ray(cfg, actors=actors, address=ray_address)
        else:
            r = run_distill(cfg)
        u = r.usage
        typer.echo(f"{r.records} records, {r.spans} spans -> {r.out_dir / 'distill.jsonl'} | requests {u.requests}, "
                   f"cache hits {u.cache_hits}, retries {u.retries}, failed {r.failed} | tokens {u.prompt_tokens}+"
                   f"{u.completion_tokens}, cost ${u.cost:.4f} | rejects "
                   + (", ".join(f"{k} {v}" for k, v in sorted(r.rejects.items())) or "0"))
        if r.failed:
            typer.secho(f"{r.failed} sentences failed (see {r.out_dir / 'failed.jsonl'}); run the same command "
                        "again to retry them", err=True, fg="yellow")
            raise typer.Exit(3)

    @app.command("distill-report")
    def distill_report(path: Path = typer.Argument(..., help="Distillation folder (or its distill.jsonl)"),
                       top: int = typer.Option(30, help="Labels in the frequency table and plot")) -> None:
        """Label statistics of a distillation set: report.md and PNG plots beside it."""
        from ..distill.report import write_report
        typer.echo(str(write_report(path, top=top)))
