"""Joining a Ray cluster, and bringing a metaie error raised inside a Ray worker back as itself.

>>> from metaie.errors import ConfigError
>>> class Wrapped(Exception): ...
>>> w = Wrapped("task failed"); w.cause = ConfigError("bad --labels")
>>> str(unwrap(w))
'bad --labels'
>>> error_from_text(error_to_text(ConfigError("bad --labels")))
ConfigError('bad --labels')
"""
from __future__ import annotations

import os
from types import ModuleType

from .. import errors
from ..errors import MetaIEError
from ..extras import require


def require_ray() -> ModuleType:
    """The ``ray`` module, or one line naming ``pip install 'metaie[ray]'``."""
    return require("ray", "ray", "running on Ray")


def connect(address: str | None = None, num_cpus: int | None = None) -> ModuleType:
    """Join the cluster at ``address`` (``"auto"``: the one this machine belongs to; None: ``$RAY_ADDRESS``, else
    a new local cluster of ``num_cpus`` CPUs) unless this process is connected already; return ``ray``.

    Ray Data's progress bars are turned off: metaie shows its own.
    """
    ray = require_ray()
    if not ray.is_initialized():
        kwargs: dict = {"address": address or os.environ.get("RAY_ADDRESS") or None, "include_dashboard": False,
                        "log_to_driver": True}
        if kwargs["address"] is None and num_cpus is not None:
            kwargs["num_cpus"] = num_cpus
        ray.init(**kwargs)
    quiet_data()
    return ray


def quiet_data() -> None:
    """No Ray Data progress bars or per-operator progress logs in this process."""
    import ray.data
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    if hasattr(ctx, "enable_operator_progress_bars"):
        ctx.enable_operator_progress_bars = False


def unwrap(error: BaseException) -> BaseException:
    """The first :class:`~metaie.errors.MetaIEError` in ``error``'s chain (Ray wraps what a worker raised in its
    own exception types), else ``error`` itself."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        e = stack.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, MetaIEError) and type(e).__module__.startswith("metaie"):  # not Ray's dual-class copy
            return e
        stack += [getattr(e, "cause", None), e.__cause__, e.__context__]
    return error


def error_to_text(error: MetaIEError) -> str:
    """A metaie error as ``Class: message``, to travel back from a worker as data."""
    return f"{type(error).__name__}: {error}"


def error_from_text(text: str) -> MetaIEError:
    """The error :func:`error_to_text` described (its class from :mod:`metaie.errors`, its one-line message)."""
    name, _, message = text.partition(": ")
    cls = getattr(errors, name, MetaIEError)
    if not (isinstance(cls, type) and issubclass(cls, MetaIEError)):
        cls = MetaIEError
    e = cls.__new__(cls)
    Exception.__init__(e, message)
    return e
