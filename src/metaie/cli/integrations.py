"""Annotation-tool commands: annotate (pre-annotate for Label Studio / doccano), import-annotations,
export-annotations. They parse options and delegate to metaie.integrations."""
from __future__ import annotations

import json

import typer

from .options import OVERLAP, THRESHOLD

_FMT = typer.Option("label-studio", "--format", "-f", help="label-studio or doccano")
_OFFSETS = typer.Option("utf16", "--offsets", help="doccano offset unit: utf16 (doccano's JavaScript indices) "
                                                   "or codepoint")


def import_annotations(fmt: str, path: str, out: str, annotators: str = "latest", offsets: str = "utf16",
                       text_field: str = "text") -> None:
    """Convert a Label Studio or doccano export into records and print the counts (also used by `import`)."""
    from ..errors import ConfigError
    from ..integrations.annotate import import_export
    if not path:
        raise ConfigError(f"give the export file: metaie import {fmt} EXPORT --out records.jsonl")
    typer.echo(json.dumps(import_export(fmt, path, out, rule=annotators, offsets=offsets, text_field=text_field),
                          ensure_ascii=False))


def register(app: typer.Typer) -> None:
    @app.command()
    def annotate(input: str = typer.Option(..., "--input", "-i", help="JSONL of texts"),
                 output: str = typer.Option(..., "--output", "-o", help="Tasks file (Label Studio JSON or doccano "
                                                                        "JSONL)"),
                 model: str = typer.Option(..., "--model", "-m", help="metaie model directory"),
                 labels: str | None = typer.Option(None, "--labels", "-l", help="Comma-separated labels"),
                 schema: str | None = typer.Option(None, "--schema", help="Task schema (name or YAML) for "
                                                                             "relations / events / triplets"),
                 fmt: str = _FMT, threshold: float | None = THRESHOLD,
                 overlap: str | None = OVERLAP,
                 batch_size: int = typer.Option(64), text_field: str = typer.Option("text", "--text-field"),
                 offsets: str = _OFFSETS, threads: int | None = typer.Option(None, "--threads")) -> None:
        """Pre-annotate texts with a model for correction in Label Studio (tasks + config XML) or doccano."""
        from ..integrations import annotate as ann
        from ..model.tagger import MetaIE
        from .core import _labels
        labs = _labels(labels) if labels is not None else None
        items = ann.read_texts(input, text_field)
        m = MetaIE.from_pretrained(model, threads=threads)
        preds = ann.predict(m, [t for _, t in items], labs, schema=schema, threshold=threshold,
                            batch_size=batch_size, overlap=overlap)
        span_labels, rel_labels = ann.tool_labels(preds, labs, schema)
        rep = ann.write_for_tool(fmt, output, items, preds, span_labels, rel_labels, model_version=str(model),
                                 offsets=offsets)
        typer.echo(json.dumps({**rep, "spans": sum(len(s) for s, _ in preds), "out": output}))

    @app.command("import-annotations")
    def import_cmd(fmt: str = typer.Argument(..., help="label-studio or doccano"),
                   path: str = typer.Argument(..., help="The tool's export (Label Studio JSON, doccano JSONL)"),
                   out: str = typer.Option(..., "--out", "-o", help="Records JSONL (what `metaie train` reads)"),
                   annotators: str = typer.Option("latest", help="Several annotators of a task: latest (ground "
                                                                 "truth, else the last updated) or majority"),
                   offsets: str = _OFFSETS, text_field: str = typer.Option("text", "--text-field")) -> None:
        """Read corrected annotations back from Label Studio or doccano (same as `metaie import FORMAT`)."""
        import_annotations(fmt, path, out, annotators, offsets, text_field)

    @app.command("export-annotations")
    def export_cmd(input: str = typer.Option(..., "--input", "-i", help="Records JSONL (distillation format)"),
                   output: str = typer.Option(..., "--output", "-o"), fmt: str = _FMT,
                   offsets: str = _OFFSETS) -> None:
        """Write records (e.g. gold or corrected data) as Label Studio tasks or doccano JSONL."""
        from ..integrations import annotate as ann
        from ..integrations.records import records_for_tool
        items, preds = records_for_tool(input)
        span_labels, rel_labels = ann.tool_labels(preds, None)
        typer.echo(json.dumps(ann.write_for_tool(fmt, output, items, preds, span_labels, rel_labels,
                                                 model_version="records", offsets=offsets)))
