"""Core commands: train, extract, import, quickstart. They parse arguments and delegate."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import typer

from ..errors import ConfigError
from ..records import overlap_rule
from ..training.args import MetaData, MetaTrainArgs
from .options import OVERLAP, THREADS, THRESHOLD, option


class _ExtractOptions(TypedDict):
    """The options `metaie extract` passes alike to ``extract_file`` and ``extract_batch``."""

    threshold: float | None
    batch_size: int
    overlap: str


def _labels(labels: str) -> list[str]:
    out = [x.strip() for x in labels.split(",") if x.strip()]
    if not out:
        raise ConfigError("--labels is empty: give comma-separated labels, e.g. --labels person,location")
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def train(data: list[str] = typer.Option(None, "--data", "-d", help=(
                  "Source(s): distillation JSONL file(s), 'bundled', 'bundled:ner', 'bundled:open', 'human:DS,...', "
                  "'human-except:DS,...', 'text:CORPUS' (teacher-free); SOURCE@WEIGHT scales a source's queries")),
              mixture: Path = typer.Option(None, help="YAML mixture file of sources with weights (added to --data)"),
              out: Path = typer.Option(..., "--out", "-o", help="Output model directory"),
              backbone: str = typer.Option(None, help="HF model name or path (default: embedded all-MiniLM-L6-v2)"),
              init: str = typer.Option(None, help="Continue from an existing metaie model directory"),
              epochs: int = option(MetaTrainArgs, "epochs"), batch_size: int = option(MetaTrainArgs, "batch_size"),
              lr: float = option(MetaTrainArgs, "lr"), warmup_ratio: float = option(MetaTrainArgs, "warmup_ratio"),
              schedule: str = option(MetaTrainArgs, "schedule"), grad_accum: int = option(MetaTrainArgs, "grad_accum"),
              seed: int = option(MetaTrainArgs, "seed"), max_steps: int = option(MetaTrainArgs, "max_steps"),
              layer_decay: float = option(MetaTrainArgs, "layer_decay",
                                          help="Layer-wise learning-rate decay: each encoder layer learns at this "
                                               "times the rate of the one above (1: off)"),
              max_length: int = option(MetaData, "max_length"), stride: int = option(MetaData, "stride"),
              dev_fraction: float = option(MetaData, "dev_fraction"),
              query_template: str = typer.Option(None, help="How a label is phrased as the query, with the field "
                                                            "{label} (e.g. 'find {label}'; default '{label}', "
                                                            "or --init's); kept in the model"),
              neg_ratio: float = option(MetaData, "neg_ratio", help="Negative queries per positive label"),
              clean_negatives: bool = option(MetaData, "clean_negatives",
                                             help="Drop a negative query whose text holds a text the source marks "
                                                  "with that label elsewhere (an LLM annotator misses some)"),
              hard_negatives: float = option(MetaData, "hard_negatives", min=0.0, max=1.0,
                                             help="Share of sampled negatives drawn from labels near the record's "
                                                  "own (siblings by the backbone's label embeddings)"),
              max_records: int = typer.Option(None, help="Train on a random sample of this many records"),
              queries: int = typer.Option(None, help="Sample the training queries to exactly this many "
                                                     "(repeating the set when it is smaller)"),
              match_queries: str = typer.Option(None, help="Sample to as many training queries as this saved "
                                                           "model was trained on (fair start-point comparisons)"),
              passages: bool = typer.Option(not MetaData.sentences,
                                            help="Keep bundled passages whole (default: sentences)"),
              mode: str = option(MetaData, "mode", help="per_label (one pass per text and label, the paper's "
                                                       "method) or packed (one pass reads a text with many labels)"),
              packed: bool = typer.Option(False, "--packed", help="Same as --mode packed"),
              label_budget: int = typer.Option(None, help="Packed: label-prefix tokens per window (default: what "
                                                          "the backbone's positions leave beside --max-length, "
                                                          "at most 256)"),
              pack_labels: int = option(MetaData, "pack_labels", help="Packed: a training pack holds 1..N labels"),
              pack_fill: float = option(MetaData, "pack_fill", help="Packed: top packs up with absent labels, at "
                                                                    "most this many per label of the text's own"),
              head_lr_scale: float = option(MetaData, "head_lr_scale",
                                            help="Packed: the new scoring head's learning rate, a multiple of --lr"),
              share_prefix: bool = typer.Option(None, "--share-prefix/--labels-read-text",
                                                help="Packed: the label prefix reads only the labels, so texts "
                                                     "asking the same labels share one window (faster), or the "
                                                     "labels also read the text (one text per window); default: "
                                                     "--share-prefix, or --init's"),
              threads: int = THREADS, checkpoint_every: int = option(MetaTrainArgs, "checkpoint_every"),
              no_resume: bool = typer.Option(not MetaTrainArgs.resume,
                                             help="Ignore a previous interrupted run's state"),
              data_root: str = typer.Option(None, help="Data root (default: $METAIE_DATA or shared/data)"),
              device: str = typer.Option(None, help="cpu or cuda (default: cuda when present; with --workers: "
                                                     "cuda puts each worker on a GPU, NCCL)"),
              workers: int = typer.Option(None, help="Train on this many Ray Train workers (DDP; the same batches "
                                                     "and effective batch size); default: this process"),
              ray_address: str = typer.Option(None, help="--workers: cluster address ('auto': the running cluster; "
                                                         "default $RAY_ADDRESS, else a local one)")) -> None:
        """Meta-train a label-to-span tagger on a distillation set (or on task datasets' human annotations)."""
        from ..sources import load_mixture
        from ..training.meta import meta_train, queries_of
        sources: list = list(data or []) + (load_mixture(mixture) if mixture is not None else [])
        if not sources:
            raise ConfigError("no training data: pass --data SOURCE (e.g. --data bundled) or --mixture FILE.yaml")
        if queries is not None and match_queries is not None:
            raise ConfigError("give --queries or --match-queries, not both")
        if match_queries is not None:
            queries = queries_of(match_queries)
        chosen = "packed" if packed else mode
        if init is not None and chosen == MetaData.mode:
            chosen = None  # --init keeps its model's mode unless one is asked for
        args = MetaTrainArgs(epochs=epochs, batch_size=batch_size, lr=lr, warmup_ratio=warmup_ratio, schedule=schedule,
                         grad_accum=grad_accum, seed=seed, max_steps=max_steps, threads=threads,
                         layer_decay=layer_decay, checkpoint_every=checkpoint_every, resume=not no_resume)
        common = dict(backbone=backbone, init=init, dev_fraction=dev_fraction, neg_ratio=neg_ratio,
                      max_records=max_records, max_length=max_length, stride=stride, data_root=data_root,
                      sentences=not passages, queries=queries, mode=chosen, label_budget=label_budget,
                      pack_labels=pack_labels, pack_fill=pack_fill, head_lr_scale=head_lr_scale,
                      share_prefix=share_prefix, query_template=query_template, clean_negatives=clean_negatives,
                      hard_negatives=hard_negatives)
        if workers is not None:
            from ..ray.train import meta_train_ray
            r = meta_train_ray(sources, out, args, workers=workers, use_gpu=device == "cuda", address=ray_address,
                               **common)
        else:
            r = meta_train(sources, out, args, device=device, **common)
        f1 = f"{r.best_f1:.4f}" if r.best_f1 is not None else "n/a"
        typer.echo(f"saved {out}: held-out F1 {f1}, {r.steps} steps, {r.seconds:.0f} s")

    @app.command()
    def extract(text: list[str] = typer.Argument(None, help="Text(s) to extract from"),
                model: str = typer.Option("metaie-minilm", "--model", "-m",
                                          help="Model directory, built-in name or hub id (default: the shipped "
                                               "metaie-minilm)"),
                labels: str = typer.Option(..., "--labels", "-l", help="Comma-separated labels"),
                threshold: float | None = THRESHOLD,
                overlap: str | None = OVERLAP,
                as_json: bool = typer.Option(False, "--json", help="Print one JSON object per text"),
                batch_size: int = typer.Option(64),
                input: str = typer.Option(None, "--input", "-i", help="JSONL file of texts to stream through"),
                output: str = typer.Option(None, "--output", "-o",
                                           help="JSONL output for --input (resumes if present)"),
                text_field: str = typer.Option("text", help="Field of each --input record holding the text"),
                resume: bool = typer.Option(True, help="Continue an interrupted --output (--no-resume starts again)"),
                backend: str = typer.Option("torch", help="torch or onnx (an exported directory)"),
                variant: str = typer.Option(None, help="ONNX graph: fp32 or int8 (default: the export's own)"),
                threads: int = typer.Option(None, help="CPU threads for the model (--engine ray: per actor, "
                                                       "default 1)"),
                engine: str = typer.Option("local", help="local (this process) or ray (--input DIR_OR_GLOB of "
                                                         "JSONL/Parquet files -> --output DIR of shards)"),
                actors: int = typer.Option(1, help="--engine ray: actors, each holding one model"),
                actor_gpus: float = typer.Option(0.0, help="--engine ray: GPUs each actor asks for "
                                                               "(> 0: torch on cuda)"),
                shard_rows: int = typer.Option(10_000, help="--engine ray: records per output shard"),
                ray_address: str = typer.Option(None, help="--engine ray: cluster address ('auto': the running "
                                                           "cluster; default $RAY_ADDRESS, else a local one)")) -> None:
        """Extract spans for the given labels from text, or stream a JSONL file with --input/--output."""
        from rich.console import Console

        from ..display import highlight
        from ..model.tagger import MetaIE
        labs = _labels(labels)
        if (input is None) != (output is None):
            raise ConfigError("--input and --output go together")
        if input is not None and text:
            raise ConfigError("give texts as arguments or --input, not both")
        if input is None and not text:
            raise ConfigError("no text given: pass text arguments, or --input FILE.jsonl --output FILE.jsonl")
        # One set of options for both paths, so every option of the argv path reaches the streaming path.
        options: _ExtractOptions = {"threshold": threshold, "batch_size": batch_size,
                                    "overlap": overlap_rule(overlap)}
        if engine not in ("local", "ray"):
            raise ConfigError(f"--engine must be local or ray, not {engine!r}")
        if engine == "ray":
            if input is None:
                raise ConfigError("--engine ray extracts files: pass --input DIR_OR_GLOB --output DIR")
            from ..ray.extract import extract_files
            st = extract_files(model, input, output, labs, text_field=text_field, shard_rows=shard_rows,
                               actors=actors, num_gpus=actor_gpus, threads=threads, backend=backend,
                               variant=variant, resume=resume, address=ray_address, **options)
            typer.echo(f"wrote {st.rows} texts in {st.shards} shards to {output} ({st.skipped} shards already done, "
                       f"{st.texts_per_second:.1f} texts/s)")
            return
        m = MetaIE.from_pretrained(model, backend=backend, threads=threads, variant=variant)
        if input is not None:
            from ..extract_stream import extract_file
            stats = extract_file(m, input, output, labs, text_field=text_field, resume=resume, model_name=model,
                                 **options)
            typer.echo(f"wrote {stats.written} texts to {output} ({stats.skipped} already done, "
                       f"{stats.texts_per_second:.1f} texts/s)")
            return
        results = m.extract_batch(text, labs, **options)
        con = Console()
        for t, spans in zip(text, results):
            if as_json:
                typer.echo(json.dumps({"text": t, "spans": [s.to_dict() for s in spans]}, ensure_ascii=False))
            else:
                con.print(highlight(t, spans, labs))

    @app.command("import")
    def import_(fmt: str = typer.Argument(..., help="metaie | pilener | gliner | pilener-instruction | bio | "
                                                    "sentences-per-type | bundled | label-studio | doccano"),
                paths: list[Path] = typer.Argument(None, help="Input file(s) (none for 'bundled')"),
                out: Path = typer.Option(..., "--out", "-o", help="Output distillation JSONL"),
                sentences: bool = typer.Option(False, help="Split texts into sentences"),
                data_root: str = typer.Option(None)) -> None:
        """Convert published label-to-span data into the distillation JSONL format."""
        if fmt in ("label-studio", "doccano"):  # annotation-tool exports: see `metaie import-annotations`
            from .integrations import import_annotations
            return import_annotations(fmt, str(paths[0]) if paths else "", str(out))
        from ..sources.convert import convert
        report = convert(fmt, [str(p) for p in paths or []], out, sentences=sentences, data_root=data_root)
        typer.echo(json.dumps(report, ensure_ascii=False))

    @app.command()
    def quickstart(out: Path = typer.Option(Path("models/quickstart"), "--out", "-o"),
                   records: int = typer.Option(1500, help="Bundled sentences to meta-train on"),
                   epochs: int = typer.Option(2), batch_size: int = typer.Option(32),
                   lr: float = typer.Option(3e-4), backbone: str = typer.Option(None),
                   data_root: str = typer.Option(None), threads: int = THREADS,
                   train: bool = typer.Option(True, help="--no-train: only extract with the shipped model")) -> None:
        """Extract with the shipped meta-model, then meta-train a small one on bundled data and extract again."""
        from ..quickstart import quickstart as run
        from ..threads import set_threads
        set_threads(threads)
        run(out, records=records, epochs=epochs, batch_size=batch_size, lr=lr, data_root=data_root,
            backbone=backbone, train=train)
