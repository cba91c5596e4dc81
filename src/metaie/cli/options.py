"""Options shared by several commands."""
from __future__ import annotations

from typing import Any

import typer

from ..training.args import default


def option(cls: type, name: str, *decls: str, **kw: Any) -> Any:
    """A typer option whose default is dataclass ``cls``'s field ``name``: the CLI keeps no default of its own."""
    return typer.Option(default(cls, name), *decls, **kw)

THREADS = typer.Option(None, "--threads", min=1,
                       help="CPU threads for the model (default: every core; on a shared machine use 1 or a few)")
THRESHOLD = typer.Option(None, "--threshold", min=0.0, max=1.0,
                         help="Minimum span score (default: the model's own, from its metaie.json)")
OVERLAP = typer.Option(None, "--overlap", metavar="keep|likelier",
                       help="Overlapping spans of different labels: keep them all, or keep the likelier (the "
                            "default, the paper's rule; with --schema, the schema's own)")
