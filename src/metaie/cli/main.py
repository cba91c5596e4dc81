"""The ``metaie`` command. Each area registers its commands from its own module."""
from __future__ import annotations

import sys

import typer

from ..errors import MetaIEError

app = typer.Typer(name="metaie", help="Distil an LLM into a small label-to-span meta-model; extract, adapt, serve.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)


def _register_all() -> None:
    from . import core
    core.register(app)
    from . import data
    data.register(app)
    from . import distill
    distill.register(app)
    from . import tasks
    tasks.register(app)
    from . import serve
    serve.register(app)
    from . import integrations
    integrations.register(app)
    # Each area adds one line here.


_register_all()


def _click_errors() -> tuple[tuple[type[Exception], ...], tuple[type[BaseException], ...]]:
    """(usage-error classes, abort classes) of click and of typer's own copy of click, whichever exist."""
    usage: list[type[Exception]] = []
    abort: list[type[BaseException]] = [typer.Abort]
    for mod in ("click.exceptions", "typer._click.exceptions"):
        try:
            m = __import__(mod, fromlist=["ClickException"])
        except ImportError:
            continue
        usage.append(m.ClickException)
        abort += [m.Abort] if hasattr(m, "Abort") else []
    return tuple(usage), tuple(abort)


def usage_error(e: Exception) -> int:
    """Print a click error as one line, plus the usage hint for usage errors; return the exit status (2)."""
    ctx = getattr(e, "ctx", None)
    if type(e).__name__ == "NoArgsIsHelpError":  # `metaie data` with nothing after it: the help is the answer
        e.show()  # type: ignore[attr-defined]
        return int(getattr(e, "exit_code", 2))
    msg = " ".join(e.format_message().split())  # type: ignore[attr-defined]
    typer.secho(f"error: {msg}", err=True, fg="red")
    if ctx is not None:
        pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
        typer.echo(f"usage: {ctx.command_path} {pieces} (try '{ctx.command_path} --help')", err=True)
    return int(getattr(e, "exit_code", 2))


def main(argv: list[str] | None = None) -> None:
    """Entry point: package errors become one line on stderr and exit status 1; usage errors one line plus
    the usage hint and exit status 2."""
    usage, abort = _click_errors()
    try:
        rc = app(args=argv, prog_name="metaie", standalone_mode=False)
        if isinstance(rc, int) and rc:  # typer.Exit(n), and Ctrl-C (130), come back as a return value
            if rc == 130:
                typer.secho("interrupted", err=True)
            sys.exit(rc)
    except MetaIEError as e:
        typer.secho(f"error: {e}", err=True, fg="red")
        sys.exit(1)
    except KeyboardInterrupt:
        typer.secho("interrupted", err=True)
        sys.exit(130)
    except abort:
        sys.exit(1)
    except usage as e:
        sys.exit(usage_error(e))


if __name__ == "__main__":
    main()
