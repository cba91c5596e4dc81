"""Task commands: finetune, evaluate, benchmark, schema init. They parse options and delegate to metaie.evaluation."""
from __future__ import annotations

import json

import typer

from ..errors import ConfigError
from ..training.args import FinetuneArgs
from .options import THREADS, THRESHOLD, option

_ROOT = typer.Option(None, "--data-root", help="Folder holding the datasets (default: $METAIE_DATA, ../shared/data)")
_SCHEMA = typer.Option(None, "--schema", help="Task schema YAML (default: the shipped one for the dataset)")


schema_app = typer.Typer(name="schema", help="Task schemas (verbalisers): draft one for your own dataset.",
                         no_args_is_help=True)


@schema_app.command("init")
def schema_init(folder: str = typer.Argument(..., help="Your dataset folder"),
                task: str | None = typer.Option(None, "--task", help="Draft it as this task (ner: an RE set)"),
                force: bool = typer.Option(False, "--force", help="Overwrite an existing schema.yaml"),
                data_root: str | None = _ROOT) -> None:
    """Write FOLDER/schema.yaml with every label code of the data and a first query phrase for each (edit them)."""
    from ..evaluation.dataset_check import init_schema
    path = init_schema(folder, task=task, force=force, root=data_root)
    typer.echo(f"wrote {path}: edit the phrases, then `metaie data check {folder}`")


