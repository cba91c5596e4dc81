"""One progress-bar helper for the package: a rich bar of counted work (or bytes) with extra text fields and
elapsed / remaining time. rich is imported when a bar is made."""
from __future__ import annotations

from typing import Any


def progress_bar(title: str, *fields: str, units: str = "count", elapsed: bool = True, remaining: bool = True,
                 transient: bool = False, console: Any = None) -> Any:
    """A ``rich.progress.Progress``: ``title``, the bar, done/total (``units="bytes"``: size and speed), one text
    column per ``fields`` template (``"loss {task.fields[loss]}"``), then elapsed and remaining time.

    >>> bar = progress_bar("train", "loss {task.fields[loss]}", transient=True)
    >>> [type(c).__name__ for c in bar.columns]
    ['TextColumn', 'BarColumn', 'MofNCompleteColumn', 'TextColumn', 'TimeElapsedColumn', 'TimeRemainingColumn']
    """
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    cols: list[Any] = [TextColumn(title), BarColumn()]
    cols += [DownloadColumn(), TransferSpeedColumn()] if units == "bytes" else [MofNCompleteColumn()]
    cols += [TextColumn(f) for f in fields]
    cols += [TimeElapsedColumn()] if elapsed else []
    cols += [TimeRemainingColumn()] if remaining else []
    return Progress(*cols, console=console, transient=transient)
