"""Core commands: train, extract, quickstart."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def extract(text: list[str] = typer.Argument(None, help="Text(s) to extract from"),
                model: str = typer.Option(..., "--model", "-m", help="metaie model directory"),
                labels: str = typer.Option(..., "--labels", "-l", help="Comma-separated labels"),
                threshold: float = typer.Option(0.5, help="Minimum span score")) -> None:
        """Extract spans for the given labels from text."""
        from ..model.tagger import MetaIE
        m = MetaIE.from_pretrained(model)
        for t, spans in zip(text, m.extract_batch(text, [x for x in labels.split(",")], threshold=threshold)):
            print(t, [s.to_dict() for s in spans])
