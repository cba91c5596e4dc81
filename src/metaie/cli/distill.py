"""Commands ``distill`` (corpus -> distillation set through an LLM teacher) and ``distill-report``."""
from __future__ import annotations

from pathlib import Path

import typer

from .options import THREADS


def register(app: typer.Typer) -> None:
    @app.command()
    def distill(
        corpus: list[Path] = typer.Option(..., "--corpus", help="Corpus file(s): text, JSONL, or gzip of either"),
        out: Path = typer.Option(..., "--out", help="Output folder (run again to resume)"),
        teacher: str = typer.Option("openai", help="openai (any OpenAI-compatible endpoint) | hf | replay"),
        model: str = typer.Option("gpt-4o-mini", help="Model name (or local HF model path for --teacher hf)"),
        base_url: str = typer.Option(None, help="OpenAI-compatible base URL (vLLM, Ollama, llama.cpp ...)"),
        api_key_env: str = typer.Option("OPENAI_API_KEY", help="Environment variable holding the API key"),
        replay: Path = typer.Option(None, help="responses.jsonl to replay (--teacher replay)"),
        prompt: str = typer.Option("metaie-v1", help="Prompt version (metaie-v1, ner-v1) or a template YAML file"),
        primer_mode: str = typer.Option(None, help="append | prefix | none (default: append for APIs, prefix for hf)"),
        sentences: int = typer.Option(None, help="Cap on sentences (seeded sample)"),
        seed: int = typer.Option(42),
        fmt: str = typer.Option("auto", "--format", help="auto | text | jsonl"),
        text_field: str = typer.Option("text", help="JSONL field holding the text"),
        split: str = typer.Option("line", help="Plain text paragraphs: line (one per line) | blank (blank-line)"),
        all_sentences: bool = typer.Option(False, help="Keep every sentence, not only each paragraph's first"),
        min_chars: int = typer.Option(20), max_chars: int = typer.Option(500),
        min_words: int = typer.Option(3), max_words: int = typer.Option(80),
        temperature: float = typer.Option(0.0), max_tokens: int = typer.Option(256),
        timeout: float = typer.Option(60.0, help="Seconds per request"),
        concurrency: int = typer.Option(8, help="Requests in flight"),
        rpm: int = typer.Option(None, help="Requests per minute limit"),
        tpm: int = typer.Option(None, help="Tokens per minute limit"),
        max_attempts: int = typer.Option(6, help="Attempts per sentence before it is recorded as failed"),
        retry_base: float = typer.Option(1.0, help="First back-off delay in seconds (doubles each retry)"),
        retry_max: float = typer.Option(60.0, help="Longest back-off delay"),
        price_input: float = typer.Option(0.0, help="USD per million prompt tokens"),
        price_output: float = typer.Option(0.0, help="USD per million completion tokens"),
        negatives: int = typer.Option(5, help="Absent labels sampled per record"),
        max_per_label: int = typer.Option(0, help="Cap on spans per label (0: none)"),
        keep_label_case: bool = typer.Option(False, help="Do not lower-case labels"),
        cache: Path = typer.Option(None, help="SQLite cache file (default: OUT/cache.sqlite)"),
        device: str = typer.Option(None, help="Device for --teacher hf"),
        progress: bool = typer.Option(True, help="Show the progress bar"),
        threads: int = THREADS,
    ) -> None:
        """Distil a corpus through an LLM teacher into a distillation set (OUT/distill.jsonl)."""
        from ..distill.builder import DistillConfig, run_distill
        if threads is not None:  # the local teacher (--teacher hf) runs on torch; an API teacher needs none
            from ..threads import set_threads
            set_threads(threads)

        cfg = DistillConfig(
            corpus=[str(c) for c in corpus], out_dir=str(out), teacher=teacher, model=model, base_url=base_url,
            api_key_env=api_key_env, replay=str(replay) if replay else None, prompt=prompt, primer_mode=primer_mode,
            temperature=temperature, max_tokens=max_tokens, timeout=timeout, concurrency=concurrency, rpm=rpm,
            tpm=tpm, max_attempts=max_attempts, retry_base=retry_base, retry_max=retry_max,
            price_input=price_input, price_output=price_output, format=fmt, text_field=text_field, split=split,
            all_sentences=all_sentences, min_chars=min_chars, max_chars=max_chars, min_words=min_words,
            max_words=max_words, sentences=sentences, seed=seed, negatives=negatives, max_per_label=max_per_label,
            keep_label_case=keep_label_case, cache=str(cache) if cache else None, device=device, progress=progress)
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
