"""Options shared by several commands."""
from __future__ import annotations

import typer

THREADS = typer.Option(None, "--threads", min=1,
                       help="CPU threads for the model (default: every core; on a shared machine use 1 or a few)")
