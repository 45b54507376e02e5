"""``cpd gias import FILE``: create, update and close schools from a GIAS establishment CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group("gias")
def gias() -> None:
    """Schools from GIAS (Get information about schools)."""


@gias.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def gias_import(file: Path) -> None:
    """Import FILE, GIAS's establishment CSV (the edubasealldata layout, Windows-1252 or UTF-8).

    Schools here are updated and closed as the file says; new open schools in England that
    can use the service are created. The file is checked whole first, and written in one
    transaction, so a bad row changes nothing. Running it twice changes nothing the second time.
    """
    from cpd.cli import _settings, _write  # the command line's own helpers
    from domain.gias import GiasFileError, decode, import_establishments, parse

    settings = _settings()
    try:
        rows = parse(decode(file.read_bytes()))
    except GiasFileError as error:
        raise click.ClickException(f"{file.name}: {error}") from error
    with (
        _write(settings) as session,
        click.progressbar(length=len(rows), label="Importing schools", file=sys.stderr) as bar,
    ):
        report = import_establishments(session, rows, progress=bar.update)
    click.echo(f"{report}.")
