"""CPU threads of the model: one setting (``--threads``) for every long-running command.

The default (None) leaves torch's own choice, one thread per core: right on a machine of your own. On a
machine shared with other work, pass a small number (``--threads 1``): oversubscribed cores make every thread
wait, and one thread each was measured 2.3-2.5x faster there.
"""
from __future__ import annotations

from .errors import ConfigError


def set_threads(threads: int | None) -> int:
    """Use ``threads`` CPU threads for torch from now on (None: keep the current setting); return the number in
    force.

    >>> set_threads(None) >= 1
    True
    """
    import torch
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ConfigError(f"--threads must be an integer >= 1 (or left out for every core), not {threads!r}")
        torch.set_num_threads(threads)
    return torch.get_num_threads()
