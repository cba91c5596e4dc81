"""Core commands: train, extract, quickstart."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def extract(text: list[str] = typer.Argument(None, help="Text(s) to extract from"),
                model: str = typer.Option(..., "--model", "-m", help="metaie model directory"),
                labels: str = typer.Option(..., "--labels", "-l", help="Comma-separated labels"),
                threshold: float = typer.Option(0.5, help="Minimum span score"),
                input: str = typer.Option(None, "--input", "-i", help="JSONL file of texts to stream through"),
                output: str = typer.Option(None, "--output", "-o", help="JSONL output for --input (resumes if present)"),
                text_field: str = typer.Option("text", help="Field of each --input record holding the text"),
                resume: bool = typer.Option(True, help="Continue an interrupted --output (--no-resume starts again)"),
                backend: str = typer.Option("torch", help="torch or onnx (an exported directory)"),
                threads: int = typer.Option(None, help="CPU threads for the model")) -> None:
        """Extract spans for the given labels from text, or stream a JSONL file with --input/--output."""
        from ..errors import ConfigError
        from ..model.tagger import MetaIE
        if (input is None) != (output is None):
            raise ConfigError("--input and --output go together")
        if input is not None and text:
            raise ConfigError("give texts as arguments or --input, not both")
        m = MetaIE.from_pretrained(model, backend=backend, threads=threads)
        label_list = [x for x in labels.split(",")]
        if input is not None:
            from ..extract_stream import extract_file
            stats = extract_file(m, input, output, label_list, text_field=text_field, threshold=threshold,
                                 resume=resume, model_name=model)
            typer.echo(f"wrote {stats.written} texts to {output} ({stats.skipped} already done, "
                       f"{stats.texts_per_second:.1f} texts/s)")
            return
        for t, spans in zip(text or [], m.extract_batch(text or [], label_list, threshold=threshold)):
            print(t, [s.to_dict() for s in spans])
