"""`metaie data`: list the datasets, download one into the data root, check a folder, print the data root."""
from __future__ import annotations

import typer

data_app = typer.Typer(name="data", help="Datasets: list, download (sha256-verified), data root.",
                       no_args_is_help=True)

_ROOT = typer.Option(None, "--data-root", help="Data root (default: $METAIE_DATA, shared/data beside the repo, "
                                               "else ~/.cache/metaie/data)")
_MANIFEST = typer.Option(None, "--manifest", help="Dataset manifest JSON (default: the one shipped with metaie)")


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


@data_app.command("list")
def list_cmd(data_root: str | None = _ROOT, manifest: str | None = _MANIFEST) -> None:
    """List the datasets: files, size, and whether each is complete under the data root."""
    from ..datasets.download import list_datasets
    from ..datasets.root import data_root as resolve
    rows = list_datasets(data_root, manifest)
    typer.echo(f"data root: {resolve(data_root)}")
    width = max(len(r.name) for r in rows) if rows else 4
    for r in rows:
        typer.echo(f"{r.name:<{width}}  {r.files:>5} files  {_mib(r.size):>10}  "
                   f"{'present' if r.present else 'missing'}")


@data_app.command("download")
def download_cmd(names: list[str] = typer.Argument(..., help="Dataset name(s), or 'all'"),
                 data_root: str | None = _ROOT,
                 base_url: str | None = typer.Option(
                     None, "--base-url", help="Mirror serving <URL>/<dataset>/<path> (default: $METAIE_DATA_MIRROR)"),
                 force: bool = typer.Option(False, "--force", help="Fetch again even files that verify"),
                 quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar"),
                 manifest: str | None = _MANIFEST) -> None:
    """Fetch dataset files from their public source (or a mirror) and verify each sha256."""
    from ..datasets.download import download, load_manifest
    if names == ["all"]:
        names = sorted(load_manifest(manifest)["datasets"])
    for name in names:
        path = download(name, root=data_root, base_url=base_url, force=force, progress=not quiet,
                        manifest=manifest)
        typer.echo(f"{name}: {path}")


@data_app.command("check")
def check_cmd(folder: str = typer.Argument(..., help="Dataset folder (or a dataset name under the data root)"),
              task: str | None = typer.Option(None, "--task", help="Read it as this task (ner on an RE dataset)"),
              data_root: str | None = _ROOT) -> None:
    """Check a dataset before a long run: task sniffed, splits, sentences and mentions per label, problems."""
    from ..errors import ConfigError
    from ..evaluation.dataset_check import check_dataset, format_check
    chk = check_dataset(folder, task=task, root=data_root)
    typer.echo(format_check(chk))
    if chk.problems:
        raise ConfigError(f"{chk.folder}: {len(chk.problems)} problem(s) found (listed above)")


@data_app.command("path")
def path_cmd(data_root: str | None = _ROOT) -> None:
    """Print the data root in force."""
    from ..datasets.root import data_root as resolve
    typer.echo(str(resolve(data_root)))


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