def register(app: typer.Typer) -> None:
    app.add_typer(schema_app, name="schema")

    @app.command()
    def finetune(model: str | None = typer.Option(None, "--model", "-m", help="metaie model directory to start from"),
                 backbone: str | None = typer.Option(None, "--backbone", help="Start from a plain backbone instead"),
                 task: str | None = typer.Option(None, "--task", help="ner, re, ee, srl, absa, aste"),
                 data: str = typer.Option(..., "--data", help="Dataset name under the data root, or a folder"),
                 shots: int = typer.Option(5, "--shots", help="K: mentions per label"),
                 seed: int = typer.Option(1, "--seed"),
                 out: str = typer.Option(..., "--out", help="Output model directory"),
                 epochs: int = option(FinetuneArgs, "epochs", "--epochs"),
                 batch_size: int = option(FinetuneArgs, "batch_size", "--batch-size"),
                 lr: float = option(FinetuneArgs, "lr", "--lr"),
                 max_steps: int | None = option(FinetuneArgs, "max_steps", "--max-steps",
                                                help="A budget in optimiser steps instead of --epochs"),
                 min_epochs: float | None = option(FinetuneArgs, "min_epochs", "--min-epochs",
                                                   help="At least this many passes over the data"),
                 replay: float = option(FinetuneArgs, "replay", "--replay", min=0.0,
                                        help="Mix in this many meta-training queries per few-shot query (the step "
                                             "budget grows to match): keeps the start point's general skill"),
                 replay_data: str = option(FinetuneArgs, "replay_data", "--replay-data",
                                           help="Where replayed queries come from: any `metaie train --data` source"),
                 mode: str = typer.Option("per_label", "--mode", help="With --backbone: per_label or packed "
                                                                     "(a --model keeps its own mode)"),
                 threshold: float | None = typer.Option(
                     None, "--threshold", help="The threshold the model decodes at by default (stored in its "
                                               "metaie.json; default: its task family's, chosen on dev splits)"),
                 tune_threshold: str | None = typer.Option(
                     None, "--tune-threshold", help="Instead choose it on this split of the data (e.g. dev): the "
                                                    "best F1 of 0.2-0.8"),
                 tune_limit: int | None = typer.Option(300, "--tune-limit", help="Examples of that split to score "
                                                                                 "(a seeded sub-sample)"),
                 per_label: bool = typer.Option(False, "--per-label", help="With --tune-threshold: each label "
                                                "also gets a threshold of its own, chosen on that split"),
                 schema: str | None = _SCHEMA, data_root: str | None = _ROOT,
                 threads: int | None = THREADS) -> None:
        """Fine-tune on K shots per label of a task dataset (in the start model's mode: per-label or packed)."""
        from ..threads import set_threads
        from ..training.finetune import StartPoint
        from ..training.finetune import finetune as run
        set_threads(threads)
        start = StartPoint("model" if model else "backbone", model=model, backbone=backbone, mode=mode)
        _, res, info = run(start, data, shots, seed, out, FinetuneArgs(epochs=epochs, batch_size=batch_size, lr=lr,
                                                                    max_steps=max_steps, min_epochs=min_epochs,
                                                                    replay=replay, replay_data=replay_data,
                                                                    threads=threads),
                           root=data_root, schema=schema, task=task, threshold=threshold, tune_split=tune_threshold,
                           tune_limit=tune_limit, per_label=per_label)
        mixed = f" + {info['replay']['queries']} replayed" if "replay" in info else ""
        typer.echo(f"fine-tuned on {info['examples']} examples ({info['queries']} queries{mixed}, {res.steps} steps) "
                   f"in {res.seconds:.1f}s -> {out} (default threshold {info['threshold']['value']}, from "
                   f"{info['threshold']['from']})")
        if per_label:
            _echo_label_thresholds(info["threshold"])

    @app.command("tune-threshold")
    def tune_threshold(model: str = typer.Option(..., "--model", "-m", help="metaie model directory or built-in name"),
                       data: str = typer.Option(..., "--data", help="Dataset name under the data root, or a folder"),
                       split: str = typer.Option("dev", "--split", help="The labelled split to choose on (not test)"),
                       per_label: bool = typer.Option(False, "--per-label",
                                                      help="Each label also gets a threshold of its own"),
                       out: str | None = typer.Option(None, "--out", help="Save the tuned model here (default: "
                                                                          "in place, for a local directory)"),
                       limit: int = typer.Option(300, "--limit", min=0, help="Examples of the split to score "
                                                                          "(a seeded sub-sample; 0: all)"),
                       task: str | None = typer.Option(None, "--task"),
                       schema: str | None = _SCHEMA, data_root: str | None = _ROOT,
                       threads: int | None = THREADS) -> None:
        """Choose the threshold a model decodes at (and with --per-label each label's) on a labelled dev split,
        and store it in the model (metaie.json): zero-shot or fine-tuned, no training."""
        from ..threads import set_threads
        from ..training.finetune import tune_thresholds
        set_threads(threads)
        rec = tune_thresholds(model, data, split, out, root=data_root, schema=schema, task=task, limit=limit or None,
                              per_label=per_label)
        typer.echo(f"default threshold {rec['value']} (F1 {rec['f1'][str(rec['value'])]:.4f} on {rec['from']}) "
                   f"-> {out or model}")
        if per_label:
            _echo_label_thresholds(rec)

    @app.command()
    def evaluate(model: str = typer.Option(..., "--model", "-m", help="metaie model directory"),
                 task: str | None = typer.Option(None, "--task"),
                 data: str = typer.Option(..., "--data", help="Dataset name under the data root, or a folder"),
                 split: str = typer.Option("test", "--split"),
                 limit: int | None = typer.Option(None, "--limit", help="Seeded random sub-sample of the split"),
                 threshold: float | None = THRESHOLD,
                 schema: str | None = _SCHEMA,
                 data_root: str | None = _ROOT,
                 json_out: str | None = typer.Option(None, "--json", help="Also write all metrics to this file"),
                 threads: int | None = THREADS) -> None:
        """Score a model on a task dataset split (strict micro F1, per label too)."""
        from ..evaluation.evaluate import evaluate as run
        from ..jsonl import write_json
        from ..model.tagger import MetaIE
        from ..threads import set_threads
        set_threads(threads)
        res = run(MetaIE.from_pretrained(model), data, split, root=data_root, schema=schema, task=task,
                  threshold=threshold, limit=limit)
        sub = f" (sub-sample of {res['examples_in_split']})" if res["subsampled"] else ""
        for name, m in res["metrics"].items():
            typer.echo(f"{name:16s} P={m['precision']:.4f} R={m['recall']:.4f} F1={m['f1']:.4f} "
                       f"tp={m['tp']} fp={m['fp']} fn={m['fn']}")
        typer.echo(f"{res['task']} {data}/{split}: {res['examples']} examples{sub}, main metric {res['main']} "
                   f"F1={res['f1']:.4f} at threshold {res['threshold']}")
        if json_out:
            write_json(json_out, res)

    @app.command()
    def benchmark(config: str = typer.Option(None, "--config", help="Benchmark YAML (e.g. bench/paper.yaml)"),
                  out: str = typer.Option("results", "--out", help="Results folder (re-running resumes)"),
                  report: bool = typer.Option(False, "--report", help="Only write the reports from every finished "
                                                                      "run in --out (runs nothing)"),
                  overrides: list[str] = typer.Option([], "--set", help="KEY=VALUE over the config's settings, "
                                                      "repeatable; dotted keys reach into mappings, values are "
                                                      "YAML (e.g. --set train.lr=5e-5 --set threshold.ner=0.7)"),
                  threads: int | None = THREADS) -> None:
        """Run the few-shot / zero-shot benchmark; writes CSVs, results.md and PNG plots."""
        from ..evaluation.benchmark import report_only, run_benchmark
        from ..threads import set_threads
        set_threads(threads)  # a run's train.threads in the config still wins for its fine-tuning
        if report:
            rows = report_only(out, config, overrides)
        elif config is None:
            raise ConfigError("--config is required (or --report to tabulate finished runs)")
        else:
            rows = run_benchmark(config, out, log=typer.echo, overrides=overrides)
        typer.echo(json.dumps({"runs": len(rows), "out": out}))


def _echo_label_thresholds(rec: dict) -> None:
    per = rec["per_label"]
    own = ", ".join(f"{lab} {t}" for lab, t in rec["labels"].items()) or "none differ from the default"
    typer.echo(f"per label ({len(per['labels_tuned'])} tuned): {own}; F1 {per['f1_before']:.4f} -> "
               f"{per['f1_after']:.4f} on the same split")
