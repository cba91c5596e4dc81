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
    from . import data; data.register(app)
    from . import distill; distill.register(app)
    from . import tasks; tasks.register(app)
    from . import serve; serve.register(app)
    from . import integrations; integrations.register(app)
    # Each area adds one line here.


_register_all()


def main(argv: list[str] | None = None) -> None:
    """Entry point: package errors become one line on stderr and exit status 1."""
    try:
        app(args=argv, standalone_mode=False)
    except MetaIEError as e:
        typer.secho(f"error: {e}", err=True, fg="red")
        sys.exit(1)
    except KeyboardInterrupt:
        typer.secho("interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as e:  # click usage errors and the like
        import click
        if isinstance(e, click.exceptions.ClickException):
            e.show()
            sys.exit(e.exit_code)
        if isinstance(e, click.exceptions.Abort):
            sys.exit(1)
        raise


if __name__ == "__main__":
    main()
