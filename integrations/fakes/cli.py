"""``cpd fakes …``: run the local stand-ins for outside services."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from cpd.config import FAKE_TEACHER_RECORD_API_KEY


@click.group("fakes")
def fakes() -> None:
    """Local stand-ins for outside services (development and the sandbox)."""


@fakes.command("teacher-records")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8700, show_default=True)
@click.option(
    "--data",
    "data_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of made-up teachers (default: sandbox-data/teacher-records.csv).",
)
@click.option(
    "--api-key",
    envvar="TEACHER_RECORD_API_KEY",
    default=FAKE_TEACHER_RECORD_API_KEY,
    show_default="the development key",
    help="The bearer key to accept (TEACHER_RECORD_API_KEY, as the app sends).",
)
def teacher_records(host: str, port: int, data_file: Path | None, api_key: str) -> None:
    """Serve the teacher record API from a CSV file until interrupted."""
    from integrations.fakes.teacher_record_server import (
        DEFAULT_DATA,
        DataFileError,
        load_records,
        make_server,
    )

    try:
        records = load_records(data_file or DEFAULT_DATA)
    except DataFileError as error:
        raise click.ClickException(str(error)) from error
    try:
        server = make_server(records, host=host, port=port, api_key=api_key)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror or error}") from error
    logging.basicConfig(level=logging.INFO)
    click.echo(
        f"Fake teacher record API: {len(records)} records at http://{host}:{server.server_address[1]}",
        err=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
